import Foundation
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

/// Issue 6 item 5: hostile keystore bytes never crash or hang the decoder, the one-profile fast path agrees
/// with the full decode, and whatever decodes re-encodes to the same document and survives the arithmetic
/// of token timing and the error messages.
@Suite struct FuzzKeystoreTests {
  static let samples = [
    """
    {
      "default_profile" : "work",
      "profiles" : {
        "ci" : {
          "base_url" : "https://api.knowledge-stack.example",
          "credentials" : { "api_key" : "ks_live_5f2c", "api_key_id" : "key_01", "previous_api_key_id" : "key_00" },
          "flow" : "api-key",
          "provider" : "knowledge-stack"
        },
        "work" : {
          "client_id" : "authctl",
          "credentials" : {
            "access_token" : "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3NjcyMjU2MDB9.c2ln",
            "expires_at" : 1767225600,
            "granted_scope" : "openid profile",
            "id_token" : "eyJhbGciOiJSUzI1NiIs",
            "issued_at" : 1767224700,
            "refresh_token" : "eyJhbGciOiJIUzI1NiIs"
          },
          "flow" : "browser",
          "issuer" : "https://sso.example.com/realms/acme",
          "oauth" : {
            "authorization_endpoint" : "https://sso.example.com/auth",
            "issuer" : "https://sso.example.com/realms/acme",
            "token_endpoint" : "https://sso.example.com/token"
          },
          "project_id" : "4b1d2c1e-8f0a-4a57-9d0e-2f6b8c1f3a90",
          "provider" : "emergence",
          "scope" : "openid profile email offline_access"
        }
      },
      "version" : 1
    }
    """,
    #"{"version": 1, "profiles": {}}"#,
    #"{"version": 1, "default_profile": "p", "profiles": {"p": {"provider": "embermind", "login": "a", "#
      + #""credentials": {"access_token": "t", "password": "pw", "expires_at": 5, "issued_at": 1}}}}"#,
  ]

  static let keys = [
    "version", "default_profile", "profiles", "work", "ci", "p", "provider", "flow", "base_url", "auth_url",
    "issuer", "client_id", "scope", "project_id", "tenant_id", "login", "oauth", "credentials",
    "access_token",
    "refresh_token", "id_token", "expires_at", "issued_at", "api_key", "api_key_id", "previous_api_key_id",
    "password", "client_secret", "granted_scope", "authorization_endpoint", "token_endpoint",
    "revocation_endpoint", "userinfo_endpoint",
  ]

  @Test("Hostile keystore bytes decode or are refused with a line and column; every decoding path agrees")
  func keystoreDecodingNeverCrashes() throws {
    var refused = 0
    var lenient = 0
    var disagreements: [String] = []
    let run = FuzzRun(name: "keystore decoding", seed: 0x6B65_7973_746F_7265)
    let (_, slow) = run.run { rng, index in
      let bytes = FuzzMutator.body(
        from: Self.samples, &rng, keys: Self.keys, extra: ["work", "ci", "p", "1"])
      let name = rng.pick(["work", "ci", "p", "default", "1"])
      let path = "/fuzz/ks.json"
      let full = Result { () throws(KeystoreError) in try KeystoreCodec.decode(bytes, path: path) }
      let one = Result { () throws(KeystoreError) in
        try KeystoreCodec.decode(bytes, path: path, selecting: { _ in name })
      }
      // The hand-written fast decoder must read exactly what JSONDecoder reads, or leave the text to it.
      let plain = Result { () throws(KeystoreError) in
        try PlainKeystoreDecoder.decode(bytes, path: path, selecting: { _ in nil })
      }
      let reference = Self.referenceDecode(bytes, path: path)
      if case .success(let fast?) = plain, (try? reference.get()) != fast {
        disagreements.append("input \(index): the plain decoder reads what JSONDecoder does not")
      }
      switch (full, one) {
      case (.success(let document), .success(let selected)):
        if (try? reference.get()) != document { disagreements.append("input \(index): full decode") }
        var expected = document
        expected.profiles = document.profiles.filter { $0.key == name }
        if selected != expected { disagreements.append("input \(index): one profile") }
        Self.exercise(document)
      case (.failure(let error), .failure):
        refused += 1
        if case .success = reference {
          disagreements.append("input \(index): refused what JSONDecoder reads")
        }
        _ = ErrorReport.make(error, profile: name).message
      case (.failure, .success(let selected)):
        // Reading one profile skips the others: a broken *other* profile is not its concern (every write
        // reads the whole file and still refuses it). The selected profile itself must be intact.
        lenient += 1
        Self.exercise(selected)
      case (.success, .failure):
        disagreements.append("input \(index): one profile refused, the whole file read")
      }
    }
    FuzzBudget.report(
      "fuzz keystore decoding: \(refused) refused, \(lenient) read by the one-profile path only")
    #expect(disagreements.isEmpty, "\(disagreements.count) disagreements: \(disagreements.prefix(10))")
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(
      !FuzzBudget.isWholeRun || (refused > 0 && refused < run.count),
      "the mutations should break and keep keystores")
  }

  private struct VersionField: Decodable {
    let version: Int
  }

  /// The reading SPEC §4 defines: strict JSON syntax, then the version, then the fields (JSONDecoder).
  static func referenceDecode(_ bytes: [UInt8], path: String) -> Result<KeystoreDocument, any Error> {
    Result {
      try KeystoreCodec.checkSyntax(bytes, path: path)
      let version = try JSONDecoder().decode(VersionField.self, from: Data(bytes)).version
      guard version == KeystoreDocument.currentVersion else {
        throw KeystoreError.unknownVersion(path: path, version: version)
      }
      return try JSONDecoder().decode(KeystoreDocument.self, from: Data(bytes))
    }
  }

  /// What commands do with a decoded keystore: re-encode it (as JSONEncoder would), judge token timing, resolve every profile.
  static func exercise(_ document: KeystoreDocument) {
    let now = 1_767_225_000.0
    let encoded = PlainKeystoreEncoder.encode(document)
    #expect(encoded == PlainKeystoreEncoderTests.foundation(document), "written as JSONEncoder writes")
    #expect((try? KeystoreCodec.decode(encoded, path: "/fuzz/ks.json")) == document, "round trip")
    let resolver = ProfileResolver(environment: [:])
    for name in document.profiles.keys {
      let timing = TokenTiming(document.profiles[name]?.credentials)
      _ = (timing.isDue(now: now), timing.isExpired(now: now), timing.secondsLeft(now: now))
      _ = timing.isDue(now: now, minimumValidity: 3600)
      _ = resolver.resolve(name: name, document: document).value(.baseURL)
    }
  }
}
