"""Django settings for the throwaway django-oauth-toolkit test server.

Everything that changes per run comes from the environment, set by serve.py
before Django starts:

  AUTHSERVER_ISSUER                 e.g. http://127.0.0.1:40123/o
  AUTHSERVER_DB                     path of the SQLite file (in a temp dir)
  AUTHSERVER_RSA_PEM                RSA private key (PEM) that signs ID tokens
  AUTHSERVER_ACCESS_TOKEN_SECONDS   access-token lifetime (default 300)
  AUTHSERVER_REFRESH_TOKEN_SECONDS  refresh-token lifetime (default: none)
  AUTHSERVER_ID_TOKEN_SECONDS       ID-token lifetime (default 3600)
  AUTHSERVER_DEVICE_INTERVAL        device-flow polling interval (default 1)
  AUTHSERVER_JWT_ACCESS_TOKENS      "1": access tokens are RS256 JWTs
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

ISSUER = os.environ.get("AUTHSERVER_ISSUER", "http://127.0.0.1:8000/o").rstrip("/")
ORIGIN = ISSUER.rsplit("/o", 1)[0]

SECRET_KEY = "authctl-test-server-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "authserver",
]

MIDDLEWARE = [
    "authserver.stats.StatsMiddleware",
    "authserver.serialize.SerializeTokenEndpointMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "authserver.urls"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("AUTHSERVER_DB", "/tmp/authserver.sqlite3"),
        "OPTIONS": {
            # Many concurrent requests (the "one refresh under load" test):
            # wait for the lock instead of failing, and take the write lock
            # at BEGIN so two readers never deadlock upgrading.
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# The database is new on every start: create the tables straight from the
# models (`migrate --run-syncdb`) instead of replaying some 60 migrations,
# which takes ~1.3 s of a ~1.8 s start.
MIGRATION_MODULES = {app: None for app in ("auth", "contenttypes", "sessions", "oauth2_provider")}

# Fast hashing: a throwaway test server, and DOT hashes client secrets with
# the default hasher on every token request.
PASSWORD_HASHERS = ["authserver.hashers.FastPBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
STATIC_URL = "/static/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.server": {
            "handlers": ["stderr"],
            "level": "ERROR" if os.environ.get("AUTHSERVER_QUIET") == "1" else "INFO",
            "propagate": False,
        },
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "oauth2_provider": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}


def _pkce_required(client_id):
    """PKCE is mandatory for public clients, optional for confidential ones."""
    from oauth2_provider.models import get_application_model

    app = get_application_model().objects.filter(client_id=client_id).first()
    return app is None or app.client_type == "public"


def _int_env(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


ACCESS_TOKEN_SECONDS = _int_env("AUTHSERVER_ACCESS_TOKEN_SECONDS", 300)
_refresh_seconds = _int_env("AUTHSERVER_REFRESH_TOKEN_SECONDS", 0)

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": os.environ.get("AUTHSERVER_RSA_PEM", ""),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # A GET with a valid id_token_hint and no browser session logs out at once;
    # a logged-in browser session is asked to confirm (DOT's default).
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "OAUTH2_VALIDATOR_CLASS": "authserver.validators.ClaimsValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name, user name and groups",
        "email": "Your e-mail address",
        "read": "Read access",
        "write": "Write access",
        "introspection": "Introspect tokens",
    },
    "DEFAULT_SCOPES": ["read"],
    "PKCE_REQUIRED": _pkce_required,
    "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": _int_env("AUTHSERVER_ID_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": _refresh_seconds or None,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Reusing a rotated refresh token revokes the whole token family.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "OAUTH_DEVICE_VERIFICATION_URI": ISSUER + "/device/",
    "OAUTH_DEVICE_VERIFICATION_URI_COMPLETE": ISSUER + "/device/?user_code={user_code}",
    "DEVICE_FLOW_INTERVAL": _int_env("AUTHSERVER_DEVICE_INTERVAL", 1),
}

if os.environ.get("AUTHSERVER_JWT_ACCESS_TOKENS") == "1":
    OAUTH2_PROVIDER["ACCESS_TOKEN_GENERATOR"] = "authserver.tokens.jwt_access_token_generator"
    # oauthlib would otherwise use the access-token generator for refresh tokens too.
    OAUTH2_PROVIDER["REFRESH_TOKEN_GENERATOR"] = "oauthlib.oauth2.rfc6749.tokens.random_token_generator"
