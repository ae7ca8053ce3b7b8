"""Request counters for tests (e.g. "50 concurrent `authctl token` cause
exactly one refresh"): GET /_test/stats answers JSON such as

    {"requests": {"POST /o/token/": 3, "GET /o/userinfo/": 1},
     "token_requests": {"authorization_code": 1, "refresh_token": 2},
     "token_responses": {"refresh_token 200": 1, "refresh_token 400": 1}}

POST /_test/stats/reset sets every counter back to zero. Test-only; not part of DOT.
"""

import threading
from collections import Counter

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

_lock = threading.Lock()
_requests = Counter()
_grants = Counter()
_responses = Counter()


class StatsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/_test/"):
            return self.get_response(request)
        grant = None
        if (
            request.method == "POST"
            and request.path.endswith("/token/")
            and request.content_type == "application/x-www-form-urlencoded"
        ):
            grant = request.POST.get("grant_type", "")
            if grant.startswith("urn:ietf:params:oauth:grant-type:"):
                grant = grant.rsplit(":", 1)[1]
        with _lock:
            _requests[f"{request.method} {request.path}"] += 1
            if grant is not None:
                _grants[grant] += 1
        response = self.get_response(request)
        if grant is not None:
            with _lock:
                _responses[f"{grant} {response.status_code}"] += 1
        return response


def stats(request):
    with _lock:
        data = {
            "requests": dict(_requests),
            "token_requests": dict(_grants),
            "token_responses": dict(_responses),
        }
    return JsonResponse(data)


@csrf_exempt
def reset(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    with _lock:
        _requests.clear()
        _grants.clear()
        _responses.clear()
    return JsonResponse({"reset": True})
