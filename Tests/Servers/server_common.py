"""HTTP plumbing shared by fake_providers.py and fake_oidc.py (Python 3.11 stdlib only).

A server module subclasses Handler, points its `lock` and `state` at its own, fills in the hooks,
then calls bind() and serve():

    server = bind(port, Handler)         # 127.0.0.1; unblocks signals first
    serve(server, lifetime)              # prints `PORT <n>`, serves until its parent dies or lifetime ends

`state` must hold the lists "faults" (queued by /__control/faults) and "requests" (the request
log, /__control/ excluded). The fault semantics are described in fake_providers.py.
"""
import json, os, signal, socket, ssl, struct, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Reply(Exception):
    """Raised by handlers to answer at once."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def take_fault(faults, method, path):
    """Takes one use of the first queued fault for method and path (exact, or a prefix ending in *)."""
    for i, f in enumerate(faults):
        fp = f.get("path", "")
        if (fp == path or (fp.endswith("*") and path.startswith(fp[:-1]))) and \
                f.get("method", method).upper() == method:
            f["times"] = int(f.get("times", 1)) - 1
            if f["times"] <= 0:
                del faults[i]
            return f
    return None


class Handler(BaseHTTPRequestHandler):
    """Reads the request, logs it, applies a queued fault, then runs a hook under `lock`; the hook
    answers by raising Reply, and one that does not answer gets 404 with not_found()."""
    protocol_version = "HTTP/1.1"
    lock = None   # the server's lock: hooks run under it
    state = None  # the server's state: "faults" and "requests"

    # ---- hooks
    def answer_control(self):
        """Answers /__control/...; never logged, never faulted."""
        raise NotImplementedError

    def answer(self):
        """Answers every other request."""
        raise NotImplementedError

    def not_found(self):
        """The body of the 404 when a hook did not answer."""
        raise NotImplementedError

    def omit_content_type(self, status, data, fault):
        """Whether an answer goes without Content-Type."""
        return status == 204

    # ---- plumbing
    def answer_log_and_faults(self, name, body):
        """Answers the /__control/ POSTs every fake server has, when name is one of them:
        reset-requests, faults and clear-faults. For the hook answer_control; runs under `lock`."""
        if name == "reset-requests":
            self.state["requests"].clear()
            raise Reply(200, {})
        if name == "faults":
            for f in (body.get("faults") if "faults" in body else [body]):
                self.state["faults"].append(dict(f))
            raise Reply(200, {"queued": len(self.state["faults"])})
        if name == "clear-faults":
            self.state["faults"].clear()
            raise Reply(200, {})

    def log_message(self, *args):  # keep stderr quiet
        pass

    def do_GET(self): self.dispatch("GET")
    def do_POST(self): self.dispatch("POST")
    def do_PUT(self): self.dispatch("PUT")
    def do_PATCH(self): self.dispatch("PATCH")
    def do_DELETE(self): self.dispatch("DELETE")

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def json_body(self):
        try:
            value = json.loads(self.body.decode() or "null")
        except (ValueError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    def bearer(self):
        auth = self.headers.get("Authorization") or ""
        if auth[:7].lower() != "bearer " or not auth[7:].strip():
            return None
        return auth[7:].strip()

    def dispatch(self, method):
        split = urlsplit(self.path)
        self.route, self.query, self.method = split.path, split.query, method
        try:
            self.body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if self.route.startswith("/__control/"):
            self.fault = None
            return self.run(self.answer_control)
        with self.lock:
            self.state["requests"].append({
                "method": method, "path": self.route, "query": self.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": self.body.decode("utf-8", "replace"), "time": time.time()})
            self.fault = take_fault(self.state["faults"], method, self.route)
        f = self.fault or {}
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        if "status" in f or "body" in f or "body_size" in f:
            status = int(f.get("status", 200))
            body = f.get("body")
            if body is None and "body_size" not in f:
                body = {"message": self.responses.get(status, ("Error",))[0], "status": status}
            return self.send(status, body, {})
        self.run(self.answer)

    def run(self, fn):
        try:
            with self.lock:
                fn()
            raise Reply(404, self.not_found())
        except Reply as r:
            self.send(r.status, r.body, r.headers)

    def send(self, status, body, headers):
        f = self.fault or {}
        ctype = f.get("content_type") or "application/json"
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        size = int(f["body_size"]) if "body_size" in f else len(data)
        try:
            self.send_response(status)
            all_headers = {"Content-Type": ctype, **headers, **(f.get("headers") or {})}
            if self.omit_content_type(status, data, f):
                all_headers.pop("Content-Type", None)
            if status == 204:
                size, data = 0, b""
            for k, v in all_headers.items():
                self.send_header(k, str(v))
            self.send_header("Content-Length", str(size))
            self.end_headers()
            limit = size // 2 if f.get("reset") else size
            self.stream(data, limit, float(f.get("drip") or 0))
            if f.get("reset"):
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()  # real close (RST) happens when rfile/wfile close
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def stream(self, data, size, drip):
        pattern = data or b"<garbage>"
        sent = 0
        while sent < size:
            if drip:
                chunk = pattern[sent % len(pattern):][:1]
                time.sleep(drip)
            elif len(data) >= size:
                chunk = data[sent:size]
            else:
                chunk = (pattern * (65536 // len(pattern) + 1))[:min(65536, size - sent)]
            self.wfile.write(chunk)
            sent += len(chunk)


# ----------------------------------------------------------------------------- server
def add_server_arguments(ap):
    """--port and --lifetime, as every fake server takes them."""
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=300.0)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, backlog):
        self.request_queue_size = backlog  # read by listen() in the base __init__
        super().__init__(address, handler)


def bind(port, handler, backlog=5, tls_cert=None, tls_key=None):
    """A server on 127.0.0.1:port (0: any free port), not serving yet; https with tls_cert/tls_key."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a parent may have blocked SIGTERM for us
    server = Server(("127.0.0.1", port), handler, backlog)
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_cert, tls_key)
        # The handshake runs on the first read, in the connection's thread: a client that refuses the
        # certificate never blocks the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server


def watchdog(lifetime):
    parent, deadline = os.getppid(), time.monotonic() + lifetime
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(server, lifetime):
    """Prints `PORT <n>` and serves; exits when the parent dies (checked every 0.5 s) or after
    lifetime seconds."""
    threading.Thread(target=watchdog, args=(lifetime,), daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
