/// The header names, JSON keys and form fields whose values a trace must mask (SPEC §7).
enum SecretNames {
  private static let headers: Set<String> = [
    "authorization", "proxy-authorization", "x-api-key", "x-access-token", "cookie", "set-cookie",
  ]
  private static let headerWords = ["token", "secret", "password", "api-key", "apikey", "session"]

  /// Keys compared lower-cased with `_` and `-` removed, so `access_token` and `accessToken` both match.
  private static let keys: Set<String> = [
    "password", "secret", "token", "accesstoken", "refreshtoken", "idtoken", "xaccesstoken", "key",
    "apikey", "apikeyvalue", "clientsecret", "code", "codeverifier", "devicecode", "idtokenhint",
    "assertion", "clientassertion",
  ]
  private static let keySuffixes = ["token", "secret", "password"]

  /// Whether a header's whole value is a credential.
  static func isSecretHeader(_ name: String) -> Bool {
    let lowered = name.lowercased()
    return headers.contains(lowered) || headerWords.contains { lowered.contains($0) }
  }

  /// Whether a JSON key or form field name holds a secret (`sessionToken`, `client_secret`, `key`, ...).
  static func isSecretKey(_ name: String) -> Bool {
    let normalized = normalize(name)
    return keys.contains(normalized) || keySuffixes.contains { normalized.hasSuffix($0) }
  }

  /// The credentials a request's headers carry (`Bearer <token>` gives the token too), so the trace masks
  /// them wherever an answer echoes them back, in a header or a body field of any name (issue 6).
  static func credentials(in headers: [HTTPHeader]) -> [String] {
    headers.filter { isSecretHeader($0.name) }.flatMap { header in
      let words = header.value.split(separator: " ", maxSplits: 1).map(String.init)
      return words.count == 2 ? [header.value, words[1]] : [header.value]
    }
  }

  /// Whether `value`, found under `key`, must be masked.
  static func shouldRedact(key: String, value: String) -> Bool {
    guard isSecretKey(key) else { return false }
    // An OAuth `code` is a secret, but error envelopes use `code` too (seed 001: "UNAUTHORIZED",
    // seed 004's Feathers errors: 401); such identifiers stay readable in the trace.
    return normalize(key) != "code" || !isErrorIdentifier(value)
  }

  private static func normalize(_ name: String) -> String {
    String(name.lowercased().filter { $0 != "_" && $0 != "-" })
  }

  /// `RATE_LIMIT_EXCEEDED`, `error.auth.token_incorrect` or `401`: words or a status, never random-looking.
  private static func isErrorIdentifier(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    guard let first = bytes.first, let last = bytes.last else { return false }
    if bytes.count <= 3 && bytes.allSatisfy({ (0x30...0x39).contains($0) }) { return true }
    let upperWords =
      (0x41...0x5A).contains(first) && bytes.allSatisfy { (0x41...0x5A).contains($0) || $0 == 0x5F }
    let dottedWords =
      bytes.contains(0x2E) && first != 0x2E && last != 0x2E
      && bytes.allSatisfy { (0x61...0x7A).contains($0) || $0 == 0x5F || $0 == 0x2E }
    return upperWords || dottedWords
  }
}
