/// A profile field that options, environment variables and the keystore can each supply (SPEC §5).
package enum ProfileField: String, CaseIterable, Sendable, Hashable {
  case provider = "PROVIDER"
  case flow = "FLOW"
  case baseURL = "BASE_URL"
  case authURL = "AUTH_URL"
  case issuer = "ISSUER"
  case clientID = "CLIENT_ID"
  case clientSecret = "CLIENT_SECRET"
  case scope = "SCOPE"
  case projectID = "PROJECT_ID"
  case tenantID = "TENANT_ID"
  case login = "LOGIN"
  case password = "PASSWORD"
  case apiKey = "API_KEY"
  case accessToken = "ACCESS_TOKEN"

  /// Long-lived secrets and tokens: never shown, and never written to disk when they came from the environment.
  package var isSecret: Bool {
    switch self {
    case .clientSecret, .password, .apiKey, .accessToken: true
    default: false
    }
  }

  /// The `login` option that sets this field, for settings that have one.
  package var optionName: String? {
    switch self {
    case .provider: "provider"
    case .flow: "flow"
    case .baseURL: "base-url"
    case .authURL: "auth-url"
    case .issuer: "issuer"
    case .clientID: "client-id"
    case .scope: "scope"
    case .projectID: "project-id"
    case .tenantID: "tenant-id"
    case .login: "login"
    case .clientSecret, .password, .apiKey, .accessToken: nil
    }
  }

  /// The lower-case name used in reports (`base_url`).
  package var displayName: String { rawValue.lowercased() }

  /// Non-secret settings in the order reports list them.
  package static let settings: [ProfileField] = allCases.filter { !$0.isSecret }

  package func stored(in profile: StoredProfile) -> String? {
    switch self {
    case .provider: profile.provider
    case .flow: profile.flow
    case .baseURL: profile.baseURL
    case .authURL: profile.authURL
    case .issuer: profile.issuer
    case .clientID: profile.clientID
    case .scope: profile.scope
    case .projectID: profile.projectID
    case .tenantID: profile.tenantID
    case .login: profile.login
    case .clientSecret: profile.credentials?.clientSecret
    case .password: profile.credentials?.password
    case .apiKey: profile.credentials?.apiKey
    case .accessToken: profile.credentials?.accessToken
    }
  }

  /// Writes a non-secret setting into a stored profile; secrets are stored by the services that own them.
  package func store(_ value: String?, in profile: inout StoredProfile) {
    switch self {
    case .provider: if let value { profile.provider = value }
    case .flow: profile.flow = value
    case .baseURL: profile.baseURL = value
    case .authURL: profile.authURL = value
    case .issuer: profile.issuer = value
    case .clientID: profile.clientID = value
    case .scope: profile.scope = value
    case .projectID: profile.projectID = value
    case .tenantID: profile.tenantID = value
    case .login: profile.login = value
    case .clientSecret, .password, .apiKey, .accessToken: break
    }
  }
}

/// Profile names: lower-case letters, digits and `-`, starting with a letter or digit (SPEC §2).
package enum ProfileName {
  package static func isValid(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
    let allowed = { (c: Unicode.Scalar) in (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "-" }
    return first != "-" && name.unicodeScalars.allSatisfy(allowed)
  }

  /// `ci-bot` → `CI_BOT`, the form used in `AUTHCTL_PROFILE_<NAME>_<FIELD>`.
  package static func environmentForm(_ name: String) -> String {
    name.uppercased().replacing("-", with: "_")
  }
}
