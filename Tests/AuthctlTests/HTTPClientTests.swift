import Foundation
import Synchronization
import Testing

@testable import AuthctlCore

/// A transport that records each request and answers from a script, the last entry repeating.
private final class ScriptedTransport: HTTPTransport {
  private let state: Mutex<(script: [Result<HTTPResponse, TransportFailure>], sent: [HTTPRequest])>

  init(_ script: [Result<HTTPResponse, TransportFailure>]) {
    state = Mutex((script, []))
  }

  var sent: [HTTPRequest] { state.withLock { $0.sent } }

  func send(_ request: HTTPRequest, timeout: Double) throws(TransportFailure) -> HTTPResponse {
    let next = state.withLock { state in
      state.sent.append(request)
      return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
    }
    return try next.get()
  }
}

/// A clock that stands still except when slept, recording every sleep.
private final class FakeTime: Sendable {
  private let state = Mutex((now: 1_700_000_000.0, sleeps: [Double]()))  // 2023-11-14 22:13:20 UTC

  var sleeps: [Double] { state.withLock { $0.sleeps } }

  var clock: Clock {
    Clock(
      now: { self.state.withLock { $0.now } },
      sleep: { seconds in
        self.state.withLock {
          $0.sleeps.append(seconds)
          $0.now += seconds
        }
      })
  }
}

/// Collects trace lines.
private final class TraceLog: Sendable {
  private let lines = Mutex([String]())
  var text: String { lines.withLock { $0.joined(separator: "\n") } }
  func write(_ line: String) { lines.withLock { $0.append(line) } }
}

private func answer(_ status: Int, _ headers: [HTTPHeader] = [], _ body: String = "")
  -> Result<HTTPResponse, TransportFailure>
{
  .success(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
}

private func client(_ transport: ScriptedTransport, _ time: FakeTime, trace: TraceLog? = nil) -> HTTPClient {
  HTTPClient(
    transport: transport, timeout: 30, clock: time.clock,
    trace: trace.map { log in { @Sendable line in log.write(line) } })
}

private func outcome(_ client: HTTPClient, _ request: HTTPRequest) -> Result<HTTPResponse, HTTPError> {
  Result { () throws(HTTPError) in try client.send(request) }
}

private let url = "https://api.example.com/v1/me"

@Suite struct HTTPClientTests {
  @Test(arguments: [
    "http://api.example.com/v1", "ftp://example.com/", "http://127.0.0.1.evil.com/", "http://10.0.0.1/",
  ])
  func insecureURLIsRefusedBeforeAnythingIsSent(_ target: String) {
    let transport = ScriptedTransport([answer(200)])
    let result = outcome(
      client(transport, FakeTime()), HTTPRequest(method: "GET", url: target + "?token=s3cret"))
    #expect(result == .failure(.insecureURL(target)))
    #expect(transport.sent.isEmpty)
  }

  @Test(arguments: [
    "not a url", "https://", "https://host:99999/", "https://exa mple.com/", "https://u:p@host/",
  ])
  func unparsableURLIsRefused(_ target: String) {
    let transport = ScriptedTransport([answer(200)])
    #expect(
      outcome(client(transport, FakeTime()), HTTPRequest(method: "GET", url: target))
        == .failure(.invalidURL(target)))
    #expect(transport.sent.isEmpty)
  }

  @Test(arguments: [
    "http://127.0.0.1:8080/x", "http://127.9.8.7/", "http://[::1]:9000/", "http://localhost/",
    "http://LOCALHOST:1",
    url,
  ])
  func loopbackHTTPAndAnyHTTPSAreSent(_ target: String) throws {
    let transport = ScriptedTransport([answer(200)])
    _ = try client(transport, FakeTime()).send(HTTPRequest(method: "POST", url: target))
    #expect(transport.sent.map(\.url) == [target])
  }

  @Test(arguments: [
    ("3", 3.0), ("Tue, 14 Nov 2023 22:13:25 GMT", 5), ("Tuesday, 14-Nov-23 22:13:27 GMT", 7),
    ("Tue Nov 14 22:13:30 2023", 10), ("Mon, 13 Nov 2023 00:00:00 GMT", 0), ("soon", 1), ("1.5", 1), ("", 1),
  ])
  func rateLimitWaitsAsRetryAfterSays(_ header: String, _ seconds: Double) throws {
    let time = FakeTime()
    let transport = ScriptedTransport([answer(429, [HTTPHeader("retry-after", header)]), answer(200)])
    #expect(try client(transport, time).send(HTTPRequest(method: "POST", url: url)).status == 200)
    #expect(time.sleeps == (seconds > 0 ? [seconds] : []))
    #expect(transport.sent.count == 2)
  }

  @Test func retryAfterBeyondTheBudgetFailsAtOnceWithoutSleeping() {
    let time = FakeTime()
    let limited = HTTPResponse(status: 429, headers: [HTTPHeader("retry-after", "3600")])
    let transport = ScriptedTransport([.success(limited)])
    let result = outcome(client(transport, time), HTTPRequest(method: "GET", url: url))
    #expect(result == .failure(.rateLimited(host: "api.example.com", retryAfter: "3600", response: limited)))
    #expect(time.sleeps.isEmpty)
    #expect(transport.sent.count == 1)
  }

  @Test func rateLimitStopsWhenTheSixtySecondBudgetIsSpent() {
    let time = FakeTime()
    let limited = HTTPResponse(status: 429, headers: [HTTPHeader("retry-after", "30")])
    let result = outcome(
      client(ScriptedTransport([.success(limited)]), time), HTTPRequest(method: "GET", url: url))
    #expect(result == .failure(.rateLimited(host: "api.example.com", retryAfter: "30", response: limited)))
    #expect(time.sleeps == [30, 30])
  }

  @Test func aStormOfRetryAfterZeroEnds() {
    let time = FakeTime()
    let limited = HTTPResponse(status: 429, headers: [HTTPHeader("retry-after", "0")])
    let transport = ScriptedTransport([.success(limited)])
    let result = outcome(client(transport, time), HTTPRequest(method: "GET", url: url))
    #expect(result == .failure(.rateLimited(host: "api.example.com", retryAfter: "0", response: limited)))
    #expect(transport.sent.count == HTTPClient.maxRateLimitRetries + 1)
    #expect(time.sleeps.isEmpty)
  }

  @Test(arguments: [
    answer(503), .failure(.dropped(host: "api.example.com", reason: "reset")),
    .failure(.unreachable(host: "api.example.com", reason: "refused")),
    .failure(.timedOut(host: "api.example.com", seconds: 30)),
  ])
  func aPOSTIsNeverSentTwice(_ first: Result<HTTPResponse, TransportFailure>) {
    let time = FakeTime()
    let transport = ScriptedTransport([first, answer(200)])
    #expect(throws: HTTPError.self) {
      try client(transport, time).send(HTTPRequest(method: "POST", url: url))
    }
    #expect(transport.sent.count == 1)
    #expect(time.sleeps.isEmpty)
  }

  @Test func aGETIsRetriedTwiceAfter5xxThenFails() {
    let time = FakeTime()
    let transport = ScriptedTransport([answer(502)])
    let result = outcome(client(transport, time), HTTPRequest(method: "GET", url: url))
    let failed = HTTPError.serverError(
      host: "api.example.com", status: 502, attempts: 3, response: HTTPResponse(status: 502))
    #expect(result == .failure(failed))
    #expect(transport.sent.count == 3)
    #expect(time.sleeps == HTTPClient.backoff)
  }

  @Test func aDELETEIsRetriedAfterADroppedConnection() throws {
    let time = FakeTime()
    let transport = ScriptedTransport([
      .failure(.dropped(host: "api.example.com", reason: "reset")), answer(204),
    ])
    #expect(try client(transport, time).send(HTTPRequest(method: "DELETE", url: url)).status == 204)
    #expect(transport.sent.count == 2)
  }

  @Test func aTimeoutIsNeverRetried() {
    let transport = ScriptedTransport([
      .failure(.timedOut(host: "api.example.com", seconds: 30)), answer(200),
    ])
    let result = outcome(client(transport, FakeTime()), HTTPRequest(method: "GET", url: url))
    #expect(result == .failure(.transport(.timedOut(host: "api.example.com", seconds: 30))))
    #expect(transport.sent.count == 1)
  }

  @Test func aRedirectIsNeverFollowed() {
    let transport = ScriptedTransport([
      answer(302, [HTTPHeader("location", "http://evil.example/")]), answer(200),
    ])
    let result = outcome(client(transport, FakeTime()), HTTPRequest(method: "GET", url: url))
    #expect(
      result == .failure(.redirected(host: "api.example.com", status: 302, location: "http://evil.example/")))
    #expect(transport.sent.count == 1)
  }

  @Test func clientErrorsAreReturnedToTheCaller() throws {
    let transport = ScriptedTransport([answer(401, [], #"{"error":"error.auth.token_incorrect"}"#)])
    #expect(try client(transport, FakeTime()).send(HTTPRequest(method: "GET", url: url)).status == 401)
  }

  @Test func theTraceNeverShowsASecret() throws {
    let log = TraceLog()
    let body =
      #"{"login":"ann","password":"Hunter2-json/only","code":"UNAUTHORIZED","nested":{"refresh_token":"rt-json-only"}}"#
    let request = HTTPRequest(
      method: "POST", url: url + "?client_secret=query-only&x=1",
      headers: [
        HTTPHeader("Authorization", "Bearer header-only-token"),
        HTTPHeader("x-api-key", "api-key-header-only"),
        HTTPHeader("X-Project-ID", "proj-1"),
      ],
      body: Array(body.utf8), secrets: ["listed-only-secret"])
    let answerBody = #"{"access_token":"at-response-only","echo":"listed-only-secret","expires_in":300}"#
    let transport = ScriptedTransport([answer(200, [HTTPHeader("set-cookie", "sid=cookie-only")], answerBody)]
    )
    _ = try client(transport, FakeTime(), trace: log).send(request)
    let trace = log.text
    for secret in [
      "listed-only-secret", "header-only-token", "api-key-header-only", "Hunter2", "rt-json-only",
      "query-only",
      "at-response-only", "cookie-only",
    ] {
      #expect(!trace.contains(secret), "\(secret) leaked into the trace")
    }
    #expect(trace.contains("> POST https://api.example.com/v1/me?client_secret=[redacted]&x=1"))
    #expect(trace.contains("> Authorization: Bearer [redacted]"))
    #expect(trace.contains("> X-Project-ID: proj-1"))
    #expect(trace.contains(#""code":"UNAUTHORIZED""#))
    #expect(trace.contains("< 200 (0 ms)"))
    #expect(trace.contains(#""expires_in":300"#))
  }

  @Test func theTraceMasksFormFieldsAndEncodedSecrets() throws {
    let log = TraceLog()
    let form =
      "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=v3r1f13r&redirect_uri=x"
    let request = HTTPRequest(
      method: "POST", url: url, body: Array((form + "&note=p%40ss%2Fw0rd+x").utf8), secrets: ["p@ss/w0rd x"])
    _ = try client(ScriptedTransport([answer(200)]), FakeTime(), trace: log).send(request)
    #expect(!log.text.contains("SplxlOBeZQQYbYS6WxSbIA"))
    #expect(!log.text.contains("v3r1f13r"))
    #expect(!log.text.contains("p%40ss"))
    #expect(log.text.contains("grant_type=authorization_code&code=[redacted]&code_verifier=[redacted]"))
  }
}

/// A Python stdlib server on 127.0.0.1, plain and TLS (a fresh self-signed certificate), that also
/// reports a port where nothing listens; it cleans up and exits when its stdin closes or after 60 s.
private final class LoopbackServer {
  let process = Process()
  let input = Pipe()
  let plainPort: Int
  let tlsPort: Int
  let closedPort: Int
  let certificate: String

  private static let script = #"""
    import http.server, os, shutil, socket, ssl, subprocess, sys, tempfile, threading, time
    folder = tempfile.mkdtemp(prefix="authctl-http-")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    def quit(): shutil.rmtree(folder, True); os._exit(0)
    threading.Timer(60, quit).start()
    threading.Thread(target=lambda: (sys.stdin.read(), quit()), daemon=True).start()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key, "-out", cert], check=True, capture_output=True)
    http.server.ThreadingHTTPServer.handle_error = lambda *args: None
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *args): pass
        def reply(self, status, body, headers=()):
            self.send_response(status)
            for name, value in headers: self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def do_GET(self): self.route(b"")
        def do_POST(self): self.route(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        def route(self, body):
            if self.path == "/echo":
                seen = f"{self.command} {self.headers.get('User-Agent')} {self.headers.get('X-Test')} ".encode()
                self.reply(200, seen + body, [("X-Answer", "yes"), ("Content-Type", "text/plain")])
            elif self.path == "/big":
                self.reply(200, b"x" * (1024 * 1024 + 1))
            elif self.path == "/big-unannounced":
                self.send_response(200); self.send_header("Connection", "close"); self.end_headers()
                self.wfile.write(b"x" * (1024 * 1024 + 1)); self.close_connection = True
            elif self.path == "/slow":
                time.sleep(3); self.reply(200, b"late")
            elif self.path == "/redirect":
                self.reply(302, b"", [("Location", "http://127.0.0.1:1/elsewhere")])
            elif self.path == "/drop":
                self.close_connection = True; self.connection.shutdown(socket.SHUT_RDWR)
    def serve(server): threading.Thread(target=server.serve_forever, daemon=True).start()
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler); serve(plain)
    tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); context.load_cert_chain(cert, key)
    tls.socket = context.wrap_socket(tls.socket, server_side=True); serve(tls)
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); closed = probe.getsockname()[1]; probe.close()
    print(plain.server_address[1], tls.server_address[1], closed, cert, flush=True)
    threading.Event().wait()
    """#

  init() throws {
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", Self.script]
    (process.standardInput, process.standardOutput, process.standardError) = (
      input, output, FileHandle.nullDevice
    )
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line += chunk
    }
    let words = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
    let ports = words.prefix(3).compactMap { Int($0) }
    guard ports.count == 3, words.count == 4 else { throw CocoaError(.fileReadCorruptFile) }
    (plainPort, tlsPort, closedPort, certificate) = (ports[0], ports[1], ports[2], words[3])
  }

  /// Closing stdin makes the server remove its certificate folder and exit.
  func stop() {
    try? input.fileHandleForWriting.close()
  }
}

extension HTTPClientTests {
  /// The real transport, against a server on 127.0.0.1 (nested so `--filter HTTPClientTests` runs it).
  @Suite struct CurlTransportLoopback {
    private func send(
      _ transport: CurlTransport, _ method: String, _ url: String, body: String? = nil, timeout: Double = 5
    ) -> Result<HTTPResponse, TransportFailure> {
      let request = HTTPRequest(
        method: method, url: url, headers: [HTTPHeader("X-Test", "t1")], body: body.map { Array($0.utf8) })
      return Result { () throws(TransportFailure) in try transport.send(request, timeout: timeout) }
    }

    /// The failure's case, with the reason only for `untrusted`: libcurl words the others.
    private func kind(_ result: Result<HTTPResponse, TransportFailure>) -> String {
      switch result {
      case .success(let response): "status \(response.status)"
      case .failure(.unreachable): "unreachable"
      case .failure(.dropped): "dropped"
      case .failure(.untrusted(_, let reason)): "untrusted: \(reason)"
      case .failure(let other): "\(other)"
      }
    }

    @Test func curlTransportAgainstALoopbackServer() throws {
      let server = try LoopbackServer()
      defer { server.stop() }
      let plain = CurlTransport(environment: [:], userAgent: "authctl/test")
      let base = "http://127.0.0.1:\(server.plainPort)"

      let echoed = try send(plain, "POST", base + "/echo", body: #"{"a":1}"#).get()
      #expect(echoed.status == 200)
      #expect(echoed.header("x-answer") == "yes")
      #expect(echoed.headers.contains(HTTPHeader("content-type", "text/plain")))
      #expect(String(decoding: echoed.body, as: UTF8.self) == #"POST authctl/test t1 {"a":1}"#)

      let limit = CurlTransport.maxBodyBytes
      #expect(send(plain, "GET", base + "/big") == .failure(.tooLarge(host: "127.0.0.1", limit: limit)))
      #expect(
        send(plain, "GET", base + "/big-unannounced") == .failure(.tooLarge(host: "127.0.0.1", limit: limit)))
      #expect(
        send(plain, "GET", base + "/slow", timeout: 1) == .failure(.timedOut(host: "127.0.0.1", seconds: 1)))
      #expect(try send(plain, "GET", base + "/redirect").get().status == 302)
      #expect(kind(send(plain, "GET", "http://127.0.0.1:\(server.closedPort)/")) == "unreachable")
      #expect(kind(send(plain, "POST", base + "/drop", body: "{}")) == "dropped")

      let tlsURL = "https://127.0.0.1:\(server.tlsPort)/echo"
      #expect(kind(send(plain, "GET", tlsURL)).hasPrefix("untrusted: SSL certificate problem"))
      let trusting = CurlTransport(
        environment: ["AUTHCTL_CA_FILE": server.certificate], userAgent: "authctl/test")
      #expect(try send(trusting, "GET", tlsURL).get().status == 200)
      let missing = CurlTransport(
        environment: ["AUTHCTL_CA_FILE": "/nonexistent/ca.pem"], userAgent: "authctl/test")
      #expect(kind(send(missing, "GET", tlsURL)).hasPrefix("untrusted: cannot read /nonexistent/ca.pem"))
    }

    @Test func loopbackIsAlwaysExemptFromProxies() {
      #expect(CurlTransport.noProxyList([:]) == "127.0.0.1,localhost,::1,127.0.0.0/8")
      #expect(
        CurlTransport.noProxyList(["no_proxy": "corp.example", "NO_PROXY": "x"]).hasPrefix(
          "corp.example,127.0.0.1"))
      #expect(CurlTransport.noProxyList(["NO_PROXY": "*"]) == "*")
    }
  }
}
