#!/usr/bin/env python3
"""Start a throwaway django-oauth-toolkit authorization server on 127.0.0.1.

    python3 Tests/Servers/dot/serve.py [--port 0] [--lifetime 300]
        [--access-token-seconds 300] [--id-token-seconds 3600]
        [--refresh-token-seconds 0] [--device-interval 1]
        [--jwt-access-tokens] [--no-token-lock] [--quiet]

Prints exactly two lines on stdout, then serves until killed, until its parent
process dies, or until --lifetime seconds have passed:

    PORT <n>
    ISSUER http://127.0.0.1:<n>/o

Everything else (request log, errors) goes to stderr. The SQLite database
and key live in a temporary directory removed at exit. See README.md for the
users and clients it registers.
"""

import argparse
import os
import shutil
import signal
import socketserver
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

USERS = [
    # username, password, email, first, last, groups
    ("alice", "alice-password", "alice@example.com", "Alice", "Liddell", ["developers"]),
    ("bob", "bob-password", "bob@example.com", "Bob", "Builder", []),
]

# client_id, secret (None: public), type, grant, redirect URIs, post-logout URIs, name
CLIENTS = [
    ("authctl-public", None, "public", "authorization-code",
     "http://127.0.0.1/callback", "http://127.0.0.1/logged-out", "authctl (public, PKCE)"),
    ("authctl-confidential", "confidential-secret", "confidential", "authorization-code",
     "http://127.0.0.1/callback", "http://127.0.0.1/logged-out", "authctl (confidential)"),
    ("authctl-service", "service-secret", "confidential", "client-credentials",
     "", "", "authctl (client credentials)"),
    ("authctl-device", None, "public", "urn:ietf:params:oauth:grant-type:device_code",
     "", "", "authctl (device)"),
]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--lifetime", type=float, default=300, help="exit after this many seconds (0: never)")
    p.add_argument("--access-token-seconds", type=int, default=300)
    p.add_argument("--id-token-seconds", type=int, default=3600)
    p.add_argument("--refresh-token-seconds", type=int, default=0, help="0: refresh tokens do not expire")
    p.add_argument("--device-interval", type=int, default=1, help="device-flow polling interval to announce")
    p.add_argument("--jwt-access-tokens", action="store_true", help="issue RS256 JWT access tokens")
    p.add_argument("--no-token-lock", action="store_true",
                   help="do not serialize token/revocation requests (raw DOT-on-SQLite races)")
    p.add_argument("--quiet", action="store_true", help="no request log on stderr (server errors still)")
    return p.parse_args(argv)


def log(msg):
    # A closed stderr (the test process died) must not kill the watchdog that stops this server.
    try:
        print(f"serve.py: {msg}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def make_rsa_pem():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def seed():
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import get_application_model

    for username, password, email, first, last, groups in USERS:
        user = User.objects.create_user(username, email=email, password=password, first_name=first, last_name=last)
        for name in groups:
            group, _ = Group.objects.get_or_create(name=name)
            user.groups.add(group)

    Application = get_application_model()
    for client_id, secret, ctype, grant, redirects, logout_uris, name in CLIENTS:
        Application.objects.create(
            client_id=client_id,
            client_secret=secret or "",
            client_type=ctype,
            authorization_grant_type=grant,
            redirect_uris=redirects,
            post_logout_redirect_uris=logout_uris,
            name=name,
            algorithm="RS256" if grant == "authorization-code" or "device_code" in grant else "",
            skip_authorization=False,
        )


def install_watchdogs(lifetime, cleanup):
    parent = os.getppid()
    started = time.monotonic()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                log("parent process gone, exiting")
                break
            if lifetime and time.monotonic() - started >= lifetime:
                log(f"lifetime of {lifetime:g} s reached, exiting")
                break
        cleanup()
        os._exit(0)

    threading.Thread(target=watch, name="watchdog", daemon=True).start()


def main(argv):
    t0 = time.monotonic()
    args = parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="authctl-dot-")
    cleaned = threading.Lock()

    def cleanup():
        if cleaned.acquire(blocking=False):
            shutil.rmtree(tmp, ignore_errors=True)

    def on_signal(signum, frame):
        cleanup()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    install_watchdogs(args.lifetime, cleanup)

    # Bind first, so that port 0 gives the real port before Django reads its settings.
    from wsgiref.simple_server import WSGIServer

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    from django.core.servers.basehttp import WSGIRequestHandler

    httpd = Server(("127.0.0.1", args.port), WSGIRequestHandler)
    port = httpd.server_address[1]
    issuer = f"http://127.0.0.1:{port}/o"

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "authserver.settings",
            "AUTHSERVER_ISSUER": issuer,
            "AUTHSERVER_DB": os.path.join(tmp, "db.sqlite3"),
            "AUTHSERVER_RSA_PEM": make_rsa_pem(),
            "AUTHSERVER_ACCESS_TOKEN_SECONDS": str(args.access_token_seconds),
            "AUTHSERVER_ID_TOKEN_SECONDS": str(args.id_token_seconds),
            "AUTHSERVER_REFRESH_TOKEN_SECONDS": str(args.refresh_token_seconds),
            "AUTHSERVER_DEVICE_INTERVAL": str(args.device_interval),
            "AUTHSERVER_JWT_ACCESS_TOKENS": "1" if args.jwt_access_tokens else "0",
            "AUTHSERVER_QUIET": "1" if args.quiet else "0",
            "AUTHSERVER_TOKEN_LOCK": "0" if args.no_token_lock else "1",
        }
    )
    sys.path.insert(0, HERE)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    seed()

    from django.core.handlers.wsgi import WSGIHandler

    httpd.set_app(WSGIHandler())
    log(f"ready in {time.monotonic() - t0:.2f} s, database in {tmp}")
    sys.stdout.write(f"PORT {port}\nISSUER {issuer}\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
