import Foundation
import Testing

@testable import AuthctlCore

/// The fast claims reader (`JWTClaims(plain:)`) must read every payload exactly as JSONDecoder does, or step
/// aside so that JSONDecoder decides.
@Suite struct JWTClaimsTests {
  static func reference(_ payload: String) -> JWTClaims? {
    try? JSONDecoder().decode(JWTClaims.self, from: Data(payload.utf8))
  }

  @Test(
    "Payloads in the plain shape are read by the fast reader exactly as JSONDecoder reads them",
    arguments: [
      FuzzJWTTests.payloads[0], FuzzJWTTests.payloads[1], FuzzJWTTests.payloads[2], "{}", " {} \n",
      #"{"exp": 1767225600.75, "iat": -1, "sub": 42, "email": -9223372036854775808, "scope": null}"#,
      #"{"exp": "1767225600", "iat": true, "sub": {"id": 1}, "iss": ["a"], "azp": 1.5, "nonce": false}"#,
      #"{"exp": 99999999999999999999, "iat": 1e11, "sub": 9223372036854775808, "email": -0}"#,
      #"{"exp": 1e12, "iat": 1.5e9, "groups": [], "aud": []}"#,
      #"{"groups": ["/a", "b\"c", "\u00e9\ud83d\ude00"], "aud": "one", "preferred_username": "a\/b"}"#,
      #"{"groups": ["a", 1], "aud": ["x", null], "sub": "\u0000"}"#,
      #"{"groups": "a", "aud": 7, "extra": {"deep": [[[{"x": [1e400]}]]]}, "nonce": "\t"}"#,
    ])
  func plainPayloadsMatchJSONDecoder(payload: String) throws {
    let fast = JWTClaims(plain: Array(payload.utf8))
    #expect(fast != nil)
    #expect(fast == Self.reference(payload))
  }

  @Test(
    "Other payloads are left to JSONDecoder",
    arguments: [
      #"{"exp": 1, "exp": 2}"#, #"{"\u0065xp": 1}"#, #"{"sub": 1.0}"#, #"{"email": 1e3}"#, #"{"exp": 1e400}"#,
      #"{"sub": "\ud800"}"#, #"{"exp": 1,}"#, #"[1]"#, #""text""#, "{} x", "",
    ])
  func unusualPayloadsAreLeftToJSONDecoder(payload: String) {
    #expect(JWTClaims(plain: Array(payload.utf8)) == nil)
  }

  @Test("A payload of many members, repeated or not, is read as JSONDecoder reads it, in linear time")
  func manyMembersStayLinear() {
    // 20,000 names compared in pairs take 200 million steps; a hang guard, not a benchmark.
    let names = (0..<20_000).map { #""n\#($0)": 1"# }
    for payload in [
      "{" + names.joined(separator: ",") + #", "exp": 1767225600}"#,
      "{" + names.joined(separator: ",") + #", "n7": 2, "sub": "x"}"#,
    ] {
      let started = ContinuousClock.now
      let fast = JWTClaims(plain: Array(payload.utf8))
      #expect(ContinuousClock.now - started < .seconds(1))
      #expect(fast == nil || fast == Self.reference(payload))
    }
    #expect(
      JWTClaims(plain: Array(("{" + names.joined(separator: ",") + "}").utf8))
        == JWTClaims(plain: [123, 125]))
  }

  @Test("A token's claims are read whichever reader takes them")
  func tokensDecodeOnBothPaths() {
    func token(_ payload: String) -> String {
      "eyJhbGciOiJub25lIn0." + Base64URL.encode(Array(payload.utf8)) + ".c2ln"
    }
    #expect(JWTClaims.decode(token(#"{"exp": 1767225600, "sub": 7}"#))?.sub == "7")
    #expect(JWTClaims.decode(token(#"{"exp": 1, "exp": 2}"#)) == Self.reference(#"{"exp": 1, "exp": 2}"#))
    #expect(JWTClaims.decode(token(#"{"sub": 1.0}"#)) == Self.reference(#"{"sub": 1.0}"#))
    #expect(JWTClaims.decode(token("{")) == nil)
  }
}
