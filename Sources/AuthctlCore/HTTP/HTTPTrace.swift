/// Writes the `--verbose` trace of one request, line by line, with every secret redacted (SPEC §3, §7).
// Format as `curl -v` has it: `> ` lines were sent, `< ` lines came back, `* ` lines say what the
// client did (a failure, a wait, a retry).
struct HTTPTrace {
  /// Bodies are cut to this many bytes.
  static let bodyLimit = 2048

  let write: @Sendable (String) -> Void
  let redactor: TraceRedactor

  init(write: @escaping @Sendable (String) -> Void, secrets: [String]) {
    self.write = write
    self.redactor = TraceRedactor(secrets: secrets)
  }

  func request(_ request: HTTPRequest) {
    write("> \(request.method) \(redactor.url(request.url))")
    for header in request.headers { write("> " + redactor.header(header)) }
    if let body = request.body, !body.isEmpty { lines("> ", redactor.body(body, limit: Self.bodyLimit)) }
  }

  func response(_ response: HTTPResponse, milliseconds: Int) {
    write("< \(response.status) (\(milliseconds) ms)")
    for header in response.headers { write("< " + redactor.header(header)) }
    if !response.body.isEmpty { lines("< ", redactor.body(response.body, limit: Self.bodyLimit)) }
  }

  func failure(_ failure: TransportFailure, milliseconds: Int) {
    note("\(Self.describe(failure)) (\(milliseconds) ms)")
  }

  func note(_ text: String) {
    write("* " + redactor.text(text))
  }

  private func lines(_ prefix: String, _ text: String) {
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) { write(prefix + line) }
  }

  private static func describe(_ failure: TransportFailure) -> String {
    switch failure {
    case .unreachable(_, let reason): "unreachable: \(reason)"
    case .dropped(_, let reason): "connection dropped after the request was sent: \(reason)"
    case .timedOut(_, let seconds): "timed out after \(seconds) s"
    case .tooLarge(_, let limit): "response larger than \(limit) bytes"
    case .untrusted(_, let reason): "TLS verification failed: \(reason)"
    case .noHTTPLibrary(let reason): "no HTTP library: \(reason)"
    }
  }
}
