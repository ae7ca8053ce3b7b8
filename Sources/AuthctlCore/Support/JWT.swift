import FoundationEssentials

/// The claims authctl reads from a JWT payload; the signature is not checked here (display and expiry only).
package struct JWTClaims: Decodable, Sendable, Equatable {
  package var sub: String?
  package var iss: String?
  package var email: String?
  package var exp: Double?
  package var iat: Double?
  package var groups: [String]?
  package var azp: String?
  package var scope: String?
  package var preferredUsername: String?
  /// The audience, a string or an array in the token, always an array here.
  package var aud: [String]?
  package var nonce: String?

  enum CodingKeys: String, CodingKey {
    case sub, iss, email, exp, iat, groups, azp, scope, aud, nonce
    case preferredUsername = "preferred_username"
  }

  // Lenient: a claim of an unexpected type is ignored rather than failing the whole token.
  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    sub = Self.text(c, .sub)
    iss = Self.text(c, .iss)
    email = Self.text(c, .email)
    exp = UntrustedSeconds.checked(try? c.decodeIfPresent(Double.self, forKey: .exp))
    iat = UntrustedSeconds.checked(try? c.decodeIfPresent(Double.self, forKey: .iat))
    groups = try? c.decodeIfPresent([String].self, forKey: .groups)
    azp = Self.text(c, .azp)
    scope = Self.text(c, .scope)
    preferredUsername = Self.text(c, .preferredUsername)
    aud = (try? c.decodeIfPresent([String].self, forKey: .aud)) ?? Self.text(c, .aud).map { [$0] }
    nonce = Self.text(c, .nonce)
  }

  private static func text(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> String? {
    if let value = try? c.decodeIfPresent(String.self, forKey: key) { return value }
    if let number = try? c.decodeIfPresent(Int64.self, forKey: key) { return String(number) }
    return nil
  }

  /// Decodes the payload of a compact JWT, or nil when the token is not one.
  package static func decode(_ token: String) -> JWTClaims? {
    // Bytes, not Characters: a JWT is ASCII, and String's searching and replacing cost each refresh 0.3 M.
    let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 3, parts[1].count < 64 * 1024 else { return nil }
    var base64 = parts[1].map { byte in
      switch byte {
      case UInt8(ascii: "-"): UInt8(ascii: "+")
      case UInt8(ascii: "_"): UInt8(ascii: "/")
      default: byte
      }
    }
    while base64.count % 4 != 0 { base64.append(UInt8(ascii: "=")) }
    guard let data = Data(base64Encoded: Data(base64)) else { return nil }
    return JWTClaims(plain: Array(data)) ?? (try? JSONDecoder().decode(JWTClaims.self, from: data))
  }
}

extension JWTClaims {
  /// The claims of a payload in the plain shape servers send, read without JSONDecoder; nil for anything else
  /// (broken JSON, an escaped or repeated name, a fraction where a name or an id is expected), which
  /// JSONDecoder then reads exactly as `init(from:)` says.
  // Issue 5: JSONDecoder cost each refresh and `check` 0.6 M instructions, most of them looking up generic
  // types at run time. The switch is exhaustive over CodingKeys, so a new claim does not compile until it is
  // read here too; the tests compare both readings, also for every fuzzed token.
  init?(plain payload: [UInt8]) {
    guard JSONSourceLocation.firstInvalidUTF8(in: payload) == nil else { return nil }
    var scanner = JSONScanner(payload)
    scanner.skipWhitespace()
    guard let members = try? scanner.objectMembers() else { return nil }
    scanner.skipWhitespace()
    guard scanner.offset == payload.count, !JSONMember.hasEscapedOrRepeatedName(members, in: payload) else {
      return nil
    }
    for member in members {
      guard let key = CodingKeys(rawValue: String(decoding: payload[member.name], as: UTF8.self)) else {
        continue
      }
      guard let value = PlainClaim(member.value, in: scanner),
        !(value.isWholeDecimal && ![.exp, .iat, .groups].contains(key))
      else { return nil }
      switch key {
      case .sub: sub = value.text
      case .iss: iss = value.text
      case .email: email = value.text
      case .exp: exp = UntrustedSeconds.checked(value.number)
      case .iat: iat = UntrustedSeconds.checked(value.number)
      case .groups: groups = value.strings
      case .azp: azp = value.text
      case .scope: scope = value.text
      case .preferredUsername: preferredUsername = value.text
      case .aud: aud = value.strings ?? value.text.map { [$0] }
      case .nonce: nonce = value.text
      }
    }
  }
}

/// One claim's value, as `JWTClaims.init(from:)` can read it.
private enum PlainClaim {
  case string(String)
  /// A number written as digits alone; `integer` when it fits Int64, as a text claim reads it.
  case digits(Double, integer: Int64?)
  /// A number written with a fraction or an exponent.
  case decimal(Double)
  case list([String])
  /// null, true, false, an object, or an array with other than strings: no claim reads it.
  case other

  /// nil when JSONDecoder must decide: a string whose escapes do not decode, a number beyond Double's range,
  /// a zero or subnormal written with a fraction or an exponent.
  init?(_ value: Range<Int>, in scanner: JSONScanner) {
    let bytes = scanner.bytes[value]
    switch bytes[value.lowerBound] {
    case UInt8(ascii: "\""):
      guard let text = scanner.string(at: (value.lowerBound + 1)..<(value.upperBound - 1)) else { return nil }
      self = .string(text)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let text = String(decoding: bytes, as: UTF8.self)
      guard let number = Double(text), number.isFinite else { return nil }
      let isDigits = !bytes.contains {
        [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains($0)
      }
      // JSONDecoder refuses a number that underflows (`1e-400`), where Double(text) gives 0.
      guard isDigits || number.isNormal else { return nil }
      self = isDigits ? .digits(number, integer: Int64(text)) : .decimal(number)
    case UInt8(ascii: "["):
      var elements = scanner
      elements.offset = value.lowerBound
      guard let items = try? elements.arrayElements() else { return nil }
      var strings: [String] = []
      for item in items {
        guard scanner.bytes[item.lowerBound] == UInt8(ascii: "\""),
          let text = scanner.string(at: (item.lowerBound + 1)..<(item.upperBound - 1))
        else {
          self = .other
          return
        }
        strings.append(text)
      }
      self = .list(strings)
    default: self = .other
    }
  }

  /// A whole number written as `1.0` or `1e3`: whether a text claim reads it is left to JSONDecoder.
  var isWholeDecimal: Bool {
    if case .decimal(let number) = self { return number.rounded() == number }
    return false
  }

  /// `init(from:)`'s text: a string, or a whole number within Int64 written out.
  var text: String? {
    switch self {
    case .string(let text): text
    case .digits(_, let integer?): String(integer)
    default: nil
    }
  }

  var number: Double? {
    switch self {
    case .digits(let number, _), .decimal(let number): number
    default: nil
    }
  }

  var strings: [String]? {
    if case .list(let strings) = self { return strings }
    return nil
  }
}
