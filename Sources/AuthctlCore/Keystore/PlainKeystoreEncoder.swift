/// Writes a keystore byte for byte as `JSONEncoder` does with sorted keys, pretty printing and unescaped
/// slashes, without Codable.
// Issue 5: JSONEncoder cost every refresh 0.84 M instructions, most of them looking up generic types at run
// time. Each switch below is exhaustive over a type's CodingKeys, so a new stored field does not compile until
// it is written here too; the tests compare the output with JSONEncoder's, also for every fuzzed keystore.
enum PlainKeystoreEncoder {
  static func encode(_ document: KeystoreDocument) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(1024 * (document.profiles.count + 1))
    write(document.plain, indent: 0, into: &bytes)
    bytes.append(UInt8(ascii: "\n"))
    return bytes
  }

  private static func write(_ value: PlainValue, indent: Int, into bytes: inout [UInt8]) {
    switch value {
    case .string(let text): writeString(text, into: &bytes)
    case .integer(let number): bytes += String(number).utf8
    case .object(let members):
      // JSONEncoder's layout: members on their own lines in the order of their names' UTF-8 bytes,
      // `"name" : value`; an empty object is "{\n\n}".
      bytes += "{\n".utf8
      let sorted = members.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
      for (index, member) in sorted.enumerated() {
        if index > 0 { bytes += ",\n".utf8 }
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * (indent + 1))
        writeString(member.name, into: &bytes)
        bytes += " : ".utf8
        write(member.value, indent: indent + 1, into: &bytes)
      }
      bytes.append(UInt8(ascii: "\n"))
      bytes += repeatElement(UInt8(ascii: " "), count: 2 * indent)
      bytes.append(UInt8(ascii: "}"))
    }
  }

  /// JSONEncoder's escapes: the quote, the backslash, and control characters; everything else as it is.
  private static func writeString(_ text: String, into bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes += #"\""#.utf8
      case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
      case 0x08: bytes += #"\b"#.utf8
      case 0x09: bytes += #"\t"#.utf8
      case 0x0A: bytes += #"\n"#.utf8
      case 0x0C: bytes += #"\f"#.utf8
      case 0x0D: bytes += #"\r"#.utf8
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes += #"\u00"#.utf8
        bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }
}

/// The JSON values a keystore holds; absent optionals are left out, as JSONEncoder leaves them out.
private enum PlainValue {
  case string(String)
  case integer(Int64)
  case object([(name: String, value: PlainValue)])

  /// An object with a member for each of `Key`'s cases that `value` gives a value.
  static func members<Key: CodingKey & CaseIterable>(_ value: (Key) -> PlainValue?) -> PlainValue {
    .object(Key.allCases.compactMap { key in value(key).map { (key.stringValue, $0) } })
  }
}

extension KeystoreDocument {
  fileprivate var plain: PlainValue {
    .members { (key: CodingKeys) -> PlainValue? in
      switch key {
      case .version: .integer(Int64(version))
      case .defaultProfile: defaultProfile.map(PlainValue.string)
      case .profiles: .object(profiles.map { (name: $0.key, value: $0.value.plain) })
      }
    }
  }
}

extension StoredProfile {
  fileprivate var plain: PlainValue {
    .members { (key: CodingKeys) -> PlainValue? in
      switch key {
      case .provider: .string(provider)
      case .flow: flow.map(PlainValue.string)
      case .baseURL: baseURL.map(PlainValue.string)
      case .authURL: authURL.map(PlainValue.string)
      case .issuer: issuer.map(PlainValue.string)
      case .clientID: clientID.map(PlainValue.string)
      case .scope: scope.map(PlainValue.string)
      case .projectID: projectID.map(PlainValue.string)
      case .tenantID: tenantID.map(PlainValue.string)
      case .login: login.map(PlainValue.string)
      case .oauth: oauth?.plain
      case .credentials: credentials?.plain
      }
    }
  }
}

extension StoredCredentials {
  fileprivate var plain: PlainValue {
    .members { (key: CodingKeys) -> PlainValue? in
      switch key {
      case .accessToken: accessToken.map(PlainValue.string)
      case .refreshToken: refreshToken.map(PlainValue.string)
      case .idToken: idToken.map(PlainValue.string)
      case .expiresAt: expiresAt.map(PlainValue.integer)
      case .issuedAt: issuedAt.map(PlainValue.integer)
      case .apiKey: apiKey.map(PlainValue.string)
      case .apiKeyID: apiKeyID.map(PlainValue.string)
      case .previousAPIKeyID: previousAPIKeyID.map(PlainValue.string)
      case .password: password.map(PlainValue.string)
      case .clientSecret: clientSecret.map(PlainValue.string)
      case .grantedScope: grantedScope.map(PlainValue.string)
      }
    }
  }
}

extension OAuthEndpoints {
  fileprivate var plain: PlainValue {
    .members { (key: CodingKeys) -> PlainValue? in
      switch key {
      case .issuer: issuer.map(PlainValue.string)
      case .authorization: .string(authorization)
      case .token: .string(token)
      case .deviceAuthorization: deviceAuthorization.map(PlainValue.string)
      case .revocation: revocation.map(PlainValue.string)
      case .endSession: endSession.map(PlainValue.string)
      case .userinfo: userinfo.map(PlainValue.string)
      }
    }
  }
}
