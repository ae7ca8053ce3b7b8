"""Optional RS256 JWT access tokens (serve.py --jwt-access-tokens).

DOT's access tokens are opaque by default. With this generator they are JWTs
signed by the same key as the ID tokens (same `kid` in the JWKS), carrying
iss, sub, aud (client id), azp, scope, iat, exp, jti and, for a user, email,
preferred_username and groups — so a client can read the expiry from the
token itself. DOT still stores and checks the token string as usual.
"""

import json
import time
import uuid

from jwcrypto import jwk, jwt


def jwt_access_token_generator(request, refresh_token=False):
    from django.conf import settings
    from oauth2_provider.settings import oauth2_settings

    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode("utf-8"))
    now = int(time.time())
    lifetime = getattr(request, "expires_in", None) or oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
    client_id = getattr(request, "client_id", None) or getattr(getattr(request, "client", None), "client_id", "")
    claims = {
        "iss": settings.ISSUER,
        "aud": client_id,
        "azp": client_id,
        "iat": now,
        "exp": now + int(lifetime),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(request.scopes or []),
        "client_id": client_id,
    }
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        claims.update(
            {
                "sub": str(user.pk),
                "email": user.email,
                "preferred_username": user.get_username(),
                "groups": sorted(user.groups.values_list("name", flat=True)),
            }
        )
    else:
        claims["sub"] = client_id
    header = {"typ": "at+jwt", "alg": "RS256", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()
