import FoundationEssentials

/// One header line of a request or response.
package struct HTTPHeader: Sendable, Equatable {
  package var name: String
  package var value: String

  package init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }

  /// `Authorization: Bearer <token>` (RFC 6750 §2.1).
  package static func bearer(_ token: String) -> HTTPHeader {
    HTTPHeader("Authorization", "Bearer \(token)")
  }
}

/// A request as a provider builds it; `secrets` lists values the trace must redact.
package struct HTTPRequest: Sendable, Equatable {
  package var method: String
  package var url: String
  package var headers: [HTTPHeader]
  package var body: [UInt8]?
  /// Values that must never appear in a `--verbose` trace (tokens, keys, passwords).
  package var secrets: [String]

  package init(
    method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
    secrets: [String] = []
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.secrets = secrets
  }

  /// SPEC §6: only GET and DELETE may be sent again after a 5xx or a dropped connection.
  package var isRetriable: Bool { method == "GET" || method == "DELETE" }
}

/// A response as the transport received it; header names are lower-cased.
package struct HTTPResponse: Sendable, Equatable {
  package var status: Int
  package var headers: [HTTPHeader]
  package var body: [UInt8]

  package init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// The first value of a header, matched case-insensitively.
  package func header(_ name: String) -> String? {
    let wanted = name.lowercased()
    return headers.first { $0.name.lowercased() == wanted }?.value
  }
}

/// Sends one request once, with no retries: the seam tests replace.
package protocol HTTPTransport: Sendable {
  func send(_ request: HTTPRequest, timeout: Double) throws(TransportFailure) -> HTTPResponse
}

/// Why a single exchange produced no usable response.
package enum TransportFailure: Error, Equatable {
  /// DNS, connect, TLS or I/O failure; the server may not have seen the request.
  case unreachable(host: String, reason: String)
  /// The connection broke after the request was sent; the server may have acted on it.
  case dropped(host: String, reason: String)
  /// `--timeout` elapsed.
  case timedOut(host: String, seconds: Double)
  /// The body passed the response cap.
  case tooLarge(host: String, limit: Int)
  /// TLS verification failed (unknown CA, wrong name, expired certificate).
  case untrusted(host: String, reason: String)
  /// libcurl could not be loaded.
  case noHTTPLibrary(reason: String)
}
