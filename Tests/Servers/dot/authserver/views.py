import json

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from oauth2_provider.views import ConnectDiscoveryInfoView


class DiscoveryView(ConnectDiscoveryInfoView):
    """DOT's discovery document, plus the endpoints it leaves out (device
    authorization, revocation, introspection) and the grant types."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        origin = request.build_absolute_uri("/").rstrip("/")
        data.update(
            {
                "device_authorization_endpoint": origin + reverse("oauth2_provider:device-authorization"),
                "revocation_endpoint": origin + reverse("oauth2_provider:revoke-token"),
                "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "introspection_endpoint": origin + reverse("oauth2_provider:introspect"),
                "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ],
            }
        )
        out = JsonResponse(data)
        out["Access-Control-Allow-Origin"] = "*"
        return out


def index(request):
    return HttpResponse("authctl test authorization server (django-oauth-toolkit)\n", content_type="text/plain")


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")
