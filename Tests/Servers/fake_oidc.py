#!/usr/bin/env python3
"""Local fake OAuth 2 / OpenID Connect servers for authctl's tests (Python 3.11 stdlib only).

    python3 fake_oidc.py --mode keycloak|craft [--port 0] [--lifetime 300] [--realm emergence]

Binds 127.0.0.1, prints one line `PORT <n>` on stdout, then serves. Exits when its parent
process dies (checked every 0.5 s) and after --lifetime seconds in any case.

keycloak: a Keycloak realm (issuer http://127.0.0.1:<port>/realms/<realm>, endpoints under
          /realms/<realm>/protocol/openid-connect/) plus the emergence API of seed 000 (/api/v1/...).
craft:    craft's OAuth 2 (seed 001): GET /oauth/authorize (the craft.fast login host) and
          POST /v1/oauth/token with a JSON body, GET /v1/me, /v1/projects (the api.craft.fast host).

Everything (endpoints, clients, controls, and each choice made where the seeds are silent) is
documented in README-oidc.md beside this file. The conventions follow fake_providers.py: the
/__control/ API, queued faults, and the request log. The HTTP plumbing both share is in
server_common.py beside this file.
"""
import argparse, base64, hashlib, html, json, os, re, secrets, sys, threading, time, uuid
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also under python -P, -I or PYTHONSAFEPATH
import server_common
from server_common import Reply

# ----------------------------------------------------------------------------- state
LOCK = threading.Lock()
MODE, REALM, PORT = "", "emergence", 0
DEFAULT_CONFIG = {
    "access_lifetime": 300,      # expires_in of access tokens (alias on POST: "expires_in")
    "refresh_lifetime": 1800,    # refresh_expires_in (alias: "refresh_expires_in")
    "iat_offset": 0,             # added to iat (and so exp) of new tokens: negative = an old token
    "code_lifetime": 60,         # authorization codes
    "omit_expires_in": False,    # token answers without expires_in (clients fall back to JWT exp/iat)
    "rotate_refresh": True,      # refresh grant answers a new refresh token and retires the old one
    "reuse_revokes_family": False,  # replaying a used refresh token also ends its session
    "deny": False,               # authorize / device approval answers access_denied
    "wrong_state": False,        # authorize redirects with a state that is not the one sent
    "withhold": False,           # authorize answers a login page and never redirects
    "device_interval": 5, "device_expires_in": 600,
    "slow_down": 0,              # the next n device-code polls answer slow_down
    "slow_down_check": True,     # answer slow_down when polled faster than the interval
    "rate_limit": 0,             # the next n API requests answer 429 RATE_LIMIT_EXCEEDED
    "retry_after": "1",          # Retry-After of those 429 answers
    "forbidden": False,          # every API request with a valid token answers 403 FORBIDDEN
    "api_error_shape": "nested",  # emergence errors: nested {"error":{code,message}} | flat {code,message}
    "discovery_omit": [],        # keys left out of the discovery document
    "discovery_suffix": {},      # text appended to endpoints, e.g. {"end_session_endpoint": "?tenant=acme"}
    "user": {},                  # merged into the signed-in user (email, groups, name...)
}
STATE = {}


def reset_state():
    STATE.clear()
    STATE.update({"config": json.loads(json.dumps(DEFAULT_CONFIG)), "faults": [], "requests": [],
                  "codes": {}, "tokens": {}, "sessions": {}, "devices": {}})


reset_state()
KID = "fake-oidc-rs256-1"

USER = {"sub": "7c1d2a6e-3f4b-4c5d-9e8f-0a1b2c3d4e5f", "preferred_username": "alice",
        "email": "alice@example.com", "email_verified": True, "name": "Alice Liddell",
        "given_name": "Alice", "family_name": "Liddell", "groups": ["/developers", "/admins"]}
KC_CLIENTS = {
    "authctl": {"secret": None, "grants": {"authorization_code", "refresh_token", "device_code"}},
    "authctl-confidential": {"secret": "conf-secret",
                             "grants": {"authorization_code", "refresh_token", "device_code"}},
    "authctl-service": {"secret": "service-secret", "grants": {"client_credentials"}},
}
CRAFT_CLIENTS = {"authctl-craft": {"secret": "craft-secret"}}
CRAFT_USER = {"id": "user_123", "email": "user@example.com", "name": "John Doe"}
CRAFT_SCOPES = ["read", "write", "delete", "admin"]
KC_SCOPES = {"openid", "profile", "email", "offline_access", "roles", "groups", "web-origins", "acr",
             "address", "phone", "microprofile-jwt", "basic"}
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PROJECTS = [  # emergence projects and who may use them (role per sub)
    {"id": "11111111-1111-4111-8111-111111111111", "name": "Demo",
     "roles": {USER["sub"]: "admin", "service": "editor"}},
    {"id": "22222222-2222-4222-8222-222222222222", "name": "Analytics", "roles": {USER["sub"]: "viewer"}},
    {"id": "33333333-3333-4333-8333-333333333333", "name": "Restricted", "roles": {}},
]
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VERIFIER_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def cfg(key):
    return STATE["config"][key]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWK_N = b64url(b"\xc7" + (hashlib.sha512(b"fake-oidc-modulus").digest() * 4)[1:-1] + b"\x01")  # 2048-bit, odd


def make_jwt(payload, alg="RS256", typ="JWT"):
    header = {"alg": alg, "typ": typ, "kid": KID} if alg == "RS256" else {"alg": alg, "typ": "JWT"}
    body = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(payload, separators=(",", ":")).encode())
    return body + "." + b64url(secrets.token_bytes(256 if alg == "RS256" else 64))


def issuer():
    return "http://127.0.0.1:%d/realms/%s" % (PORT, REALM)


def oidc(path=""):
    return issuer() + "/protocol/openid-connect" + path


def current_user():
    return {**USER, **(cfg("user") or {})}


def service_user(client_id):
    return {"sub": "service-" + str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
            "preferred_username": "service-account-" + client_id, "email_verified": False,
            "service": True, "groups": []}


# ----------------------------------------------------------------------------- tokens
def new_session(user, client_id):
    sid = str(uuid.uuid4())
    STATE["sessions"][sid] = {"user": user, "client": client_id, "auth_time": int(time.time()), "active": True}
    return sid


def register(token, **rec):
    rec.setdefault("revoked", False)
    rec.setdefault("expired", False)
    rec.setdefault("used", False)
    STATE["tokens"][token] = rec
    return token


def token_status(token, kind):
    """(state, record); state is ok | unknown | revoked | used | expired."""
    rec = STATE["tokens"].get(token or "")
    if rec is None or rec["kind"] != kind:
        return "unknown", None
    session = STATE["sessions"].get(rec.get("sid") or "")
    if rec["revoked"] or (session is not None and not session["active"]):
        return "revoked", rec
    if rec["used"]:
        return "used", rec
    if rec["expired"] or (rec["exp"] is not None and time.time() >= rec["exp"]):
        return "expired", rec
    return "ok", rec


def expires_in(rec_exp):
    return max(0, int(rec_exp) - int(time.time()))


def kc_issue(client_id, user, scope, sid, nonce=None, refresh=True):
    """Keycloak token answer: JWT access token, JWT refresh token, ID token for scope openid."""
    now = int(time.time())
    iat = now + int(cfg("iat_offset"))
    exp = iat + int(cfg("access_lifetime"))
    session = STATE["sessions"].get(sid) if sid else None
    auth_time = session["auth_time"] if session else now
    ident = {k: user[k] for k in ("email", "email_verified", "name", "preferred_username",
                                  "given_name", "family_name") if k in user}
    claims = {"exp": exp, "iat": iat, "auth_time": auth_time, "jti": str(uuid.uuid4()), "iss": issuer(),
              "aud": "account", "sub": user["sub"], "typ": "Bearer", "azp": client_id, "acr": "1",
              "scope": scope, **ident, "groups": list(user.get("groups", []))}
    if sid:
        claims.update({"sid": sid, "session_state": sid})
    access = register(make_jwt(claims), kind="access", client=client_id, sub=user["sub"], user=user,
                      scope=scope, sid=sid, iat=iat, exp=exp)
    answer = {"access_token": access, "expires_in": expires_in(exp), "refresh_expires_in": 0,
              "token_type": "Bearer", "not-before-policy": 0, "scope": scope}
    if sid:
        answer["session_state"] = sid
    if "openid" in scope.split():
        idc = {"exp": exp, "iat": iat, "auth_time": auth_time, "jti": str(uuid.uuid4()), "iss": issuer(),
               "aud": client_id, "sub": user["sub"], "typ": "ID", "azp": client_id, "acr": "1",
               "at_hash": b64url(hashlib.sha256(access.encode()).digest()[:16]), **ident,
               "groups": list(user.get("groups", []))}
        if nonce:
            idc["nonce"] = nonce
        if sid:
            idc.update({"sid": sid, "session_state": sid})
        answer["id_token"] = register(make_jwt(idc), kind="id", client=client_id, sub=user["sub"],
                                      user=user, scope=scope, sid=sid, iat=iat, exp=exp)
    if refresh:
        offline = "offline_access" in scope.split()
        rexp = None if offline else iat + int(cfg("refresh_lifetime"))
        rc = {"iat": iat, "jti": str(uuid.uuid4()), "iss": issuer(), "aud": issuer(), "sub": user["sub"],
              "typ": "Offline" if offline else "Refresh", "azp": client_id, "scope": scope}
        if rexp:
            rc["exp"] = rexp
        if sid:
            rc.update({"sid": sid, "session_state": sid})
        answer["refresh_token"] = register(make_jwt(rc, alg="HS512"), kind="refresh", client=client_id,
                                           sub=user["sub"], user=user, scope=scope, sid=sid, iat=iat,
                                           exp=rexp, nonce=nonce)
        answer["refresh_expires_in"] = 0 if offline else expires_in(rexp)
    if cfg("omit_expires_in"):
        answer.pop("expires_in")
    return answer


# ----------------------------------------------------------------------------- HTML pages and redirects
def page(status, title, text=""):
    raise Reply(status, "<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p>"
                "</body></html>" % (html.escape(title), html.escape(title), html.escape(text)),
                {"Content-Type": "text/html; charset=utf-8"})


def redirect(url, params):
    raise Reply(302, b"", {"Location": url + ("&" if "?" in url else "?") + urlencode(params)})


# ----------------------------------------------------------------------------- control API
def find_device(body):
    devices = STATE["devices"]
    code = body.get("user_code")
    if code:
        for d in devices.values():
            if d["user_code"].replace("-", "") == code.replace("-", "").upper():
                return d
        raise Reply(404, {"error": "unknown user_code " + code})
    if body.get("device_code"):
        d = devices.get(body["device_code"])
        if d is None:
            raise Reply(404, {"error": "unknown device_code"})
        return d
    if not devices:
        raise Reply(404, {"error": "no device authorization yet"})
    return max(devices.values(), key=lambda d: d["created"])  # the latest one


def device_view(d):
    return {k: d[k] for k in ("user_code", "device_code", "client", "scope", "status", "interval", "polls")}


def control(h):
    name, body = h.route[len("/__control/"):], h.json_body() or {}
    if name == "requests":
        raise Reply(200, STATE["requests"])
    if name == "config" and h.method == "GET":
        raise Reply(200, STATE["config"])
    if name == "state" and h.method == "GET":
        raise Reply(200, state_view())
    if h.method != "POST":
        raise Reply(404, {"error": "unknown control " + name})
    h.answer_log_and_faults(name, body)
    if name == "config":
        aliases = {"expires_in": "access_lifetime", "refresh_expires_in": "refresh_lifetime"}
        for k, v in body.items():
            k = aliases.get(k, k)
            if k not in DEFAULT_CONFIG:
                raise Reply(400, {"error": "unknown config key " + k})
            if k == "slow_down" or k == "rate_limit":
                v = int(v is True) if isinstance(v, bool) else int(v)
            STATE["config"][k] = v
        raise Reply(200, STATE["config"])
    if name == "device":
        action = body.get("action", "list")
        if action == "list":
            raise Reply(200, {"devices": [device_view(d) for d in STATE["devices"].values()]})
        d = find_device(body)
        if action in ("approve", "deny"):
            d["status"] = "approved" if action == "approve" else "denied"
        elif action == "expire":
            d["status"] = "expired"
        elif action == "slow_down":
            d["slow_down"] += int(body.get("times", 1))
        else:
            raise Reply(400, {"error": "unknown action " + action})
        raise Reply(200, device_view(d))
    if name == "expire-tokens":
        kinds = {"access": ["access", "id"], "refresh": ["refresh"], "all": ["access", "id", "refresh"]}
        kinds = kinds.get(body.get("kind", "access"), ["access", "id"])
        n = 0
        for tok, rec in STATE["tokens"].items():
            if rec["kind"] in kinds and (not body.get("token") or body["token"] == tok):
                rec["expired"], n = True, n + 1
        raise Reply(200, {"expired": n})
    if name == "revoke":
        n = 0
        for tok, rec in STATE["tokens"].items():
            if body.get("token") == tok or (body.get("kind") in (rec["kind"], "all")):
                rec["revoked"], n = True, n + 1
        raise Reply(200, {"revoked": n})
    if name == "mint":  # a development token (seed 000), or a craft token
        if MODE == "craft":
            raise Reply(200, craft_issue(body.get("client_id", "authctl-craft"), body.get("scope", "read write")))
        client = body.get("client_id", "authctl")
        scope = body.get("scope", "openid profile email")
        saved = dict(STATE["config"])
        for k in ("access_lifetime", "iat_offset"):
            if k in body:
                STATE["config"][k] = body[k]
        if "expires_in" in body:
            STATE["config"]["access_lifetime"] = body["expires_in"]
        try:
            answer = kc_issue(client, current_user(), scope, new_session(current_user(), client),
                              refresh=bool(body.get("refresh", False)))
        finally:
            STATE["config"] = saved
        raise Reply(200, answer)
    if name == "reset":
        reset_state()
        raise Reply(200, {})
    raise Reply(404, {"error": "unknown control " + name})


def state_view():
    now = time.time()
    tokens = []
    for tok, rec in STATE["tokens"].items():
        tokens.append({"token": tok, "kind": rec["kind"], "client": rec["client"], "sub": rec["sub"],
                       "scope": rec["scope"], "sid": rec.get("sid"), "status": token_status(tok, rec["kind"])[0],
                       "exp": rec["exp"], "expires_in": None if rec["exp"] is None else int(rec["exp"] - now)})
    return {"tokens": tokens, "sessions": STATE["sessions"],
            "codes": [{"client": c["client"], "used": c["used"], "redirect_uri": c["redirect_uri"]}
                      for c in STATE["codes"].values()],
            "devices": [device_view(d) for d in STATE["devices"].values()]}


# ----------------------------------------------------------------------------- authorization (both modes)
def loopback_ok(uri):
    """A redirect URI on the loopback interface, any port (RFC 8252 section 7.3), http only."""
    try:
        u = urlsplit(uri)
        return u.scheme == "http" and u.hostname in ("127.0.0.1", "::1") and u.port is not None \
            and not u.fragment
    except ValueError:
        return False


def authorize(h, clients, known_scopes, default_scope, pkce_required_for_public):
    """Shared authorization endpoint: validates, then auto-approves (or follows the config)."""
    def fatal(status, err, desc):
        page(400, "We are sorry...", desc)
    p = h.params(fatal)
    client_id, redirect_uri = p.get("client_id", ""), p.get("redirect_uri", "")
    client = clients.get(client_id)
    if client is None:
        page(400, "We are sorry...", "Client not found.")
    if not loopback_ok(redirect_uri):
        page(400, "We are sorry...", "Invalid parameter: redirect_uri")
    state = p.get("state")
    back = {"state": state} if state is not None else {}
    if MODE == "keycloak":
        back["iss"] = issuer()

    def err(code, desc):
        redirect(redirect_uri, {"error": code, "error_description": desc, **back})
    if p.get("response_type") != "code":
        err("unsupported_response_type", "Client is not allowed to initiate browser login with given "
            "response_type. Standard flow is disabled for the client.")
    scopes = [s for s in p.get("scope", "").split() if s]
    if MODE == "craft":
        bad = [s for s in scopes if s not in known_scopes]
        if bad:
            err("invalid_scope", "Unknown scope: " + " ".join(bad))
    else:
        scopes = [s for s in scopes if s in known_scopes]  # Keycloak drops unknown scopes silently
    scopes = scopes or default_scope.split()
    if MODE == "keycloak":
        scopes += [s for s in ("profile", "email") if s not in scopes]  # realm default scopes
    challenge, method = p.get("code_challenge"), p.get("code_challenge_method")
    if challenge or method or (pkce_required_for_public and client["secret"] is None):
        if not method:
            err("invalid_request", "Missing parameter: code_challenge_method")
        if method != "S256":
            err("invalid_request", "Invalid parameter: code challenge method is not supported.")
        if not challenge or not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
            err("invalid_request", "Missing or invalid parameter: code_challenge")
    if cfg("withhold"):
        page(200, "Sign in to your account", "Waiting for the user (the fake server withholds the redirect).")
    if cfg("deny"):
        err("access_denied", "User denied consent" if MODE == "keycloak" else "The user denied access")
    user = current_user() if MODE == "keycloak" else CRAFT_USER
    sid = new_session(user, client_id)  # craft: internal only, groups the tokens of one login
    code = (str(uuid.uuid4()) + "." + (sid or str(uuid.uuid4())) + "." + str(uuid.uuid4())) \
        if MODE == "keycloak" else "craft_ac_" + secrets.token_hex(16)
    STATE["codes"][code] = {"client": client_id, "redirect_uri": redirect_uri, "challenge": challenge,
                            "nonce": p.get("nonce"), "scope": " ".join(scopes), "user": user, "sid": sid,
                            "exp": time.time() + float(cfg("code_lifetime")), "used": False}
    if cfg("wrong_state"):
        back["state"] = "wrong-" + secrets.token_urlsafe(12)
    answer = {"code": code, **back}
    if MODE == "keycloak":
        answer["session_state"] = sid
    redirect(redirect_uri, answer)


def redeem_code(code, client_id, redirect_uri, verifier, invalid):
    """Checks an authorization code (burnt on first use, even a failed one); returns its record."""
    rec = STATE["codes"].get(code or "")
    if rec is None:
        invalid("Code not valid")
    if rec["used"]:  # replay: end the login's session, so all it gave is revoked (RFC 6749 4.1.2)
        STATE["sessions"][rec["sid"]]["active"] = False
        invalid("Code not valid")
    rec["used"] = True
    if time.time() >= rec["exp"]:
        invalid("Code is expired")
    if rec["client"] != client_id:
        invalid("Auth error: code not issued to this client")
    if redirect_uri != rec["redirect_uri"]:
        invalid("Incorrect redirect_uri")
    if rec["challenge"]:
        if not verifier:
            invalid("PKCE code verifier not specified")
        if not VERIFIER_RE.fullmatch(verifier):
            invalid("PKCE verification failed: Invalid code verifier")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != rec["challenge"]:
            invalid("PKCE verification failed: Code mismatch")
    elif verifier:
        invalid("PKCE code verifier specified but challenge not present in authorization")
    return rec


# ----------------------------------------------------------------------------- keycloak mode
def kc_error(status, error, desc, headers=None):
    raise Reply(status, {"error": error, "error_description": desc}, headers)


def client_auth(h, p, allow_public=True):
    """client_secret_basic, client_secret_post, or a public client's client_id; returns the client id."""
    auth = h.headers.get("Authorization") or ""
    cid, secret = p.get("client_id"), p.get("client_secret")
    if auth[:6].lower() == "basic ":
        if secret is not None:
            kc_error(400, "invalid_request", "Multiple client authentication methods used")
        try:
            bid, _, bsecret = base64.b64decode(auth[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            kc_error(401, "invalid_client", "Invalid client or Invalid client credentials")
        if cid is not None and cid != unquote_plus(bid):
            kc_error(400, "invalid_request", "Parameter client_id does not match the authenticated client")
        cid, secret = unquote_plus(bid), unquote_plus(bsecret)
    client = KC_CLIENTS.get(cid or "")
    if client is None:
        kc_error(401, "invalid_client", "Invalid client or Invalid client credentials")
    if client["secret"] is None:
        if not allow_public:
            kc_error(401, "unauthorized_client", "Public client not allowed")
    elif secret != client["secret"]:
        kc_error(401, "unauthorized_client", "Invalid client or Invalid client credentials")
    return cid


def keycloak(h):
    route, m = h.route, h.method
    if route.startswith("/api/"):
        return emergence_api(h)
    prefix = "/realms/" + REALM
    if not (route == prefix or route.startswith(prefix + "/")):
        if route.startswith("/realms/"):
            raise Reply(404, {"error": "Realm does not exist"})
        return
    sub = route[len(prefix):]
    if sub == "" and m == "GET":
        raise Reply(200, {"realm": REALM, "public_key": JWK_N[:64], "token-service": oidc(),
                          "account-service": issuer() + "/account", "tokens-not-before": 0})
    if sub == "/.well-known/openid-configuration" and m == "GET":
        raise Reply(200, discovery())
    if sub == "/device" and m in ("GET", "POST"):
        return device_page(h)
    ep = sub[len("/protocol/openid-connect"):] if sub.startswith("/protocol/openid-connect/") else None
    if ep == "/auth" and m in ("GET", "POST"):
        authorize(h, KC_CLIENTS, KC_SCOPES, "", True)
    if ep == "/certs" and m == "GET":
        raise Reply(200, {"keys": [{"kid": KID, "kty": "RSA", "alg": "RS256", "use": "sig", "n": JWK_N, "e": "AQAB"}]})
    if ep == "/userinfo" and m in ("GET", "POST"):
        return userinfo(h)
    if ep == "/logout" and m in ("GET", "POST"):
        return logout(h)
    if m != "POST" or ep not in ("/token", "/auth/device", "/revoke", "/token/introspect"):
        return
    p = h.params(kc_error)
    nocache = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if ep == "/token":
        raise Reply(200, token_grant(h, p), nocache)
    if ep == "/auth/device":
        cid = client_auth(h, p)
        if "device_code" not in KC_CLIENTS[cid]["grants"]:
            kc_error(400, "unauthorized_client", "Client is not allowed to initiate OAuth 2.0 Device "
                     "Authorization Grant. The flow is disabled for the client.")
        scopes = [s for s in p.get("scope", "").split() if s in KC_SCOPES]
        scopes += [s for s in ("profile", "email") if s not in scopes]
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(letters) for _ in range(4)) + "-" + \
            "".join(secrets.choice(letters) for _ in range(4))
        dc = secrets.token_urlsafe(32)
        interval, lifetime = int(cfg("device_interval")), int(cfg("device_expires_in"))
        STATE["devices"][dc] = {"device_code": dc, "user_code": user_code, "client": cid,
                                "scope": " ".join(scopes), "status": "pending", "created": time.time(),
                                "exp": time.time() + lifetime, "interval": interval, "last_poll": None,
                                "slow_down": 0, "polls": 0}
        raise Reply(200, {"device_code": dc, "user_code": user_code, "verification_uri": issuer() + "/device",
                          "verification_uri_complete": issuer() + "/device?user_code=" + user_code,
                          "expires_in": lifetime, "interval": interval}, nocache)
    if ep == "/revoke":
        cid = client_auth(h, p)
        if "token" not in p:
            kc_error(400, "invalid_request", "Token not provided.")
        rec = STATE["tokens"].get(p["token"])
        if rec is not None:
            if rec["client"] != cid:
                kc_error(400, "unauthorized_client", "Unmatching clients")
            rec["revoked"] = True
            if rec["kind"] == "refresh" and rec.get("sid") in STATE["sessions"]:
                STATE["sessions"][rec["sid"]]["active"] = False  # the session and all its tokens
        raise Reply(200, b"")
    if ep == "/token/introspect":
        cid = client_auth(h, p, allow_public=False)
        tok = p.get("token", "")
        rec = STATE["tokens"].get(tok)
        if rec is None or token_status(tok, rec["kind"])[0] != "ok":
            raise Reply(200, {"active": False})
        raise Reply(200, {"active": True, "client_id": rec["client"], "username": rec["user"].get("preferred_username"),
                          "token_type": {"access": "Bearer", "id": "ID", "refresh": "Refresh"}[rec["kind"]],
                          "scope": rec["scope"], "sub": rec["sub"], "iss": issuer(), "exp": rec["exp"],
                          "iat": rec["iat"], "azp": rec["client"], "sid": rec.get("sid"),
                          "email": rec["user"].get("email"), "groups": rec["user"].get("groups", [])})


def discovery():
    doc = {
        "issuer": issuer(), "authorization_endpoint": oidc("/auth"), "token_endpoint": oidc("/token"),
        "introspection_endpoint": oidc("/token/introspect"), "userinfo_endpoint": oidc("/userinfo"),
        "end_session_endpoint": oidc("/logout"), "jwks_uri": oidc("/certs"),
        "device_authorization_endpoint": oidc("/auth/device"), "revocation_endpoint": oidc("/revoke"),
        "frontchannel_logout_session_supported": True, "frontchannel_logout_supported": True,
        "backchannel_logout_supported": True, "backchannel_logout_session_supported": True,
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT],
        "response_types_supported": ["code"], "response_modes_supported": ["query"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"], "scopes_supported": sorted(KC_SCOPES),
        "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name", "family_name",
                             "preferred_username", "email", "email_verified", "acr", "groups"],
        "claims_parameter_supported": True, "request_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
    for key in cfg("discovery_omit") or []:
        doc.pop(key, None)
    for key, suffix in (cfg("discovery_suffix") or {}).items():
        doc[key] += suffix
    return doc


def token_grant(h, p):
    grant = p.get("grant_type")
    if not grant:
        kc_error(400, "invalid_request", "Missing form parameter: grant_type")
    cid = client_auth(h, p)
    client = KC_CLIENTS[cid]
    short = DEVICE_GRANT if grant == DEVICE_GRANT else grant
    if short not in ("authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT):
        kc_error(400, "unsupported_grant_type", "Unsupported grant_type")
    if (short if short != DEVICE_GRANT else "device_code") not in client["grants"]:
        if short == "client_credentials":
            if client["secret"] is None:
                kc_error(401, "unauthorized_client", "Public client not allowed to retrieve service account")
            kc_error(400, "unauthorized_client", "Client not enabled to retrieve service account")
        kc_error(400, "unauthorized_client", "Client not allowed to use grant_type " + grant)

    def invalid(desc):
        kc_error(400, "invalid_grant", desc)
    if grant == "authorization_code":
        if not p.get("code"):
            kc_error(400, "invalid_request", "Missing parameter: code")
        rec = redeem_code(p["code"], cid, p.get("redirect_uri"), p.get("code_verifier"), invalid)
        if not STATE["sessions"][rec["sid"]]["active"]:
            invalid("Session not active")
        answer = kc_issue(cid, rec["user"], rec["scope"], rec["sid"], rec["nonce"])
        return answer
    if grant == "refresh_token":
        tok = p.get("refresh_token")
        if not tok:
            kc_error(400, "invalid_request", "Missing parameter: refresh_token")
        status, rec = token_status(tok, "refresh")
        if status == "unknown":
            invalid("Invalid refresh token")
        if rec["client"] != cid:
            invalid("Invalid refresh token. Token client and authorized client don't match")
        if status == "revoked":
            invalid("Session not active")
        if status == "used":
            if cfg("reuse_revokes_family") and rec.get("sid") in STATE["sessions"]:
                STATE["sessions"][rec["sid"]]["active"] = False
            invalid("Token is not active")
        if status == "expired":
            invalid("Token is not active")
        scope = rec["scope"]
        if p.get("scope"):
            asked = p["scope"].split()
            if not set(asked) <= set(scope.split()):
                kc_error(400, "invalid_scope", "Invalid scopes: " + p["scope"])
            scope = " ".join(asked)
        if cfg("rotate_refresh"):
            rec["used"] = True
            return kc_issue(cid, rec["user"], scope, rec["sid"], rec.get("nonce"))
        answer = kc_issue(cid, rec["user"], scope, rec["sid"], rec.get("nonce"), refresh=False)
        answer["refresh_token"] = tok
        answer["refresh_expires_in"] = 0 if rec["exp"] is None else expires_in(rec["exp"])
        return answer
    if grant == "client_credentials":
        scope = " ".join([s for s in p.get("scope", "").split() if s in KC_SCOPES] +
                         ["profile", "email"])
        scope = " ".join(dict.fromkeys(scope.split()))
        user = service_user(cid)
        return kc_issue(cid, user, scope, new_session(user, cid), refresh=False)
    # device code (RFC 8628 section 3.5)
    d = STATE["devices"].get(p.get("device_code") or "")
    if d is None or d["client"] != cid:
        invalid("Device code not valid")
    now = time.time()
    d["polls"] += 1
    last, d["last_poll"] = d["last_poll"], now
    if d["status"] == "expired" or now >= d["exp"]:
        d["status"] = "expired"
        kc_error(400, "expired_token", "Device code is expired")
    if d["status"] == "used":
        invalid("Device code not valid")
    forced = STATE["config"]["slow_down"] > 0 or d["slow_down"] > 0
    too_fast = cfg("slow_down_check") and last is not None and d["interval"] > 0 and \
        now - last < d["interval"] - 0.2
    if forced or too_fast:
        if d["slow_down"] > 0:
            d["slow_down"] -= 1
        elif STATE["config"]["slow_down"] > 0:
            STATE["config"]["slow_down"] -= 1
        d["interval"] += 5  # RFC 8628 section 3.5: the client adds 5 s; so does the server's expectation
        kc_error(400, "slow_down", "Slow down")
    if d["status"] == "denied":
        kc_error(400, "access_denied", "The end user denied the authorization request.")
    if d["status"] == "pending":
        kc_error(400, "authorization_pending", "The authorization request is still pending")
    d["status"] = "used"
    user = current_user()
    return kc_issue(cid, user, d["scope"], new_session(user, cid))


def device_page(h):
    """The verification URI: with a user_code, the user (auto) approves, or denies per config."""
    p = h.params(lambda *a: page(400, "We are sorry...", "Invalid request"))
    code = p.get("user_code")
    if not code:
        page(200, "Device Login", "Enter the code shown on your device.")
    for d in STATE["devices"].values():
        if d["user_code"].replace("-", "") == code.replace("-", "").upper() and d["status"] == "pending" \
                and time.time() < d["exp"]:
            d["status"] = "denied" if cfg("deny") else "approved"
            page(200, "Device Login Successful" if d["status"] == "approved" else "Consent Denied",
                 "You may close this window and go back to your device.")
    page(400, "Invalid code", "The user code is invalid or expired.")


def userinfo(h):
    status, rec = token_status(h.bearer(), "access")
    if status != "ok":
        kc_error(401, "invalid_token", "Token verification failed",
                 {"WWW-Authenticate": 'Bearer realm="%s", error="invalid_token", '
                                     'error_description="Token verification failed"' % REALM})
    u = rec["user"]
    info = {"sub": u["sub"]}
    info.update({k: u[k] for k in ("email_verified", "name", "preferred_username", "given_name",
                                   "family_name", "email") if k in u})
    info["groups"] = list(u.get("groups", []))
    raise Reply(200, info)


def logout(h):
    p = h.params(lambda *a: page(400, "We are sorry...", "Invalid request"))
    if h.method == "POST" and "refresh_token" in p:  # Keycloak's logout by refresh token (back channel)
        cid = client_auth(h, p)
        status, rec = token_status(p["refresh_token"], "refresh")
        if status == "unknown" or rec["client"] != cid:
            kc_error(400, "invalid_grant", "Invalid refresh token")
        if rec.get("sid") in STATE["sessions"]:
            STATE["sessions"][rec["sid"]]["active"] = False
        raise Reply(204)
    hint, target = p.get("id_token_hint"), p.get("post_logout_redirect_uri")
    sid = None
    if hint:
        rec = STATE["tokens"].get(hint)
        if rec is None or rec["kind"] != "id":  # an expired ID token is accepted, as by Keycloak
            page(400, "We are sorry...", "Invalid parameter: id_token_hint")
        sid = rec.get("sid")
    if target and not (loopback_ok(target) and (hint or p.get("client_id") in KC_CLIENTS)):
        page(400, "We are sorry...", "Invalid redirect uri")
    if not hint:
        page(200, "Logging out", "Do you want to log out?")
    if sid in STATE["sessions"]:
        STATE["sessions"][sid]["active"] = False
    if target:
        redirect(target, {"state": p["state"]} if "state" in p else {})
    page(200, "You are logged out")


# ----------------------------------------------------------------------------- emergence API (seed 000)
def api_error(status, code, message, headers=None):
    body = {"code": code, "message": message}
    raise Reply(status, body if cfg("api_error_shape") == "flat" else {"error": body}, headers)


def emergence_api(h):
    route, m = h.route, h.method
    known = route in ("/api/v1/me", "/api/v1/projects", "/api/v1/workflows") or \
        route.startswith("/api/v1/projects/")
    if not known:
        api_error(404, "NOT_FOUND", "No such endpoint")
    if STATE["config"]["rate_limit"] > 0:
        STATE["config"]["rate_limit"] -= 1
        api_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests; retry later",
                  {"Retry-After": cfg("retry_after"), "X-RateLimit-Remaining": "0"})
    unauth = {"WWW-Authenticate": 'Bearer realm="%s", error="invalid_token"' % REALM}
    token = h.bearer()
    if token is None:
        api_error(401, "UNAUTHENTICATED", "No token provided", unauth)
    status, rec = token_status(token, "access")
    if status == "expired":
        api_error(401, "TOKEN_EXPIRED", "Access token has expired; refresh and retry", unauth)
    if status != "ok":
        api_error(401, "UNAUTHENTICATED", "Token signature invalid or token not active", unauth)
    if cfg("forbidden"):
        api_error(403, "FORBIDDEN", "You do not have permission to perform this operation")
    user = rec["user"]
    who = "service" if user.get("service") else user["sub"]
    mine = [{"id": pr["id"], "name": pr["name"], "role": pr["roles"][who]} for pr in PROJECTS if who in pr["roles"]]
    if route == "/api/v1/me" and m == "GET":
        raise Reply(200, {"sub": user["sub"], "email": user.get("email"),
                          "preferred_username": user.get("preferred_username"), "name": user.get("name"),
                          "groups": user.get("groups", []), "organization": REALM, "client_id": rec["client"]})
    if route == "/api/v1/projects" and m == "GET":
        raise Reply(200, {"projects": mine, "total": len(mine)})
    if route.startswith("/api/v1/projects/") and m == "GET":
        pid = route[len("/api/v1/projects/"):]
        found = next((pr for pr in mine if pr["id"].lower() == pid.lower()), None)
        if found is None:
            api_error(403, "FORBIDDEN", "You do not have access to this project")
        raise Reply(200, found)
    if route == "/api/v1/workflows" and m in ("GET", "POST"):
        pid = h.headers.get("X-Project-ID")
        if not pid:
            api_error(400, "VALIDATION_ERROR", "X-Project-ID header is required")
        if not UUID_RE.match(pid):
            api_error(400, "VALIDATION_ERROR", "X-Project-ID must be a UUID")
        found = next((pr for pr in mine if pr["id"].lower() == pid.lower()), None)
        if found is None or (m == "POST" and found["role"] == "viewer"):
            api_error(403, "FORBIDDEN", "You do not have permission to perform this operation")
        if m == "POST":
            raise Reply(201, {"id": str(uuid.uuid4()), "project_id": found["id"],
                              "name": (h.json_body() or {}).get("name", "untitled")})
        raise Reply(200, {"project_id": found["id"], "workflows": [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, found["id"])), "name": "nightly-report"}]})
    api_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")


# ----------------------------------------------------------------------------- craft mode (seed 001)
def craft_error(status, code, message, headers=None):
    raise Reply(status, {"success": False, "error": {"code": code, "message": message}}, headers)


def craft_issue(client_id, scope, sid=None, refresh=True):
    now = time.time()
    exp = now + int(cfg("iat_offset")) + int(cfg("access_lifetime"))
    access = register("craft_at_" + secrets.token_hex(20), kind="access", client=client_id,
                      sub=CRAFT_USER["id"], user=CRAFT_USER, scope=scope, sid=sid, iat=int(now), exp=exp)
    answer = {"access_token": access, "token_type": "Bearer", "expires_in": expires_in(exp), "scope": scope}
    if refresh:
        answer["refresh_token"] = register("craft_rt_" + secrets.token_hex(20), kind="refresh", client=client_id,
                                           sub=CRAFT_USER["id"], user=CRAFT_USER, scope=scope, sid=sid,
                                           iat=int(now), exp=now + int(cfg("refresh_lifetime")))
    if cfg("omit_expires_in"):
        answer.pop("expires_in")
    return answer


def craft_token(h):
    ctype = (h.headers.get("Content-Type") or "").lower()
    b = h.json_body()
    if "application/json" not in ctype or b is None:
        craft_error(400, "INVALID_REQUEST", "Request body must be a JSON object")
    grant = b.get("grant_type")
    if not grant:
        craft_error(400, "INVALID_REQUEST", "grant_type is required")
    if grant not in ("authorization_code", "refresh_token"):
        craft_error(400, "UNSUPPORTED_GRANT_TYPE", "Unsupported grant_type: %s" % grant)
    cid = b.get("client_id")
    client = CRAFT_CLIENTS.get(cid or "")
    if client is None or b.get("client_secret") != client["secret"]:
        craft_error(401, "INVALID_CLIENT", "Invalid client credentials")

    def invalid(desc):
        craft_error(400, "INVALID_GRANT", desc)
    if grant == "authorization_code":
        if not b.get("code") or not b.get("redirect_uri"):
            craft_error(400, "INVALID_REQUEST", "code and redirect_uri are required")
        rec = redeem_code(b["code"], cid, b["redirect_uri"], b.get("code_verifier"),
                          invalid)
        answer = craft_issue(cid, rec["scope"], rec["sid"])
        raise Reply(200, answer, {"Cache-Control": "no-store"})
    tok = b.get("refresh_token")
    if not tok:
        craft_error(400, "INVALID_REQUEST", "refresh_token is required")
    status, rec = token_status(tok, "refresh")
    if status != "ok" or rec["client"] != cid:
        invalid("Refresh token is invalid or expired")
    if cfg("rotate_refresh"):
        rec["used"] = True
        raise Reply(200, craft_issue(cid, rec["scope"], rec["sid"]), {"Cache-Control": "no-store"})
    raise Reply(200, craft_issue(cid, rec["scope"], rec["sid"], refresh=False), {"Cache-Control": "no-store"})


def craft_auth(h, need=None):
    if STATE["config"]["rate_limit"] > 0:
        STATE["config"]["rate_limit"] -= 1
        craft_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests", {"Retry-After": cfg("retry_after")})
    status, rec = token_status(h.bearer(), "access")
    if status != "ok":
        craft_error(401, "UNAUTHORIZED", "Invalid or missing authentication")
    if cfg("forbidden") or (need and need not in rec["scope"].split() and "admin" not in rec["scope"].split()):
        craft_error(403, "FORBIDDEN", "Insufficient permissions")
    return rec


def craft(h):
    route, m = h.route, h.method
    if route == "/oauth/authorize" and m == "GET":
        authorize(h, CRAFT_CLIENTS, CRAFT_SCOPES, "read", False)
    if route == "/v1/oauth/token" and m == "POST":
        craft_token(h)
    if route == "/v1/me" and m == "GET":
        craft_auth(h)
        raise Reply(200, {"success": True, "data": dict(CRAFT_USER)})
    if route == "/v1/projects" and m == "GET":
        craft_auth(h, "read")
        raise Reply(200, {"success": True, "data": [{"id": "proj_1", "name": "Demo"}]})
    if route == "/v1/projects" and m == "POST":
        craft_auth(h, "write")
        raise Reply(201, {"success": True, "data": {"id": "proj_" + secrets.token_hex(4),
                                                    "name": (h.json_body() or {}).get("name", "Untitled")}})
    if route.startswith("/v1/projects/") and m == "DELETE":
        craft_auth(h, "delete")
        raise Reply(200, {"success": True, "data": {"id": route.rsplit("/", 1)[1], "deleted": True}})


# ----------------------------------------------------------------------------- HTTP handler
class Handler(server_common.Handler):
    server_version = "FakeOIDC/1.0"
    lock, state, answer_control = LOCK, STATE, control  # control(h) serves as the method

    def answer(self):
        (keycloak if MODE == "keycloak" else craft)(self)

    def not_found(self):
        if MODE == "craft" and not self.route.startswith("/__control/"):
            return {"success": False, "error": {"code": "NOT_FOUND", "message": "Not found"}}
        return {"error": "Unable to find matching target resource method"}

    def omit_content_type(self, status, data, fault):
        return not data and not fault.get("content_type")

    def params(self, oauth_error):
        """Query (GET) or form body (POST, when form-encoded) as a dict of single values.
        A repeated parameter is refused (RFC 6749 section 3.1) through oauth_error()."""
        text = self.query
        if self.method == "POST":
            ctype = (self.headers.get("Content-Type") or "").lower()
            text = self.body.decode("utf-8", "replace") if "application/x-www-form-urlencoded" in ctype else ""
        parsed = parse_qs(text, keep_blank_values=True)
        for k, v in parsed.items():
            if len(v) > 1:
                oauth_error(400, "invalid_request", "duplicated parameter: " + k)
        return {k: v[0] for k, v in parsed.items()}


# ----------------------------------------------------------------------------- main
def main():
    global MODE, REALM, PORT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", required=True, choices=["keycloak", "craft"])
    server_common.add_server_arguments(ap)
    ap.add_argument("--realm", default="emergence")
    args = ap.parse_args()
    MODE, REALM = args.mode, args.realm
    if MODE == "craft":  # craft: opaque tokens, rotation on by default (README-oidc.md), 1 h lifetime
        DEFAULT_CONFIG["access_lifetime"] = 3600
        DEFAULT_CONFIG["refresh_lifetime"] = 30 * 86400
        reset_state()
    # item 7 of issue 4: 50+ concurrent clients must not hit a full backlog
    server = server_common.bind(args.port, Handler, backlog=256)
    PORT = server.server_address[1]
    server_common.serve(server, args.lifetime)


if __name__ == "__main__":
    main()
