from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from oauth2_provider import urls as dot_urls

from authserver import stats, views

# The discovery route must come before DOT's own one to win.
oauth_patterns = (
    [
        re_path(r"^\.well-known/openid-configuration/?$", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"),
        *dot_urls.base_urlpatterns,
        *dot_urls.oidc_urlpatterns,
        *dot_urls.metadata_urlpatterns,
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("", views.index),
    path("healthz", views.healthz),
    path("_test/stats", stats.stats),
    path("_test/stats/reset", stats.reset),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/", include(oauth_patterns)),
]
