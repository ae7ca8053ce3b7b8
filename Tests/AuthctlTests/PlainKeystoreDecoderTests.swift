import Foundation
import Testing

@testable import AuthctlCore

#if canImport(Glibc)
  import Glibc
#endif

/// The fast read path (`PlainKeystoreDecoder`, `StoredProfileDecoder`) must read every keystore exactly as
/// JSONDecoder does, or step aside so that JSONDecoder decides.
@Suite struct PlainKeystoreDecoderTests {
  static let everyField = #"""
    {"provider": "emergence", "flow": "browser", "base_url": "https://api.example", "auth_url": "https://a.example",
     "issuer": "https://sso.example/realms/acme", "client_id": "authctl", "scope": "openid profile",
     "project_id": "p-1", "tenant_id": "t-1", "login": "me@example.com",
     "oauth": {"issuer": "https://sso.example", "authorization_endpoint": "https://sso.example/auth",
       "token_endpoint": "https://sso.example/token", "device_authorization_endpoint": "https://sso.example/dev",
       "revocation_endpoint": "https://sso.example/revoke", "end_session_endpoint": "https://sso.example/out",
       "userinfo_endpoint": "https://sso.example/me"},
     "credentials": {"access_token": "eyJ.a.b", "refresh_token": "r", "id_token": "i", "expires_at": 1767225600,
       "issued_at": -5, "api_key": "k", "api_key_id": "kid", "previous_api_key_id": "old",
       "password": "p\"w\u00e9\n\/", "client_secret": "s", "granted_scope": "openid"}}
    """#

  /// Records the fast decoder reads itself, each exactly as JSONDecoder does.
  static let plainRecords = [
    everyField,
    #"{"provider": "craft"}"#,
    #"{"provider": "craft", "flow": null, "oauth": null, "credentials": {"expires_at": null, "api_key": null}}"#,
    #"{"provider": "craft", "future": {"x": [1, {"y": 2}]}, "credentials": {"extra": true}, "z": null}"#,
    #"{"provider": "cr\u0061ft", "login": "a\/b\tc", "credentials": {}}"#,
    #"{"provider": "p", "oauth": {"authorization_endpoint": "a", "token_endpoint": "t"}}"#,
  ]

  /// Records it leaves to JSONDecoder: some of them JSONDecoder reads, the others it refuses.
  static let unusualRecords = [
    #"{"flow": "x"}"#, #"{"provider": 5}"#, #"{"provider": null}"#, #"{"provider": "a", "provider": "b"}"#,
    #"{"provid\u0065r": "a"}"#, #"{"provider": "a", "credentials": {"expires_at": "5"}}"#,
    #"{"provider": "a", "credentials": {"expires_at": 1.0}}"#,
    #"{"provider": "a", "credentials": {"issued_at": 1e3}}"#,
    #"{"provider": "a", "credentials": {"expires_at": 99999999999999999999}}"#,
    #"{"provider": "a", "credentials": {"expires_at": true}}"#, #"{"provider": "a", "credentials": []}"#,
    #"{"provider": "a", "oauth": {"authorization_endpoint": "x"}}"#, #"{"provider": "a", "login": ["x"]}"#,
    #"[1]"#, #""text""#,
  ]

  static func keystore(_ record: String, name: String = "p") -> [UInt8] {
    Array(#"{"default_profile": "\#(name)", "profiles": {"\#(name)": \#(record)}, "version": 1}"#.utf8)
  }

  static func foundation(_ bytes: [UInt8]) -> KeystoreDocument? {
    try? JSONDecoder().decode(KeystoreDocument.self, from: Data(bytes))
  }

  static func decoded(_ bytes: [UInt8], selecting name: String? = nil) -> Result<
    KeystoreDocument, KeystoreError
  > {
    Result { () throws(KeystoreError) in
      guard let name else { return try KeystoreCodec.decode(bytes, path: "/k.json") }
      return try KeystoreCodec.decode(bytes, path: "/k.json", selecting: { _ in name })
    }
  }

  @Test("A plain record is read by the fast decoder exactly as JSONDecoder reads it", arguments: plainRecords)
  func plainRecordsMatchJSONDecoder(record: String) throws {
    let bytes = Array(record.utf8)
    let fast = StoredProfileDecoder(bytes).profile(at: 0..<bytes.count)
    #expect(fast != nil)
    #expect(fast == (try JSONDecoder().decode(StoredProfile.self, from: Data(bytes))))
    let document = Self.keystore(record)
    #expect(
      try PlainKeystoreDecoder.decode(document, path: "/k.json", selecting: { _ in nil })
        == Self.foundation(document))
  }

  @Test(
    "An unusual record is left to JSONDecoder, and the keystore reads as JSONDecoder says",
    arguments: unusualRecords)
  func unusualRecordsAreLeftToJSONDecoder(record: String) throws {
    let bytes = Array(record.utf8)
    #expect(StoredProfileDecoder(bytes).profile(at: 0..<bytes.count) == nil)
    let document = Self.keystore(record)
    #expect(try PlainKeystoreDecoder.decode(document, path: "/k.json", selecting: { _ in nil }) == nil)
    for selection in [nil, "p"] as [String?] {
      switch (Self.decoded(document, selecting: selection), Self.foundation(document)) {
      case (.success(let read), let expected?): #expect(read == expected)
      case (.failure(let error), nil):
        guard case .unparsable = error else {
          Issue.record("\(record): \(error)")
          break
        }
      case (let read, let expected):
        Issue.record("\(record): read \(read), JSONDecoder \(String(describing: expected))")
      }
    }
  }

  @Test("The one-profile read keeps only the selected profile, chosen from the default profile")
  func oneProfileReadKeepsTheSelectedProfile() throws {
    let bytes = Array(
      #"{"version": 1, "default_profile": "b", "profiles": {"a": {"provider": "x"}, "b": {"provider": "y"}}}"#
        .utf8)
    var offered: [String?] = []
    let one = try KeystoreCodec.decode(bytes, path: "/k.json") { defaultProfile in
      offered.append(defaultProfile)
      return defaultProfile ?? "a"
    }
    #expect(offered == ["b"])
    #expect(one == KeystoreDocument(defaultProfile: "b", profiles: ["b": StoredProfile(provider: "y")]))
    let none = try KeystoreCodec.decode(bytes, path: "/k.json") { _ in "c" }
    #expect(none.profiles.isEmpty && none.defaultProfile == "b")
    #expect(try KeystoreCodec.decode(bytes, path: "/k.json") == Self.foundation(bytes))
  }

  @Test(
    "Unusual top levels and names are read by JSONDecoder, with the same result on both paths",
    arguments: [
      #"{"version": 1, "version": 1, "profiles": {}}"#, #"{"v\u0065rsion": 1, "profiles": {}}"#,
      #"{"version": 1.0, "profiles": {"p": {"provider": "x"}}}"#,
      #"{"version": 1, "profiles": {"\u0070": {"provider": "x"}}, "default_profile": "p"}"#,
      #"{"version": 1, "profiles": {"p": {"provider": "x"}, "p": {"provider": "y"}}}"#,
      #"{"version": 1, "profiles": {}, "default_profile": "\u0070"}"#,
      #"{"version": 1, "profiles": {}, "default_profile": 7}"#, #"{"version": 1, "profiles": []}"#,
      #"{"version": 1}"#, #"{"version": "1", "profiles": {}}"#,
    ])
  func unusualTopLevelsReadAsJSONDecoderSays(text: String) {
    let bytes = Array(text.utf8)
    let full = Self.decoded(bytes)
    let one = Self.decoded(bytes, selecting: "p")
    switch (full, Self.foundation(bytes)) {
    case (.success(let read), let expected?):
      #expect(read == expected)
      #expect(
        (try? one.get())
          == KeystoreDocument(
            version: read.version, defaultProfile: read.defaultProfile,
            profiles: read.profiles.filter { $0.key == "p" }))
    case (.failure(let error), nil): #expect((try? one.get()) == nil, "\(text): \(error)")
    case (let read, let expected):
      Issue.record("\(text): read \(read), JSONDecoder \(String(describing: expected))")
    }
  }

  @Test("A version this build does not know is refused on both paths")
  func unknownVersionIsRefusedOnBothPaths() {
    for text in [#"{"version": 2, "profiles": {}}"#, #"{"version": 2, "accounts": []}"#] {
      let bytes = Array(text.utf8)
      for selection in [nil, "p"] as [String?] {
        #expect(throws: KeystoreError.unknownVersion(path: "/k.json", version: 2)) {
          try Self.decoded(bytes, selecting: selection).get()
        }
      }
    }
  }

  @Test("Every truncation of a keystore is refused by the one-profile read with the full read's error")
  func truncationsAreRefusedWithTheSameError() throws {
    let bytes = Self.keystore(Self.everyField) + Array("\n".utf8)
    for length in 0..<(bytes.count - 1) {
      let prefix = Array(bytes[..<length])
      let full = Self.decoded(prefix)
      #expect(throws: KeystoreError.self) { try full.get() }
      #expect(
        String(describing: Self.decoded(prefix, selecting: "p")) == String(describing: full),
        "length \(length)")
    }
  }

  @Test(
    "A wrong-typed field in the selected profile gives the full read's error; in another, only writes see it")
  func shapeErrorsNameTheSameField() throws {
    let selected = Self.keystore(#"{"provider": "x", "credentials": {"expires_at": "soon"}}"#)
    #expect(
      String(describing: Self.decoded(selected, selecting: "p")) == String(describing: Self.decoded(selected))
    )
    let other = Array(
      #"{"version": 1, "profiles": {"p": {"provider": "x"}, "q": {"provider": 5}}}"#.utf8)
    #expect(throws: KeystoreError.self) { try Self.decoded(other).get() }
    #expect(try Self.decoded(other, selecting: "p").get().profiles == ["p": StoredProfile(provider: "x")])
  }
}

/// `KeystoreFile.read(selecting:)` keeps every check `read()` makes before it decodes anything.
@Suite struct SelectiveKeystoreReadTests {
  let root: String

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/authctl-select-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
    root = String(cString: created)
  }

  var path: String { root + "/keystore.json" }

  func read() throws(KeystoreError) -> KeystoreDocument? {
    try KeystoreFile(location: KeystoreLocation(path: path)).read { $0 ?? "p" }
  }

  func write(_ text: String, mode: mode_t = 0o600) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    chmod(path, mode)
  }

  @Test("No file reads as no keystore; a plain file reads the selected profile")
  func missingAndPlainFiles() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(try read() == nil)
    try write(#"{"version": 1, "profiles": {"p": {"provider": "x"}, "q": {"provider": "y"}}}"#)
    #expect(try read()?.profiles == ["p": StoredProfile(provider: "x")])
  }

  @Test("Mode, symlink, directory, size and syntax are checked as by read()")
  func everySafetyCheckApplies() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    let valid = #"{"version": 1, "profiles": {"p": {"provider": "x"}}}"#
    try write(valid, mode: 0o644)
    #expect(throws: KeystoreError.self) { try read() }
    try write(valid)
    chmod(root, 0o777)
    #expect(throws: KeystoreError.self) { try read() }
    chmod(root, 0o700)
    truncate(path, 64 * 1024 * 1024 + 1)
    #expect(throws: KeystoreError.tooLarge(path: path, size: 64 * 1024 * 1024 + 1)) { try read() }
    try write("{\"version\": 1,\n \"profiles\": {\"p\": }}")
    #expect(
      throws: KeystoreError.unparsable(
        path: path, line: 2, column: 20, detail: "unexpected '}', expected a value")
    ) {
      try read()
    }
    try FileManager.default.removeItem(atPath: path)
    try Data(valid.utf8).write(to: URL(fileURLWithPath: root + "/real.json"))
    chmod(root + "/real.json", 0o600)
    symlink(root + "/real.json", path)
    let error = #expect(throws: KeystoreError.self) { try read() }
    guard case .notRegularFile? = error else {
      Issue.record("unexpected \(String(describing: error))")
      return
    }
  }
}

/// The writer (`PlainKeystoreEncoder`) must write every keystore byte for byte as JSONEncoder would.
@Suite struct PlainKeystoreEncoderTests {
  static func foundation(_ document: KeystoreDocument) -> [UInt8]? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return (try? encoder.encode(document)).map { Array($0) + Array("\n".utf8) }
  }

  /// Every character below 0x80, and some beyond: escapes, slashes, combining marks, emoji, separators.
  static let awkwardText =
    String(decoding: Array(0..<0x80) as [UInt8], as: UTF8.self) + "é e\u{301} ÿ ～ 😀 \u{2028}\u{FEFF}"

  static func documents() throws -> [KeystoreDocument] {
    let full = try JSONDecoder().decode(
      StoredProfile.self, from: Data(PlainKeystoreDecoderTests.everyField.utf8))
    var awkward = full
    awkward.login = awkwardText
    awkward.credentials?.expiresAt = .min
    awkward.credentials?.issuedAt = .max
    var bare = StoredProfile(provider: "craft")
    bare.credentials = StoredCredentials()
    bare.oauth = OAuthEndpoints(authorization: "", token: "/t")
    let names = ["work", "Work", "a10", "a9", "_x", "-y", "é", "ÿ", "～", "😀", "z\u{301}", awkwardText, ""]
    return [
      KeystoreDocument(),
      KeystoreDocument(defaultProfile: "", profiles: ["p": StoredProfile(provider: "")]),
      KeystoreDocument(defaultProfile: "work", profiles: ["work": full, "bare": bare]),
      KeystoreDocument(
        defaultProfile: awkwardText,
        profiles: Dictionary(uniqueKeysWithValues: names.map { ($0, $0.count % 2 == 0 ? awkward : bare) })),
    ]
  }

  @Test("A keystore is written byte for byte as JSONEncoder writes it, and reads back the same")
  func writesAsJSONEncoder() throws {
    for document in try Self.documents() {
      let written = PlainKeystoreEncoder.encode(document)
      let expected = Self.foundation(document) ?? []
      let differ = zip(written, expected).prefix { $0 == $1 }.count
      #expect(
        written == expected,
        "first difference at byte \(differ): ours \(written[differ...].prefix(40)), JSONEncoder's \(expected[differ...].prefix(40))"
      )
      #expect(try KeystoreCodec.decode(written, path: "/k.json") == document)
    }
  }
}
