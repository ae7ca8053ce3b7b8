import FoundationEssentials

/// One profile as the keystore stores it: settings plus credentials, keys in snake_case.
package struct StoredProfile: Codable, Sendable, Equatable {
  package var provider: String
  package var flow: String?
  package var baseURL: String?
  package var authURL: String?
  package var issuer: String?
  package var clientID: String?
  package var scope: String?
  package var projectID: String?
  package var tenantID: String?
  package var login: String?
  /// OAuth endpoints found by discovery (or fixed by the provider), remembered for later commands.
  package var oauth: OAuthEndpoints?
  package var credentials: StoredCredentials?

  package init(provider: String) {
    self.provider = provider
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case provider, flow
    case baseURL = "base_url"
    case authURL = "auth_url"
    case issuer
    case clientID = "client_id"
    case scope
    case projectID = "project_id"
    case tenantID = "tenant_id"
    case login, oauth, credentials
  }
}

/// The secrets of a profile; every field optional, absent fields are not written.
package struct StoredCredentials: Codable, Sendable, Equatable {
  package var accessToken: String?
  package var refreshToken: String?
  package var idToken: String?
  /// Unix seconds at which the access token expires, when known.
  package var expiresAt: Int64?
  /// Unix seconds at which the access token was obtained, when known.
  package var issuedAt: Int64?
  package var apiKey: String?
  package var apiKeyID: String?
  /// The id of the key a rotation replaced, kept until that key is deleted.
  package var previousAPIKeyID: String?
  /// Stored only after `login --remember-password`.
  package var password: String?
  /// Stored only when it was given on stdin at login (SPEC §3).
  package var clientSecret: String?
  /// The scopes the authorization server granted, space-separated.
  package var grantedScope: String?

  package init() {}

  package var isEmpty: Bool { self == StoredCredentials() }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case accessToken = "access_token"
    case refreshToken = "refresh_token"
    case idToken = "id_token"
    case expiresAt = "expires_at"
    case issuedAt = "issued_at"
    case apiKey = "api_key"
    case apiKeyID = "api_key_id"
    case previousAPIKeyID = "previous_api_key_id"
    case password
    case clientSecret = "client_secret"
    case grantedScope = "granted_scope"
  }
}
