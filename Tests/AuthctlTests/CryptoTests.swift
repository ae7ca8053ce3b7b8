import Testing

@testable import AuthctlCore

/// The bytes of an ASCII test message.
private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Lowercase hex, as sha256sum prints it.
private func hex(_ bytes: [UInt8]) -> String {
  bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    .joined()
}

/// A message of `count` bytes that uses every bit of a byte: byte i is (37 i + 200) mod 256.
private func patterned(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8(($0 * 37 + 200) % 256) }
}

/// RFC 7636 §4.1: the unreserved characters a verifier may use.
private let unreserved = Set(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".unicodeScalars)

@Suite struct CryptoTests {
  // FIPS 180-2 Appendix B and the NIST example values for SHA-256.
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    (
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    ),
  ])
  func sha256MatchesNISTVectors(message: String, digest: String) {
    #expect(hex(SHA256.hash(ascii(message))) == digest)
  }

  @Test func sha256OfOneMillionAMatchesNIST() {
    let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(
      hex(SHA256.hash(message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  // Lengths around the padding boundaries (FIPS 180-4 §5.1.1); digests from
  // `python3 -c "import sys; sys.stdout.buffer.write(bytes((i*37+200)%256 for i in range(N)))" | sha256sum`.
  @Test(arguments: [
    (55, "ffe5d986d602da5ca1e5281b255f8de39c91e9933a584bb2b021ee9274492bea"),
    (56, "24485b06c396c056e179fd953bb9ac810a6817ecc552042e6c1015eb2f97f7e2"),
    (63, "93e665f38d8f566b861f67b31c3a0737d8d390cd13197c0629c654fbf296f9a2"),
    (64, "0c774560f0959e8fa82d8e37846426f31508c24e67abb4ed2b54bf3ccb6fc4d1"),
    (65, "706954694985fdd9a2bb78431ffdf930562a42ca7ff4b68a9625d8bb79efb63e"),
    (119, "0fa6ed310ab881d0254ce2828fe5d582c243bcad5ddff46e5270ee6b01c0ca0a"),
    (120, "6aafacf3f6532010ec3eab82bf2b6c9e6e57a5bbb7f537c5068963f81a8e5e62"),
    (128, "0cc4ab06c3bffd51d764d0a792cdf31cb3471ec475d9678419964e1f3d97338f"),
  ])
  func sha256MatchesSha256sumAroundBlockBoundaries(length: Int, digest: String) {
    #expect(hex(SHA256.hash(patterned(length))) == digest)
  }

  // RFC 7636 Appendix B.
  @Test func pkceChallengeMatchesRFC7636AppendixB() {
    let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    #expect(pkce.method == "S256")
  }

  // RFC 7636 Appendix B: the verifier is the base64url encoding of these 32 octets.
  @Test func base64URLEncodesRFC7636AppendixBOctets() {
    let octets: [UInt8] = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
      191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ]
    #expect(Base64URL.encode(octets) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    #expect(Base64URL.decode("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == octets)
  }

  @Test(arguments: 0...64)
  func base64URLRoundTripsWithoutPaddingOrStandardCharacters(length: Int) {
    let bytes = patterned(length).map { $0 ^ 0xFB }
    let text = Base64URL.encode(bytes)
    #expect(text.utf8.count == (length * 4 + 2) / 3)
    #expect(!text.contains { "+/=".contains($0) })
    #expect(Base64URL.decode(text) == bytes)
  }

  // RFC 4648 §3.3 and §3.5: padding, foreign characters, impossible lengths and stray pad bits are refused.
  @Test(arguments: ["Zg==", "Zm9v+A", "Zm9v/A", "Zm9 v", "Z", "Zm9vY", "Zh"])
  func base64URLRefusesNonCanonicalText(text: String) {
    #expect(Base64URL.decode(text) == nil)
  }

  @Test func secureRandomReturnsTheRequestedCountAndDiffersEachTime() throws {
    let first = try SecureRandom.bytes(32)
    let second = try SecureRandom.bytes(32)
    #expect(first.count == 32)
    #expect(second.count == 32)
    #expect(first != second)
    #expect(try SecureRandom.bytes(0).isEmpty)
    #expect(try SecureRandom.bytes(1000).count == 1000)
  }

  @Test func pkceGenerateMakesA43CharacterUnreservedVerifier() throws {
    let pkce = try PKCE.generate()
    #expect(pkce.verifier.count == 43)
    #expect(pkce.verifier.unicodeScalars.allSatisfy { unreserved.contains($0) })
    #expect(pkce.challenge == PKCE(verifier: pkce.verifier).challenge)
    #expect(pkce.challenge.count == 43)
    #expect(try PKCE.generate().verifier != pkce.verifier)
  }

  @Test func randomTokenEncodesTheRequestedNumberOfBytes() throws {
    #expect(try PKCE.randomToken().count == 43)
    #expect(try Base64URL.decode(PKCE.randomToken(bytes: 16))?.count == 16)
    #expect(try PKCE.randomToken() != PKCE.randomToken())
  }
}
