/// Removes secrets from what `--verbose` prints (SPEC §7): the request's known secret values in
/// every encoding a request may carry them, credential headers, and secret-named body fields.
struct TraceRedactor {
  static let mask = "[redacted]"
  private static let maskBytes = Array(mask.utf8)

  /// The secrets' byte forms, longest first so a longer form is never half-masked by a shorter one.
  private let needles: [[UInt8]]

  init(secrets: [String]) {
    var forms = Set<[UInt8]>()
    for secret in secrets where !secret.isEmpty {
      // As sent: raw, in a URL or form body, or inside a JSON string (JSONEncoder writes `/` as `\/`).
      let encodings = [
        secret, Self.percentEncoded(secret, spaceAsPlus: false),
        Self.percentEncoded(secret, spaceAsPlus: true),
        Self.jsonEscaped(secret, slash: false), Self.jsonEscaped(secret, slash: true),
      ]
      for encoding in encodings { forms.insert(Array(encoding.utf8)) }
    }
    needles = forms.sorted { $0.count > $1.count }
  }

  /// `Name: value`, a credential header's value masked; `Authorization` keeps its scheme word.
  func header(_ header: HTTPHeader) -> String {
    let name = header.name.lowercased()
    var value = header.value
    if name == "authorization" || name == "proxy-authorization" {
      let words = value.split(separator: " ", maxSplits: 1)
      let isScheme =
        words.count == 2 && words[0].count <= 20 && words[0].allSatisfy { $0.isASCII && $0.isLetter }
      value = isScheme ? "\(words[0]) \(Self.mask)" : Self.mask
    } else if SecretNames.isSecretHeader(name) {
      value = Self.mask
    }
    return text("\(header.name): \(value)")
  }

  /// The URL with secret-named query parameters and known secrets masked.
  func url(_ url: String) -> String {
    guard let question = url.firstIndex(of: "?") else { return text(url) }
    let fragment = url[question...].firstIndex(of: "#") ?? url.endIndex
    let query = Self.redactForm(Array(url[url.index(after: question)..<fragment].utf8))
    return text(String(url[...question]) + String(decoding: query, as: UTF8.self) + url[fragment...])
  }

  /// A body for display: secret fields and values masked, then cut to `limit` bytes.
  func body(_ bytes: [UInt8], limit: Int) -> String {
    var redacted = bytes
    if JSONRedaction.looksLikeJSON(bytes) {
      redacted = JSONRedaction.redact(bytes)
    } else if bytes.contains(UInt8(ascii: "=")), !bytes.contains(where: { $0 <= 0x20 }) {
      redacted = Self.redactForm(bytes)
    }
    redacted = replacingSecrets(redacted)
    var end = min(limit, redacted.count)
    // Never cut inside a UTF-8 sequence: step back over continuation bytes.
    while end < redacted.count, end > 0, redacted[end] & 0xC0 == 0x80 { end -= 1 }
    guard let shown = String(validating: redacted[..<end], as: UTF8.self) else {
      return "[\(bytes.count) bytes, not UTF-8]"
    }
    let rest = redacted.count - end
    return masked(Self.printable(shown)) + (rest > 0 ? "\n[\(rest) more bytes]" : "")
  }

  /// Any text with the known secrets masked and control characters made visible.
  func text(_ text: String) -> String {
    masked(Self.printable(String(decoding: replacingSecrets(Array(text.utf8)), as: UTF8.self)))
  }

  /// Masks again after `printable`: a secret split by a carriage return, which `printable` drops, must not
  /// come back whole (issue 6's fuzzing: an answer echoing `"CS-\rcanary"`).
  private func masked(_ text: String) -> String {
    String(decoding: replacingSecrets(Array(text.utf8)), as: UTF8.self)
  }

  private func replacingSecrets(_ input: [UInt8]) -> [UInt8] {
    needles.reduce(input) { bytes, needle in Self.replacing(needle, in: bytes) }
  }

  private static func replacing(_ needle: [UInt8], in haystack: [UInt8]) -> [UInt8] {
    guard let first = needle.first, needle.count <= haystack.count else { return haystack }
    var result: [UInt8] = []
    result.reserveCapacity(haystack.count)
    var index = 0
    while index < haystack.count {
      if haystack[index] == first, index + needle.count <= haystack.count,
        haystack[index..<index + needle.count].elementsEqual(needle)
      {
        result += maskBytes
        index += needle.count
      } else {
        result.append(haystack[index])
        index += 1
      }
    }
    return result
  }

  /// `a=b&c=d` with the values of secret-named fields masked.
  private static func redactForm(_ bytes: [UInt8]) -> [UInt8] {
    let pairs = bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false).map { pair in
      guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return Array(pair) }
      let key = percentDecoded(pair[..<equals])
      let value = percentDecoded(pair[(equals + 1)...])
      return SecretNames.shouldRedact(key: key, value: value)
        ? Array(pair[...equals]) + maskBytes : Array(pair)
    }
    return Array(pairs.joined(separator: [UInt8(ascii: "&")]))
  }

  private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
    var output: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
        let value = UInt8(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
      {
        output.append(value)
        index += 3
      } else {
        output.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
        index += 1
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// RFC 3986 unreserved characters kept, every other byte as `%XX`; forms may write space as `+`.
  private static func percentEncoded(_ text: String, spaceAsPlus: Bool) -> String {
    var output = ""
    for byte in text.utf8 {
      let isUnreserved =
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        || "-._~".utf8.contains(byte)
      if isUnreserved {
        output.unicodeScalars.append(Unicode.Scalar(byte))
      } else if byte == 0x20 && spaceAsPlus {
        output += "+"
      } else {
        output += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
      }
    }
    return output
  }

  private static func jsonEscaped(_ text: String, slash: Bool) -> String {
    var output = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "/" where slash: output += "\\/"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case _ where scalar.value < 0x20:
        output += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
      default: output.unicodeScalars.append(scalar)
      }
    }
    return output
  }

  /// Control characters (a hostile server's terminal escapes) shown as `.`; newlines and tabs kept.
  private static func printable(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.compactMap { scalar in
          if scalar == "\r" { return nil }
          let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
          return isControl && scalar != "\n" && scalar != "\t" ? "." : scalar
        }))
  }
}
