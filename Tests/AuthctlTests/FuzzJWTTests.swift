import Foundation
import Testing

@testable import AuthctlCore

/// Issue 6 item 5: JWT decoding. A token is whatever a server or the environment hands over; its claims
/// feed expiry arithmetic, ID token checks and reports, so hostile claims must be read or ignored, never trap.
@Suite struct FuzzJWTTests {
  static let headers = [#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#, #"{"alg":"HS256","typ":"access"}"#]
  static let payloads = [
    #"{"exp":1767225600,"iat":1767224700,"sub":"7c1d","iss":"https://sso.example.com/realms/acme","#
      + #""aud":"authctl","azp":"authctl","email":"a@example.com","groups":["/dev"],"nonce":"n0nce","#
      + #""scope":"openid email","preferred_username":"alice"}"#,
    #"{"sub":"user_1","companyId":"c-1","iat":1767224700}"#,
    #"{"aud":["account","authctl"],"exp":1767225600,"iat":1767224700,"jti":"x","typ":"Bearer"}"#,
  ]
  static let keys = [
    "exp", "iat", "sub", "iss", "aud", "azp", "email", "groups", "nonce", "scope", "preferred_username",
    "alg",
  ]

  /// A token: mutated header and payload, then sometimes mangled as text (dots, padding, alphabet, size).
  static func token(_ rng: inout SplitMix64) -> String {
    if rng.chance(0.1) { return rng.pick(FuzzMutator.strings) }
    let header = FuzzMutator.body(from: headers, &rng, keys: keys)
    let payload = FuzzMutator.body(from: payloads, &rng, keys: keys)
    var parts = [FuzzMutator.base64URL(header), FuzzMutator.base64URL(payload), "c2lnbmF0dXJl"]
    if rng.chance(0.2) { parts.insert(rng.pick(["", "x", "e30"]), at: rng.below(4)) }
    if rng.chance(0.1) { parts.removeLast() }
    var text = parts.joined(separator: ".")
    if rng.chance(0.2) { text += rng.pick(["=", "==", "+/", " ", "\n", "%3D", "é"]) }
    if rng.chance(0.02) { text += String(repeating: "QUFB", count: 20_000) }
    if rng.chance(0.2) {
      text = String(decoding: FuzzMutator.mutateBytes(Array(text.utf8), &rng), as: UTF8.self)
    }
    return text
  }

  @Test("Hostile JWTs decode to claims or to nothing, and their lifetimes never overflow")
  func jwtDecodingNeverCrashes() throws {
    var decoded = 0
    let now = 1_767_225_000.0
    let (_, slow) = FuzzRun(name: "JWT decoding", seed: 0x6A77_7466_757A_7A01).run { rng, _ in
      let token = Self.token(&rng)
      if let claims = JWTClaims.decode(token) {
        decoded += 1
        _ = (claims.sub, claims.email, claims.groups, claims.aud)
      }
      _ = IDTokenCheck.problem(
        token, issuer: rng.chance(0.5) ? "https://sso.example.com/realms/acme" : nil, clientID: "authctl",
        nonce: rng.chance(0.5) ? "n0nce" : nil, now: now)
      // The token answer path: expires_in from the answer, or the JWT's own exp and iat.
      let expiresIn = rng.chance(0.5) ? "" : #","expires_in":"# + rng.pick(FuzzMutator.numbers)
      let body = #"{"access_token":"# + FuzzJSON.quoted(token) + expiresIn + "}"
      if let answer = try? JSONDecoder().decode(TokenResponse.self, from: Data(body.utf8)) {
        let issued = OAuthSession.issued(answer, now: now)
        let timing = TokenTiming(expiresAt: issued.expiresAt, issuedAt: issued.issuedAt)
        _ = (timing.isDue(now: now), timing.isExpired(now: now), timing.secondsLeft(now: now))
      }
    }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(!FuzzBudget.isWholeRun || decoded > 0, "some mutated tokens should still decode")
  }

  @Test("Hostile payloads the fast reader takes are read exactly as JSONDecoder reads them")
  func plainClaimsMatchJSONDecoder() throws {
    var plain = 0
    let (_, slow) = FuzzRun(name: "JWT claims, fast reader against JSONDecoder", seed: 0x6A77_7466_757A_7A02)
      .run {
        rng, _ in
        let payload = FuzzMutator.body(from: Self.payloads, &rng, keys: Self.keys)
        guard let fast = JWTClaims(plain: payload) else { return }
        plain += 1
        let reference = try? JSONDecoder().decode(JWTClaims.self, from: Data(payload))
        #expect(fast == reference, "\(String(decoding: payload, as: UTF8.self))")
      }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(!FuzzBudget.isWholeRun || plain > 0, "some mutated payloads should take the fast path")
  }
}
