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
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[1].count < 64 * 1024 else { return nil }
    var base64 = String(parts[1]).replacing("-", with: "+").replacing("_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64) else { return nil }
    return try? JSONDecoder().decode(JWTClaims.self, from: data)
  }
}
