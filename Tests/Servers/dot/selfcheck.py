#!/usr/bin/env python3
"""End-to-end self-check of the django-oauth-toolkit test server (stdlib only).

    python3 Tests/Servers/dot/selfcheck.py

Starts serve.py, then plays a client the way authctl will: discovery,
authorization code + PKCE S256 through its own loopback listener (the user is
played by user_agent.py), ID-token signature and claims, code reuse, a wrong
verifier, denial, refresh with rotation and reuse detection, userinfo, the
confidential client, client credentials, introspection, revocation,
RP-initiated logout, the device flow (approve and deny), JWT access tokens,
and that the server exits with its parent and after --lifetime.
Prints one line per check and a closing "N passed, N failed" line.
"""

import base64
import hashlib
import http.server as httpserver
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVE = os.path.join(HERE, "serve.py")
USER_AGENT = os.path.join(HERE, "user_agent.py")
PY = sys.executable

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(f"{'ok  ' if cond else 'FAIL'} {name}" + (f"  ({detail})" if detail and not cond else ""), flush=True)
    return cond


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# --- HTTP -------------------------------------------------------------------

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, form=None, auth=None, bearer=None):
    body = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=body, method=method)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    if bearer:
        req.add_header("Authorization", "Bearer " + bearer)
    try:
        with _opener.open(req, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def get_no_redirect(url):
    opener = urllib.request.build_opener(NoRedirect(), urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.headers.get("Location")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location")


# --- JWT --------------------------------------------------------------------

def verify_rs256(token, jwks):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    h, p, s = token.split(".")
    header = json.loads(b64url_decode(h))
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    pub = rsa.RSAPublicNumbers(
        int.from_bytes(b64url_decode(key["e"]), "big"), int.from_bytes(b64url_decode(key["n"]), "big")
    ).public_key()
    pub.verify(b64url_decode(s), f"{h}.{p}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return header, json.loads(b64url_decode(p))


# --- loopback listener ----------------------------------------------------------

class Loopback:
    """One-shot redirect receiver on 127.0.0.1:<ephemeral>/callback."""

    def __init__(self):
        got = self.got = {}
        done = self.done = threading.Event()

        class Handler(httpserver.BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != "/callback":
                    self.send_error(404)
                    return
                got.update({k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()})
                body = b"Login complete. You can close this window.\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                done.set()

            def log_message(self, *a):
                pass

        self.server = httpserver.HTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, timeout=10):
        self.done.wait(timeout)
        self.server.shutdown()
        return self.got


# --- server -----------------------------------------------------------------------

def start_server(*extra):
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [PY, SERVE, "--quiet", "--lifetime", "300", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    port_line = proc.stdout.readline().split()
    issuer_line = proc.stdout.readline().split()
    elapsed = time.monotonic() - t0
    assert port_line[0] == "PORT" and issuer_line[0] == "ISSUER", (port_line, issuer_line)
    return proc, int(port_line[1]), issuer_line[1], elapsed


def user_agent(*args):
    r = subprocess.run([PY, USER_AGENT, *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def browser_login(disc, client_id, scope="openid profile email", pkce=True, deny=False, tamper=None):
    """Runs an authorization request through user_agent.py; returns
    (params received by the loopback listener, verifier, state, nonce, redirect_uri)."""
    lb = Loopback()
    verifier = b64url(secrets.token_bytes(32))
    state, nonce = b64url(secrets.token_bytes(16)), b64url(secrets.token_bytes(16))
    q = {
        "response_type": "code", "client_id": client_id, "redirect_uri": lb.redirect_uri,
        "scope": scope, "state": state, "nonce": nonce,
    }
    if pkce:
        q["code_challenge"] = b64url(hashlib.sha256(verifier.encode()).digest())
        q["code_challenge_method"] = "S256"
    if tamper:
        tamper(q)
    url = disc["authorization_endpoint"] + "?" + urllib.parse.urlencode(q)
    rc, out, err = user_agent("approve", "--url", url, *(["--deny"] if deny else []))
    got = lb.wait() if rc == 0 else {}
    return rc, out, err, got, verifier, state, nonce, lb.redirect_uri


def main():
    timings = {}
    proc, port, issuer, timings["server start (PORT/ISSUER read)"] = start_server("--access-token-seconds", "120")
    try:
        run(port, issuer, timings)
    finally:
        proc.terminate()
        proc.wait(5)

    # JWT access tokens
    proc, port, issuer, timings["server start, --jwt-access-tokens"] = start_server("--jwt-access-tokens")
    try:
        _, disc = http("GET", issuer + "/.well-known/openid-configuration")
        _, jwks = http("GET", disc["jwks_uri"])
        rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-public")
        _, tok = http("POST", disc["token_endpoint"], {
            "grant_type": "authorization_code", "code": got.get("code", ""), "redirect_uri": ruri,
            "client_id": "authctl-public", "code_verifier": verifier})
        try:
            header, claims = verify_rs256(tok["access_token"], jwks)
            ok = claims.get("groups") == ["developers"] and claims["exp"] - claims["iat"] == tok["expires_in"]
        except Exception as e:  # noqa: BLE001
            ok, claims = False, str(e)
        check("JWT access token: RS256 signature, groups, exp-iat == expires_in", ok, claims)
        st, ui = http("GET", disc["userinfo_endpoint"], bearer=tok.get("access_token"))
        check("JWT access token accepted by userinfo", st == 200 and ui.get("email") == "alice@example.com", ui)
        check("refresh token stays opaque", tok.get("refresh_token", "").count(".") == 0)
    finally:
        proc.terminate()
        proc.wait(5)

    # lifetime and parent death
    t0 = time.monotonic()
    p = subprocess.run([PY, SERVE, "--quiet", "--lifetime", "2"], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - t0
    check("--lifetime 2: exits by itself", p.returncode == 0 and 2 <= took < 5, f"{took:.1f}s rc={p.returncode}")
    parent = subprocess.Popen(
        ["/bin/sh", "-c", f"'{PY}' '{SERVE}' --quiet --lifetime 60 & echo $!; sleep 1.5"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    child = int(parent.stdout.readline())
    parent.wait()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 5:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    gone = time.monotonic() - t0
    check("exits when its parent dies", gone < 3, f"still alive after {gone:.1f}s")

    for k, v in timings.items():
        print(f"time {k}: {v * 1000:.0f} ms")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


def run(port, issuer, timings):
    t0 = time.monotonic()
    st, disc = http("GET", issuer + "/.well-known/openid-configuration")
    check("discovery", st == 200 and disc["issuer"] == issuer, disc)
    for k in ("device_authorization_endpoint", "revocation_endpoint", "introspection_endpoint",
              "end_session_endpoint", "userinfo_endpoint", "jwks_uri"):
        check(f"discovery has {k}", isinstance(disc.get(k), str) and disc[k].startswith(f"http://127.0.0.1:{port}/"))
    _, jwks = http("GET", disc["jwks_uri"])
    tok_ep = disc["token_endpoint"]

    # 1. authorization code + PKCE, public client
    t = time.monotonic()
    rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-public")
    timings["browser login via user_agent.py"] = time.monotonic() - t
    check("user_agent approve exit 0, prints the Location", rc == 0 and out.startswith(ruri + "?"), err)
    check("loopback listener got code and the same state", got.get("state") == state and got.get("code"), got)
    check("RFC 9207 iss in the redirect (if sent)", got.get("iss", issuer) == issuer, got)
    form = {"grant_type": "authorization_code", "code": got.get("code", ""), "redirect_uri": ruri,
            "client_id": "authctl-public", "code_verifier": verifier}
    st, tok = http("POST", tok_ep, form)
    check("code exchange", st == 200 and tok.get("access_token") and tok.get("refresh_token") and tok.get("id_token"), tok)
    check("expires_in follows --access-token-seconds", tok.get("expires_in") == 120, tok.get("expires_in"))
    try:
        header, idc = verify_rs256(tok["id_token"], jwks)
        check("ID token RS256 signature verifies against JWKS", header["alg"] == "RS256")
        check("ID token iss/aud/nonce/exp", idc["iss"] == issuer and idc["aud"] == "authctl-public"
              and idc["nonce"] == nonce and idc["exp"] > time.time(), idc)
        check("ID token email/preferred_username/groups", idc.get("email") == "alice@example.com"
              and idc.get("preferred_username") == "alice" and idc.get("groups") == ["developers"], idc)
    except Exception as e:  # noqa: BLE001
        check("ID token verifies", False, repr(e))
    st, again = http("POST", tok_ep, form)
    check("code reuse rejected (invalid_grant)", st == 400 and again.get("error") == "invalid_grant", (st, again))

    st, ui = http("GET", disc["userinfo_endpoint"], bearer=tok["access_token"])
    check("userinfo: email, preferred_username, groups", st == 200 and ui.get("email") == "alice@example.com"
          and ui.get("preferred_username") == "alice" and ui.get("groups") == ["developers"], ui)

    # 2. wrong verifier, missing PKCE, deny, wrong password, localhost redirect
    rc, out, err, got, verifier, *_ , ruri = browser_login(disc, "authctl-public")
    st, bad = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                    "redirect_uri": ruri, "client_id": "authctl-public",
                                    "code_verifier": b64url(secrets.token_bytes(32))})
    check("wrong PKCE verifier rejected (invalid_grant)", st == 400 and bad.get("error") == "invalid_grant", (st, bad))
    st, late = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                     "redirect_uri": ruri, "client_id": "authctl-public", "code_verifier": verifier})
    # DOT keeps the grant when PKCE verification fails: the code still works
    # with the right verifier. authctl must itself never retry an exchange.
    check("DOT quirk: code still redeemable after a failed exchange (authctl must not retry)", st == 200, (st, late))
    rc, out, err, got, *_ = browser_login(disc, "authctl-public", pkce=False)
    check("public client without PKCE: error redirect", rc == 0 and got.get("error") == "invalid_request", got)
    rc, out, err, got, *_ = browser_login(disc, "authctl-public", deny=True)
    check("user denies: error=access_denied at the loopback listener", rc == 0 and got.get("error") == "access_denied", (got, err))
    lb = Loopback()
    url = disc["authorization_endpoint"] + "?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": "authctl-public", "redirect_uri": lb.redirect_uri,
        "scope": "openid", "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    rc, out, err = user_agent("approve", "--url", url, "--password", "wrong")
    check("wrong password: user_agent exits non-zero", rc != 0 and "refused" in err, err)
    lb.server.shutdown()
    rc, out, err, got, *_ = browser_login(
        disc, "authctl-public", tamper=lambda q: q.update(redirect_uri=q["redirect_uri"].replace("127.0.0.1", "localhost")))
    check("localhost redirect URI refused (no redirect)", rc != 0, (rc, out, err))

    # 3. refresh with rotation and reuse detection
    t = time.monotonic()
    st, r1 = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                                   "client_id": "authctl-public"})
    timings["refresh"] = time.monotonic() - t
    check("refresh", st == 200 and r1.get("access_token") and r1.get("refresh_token"), r1)
    check("refresh rotates the refresh token", r1.get("refresh_token") != tok["refresh_token"])
    check("refresh answer carries a new ID token", "id_token" in r1)
    st, old_at = http("GET", disc["userinfo_endpoint"], bearer=tok["access_token"])
    check("old access token revoked after refresh", st == 401, st)
    st, r2 = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": r1["refresh_token"],
                                   "client_id": "authctl-public"})
    check("refresh again with the rotated token", st == 200, r2)
    st, reuse = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                                      "client_id": "authctl-public"})
    check("old refresh token rejected (invalid_grant)", st == 400 and reuse.get("error") == "invalid_grant", (st, reuse))
    st, fam = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": r2["refresh_token"],
                                    "client_id": "authctl-public"})
    check("reuse detection revoked the whole family (latest refresh token dead too)", st == 400, (st, fam))

    # 4. confidential client (secret, no PKCE), revocation, RP-initiated logout
    rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-confidential", pkce=False)
    st, ctok = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                     "redirect_uri": ruri}, auth=("authctl-confidential", "confidential-secret"))
    check("confidential client: code exchange with client_secret_basic, no PKCE", st == 200 and "id_token" in ctok, ctok)
    st, wrong = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": ctok.get("refresh_token", "")},
                     auth=("authctl-confidential", "not-the-secret"))
    check("wrong client secret: invalid_client", st == 401 and wrong.get("error") == "invalid_client", (st, wrong))
    st, intro = http("POST", disc["introspection_endpoint"], {"token": ctok["access_token"]},
                     auth=("authctl-service", "service-secret"))
    check("introspection (service client, basic auth): active", st == 200 and intro.get("active") is True
          and intro.get("username") == "alice", intro)
    st, body = http("POST", disc["revocation_endpoint"], {"token": ctok["access_token"], "token_type_hint": "access_token"},
                    auth=("authctl-confidential", "confidential-secret"))
    check("revoke access token", st == 200, (st, body))
    st, _ = http("GET", disc["userinfo_endpoint"], bearer=ctok["access_token"])
    check("revoked access token: userinfo 401", st == 401, st)
    st, intro = http("POST", disc["introspection_endpoint"], {"token": ctok["access_token"]},
                     auth=("authctl-service", "service-secret"))
    check("revoked access token: introspection inactive", intro.get("active") is False, intro)
    st, body = http("POST", disc["revocation_endpoint"], {"token": ctok["refresh_token"], "token_type_hint": "refresh_token"},
                    auth=("authctl-confidential", "confidential-secret"))
    check("revoke refresh token", st == 200, (st, body))
    st, dead = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": ctok["refresh_token"]},
                    auth=("authctl-confidential", "confidential-secret"))
    check("revoked refresh token: invalid_grant", st == 400 and dead.get("error") == "invalid_grant", (st, dead))

    # public client revocation (client_id in the body) + RP-initiated logout
    rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-public")
    st, ptok = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                     "redirect_uri": ruri, "client_id": "authctl-public", "code_verifier": verifier})
    st, body = http("POST", disc["revocation_endpoint"], {"token": ptok["refresh_token"], "client_id": "authctl-public"})
    check("public client revokes its refresh token (client_id in body)", st == 200, (st, body))
    st, dead = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": ptok["refresh_token"],
                                     "client_id": "authctl-public"})
    check("...then it is refused", st == 400, (st, dead))
    rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-public")
    st, ptok = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                     "redirect_uri": ruri, "client_id": "authctl-public", "code_verifier": verifier})
    st, loc = get_no_redirect(disc["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"id_token_hint": ptok["id_token"], "client_id": "authctl-public"}))
    check("end_session with id_token_hint: 302", st == 302, (st, loc))
    st, _ = http("GET", disc["userinfo_endpoint"], bearer=ptok["access_token"])
    check("end_session deleted the access token", st == 401, st)
    st, loc = get_no_redirect(disc["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"id_token_hint": ptok["id_token"]}))
    check("end_session again with the same (now deleted) id_token_hint: 400", st == 400, (st, loc))
    st, loc = get_no_redirect(disc["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"client_id": "authctl-public", "post_logout_redirect_uri": "http://127.0.0.1/logged-out", "state": "xyz"}))
    check("end_session with client_id + registered post_logout_redirect_uri", st == 302
          and loc == "http://127.0.0.1/logged-out?state=xyz", (st, loc))

    # 5. client credentials
    t = time.monotonic()
    st, cc = http("POST", tok_ep, {"grant_type": "client_credentials"}, auth=("authctl-service", "service-secret"))
    timings["client credentials"] = time.monotonic() - t
    check("client credentials (basic)", st == 200 and cc.get("access_token") and "refresh_token" not in cc, cc)
    st, cc2 = http("POST", tok_ep, {"grant_type": "client_credentials", "client_id": "authctl-service",
                                    "client_secret": "service-secret", "scope": "read write"})
    check("client credentials (post, scope read write)", st == 200 and cc2.get("scope") == "read write", cc2)
    st, bad = http("POST", tok_ep, {"grant_type": "client_credentials"}, auth=("authctl-service", "nope"))
    check("client credentials with a wrong secret: 401 invalid_client", st == 401 and bad.get("error") == "invalid_client", (st, bad))
    st, bad = http("POST", tok_ep, {"grant_type": "client_credentials"}, auth=("authctl-confidential", "confidential-secret"))
    check("one grant per client: code client cannot do client credentials", st in (400, 401), (st, bad))

    # 6. device flow
    t = time.monotonic()
    st, da = http("POST", disc["device_authorization_endpoint"], {"client_id": "authctl-device",
                                                                  "scope": "openid profile email"})
    check("device authorization", st == 200 and da.get("device_code") and da.get("user_code")
          and da.get("verification_uri") and da.get("interval") == 1, da)
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": da["device_code"],
            "client_id": "authctl-device"}
    st, pending = http("POST", tok_ep, poll)
    check("device poll before approval: authorization_pending", st == 400 and pending.get("error") == "authorization_pending", (st, pending))
    rc, out, err = user_agent("device", "--verification-uri", da["verification_uri"], "--user-code", da["user_code"])
    check("user_agent device approves", rc == 0 and "Authorized" in out, (rc, out, err))
    st, dtok = http("POST", tok_ep, poll)
    timings["device flow (authorize, approve, token)"] = time.monotonic() - t
    check("device token", st == 200 and dtok.get("access_token"), (st, dtok))
    check("DOT quirk: no id_token from the device grant, even with scope openid", "id_token" not in dtok, dtok)
    st, ui = http("GET", disc["userinfo_endpoint"], bearer=dtok.get("access_token", ""))
    check("device token: userinfo is alice", st == 200 and ui.get("preferred_username") == "alice", (st, ui))
    st, again = http("POST", tok_ep, poll)
    # DOT does not mark the device grant as used: polling again with the same
    # device_code yields another token pair.
    check("DOT quirk: device_code redeemable again after success", st == 200, (st, again))
    if dtok.get("refresh_token"):
        st, dr = http("POST", tok_ep, {"grant_type": "refresh_token", "refresh_token": dtok["refresh_token"],
                                       "client_id": "authctl-device"})
        check("device token refresh (rotation)", st == 200 and dr.get("refresh_token") != dtok["refresh_token"], (st, dr))
    st, da = http("POST", disc["device_authorization_endpoint"], {"client_id": "authctl-device", "scope": "openid"})
    rc, out, err = user_agent("device", "--verification-uri", da["verification_uri_complete"], "--deny")
    check("user_agent device --deny (code from verification_uri_complete)", rc == 0 and "Denied" in out, (rc, out, err))
    st, denied = http("POST", tok_ep, {**poll, "device_code": da["device_code"]})
    check("denied device: access_denied", st == 400 and denied.get("error") == "access_denied", (st, denied))
    rc, out, err = user_agent("device", "--verification-uri", da["verification_uri"], "--user-code", "NOPE1234")
    check("unknown user code: user_agent fails", rc != 0, (rc, out, err))

    # 7. concurrency and request counters
    from concurrent.futures import ThreadPoolExecutor

    base = f"http://127.0.0.1:{port}"
    st, _ = http("POST", base + "/_test/stats/reset", {})
    check("stats reset", st == 200, st)
    rc, out, err, got, verifier, state, nonce, ruri = browser_login(disc, "authctl-public")
    st, ptok = http("POST", tok_ep, {"grant_type": "authorization_code", "code": got.get("code", ""),
                                     "redirect_uri": ruri, "client_id": "authctl-public", "code_verifier": verifier})
    t = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        cc = list(pool.map(lambda _: http("POST", tok_ep, {"grant_type": "client_credentials"},
                                          auth=("authctl-service", "service-secret"))[0], range(50)))
        ui = list(pool.map(lambda _: http("GET", disc["userinfo_endpoint"], bearer=ptok["access_token"])[0], range(50)))
    timings["50 concurrent client-credentials + 50 concurrent userinfo"] = time.monotonic() - t
    check("50 concurrent client-credentials requests all 200", cc.count(200) == 50, cc)
    check("50 concurrent userinfo requests all 200", ui.count(200) == 50, ui)
    with ThreadPoolExecutor(20) as pool:
        rs = list(pool.map(lambda _: http("POST", tok_ep, {"grant_type": "refresh_token", "client_id": "authctl-public",
                                                           "refresh_token": ptok["refresh_token"]})[0], range(20)))
    check("20 concurrent refreshes of one refresh token: exactly one 200, the rest 400",
          rs.count(200) == 1 and rs.count(400) == 19, rs)
    st, stats = http("GET", base + "/_test/stats")
    check("stats count token requests by grant type", st == 200
          and stats["token_requests"].get("client_credentials") == 50
          and stats["token_requests"].get("refresh_token") == 20
          and stats["requests"].get("GET /o/userinfo/") == 50, stats)

    timings["all checks on the main server"] = time.monotonic() - t0


if __name__ == "__main__":
    sys.exit(main())
