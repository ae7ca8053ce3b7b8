/// Decodes one profile's record straight from the bytes of a valid JSON text, for the shapes authctl writes.
// Issue 5: JSONDecoder costs each `token` 0.6 M instructions (a sixth of its run), most of it looking up
// generic types at run time. Each switch below is exhaustive over a type's CodingKeys, so a new stored field
// does not compile until it is read here too. Anything unusual (a wrong type, a repeated or escaped name,
// `1.0` for a whole number) gives nil, and the caller decodes with JSONDecoder instead, which has the last word.
struct StoredProfileDecoder {
  let scanner: JSONScanner

  init(_ bytes: [UInt8]) {
    scanner = JSONScanner(bytes)
  }

  /// The profile whose object spans `range`, or nil when it is not in the plain shape.
  func profile(at range: Range<Int>) -> StoredProfile? {
    var profile = StoredProfile(provider: "")
    var provider: String?
    let read = members(at: range) { (key: StoredProfile.CodingKeys, value) -> Bool in
      switch key {
      case .provider: string(value, into: &provider)
      case .flow: string(value, into: &profile.flow)
      case .baseURL: string(value, into: &profile.baseURL)
      case .authURL: string(value, into: &profile.authURL)
      case .issuer: string(value, into: &profile.issuer)
      case .clientID: string(value, into: &profile.clientID)
      case .scope: string(value, into: &profile.scope)
      case .projectID: string(value, into: &profile.projectID)
      case .tenantID: string(value, into: &profile.tenantID)
      case .login: string(value, into: &profile.login)
      case .oauth: object(value, into: &profile.oauth, endpoints)
      case .credentials: object(value, into: &profile.credentials, credentials)
      }
    }
    guard read, let provider else { return nil }
    profile.provider = provider
    return profile
  }

  private func credentials(at range: Range<Int>) -> StoredCredentials? {
    var credentials = StoredCredentials()
    let read = members(at: range) { (key: StoredCredentials.CodingKeys, value) -> Bool in
      switch key {
      case .accessToken: string(value, into: &credentials.accessToken)
      case .refreshToken: string(value, into: &credentials.refreshToken)
      case .idToken: string(value, into: &credentials.idToken)
      case .expiresAt: integer(value, into: &credentials.expiresAt)
      case .issuedAt: integer(value, into: &credentials.issuedAt)
      case .apiKey: string(value, into: &credentials.apiKey)
      case .apiKeyID: string(value, into: &credentials.apiKeyID)
      case .previousAPIKeyID: string(value, into: &credentials.previousAPIKeyID)
      case .password: string(value, into: &credentials.password)
      case .clientSecret: string(value, into: &credentials.clientSecret)
      case .grantedScope: string(value, into: &credentials.grantedScope)
      }
    }
    return read ? credentials : nil
  }

  private func endpoints(at range: Range<Int>) -> OAuthEndpoints? {
    var endpoints = OAuthEndpoints(authorization: "", token: "")
    var authorization: String?
    var token: String?
    let read = members(at: range) { (key: OAuthEndpoints.CodingKeys, value) -> Bool in
      switch key {
      case .issuer: string(value, into: &endpoints.issuer)
      case .authorization: string(value, into: &authorization)
      case .token: string(value, into: &token)
      case .deviceAuthorization: string(value, into: &endpoints.deviceAuthorization)
      case .revocation: string(value, into: &endpoints.revocation)
      case .endSession: string(value, into: &endpoints.endSession)
      case .userinfo: string(value, into: &endpoints.userinfo)
      }
    }
    guard read, let authorization, let token else { return nil }
    endpoints.authorization = authorization
    endpoints.token = token
    return endpoints
  }

  /// Calls `read` with each member whose name is one of `Key`'s (others are ignored, as Codable does); false
  /// when `range` is not an object, a name is escaped or repeated, or `read` refuses a value.
  private func members<Key: RawRepresentable<String>>(
    at range: Range<Int>, _ read: (Key, Range<Int>) -> Bool
  ) -> Bool {
    var objectScanner = scanner
    objectScanner.offset = range.lowerBound
    guard let members = try? objectScanner.objectMembers(), objectScanner.offset == range.upperBound else {
      return false
    }
    guard !JSONMember.hasEscapedOrRepeatedName(members, in: scanner.bytes) else { return false }
    for member in members {
      guard let key = Key(rawValue: String(decoding: scanner.bytes[member.name], as: UTF8.self)) else {
        continue
      }
      guard read(key, member.value) else { return false }
    }
    return true
  }

  /// A string, or null (nil); false for any other value.
  private func string(_ value: Range<Int>, into field: inout String?) -> Bool {
    switch scanner.bytes[value.lowerBound] {
    case UInt8(ascii: "n"): field = nil
    case UInt8(ascii: "\""):
      guard let text = scanner.string(at: (value.lowerBound + 1)..<(value.upperBound - 1)) else {
        return false
      }
      field = text
    default: return false
    }
    return true
  }

  /// A plain run of digits, perhaps negative, within Int64, or null (nil); false for anything else.
  private func integer(_ value: Range<Int>, into field: inout Int64?) -> Bool {
    let token = scanner.bytes[value]
    if token.first == UInt8(ascii: "n") {
      field = nil
      return true
    }
    let digits = token.first == UInt8(ascii: "-") ? token.dropFirst() : token
    guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
      let number = Int64(String(decoding: token, as: UTF8.self))
    else { return false }
    field = number
    return true
  }

  /// An object read by `decode`, or null (nil); false for anything else.
  private func object<Value>(
    _ value: Range<Int>, into field: inout Value?, _ decode: (Range<Int>) -> Value?
  ) -> Bool {
    if scanner.bytes[value.lowerBound] == UInt8(ascii: "n") {
      field = nil
      return true
    }
    guard let decoded = decode(value) else { return false }
    field = decoded
    return true
  }
}
