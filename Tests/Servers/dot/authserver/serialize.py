"""Serialize the token and revocation endpoints.

DOT guards refresh-token rotation with SELECT ... FOR UPDATE, which SQLite
ignores. With SQLite, N concurrent refreshes of one refresh token therefore
mostly *succeed* (seen: 9 to 16 of 20), and the losers of the race to the
reuse-detection revocation can crash with a 500 (AccessToken.DoesNotExist in
TokenView). A production database (PostgreSQL) serializes them on the row
lock: exactly one wins, the others get invalid_grant. This lock restores
that behaviour here. serve.py --no-token-lock turns it off.
"""

import os
import threading

_lock = threading.Lock()
_PATHS = ("/o/token/", "/o/revoke_token/")


class SerializeTokenEndpointMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = os.environ.get("AUTHSERVER_TOKEN_LOCK", "1") == "1"

    def __call__(self, request):
        if self.enabled and request.method == "POST" and request.path in _PATHS:
            with _lock:
                return self.get_response(request)
        return self.get_response(request)
