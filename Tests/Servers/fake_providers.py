#!/usr/bin/env python3
"""Local fake provider APIs for authctl's end-to-end tests (Python 3.11 stdlib only).

    python3 fake_providers.py --provider NAME [--port 0] [--lifetime 300] [--tls-cert PEM --tls-key PEM]

Binds 127.0.0.1, prints one line `PORT <n>` on stdout, then serves. Exits when its
parent process dies (checked every 0.5 s) and after --lifetime seconds in any case.
NAME: embermind | knowledge-stack | metakraftwerk | craft. State starts empty.
With --tls-cert and --tls-key it serves https (the control API too) with that certificate chain.
The HTTP plumbing (shared with fake_oidc.py) is in server_common.py beside this file.

Behaviour follows the seed documents in ../shared/seeds/. Where a seed is silent,
this server chooses (and the provider docs repeat these choices):

embermind (seed 002)
  * All errors are HTTP 400 {"error": "error.auth.*", "message": ...} as the seed's table.
  * Wrong login or password at login: 400 {"error": "error.auth.login_or_password_incorrect",
    "message": "Login or password is incorrect"}; missing field / non-JSON body: 400
    {"error": "error.validation.invalid_body", ...}.
  * Access tokens are JWT-shaped (HS256 header, payload sub/companyId/iat, no exp: they
    expire after inactivity, server side; default 3600 s, set by /__control/token-lifetime).
  * x-api-key wins when both headers are sent. check-api-key / check-token answer 200
    {"valid": true, "companyId"} or the table's 400 error (never {"valid": false}).
  * logout: 200 {"success": true}; the token then gives error.auth.token_incorrect.
  * A key registered with permission "none" gets error.auth.require_more_perm from
    profile/me (check-api-key still says valid).
knowledge-stack (seed 003)  (FastAPI style bodies)
  * 401 {"detail": "Not authenticated"} (missing/malformed header), {"detail": "Could not
    validate credentials"} (unknown token or key), {"detail": "Token has expired"}; all
    with WWW-Authenticate: Bearer. 403 {"detail": "Not enough permissions"}.
  * Wrong password at signin: 401 {"detail": "Invalid email or password"}; missing field:
    422 {"detail": [{"loc": ["body", F], "msg": "Field required", "type": "missing"}]}.
  * UAT: JWT (HS256) payload sub, email, tenant_id, iat, exp, jti; default lifetime 3600 s.
    /v1/auth/uat renews a still-valid UAT only (expired -> 401 Token has expired; an API
    key -> 403); the old UAT stays valid until its exp. signout: 200 {"detail": "Signed out"}.
  * users/me: {"id", "email", "name", "tenant_id"}.
  * POST /v1/api-keys -> 201 {"id": "key_01j...", "name", "key": "ks_live_...", "created_at"}.
    GET /v1/api-keys -> 200 {"items": [{"id", "name", "key_prefix": "ks_live_abcd",
    "masked_key": "ks_live_abcd…", "created_at", "last_used_at"}], "total": n}
    (the caller's own keys). DELETE -> 204 empty body; unknown id -> 404 {"detail":
    "API key not found"}. Keys/users with permission "read-only" get 403 on POST/DELETE.
  * SSO: POST /v1/auth/sso/initiate {tenant_id, redirect_uri} -> {"redirect_url":
    "<base>/__idp/authorize?session=..."}; that page redirects (302) to redirect_uri with
    ?token=<UAT> (or ?error=access_denied after /__control/sso {"deny": true}).
metakraftwerk (seed 004)  (FeathersJS style errors {name, message, code, className})
  * 400 BadRequest "'strategy' is required" / "'email' is required" / "'password' is
    required" (checked in that order); a strategy other than "local": 401 "Invalid
    authentication information (strategy not allowed in authStrategies)".
  * JWT header {"alg":"HS256","typ":"access"}, payload sub (user id as string), iat, exp,
    aud, iss "feathers", jti. Default lifetime 86400 s.
  * 401 "Not authenticated" (no token), "jwt malformed", "invalid signature" (unknown),
    "jwt expired" (with data {name: TokenExpiredError, message, expiredAt}).
  * GET /api/v1/projects -> a plain JSON array [{"id", "name", "permissions": [...]}];
    GET /api/v1/projects/<id> -> the project, or 403 Forbidden when the user has none.
craft (seed 001)
  * 401/403 with the seed's envelope; 404 {"success": false, "error": {"code": "NOT_FOUND"}}.
  * GET /v1/projects -> {"success": true, "data": [...]}; POST /v1/projects needs a
    read-write key (read-only -> 403 FORBIDDEN).
Faults: a fault with only delay/drip/reset/headers modifies the normal answer; with status,
body or body_size it replaces it (status defaults to 200 when only a body is given, a body
defaults to {"message": <reason>, "status": n} when only a status is given).
"""
import argparse, base64, hashlib, json, os, secrets, sys, threading, time, uuid
from urllib.parse import parse_qs, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also under python -P, -I or PYTHONSAFEPATH
import server_common
from server_common import Reply

# ----------------------------------------------------------------------------- shared core
LOCK = threading.Lock()
STATE = {
    "users": [], "api_keys": {}, "tokens": {}, "faults": [], "requests": [],
    "lifetime": None, "iat_offset": 0, "sso": {"deny": False, "email": None}, "sso_sessions": {},
}
DEFAULT_LIFETIME = {"embermind": 3600, "knowledge-stack": 3600, "metakraftwerk": 86400, "craft": 3600}
PROVIDER = ""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def make_jwt(header, payload):
    body = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(payload, separators=(",", ":")).encode())
    return body + "." + b64url(hashlib.sha256(body.encode() + secrets.token_bytes(8)).digest())


def issue_token(user, header, claims, inactivity=False):
    """Registers and returns a JWT for user. JWT providers get iat/exp from the control settings."""
    now = int(time.time())
    lifetime = STATE["lifetime"] if STATE["lifetime"] is not None else DEFAULT_LIFETIME[PROVIDER]
    iat = now + int(STATE["iat_offset"])
    payload = dict(claims)
    payload["iat"] = iat
    exp = None
    if not inactivity:
        exp = iat + int(lifetime)
        payload["exp"] = exp
    token = make_jwt(header, payload)
    STATE["tokens"][token] = {"user": user["id"], "iat": iat, "exp": exp, "last_used": time.time(),
                              "inactivity": lifetime if inactivity else None, "revoked": False,
                              "expired": False}
    return token


def token_status(token):
    """(state, record) where state is ok | unknown | expired | revoked."""
    rec = STATE["tokens"].get(token)
    if rec is None:
        return "unknown", None
    if rec["revoked"]:
        return "revoked", rec
    now = time.time()
    if rec["expired"] or (rec["exp"] is not None and now >= rec["exp"]) or \
            (rec["inactivity"] is not None and now - rec["last_used"] > rec["inactivity"]):
        return "expired", rec
    rec["last_used"] = now
    return "ok", rec


def find_user(ident):
    for u in STATE["users"]:
        if ident is not None and ident in (u["id"], u.get("email"), u.get("login"), str(u["id"])):
            return u
    return None


def user_by_id(uid):
    return next((u for u in STATE["users"] if u["id"] == uid), None)


def default_user():
    if not STATE["users"]:
        add_user({"email": "owner@example.com", "login": "owner", "password": secrets.token_hex(8)})
    return STATE["users"][0]


def add_user(spec):
    n = len(STATE["users"]) + 1
    u = dict(spec)
    if PROVIDER == "metakraftwerk":
        u.setdefault("id", n)
        u.setdefault("projects", [{"id": 1, "name": "Demo", "permissions": ["write_instances", "read_builds"]}])
    elif PROVIDER == "knowledge-stack":
        u.setdefault("id", "user_" + uuid.uuid4().hex[:20])
        u.setdefault("tenant_id", "tenant_" + uuid.uuid4().hex[:20])
    elif PROVIDER == "craft":
        u.setdefault("id", "user_%d" % (100 + n))
    else:
        u.setdefault("id", str(uuid.uuid4()))
        u.setdefault("company_id", str(uuid.uuid4()))
    u.setdefault("email", "user%d@example.com" % n)
    u.setdefault("login", u["email"].split("@")[0])
    u.setdefault("name", u["login"].capitalize())
    u.setdefault("password", "")
    u.setdefault("permission", "read-write")
    STATE["users"].append(u)
    return u


def new_key_value():
    if PROVIDER == "knowledge-stack":
        return "ks_live_" + secrets.token_hex(20)
    if PROVIDER == "craft":
        return "craft_sk_" + secrets.token_hex(20)
    return secrets.token_hex(24)


def add_key(spec, owner=None):
    k = dict(spec)
    user = owner or find_user(k.pop("user", None)) or default_user()
    k["user"] = user["id"]
    k.setdefault("key", new_key_value())
    k.setdefault("id", ("key_01j" + uuid.uuid4().hex[:23]) if PROVIDER == "knowledge-stack" else str(uuid.uuid4()))
    k.setdefault("name", "key-%d" % (len(STATE["api_keys"]) + 1))
    k.setdefault("permission", "read-write")
    k.setdefault("created_at", iso(time.time()))
    k.setdefault("last_used_at", None)
    STATE["api_keys"][k["key"]] = k
    return k


def lookup_key(value):
    k = STATE["api_keys"].get(value) if value else None
    if k is not None:
        k["last_used_at"] = iso(time.time())
    return k


def not_found_body():
    return {
        "embermind": {"error": "error.not_found", "message": "Not found"},
        "knowledge-stack": {"detail": "Not Found"},
        "metakraftwerk": {"name": "NotFound", "message": "Page not found", "code": 404, "className": "not-found"},
        "craft": {"success": False, "error": {"code": "NOT_FOUND", "message": "Not found"}},
    }[PROVIDER]


# ----------------------------------------------------------------------------- control API
def control(h):
    name, body = h.route[len("/__control/"):], h.json_body() or {}
    if h.method == "GET" and name == "requests":
        raise Reply(200, STATE["requests"])
    if h.method != "POST":
        raise Reply(404, {"error": "unknown control " + name})
    h.answer_log_and_faults(name, body)
    if name == "users":
        raise Reply(200, add_user(body))
    if name == "api-keys":
        raise Reply(200, add_key(body))
    if name == "token-lifetime":
        STATE["lifetime"] = body.get("seconds", STATE["lifetime"])
        STATE["iat_offset"] = body.get("iat_offset", 0)
        raise Reply(200, {"seconds": STATE["lifetime"], "iat_offset": STATE["iat_offset"]})
    if name == "expire-tokens":
        for rec in STATE["tokens"].values():
            rec["expired"] = True
        raise Reply(200, {"expired": len(STATE["tokens"])})
    if name == "sso":
        STATE["sso"].update(body)
        raise Reply(200, STATE["sso"])
    raise Reply(404, {"error": "unknown control " + name})


# ----------------------------------------------------------------------------- embermind (seed 002)
EMBER_ERRORS = {
    "api_key_incorrect": "API key is missing or invalid",
    "token_incorrect": "Access token is missing, invalid, or expired",
    "require_api_key_or_token": "No authentication provided",
    "require_more_perm": "Insufficient permissions",
    "company_not_found": "Company not found",
    "perm_obj_not_found": "Permission object not found",
    "login_or_password_incorrect": "Login or password is incorrect",
}


def ember_error(code):
    raise Reply(400, {"error": "error.auth." + code, "message": EMBER_ERRORS[code]})


def ember_auth(h, allow_key=True):
    """Returns (user, key_record or None) or raises the seed's 400 error."""
    key, tok = h.header("x-api-key"), h.header("x-access-token")
    if key is not None and allow_key:
        k = lookup_key(key)
        if k is None:
            ember_error("api_key_incorrect")
        return user_by_id(k["user"]), k
    if tok is not None:
        state, rec = token_status(tok)
        if state != "ok":
            ember_error("token_incorrect")
        return user_by_id(rec["user"]), None
    ember_error("require_api_key_or_token")


def embermind(h):
    p, m = h.route, h.method
    if (m, p) == ("POST", "/api/v1/client/auth/login"):
        b = h.json_body()
        if not b or not isinstance(b.get("loginOrEmail"), str) or not isinstance(b.get("password"), str):
            raise Reply(400, {"error": "error.validation.invalid_body",
                              "message": "loginOrEmail and password are required"})
        u = find_user(b["loginOrEmail"])
        if u is None or u["password"] != b["password"]:
            ember_error("login_or_password_incorrect")
        tok = issue_token(u, {"alg": "HS256", "typ": "JWT"}, {"sub": u["id"], "companyId": u["company_id"]},
                          inactivity=True)
        raise Reply(200, {"xAccessToken": tok})
    if (m, p) == ("GET", "/api/v1/client/profile/me"):
        u, k = ember_auth(h)
        if k is not None and k.get("permission") == "none":
            ember_error("require_more_perm")
        raise Reply(200, {"id": u["id"], "email": u["email"], "login": u["login"], "companyId": u["company_id"]})
    if (m, p) == ("POST", "/api/v1/client/auth/logout"):
        tok = h.header("x-access-token")
        if tok is None or token_status(tok)[0] != "ok":
            ember_error("token_incorrect")
        STATE["tokens"][tok]["revoked"] = True
        raise Reply(200, {"success": True})
    if (m, p) == ("POST", "/api/v1/client/auth/check-api-key"):
        k = lookup_key(h.header("x-api-key"))
        if k is None:
            ember_error("api_key_incorrect")
        raise Reply(200, {"valid": True, "companyId": user_by_id(k["user"])["company_id"]})
    if (m, p) == ("POST", "/api/v1/client/auth/check-token"):
        tok = h.header("x-access-token")
        if tok is None or token_status(tok)[0] != "ok":
            ember_error("token_incorrect")
        raise Reply(200, {"valid": True, "companyId": user_by_id(STATE["tokens"][tok]["user"])["company_id"]})


# ----------------------------------------------------------------------------- knowledge-stack (seed 003)
def ks_401(detail):
    raise Reply(401, {"detail": detail}, {"WWW-Authenticate": "Bearer"})


def ks_auth(h):
    """Returns (user, token_or_None, key_or_None) for the Bearer UAT or API key."""
    cred = h.bearer()
    if cred is None:
        ks_401("Not authenticated")
    if cred.startswith("ks_"):
        k = lookup_key(cred)
        if k is None:
            ks_401("Could not validate credentials")
        return user_by_id(k["user"]), None, k
    state, rec = token_status(cred)
    if state == "expired":
        ks_401("Token has expired")
    if state != "ok":
        ks_401("Could not validate credentials")
    return user_by_id(rec["user"]), cred, None


def ks_uat(u):
    return issue_token(u, {"alg": "HS256", "typ": "JWT"},
                       {"sub": u["id"], "email": u["email"], "tenant_id": u["tenant_id"], "jti": uuid.uuid4().hex})


def ks_writable(u, k):
    if (k or u).get("permission") == "read-only":
        raise Reply(403, {"detail": "Not enough permissions"})


def knowledge_stack(h):
    p, m = h.route, h.method
    if (m, p) == ("POST", "/v1/auth/pw/signin"):
        b = h.json_body() or {}
        missing = [f for f in ("email", "password") if not isinstance(b.get(f), str)]
        if missing:
            raise Reply(422, {"detail": [{"loc": ["body", f], "msg": "Field required", "type": "missing"}
                                         for f in missing]})
        u = find_user(b["email"])
        if u is None or u["password"] != b["password"]:
            raise Reply(401, {"detail": "Invalid email or password"})
        raise Reply(200, {"access_token": ks_uat(u), "token_type": "bearer"})
    if (m, p) == ("POST", "/v1/auth/uat"):
        u, tok, k = ks_auth(h)
        if tok is None:
            raise Reply(403, {"detail": "Not enough permissions"})
        raise Reply(200, {"access_token": ks_uat(u), "token_type": "bearer"})
    if (m, p) == ("GET", "/v1/users/me"):
        u, _, _ = ks_auth(h)
        raise Reply(200, {"id": u["id"], "email": u["email"], "name": u["name"], "tenant_id": u["tenant_id"]})
    if (m, p) == ("POST", "/v1/auth/signout"):
        _, tok, _ = ks_auth(h)
        if tok is not None:
            STATE["tokens"][tok]["revoked"] = True
        raise Reply(200, {"detail": "Signed out"})
    if (m, p) == ("POST", "/v1/api-keys"):
        u, _, k = ks_auth(h)
        ks_writable(u, k)
        b = h.json_body() or {}
        if not isinstance(b.get("name"), str) or not b["name"]:
            raise Reply(422, {"detail": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]})
        new = add_key({"name": b["name"]}, owner=u)
        raise Reply(201, {"id": new["id"], "name": new["name"], "key": new["key"], "created_at": new["created_at"]})
    if (m, p) == ("GET", "/v1/api-keys"):
        u, _, _ = ks_auth(h)
        items = [{"id": k["id"], "name": k["name"], "key_prefix": k["key"][:12], "masked_key": k["key"][:12] + "…",
                  "created_at": k["created_at"], "last_used_at": k["last_used_at"]}
                 for k in STATE["api_keys"].values() if k["user"] == u["id"]]
        raise Reply(200, {"items": items, "total": len(items)})
    if m == "DELETE" and p.startswith("/v1/api-keys/"):
        u, _, k = ks_auth(h)
        ks_writable(u, k)
        kid = p[len("/v1/api-keys/"):]
        victim = next((v for v in STATE["api_keys"].values() if v["id"] == kid and v["user"] == u["id"]), None)
        if victim is None:
            raise Reply(404, {"detail": "API key not found"})
        del STATE["api_keys"][victim["key"]]
        raise Reply(204)
    if (m, p) == ("POST", "/v1/auth/sso/initiate"):
        b = h.json_body() or {}
        if not b.get("tenant_id") or not b.get("redirect_uri"):
            raise Reply(422, {"detail": [{"loc": ["body", f], "msg": "Field required", "type": "missing"}
                                         for f in ("tenant_id", "redirect_uri") if not b.get(f)]})
        session = secrets.token_urlsafe(16)
        STATE["sso_sessions"][session] = b
        host = h.headers.get("Host") or "127.0.0.1:%d" % h.server.server_address[1]
        raise Reply(200, {"redirect_url": "http://%s/__idp/authorize?session=%s" % (host, session)})
    if (m, p) == ("GET", "/__idp/authorize"):  # the fake identity provider's page
        req = STATE["sso_sessions"].pop((parse_qs(h.query).get("session") or [""])[0], None)
        if req is None:
            raise Reply(400, {"detail": "Unknown SSO session"})
        u = find_user(STATE["sso"].get("email")) or next(
            (x for x in STATE["users"] if x["tenant_id"] == req["tenant_id"]), None) or default_user()
        q = {"error": "access_denied"} if STATE["sso"].get("deny") else {"token": ks_uat(u)}
        sep = "&" if "?" in req["redirect_uri"] else "?"
        raise Reply(302, {}, {"Location": req["redirect_uri"] + sep + urlencode(q)})


# ----------------------------------------------------------------------------- metakraftwerk (seed 004)
def feathers(status, name, class_name, message, data=None):
    body = {"name": name, "message": message, "code": status, "className": class_name}
    if data is not None:
        body["data"], body["errors"] = data, {}
    raise Reply(status, body)


def mk_auth(h):
    tok = h.bearer()
    if tok is None:
        feathers(401, "NotAuthenticated", "not-authenticated", "Not authenticated")
    state, rec = token_status(tok)
    if state == "expired":
        feathers(401, "NotAuthenticated", "not-authenticated", "jwt expired",
                 {"name": "TokenExpiredError", "message": "jwt expired", "expiredAt": iso(rec["exp"] or time.time())})
    if state != "ok":
        msg = "invalid signature" if tok.count(".") == 2 else "jwt malformed"
        feathers(401, "NotAuthenticated", "not-authenticated", msg,
                 {"name": "JsonWebTokenError", "message": msg})
    return user_by_id(rec["user"])


def metakraftwerk(h):
    p, m = h.route, h.method
    if (m, p) == ("POST", "/authentication"):
        b = h.json_body() or {}
        for field in ("strategy", "email", "password"):
            if not b.get(field):
                feathers(400, "BadRequest", "bad-request", "'%s' is required" % field)
        if b["strategy"] != "local":
            feathers(401, "NotAuthenticated", "not-authenticated",
                     "Invalid authentication information (strategy not allowed in authStrategies)")
        u = find_user(b["email"])
        if u is None or u["password"] != b["password"]:
            feathers(401, "NotAuthenticated", "not-authenticated", "Invalid login")
        tok = issue_token(u, {"alg": "HS256", "typ": "access"},
                          {"aud": "https://app.metakraftwerk.com", "iss": "feathers", "sub": str(u["id"]),
                           "jti": str(uuid.uuid4())})
        raise Reply(201, {"accessToken": tok, "authentication": {"strategy": "local", "accessToken": tok},
                          "user": {"id": u["id"], "email": u["email"]}})
    if m == "GET" and p in ("/api/v1/projects", "/api/v1/projects/"):
        raise Reply(200, mk_auth(h)["projects"])
    if m == "GET" and p.startswith("/api/v1/projects/"):
        u = mk_auth(h)
        pid = p[len("/api/v1/projects/"):]
        proj = next((x for x in u["projects"] if str(x["id"]) == pid), None)
        if proj is None:
            feathers(403, "Forbidden", "forbidden", "You do not have access to this project")
        raise Reply(200, proj)


# ----------------------------------------------------------------------------- craft (seed 001)
def craft_error(status, code, message):
    raise Reply(status, {"success": False, "error": {"code": code, "message": message}})


def craft_auth(h, write=False):
    k = lookup_key(h.bearer())
    if k is None:
        craft_error(401, "UNAUTHORIZED", "Invalid or missing authentication")
    if write and k.get("permission") != "read-write":
        craft_error(403, "FORBIDDEN", "Insufficient permissions")
    return user_by_id(k["user"])


def craft(h):
    p, m = h.route, h.method
    if (m, p) == ("GET", "/v1/me"):
        u = craft_auth(h)
        raise Reply(200, {"success": True, "data": {"id": u["id"], "email": u["email"], "name": u["name"]}})
    if (m, p) == ("GET", "/v1/projects"):
        u = craft_auth(h)
        raise Reply(200, {"success": True, "data": u.get("projects", [{"id": "proj_1", "name": "Demo"}])})
    if (m, p) == ("POST", "/v1/projects"):
        u = craft_auth(h, write=True)
        b = h.json_body() or {}
        proj = {"id": "proj_" + uuid.uuid4().hex[:8], "name": b.get("name", "Untitled")}
        u.setdefault("projects", [{"id": "proj_1", "name": "Demo"}]).append(proj)
        raise Reply(201, {"success": True, "data": proj})
    # OAuth 2 (seed 001) comes later: GET https://craft.fast/oauth/authorize (login host) and
    # POST /v1/oauth/token with a JSON body (grant_type authorization_code | refresh_token).


HANDLERS = {"embermind": embermind, "knowledge-stack": knowledge_stack,
            "metakraftwerk": metakraftwerk, "craft": craft}


# ----------------------------------------------------------------------------- HTTP handler
class Handler(server_common.Handler):
    server_version = "FakeProvider/1.0"
    lock, state, answer_control = LOCK, STATE, control  # control(h) serves as the method

    def answer(self):
        HANDLERS[PROVIDER](self)

    def not_found(self):
        return not_found_body()

    def header(self, name):
        return self.headers.get(name)


# ----------------------------------------------------------------------------- main
def main():
    global PROVIDER
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provider", required=True, choices=sorted(HANDLERS))
    server_common.add_server_arguments(ap)
    ap.add_argument("--tls-cert", help="serve https with this PEM certificate (chain)")
    ap.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    args = ap.parse_args()
    PROVIDER = args.provider
    server = server_common.bind(args.port, Handler, tls_cert=args.tls_cert, tls_key=args.tls_key)
    server_common.serve(server, args.lifetime)


if __name__ == "__main__":
    main()
