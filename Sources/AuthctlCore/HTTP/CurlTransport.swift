import CAuthctlSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sends each request once through libcurl, which is loaded on the first request (SPEC §1).
package struct CurlTransport: HTTPTransport {
  /// SPEC §7: responses are capped at 1 MiB.
  package static let maxBodyBytes = 1 << 20

  let userAgent: String
  /// `AUTHCTL_CA_FILE`: a PEM bundle trusted in addition to the system's CAs.
  let extraCAFile: String?
  /// Read at the first request: commands that make none (a valid `token`) pay nothing for it.
  let environment: [String: String]

  /// Takes settings from `environment` (never from the process), and `userAgent` as `authctl/<version>`.
  package init(environment: [String: String], userAgent: String) {
    self.userAgent = userAgent
    self.extraCAFile = environment["AUTHCTL_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    self.environment = environment
  }

  /// SPEC §5: loopback never goes through a proxy. CURLOPT_NOPROXY replaces curl's own reading of
  /// `no_proxy`/`NO_PROXY` (lower case first, as curl does), so the user's list is kept in front.
  static func noProxyList(_ environment: [String: String]) -> String {
    let user = String(
      decoding: (environment["no_proxy"] ?? environment["NO_PROXY"] ?? "").utf8.filter {
        $0 != UInt8(ascii: " ")
      },
      as: UTF8.self)
    // curl honours `*` (no proxy at all) only as the whole value.
    if user == "*" { return user }
    let loopback = ["127.0.0.1", "localhost", "::1", "127.0.0.0/8"]
    return ((user.isEmpty ? [] : [user]) + loopback).joined(separator: ",")
  }

  package func send(_ request: HTTPRequest, timeout: Double) throws(TransportFailure) -> HTTPResponse {
    let host = (try? HTTPURL(parsing: request.url))?.host ?? HTTPURL.withoutQuery(request.url)
    var response = authctl_http_response()
    guard let outcome = perform(request, timeout: timeout, into: &response) else {
      throw .unreachable(host: host, reason: "out of memory")
    }
    defer { authctl_http_response_free(&response) }
    let reason = withUnsafeBytes(of: response.error_text) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
    switch outcome {
    case AUTHCTL_HTTP_OK:
      let headerText = String(
        decoding: UnsafeRawBufferPointer(start: response.header_text, count: response.header_length),
        as: UTF8.self)
      let body =
        response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.body_length)) } ?? []
      return HTTPResponse(status: response.status, headers: Self.parseHeaders(headerText), body: body)
    case AUTHCTL_HTTP_NO_LIBRARY: throw .noHTTPLibrary(reason: reason)
    case AUTHCTL_HTTP_DROPPED: throw .dropped(host: host, reason: reason)
    case AUTHCTL_HTTP_TIMED_OUT: throw .timedOut(host: host, seconds: timeout)
    case AUTHCTL_HTTP_TOO_LARGE: throw .tooLarge(host: host, limit: Self.maxBodyBytes)
    case AUTHCTL_HTTP_UNTRUSTED: throw .untrusted(host: host, reason: reason)
    // AUTHCTL_HTTP_UNREACHABLE and AUTHCTL_HTTP_FAILED: the request never left this machine.
    default: throw .unreachable(host: host, reason: reason)
    }
  }

  /// Lends C copies of the request's strings to `authctl_http_perform` for the length of the call;
  /// nil when they cannot be allocated.
  private func perform(_ request: HTTPRequest, timeout: Double, into response: inout authctl_http_response)
    -> Int32?
  {
    let lines = request.headers.map(Self.headerLine)
    let noProxy = Self.noProxyList(environment)
    let strings = ([request.method, request.url, userAgent, noProxy, extraCAFile ?? ""] + lines).map {
      strdup($0)
    }
    defer { strings.forEach { free($0) } }
    guard !strings.contains(nil) else { return nil }
    let linePointers = strings.dropFirst(5).map { UnsafePointer($0) }
    let milliseconds = (timeout * 1000).rounded()
    // An empty body still needs an address: C reads a NULL body as "no body at all".
    let bodyBytes = request.body.map { $0.isEmpty ? [0] : $0 } ?? []
    return linePointers.withUnsafeBufferPointer { lineBuffer in
      bodyBytes.withUnsafeBufferPointer { body in
        var cRequest = authctl_http_request()
        cRequest.method = UnsafePointer(strings[0])
        cRequest.url = UnsafePointer(strings[1])
        cRequest.user_agent = UnsafePointer(strings[2])
        cRequest.no_proxy = UnsafePointer(strings[3])
        cRequest.extra_ca_file = extraCAFile == nil ? nil : UnsafePointer(strings[4])
        cRequest.header_lines = lineBuffer.baseAddress
        cRequest.header_count = lineBuffer.count
        cRequest.body = request.body == nil ? nil : body.baseAddress
        cRequest.body_length = request.body?.count ?? 0
        cRequest.timeout_ms = milliseconds.isFinite ? Int(min(max(milliseconds, 1), 86_400_000)) : 86_400_000
        cRequest.max_body_bytes = Self.maxBodyBytes
        return authctl_http_perform(&cRequest, &response)
      }
    }
  }

  /// `Name: value` with CR, LF and NUL removed, so no value can add a header line; an empty value
  /// is written `Name;`, curl's syntax for sending it (a bare `Name:` would remove the header).
  static func headerLine(_ header: HTTPHeader) -> String {
    let clean: (String) -> String = { text in
      String(
        decoding: text.utf8.filter { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") && $0 != 0 },
        as: UTF8.self)
    }
    let value = clean(header.value).drop { $0 == " " }
    return value.isEmpty ? "\(clean(header.name));" : "\(clean(header.name)): \(value)"
  }

  /// Header lines as the C side captured them (`Name: value`, one per line), names lower-cased.
  // On UTF-8 bytes: splitting Characters cost each request 1.4 M instructions, a tenth of curl's whole run.
  static func parseHeaders(_ text: String) -> [HTTPHeader] {
    let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    return text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
      var value = line[line.index(after: colon)...].drop(while: isSpace)
      while let last = value.last, isSpace(last) { value = value.dropLast() }
      return HTTPHeader(
        String(decoding: line[..<colon], as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self))
    }
  }
}
