#!/usr/bin/env python3
"""Play the user at the django-oauth-toolkit test server, with no browser.

  user_agent.py approve --url AUTHORIZATION_URL [--username alice]
                [--password alice-password] [--deny] [--no-deliver]

      Opens the authorization URL with a cookie session, signs in on the
      login form, then answers the consent form (Authorize, or Cancel with
      --deny). The server's final redirect to the client's redirect URI is not
      followed blindly: its Location is printed on stdout, then fetched with a
      plain GET (so the client's loopback listener receives the code or the
      error), unless --no-deliver. Exit 0 once the redirect to the client was
      obtained (and delivered); 1 with a message on stderr otherwise.

  user_agent.py device --verification-uri URL [--user-code CODE]
                [--username alice] [--password alice-password] [--deny]

      Opens the verification URI, signs in, enters the user code (taken from
      the URL's user_code parameter when --user-code is not given) and
      accepts (or denies) the device. Prints the final status line of the
      server's page on stdout ("Device Authorized" / "Device Denied").

Standard library only. Never talks to any host but the one in the URL and,
for delivery, the redirect URI's host (both loopback in the tests).
"""

import argparse
import html.parser
import http.cookiejar
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 30


class Failure(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class FormParser(html.parser.HTMLParser):
    """Collects <form>s with their inputs/buttons, and the page's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.text = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": [], "buttons": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button", "select", "textarea"):
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit":
                self._form["buttons"].append(a)
            elif kind not in ("checkbox", "radio") or "checked" in a:
                self._form["fields"].append((a.get("name", ""), a.get("value", ""), kind))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


class Session:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect(), urllib.request.ProxyHandler({})
        )

    def request(self, url, data=None, referer=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method="POST" if data is not None else "GET")
        if referer:
            req.add_header("Referer", referer)
        try:
            resp = self.opener.open(req, timeout=TIMEOUT)
        except urllib.error.HTTPError as e:  # 3xx (redirects not followed) and 4xx/5xx
            resp = e
        with resp:
            status = resp.status if hasattr(resp, "status") else resp.code
            location = resp.headers.get("Location")
            text = resp.read().decode("utf-8", "replace")
        if location:
            location = urllib.parse.urljoin(url, location)
        return status, location, text


def origin(url):
    p = urllib.parse.urlsplit(url)
    return (p.scheme, p.netloc)


def parse(text):
    p = FormParser()
    p.feed(text)
    return p


def page_summary(text):
    return " | ".join(parse(text).text)[:400]


def form_data(form, exclude=()):
    return [(n, v) for n, v, _ in form["fields"] if n and n not in exclude]


def walk(session, url, data=None, referer=None, server=None, max_hops=10):
    """Request url, following redirects that stay on the server's origin.
    Returns (final_url, status, location_off_server_or_None, text)."""
    server = server or origin(url)
    for _ in range(max_hops):
        status, location, text = session.request(url, data, referer)
        if status in (301, 302, 303, 307, 308) and location:
            if origin(location) != server:
                return url, status, location, text
            referer, url, data = url, location, None
            continue
        return url, status, None, text
    raise Failure(f"too many redirects at {url}")


def login_if_asked(session, url, status, text, username, password, server):
    """If the page is the login form, sign in and return the next page."""
    page = parse(text)
    login = next((f for f in page.forms if any(n == "password" for n, _, _ in f["fields"])), None)
    if login is None:
        return url, status, None, text
    action = urllib.parse.urljoin(url, login["attrs"].get("action") or url)
    data = form_data(login, exclude=("username", "password"))
    data += [("username", username), ("password", password)]
    new_url, status, off, text = walk(session, action, data, referer=url, server=server)
    if off is None and any(
        any(n == "password" for n, _, _ in f["fields"]) for f in parse(text).forms
    ):
        raise Failure(f"login as {username!r} refused: {page_summary(text)}")
    return new_url, status, off, text


def deliver(location):
    """GET the redirect URI (the client's loopback listener), no cookies."""
    opener = urllib.request.build_opener(NoRedirect(), urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(location), timeout=TIMEOUT) as resp:
            status = resp.status
            body = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        raise Failure(f"could not deliver the redirect to {location}: {e}")
    print(f"user_agent: redirect delivered, listener answered {status}: {body.strip()[:200]}", file=sys.stderr)


def approve(args):
    session = Session()
    server = origin(args.url)
    url, status, off, text = walk(session, args.url, server=server)
    if off is None:
        url, status, off, text = login_if_asked(session, url, status, text, args.username, args.password, server)
    if off is None:
        page = parse(text)
        consent = next((f for f in page.forms if f["attrs"].get("id") == "authorizationForm"), None)
        if consent is None or status != 200:
            raise Failure(f"no consent form at {url} (HTTP {status}): {page_summary(text)}")
        action = urllib.parse.urljoin(url, consent["attrs"].get("action") or url)
        data = form_data(consent, exclude=("allow",))
        if not args.deny:
            data.append(("allow", "Authorize"))
        url, status, off, text = walk(session, action, data, referer=url, server=server)
    if off is None:
        raise Failure(f"the server did not redirect to the client (HTTP {status}): {page_summary(text)}")
    print(off, flush=True)
    if not args.no_deliver:
        deliver(off)
    return 0


def device(args):
    session = Session()
    server = origin(args.verification_uri)
    code = args.user_code
    if not code:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(args.verification_uri).query)
        code = (q.get("user_code") or [""])[0]
    if not code:
        raise Failure("no user code: give --user-code or a verification_uri_complete")
    url, status, off, text = walk(session, args.verification_uri, server=server)
    if off is None:
        url, status, off, text = login_if_asked(session, url, status, text, args.username, args.password, server)
    if off is not None or status != 200:
        raise Failure(f"unexpected answer at {url} (HTTP {status}): {page_summary(text)}")
    form = next((f for f in parse(text).forms if any(n == "user_code" for n, _, _ in f["fields"])), None)
    if form is None:
        raise Failure(f"no user-code form at {url}: {page_summary(text)}")
    action = urllib.parse.urljoin(url, form["attrs"].get("action") or url)
    data = form_data(form, exclude=("user_code",)) + [("user_code", code)]
    url, status, off, text = walk(session, action, data, referer=url, server=server)
    page = parse(text)
    confirm = next((f for f in page.forms if any(b.get("name") == "action" for b in f["buttons"])), None)
    if off is not None or confirm is None:
        raise Failure(f"user code {code!r} not accepted (HTTP {status}): {page_summary(text)}")
    action = urllib.parse.urljoin(url, confirm["attrs"].get("action") or url)
    data = form_data(confirm) + [("action", "deny" if args.deny else "accept")]
    url, status, off, text = walk(session, action, data, referer=url, server=server)
    summary = page_summary(text)
    if off is not None or status != 200 or "Device" not in summary:
        raise Failure(f"device confirmation failed (HTTP {status}): {summary}")
    print(summary, flush=True)
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("approve", help="log in and answer the consent page of an authorization URL")
    a.add_argument("--url", required=True)
    a.add_argument("--deny", action="store_true", help="press Cancel instead of Authorize")
    a.add_argument("--no-deliver", action="store_true", help="print the redirect Location but do not GET it")
    d = sub.add_parser("device", help="log in and approve a device user code")
    d.add_argument("--verification-uri", required=True)
    d.add_argument("--user-code")
    d.add_argument("--deny", action="store_true")
    for s in (a, d):
        s.add_argument("--username", default="alice")
        s.add_argument("--password", default="alice-password")
    args = p.parse_args(argv)
    try:
        return approve(args) if args.command == "approve" else device(args)
    except Failure as e:
        print(f"user_agent: {e}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as e:
        print(f"user_agent: network error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
