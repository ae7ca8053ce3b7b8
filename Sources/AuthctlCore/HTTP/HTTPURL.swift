/// The parts of a request URL that the security rules look at (SPEC §7).
package struct HTTPURL: Sendable, Equatable {
  /// `http` or `https`, lower-cased.
  package let scheme: String
  /// The host, lower-cased, an IPv6 address without its brackets.
  package let host: String
  package let port: Int?

  /// Parses `scheme://host[:port][/path][?query][#fragment]`; anything else is `.invalidURL`.
  package init(parsing url: String) throws(HTTPError) {
    let invalid = HTTPError.invalidURL(Self.withoutQuery(url))
    // Characters curl and other parsers could read differently (RFC 3986 §2 excludes them all).
    let forbidden: Set<UInt8> = Set(" \"<>\\^`{|}".utf8)
    guard !url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F || forbidden.contains($0) }),
      let schemeEnd = url.firstRange(of: "://")
    else { throw invalid }
    let scheme = url[..<schemeEnd.lowerBound].lowercased()
    let rest = url[schemeEnd.upperBound...]
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    // Credentials in a URL would be sent as Basic auth and printed in traces: refused.
    guard !scheme.isEmpty, !authority.isEmpty, !authority.contains("@") else { throw invalid }
    var hostPart = Substring(authority)
    var portText: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else { throw invalid }
      hostPart = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { throw invalid }
        portText = after.dropFirst()
      }
    } else if let colon = authority.firstIndex(of: ":") {
      hostPart = authority[..<colon]
      portText = authority[authority.index(after: colon)...]
    }
    var port: Int?
    if let portText {
      guard let number = Int(portText), portText.allSatisfy(\.isASCII), (1...65535).contains(number) else {
        throw invalid
      }
      port = number
    }
    guard !hostPart.isEmpty else { throw invalid }
    self.scheme = scheme
    self.host = hostPart.lowercased()
    self.port = port
  }

  /// SPEC §7: `127.0.0.0/8`, `::1` and `localhost` may be reached over plain `http://`.
  package var isLoopback: Bool {
    if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    guard octets.count == 4, octets[0] == "127" else { return false }
    return octets.allSatisfy { octet in
      !octet.isEmpty && octet.count <= 3 && octet.allSatisfy { $0.isASCII && $0.isNumber }
        && (Int(octet) ?? 256) <= 255
    }
  }

  /// Parses `url` and applies SPEC §7: https anywhere, http only to loopback, nothing else.
  package static func checked(_ url: String) throws(HTTPError) -> HTTPURL {
    let parsed = try HTTPURL(parsing: url)
    switch parsed.scheme {
    case "https": return parsed
    case "http" where parsed.isLoopback: return parsed
    default: throw .insecureURL(withoutQuery(url))
    }
  }

  /// The URL up to its query, for error messages: a query may carry a secret.
  static func withoutQuery(_ url: String) -> String {
    String(url.prefix { $0 != "?" && $0 != "#" })
  }
}
