/// A way to log in, as the seeds name them; `--flow` takes the raw value.
package enum Flow: String, Sendable, CaseIterable {
  case password
  case apiKey = "api-key"
  /// Authorization code + PKCE through the browser and a loopback redirect (RFC 7636, RFC 8252).
  case browser
  /// RFC 8628 device authorization grant.
  case device
  case clientCredentials = "client-credentials"
  /// A token pasted on stdin (seed 000's development tokens).
  case token
  /// craft's authorization code with client id and secret (seed 001).
  case oauth
  /// knowledge-stack's single sign-on through the browser (seed 003).
  case sso

  /// True for flows that wait on a person in a browser or on another device.
  package var isInteractive: Bool { self == .browser || self == .device || self == .oauth || self == .sso }
}

/// How a provider gets a fresh access token without the user.
package enum RenewalMethod: Sendable, Equatable {
  /// Only API keys: nothing to renew.
  case none
  /// Log in again with the password (embermind, metakraftwerk).
  case passwordLogin
  /// A renewal endpoint that takes the current token, else a password login (knowledge-stack).
  case renewalEndpointThenPassword
  /// The OAuth refresh-token grant, or client credentials again when there is no refresh token.
  case refreshToken
}

/// What `providers` shows and what the CLI needs to know before talking to a provider.
package struct ProviderDescriptor: Sendable {
  package var name: String
  package var summary: String
  /// In the order SPEC §3 lists them; the first is the default.
  package var flows: [Flow]
  package var defaultBaseURL: String
  package var renewal: RenewalMethod
  /// Whether `keys` works; when not, `keysManagedAt` says where keys are managed.
  package var hasKeyAPI: Bool
  package var keysManagedAt: String
  package var logoutEndpoint: String?
  /// The `--login` value is needed by the password flow.
  package var loginLabel: String
  /// The setting that says where the provider is: the base URL, or the issuer for OpenID Connect.
  package var locator: ProfileField = .baseURL
}

/// The credential a call is made with, already resolved from keystore or environment.
package enum Credential: Sendable, Equatable {
  case apiKey(String)
  case accessToken(String)

  package var secret: String {
    switch self {
    case .apiKey(let value), .accessToken(let value): value
    }
  }
}

/// What a provider's "who am I" or check endpoint says about a credential.
package struct ProviderVerdict: Sendable, Equatable {
  package var valid: Bool
  /// Which endpoint gave the verdict, e.g. `POST /api/v1/client/auth/check-token`.
  package var source: String
  package var identity: Identity
  package var organization: String?
  /// Groups, scopes or per-project permissions, as the provider reports them.
  package var permissions: [String]
  /// Extra lines the provider adds (key permission, company), already free of secrets.
  package var details: [(String, String)]

  package init(
    valid: Bool, source: String, identity: Identity = Identity(), organization: String? = nil,
    permissions: [String] = [], details: [(String, String)] = []
  ) {
    self.valid = valid
    self.source = source
    self.identity = identity
    self.organization = organization
    self.permissions = permissions
    self.details = details
  }

  package static func == (a: ProviderVerdict, b: ProviderVerdict) -> Bool {
    a.valid == b.valid && a.source == b.source && a.identity == b.identity && a.organization == b.organization
      && a.permissions == b.permissions && a.details.map(\.0) == b.details.map(\.0)
      && a.details.map(\.1) == b.details.map(\.1)
  }
}

/// Who a credential belongs to; unknown parts stay nil.
package struct Identity: Sendable, Equatable {
  package var subject: String?
  package var email: String?
  package var login: String?
  package var name: String?
  package var company: String?

  package init(
    subject: String? = nil, email: String? = nil, login: String? = nil, name: String? = nil,
    company: String? = nil
  ) {
    self.subject = subject
    self.email = email
    self.login = login
    self.name = name
    self.company = company
  }
}

/// The fresh credential a login or renewal produced, with its lifetime when known.
package struct IssuedToken: Sendable, Equatable {
  package var accessToken: String
  package var expiresAt: Int64?
  package var issuedAt: Int64?
  /// A new refresh token; nil keeps the one stored (no rotation).
  package var refreshToken: String?
  package var idToken: String?
  package var scope: String?

  package init(
    accessToken: String, expiresAt: Int64? = nil, issuedAt: Int64? = nil, refreshToken: String? = nil,
    idToken: String? = nil, scope: String? = nil
  ) {
    self.accessToken = accessToken
    self.expiresAt = expiresAt
    self.issuedAt = issuedAt
    self.refreshToken = refreshToken
    self.idToken = idToken
    self.scope = scope
  }
}

extension IssuedToken {
  /// A fresh token's lifetime: from `expires_in` when the answer gives one, else from the JWT's `exp` and `iat`.
  package init(accessToken: String, expiresIn: Double?, now: Double) {
    if let expiresIn = UntrustedSeconds.checked(expiresIn) {
      self.init(accessToken: accessToken, expiresAt: Int64(now + expiresIn), issuedAt: Int64(now))
    } else {
      let claims = JWTClaims.decode(accessToken)
      self.init(
        accessToken: accessToken, expiresAt: claims?.exp.map { Int64($0) },
        issuedAt: claims?.iat.map { Int64($0) } ?? Int64(now))
    }
  }
}

/// A provider's way to end a session: the endpoint, for the report, and the call.
package struct SessionEnd {
  /// What is called, e.g. `POST /v1/auth/signout` or `POST https://sso.example/revoke`, without a query (a
  /// query may carry a secret: the ID token of an end-session call does).
  package var endpoint: String
  package var call: () throws(ProviderFailure) -> Void
}

/// One built-in provider: its endpoints and wire formats, behind a common set of operations.
package protocol Provider: Sendable {
  var descriptor: ProviderDescriptor { get }
  /// The header lines that carry a credential.
  func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader]
  /// Signs in with a login name and password.
  func signIn(login: String, password: String, api: ProviderAPI) throws(ProviderFailure) -> IssuedToken
  /// Renews a token at the provider's renewal endpoint; only for `.renewalEndpointThenPassword`.
  func renew(_ token: String, api: ProviderAPI) throws(ProviderFailure) -> IssuedToken
  /// Asks the provider about a credential (check / who-am-I endpoint).
  func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) throws(ProviderFailure)
    -> ProviderVerdict
  /// How to end the credential's session at the provider; nil when it has no such endpoint for it.
  func sessionEnd(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) -> SessionEnd?
  /// The provider's key API, or nil when keys are managed elsewhere.
  var keys: (any KeyAPI)? { get }
  /// How the provider speaks OAuth 2, or nil when it does not.
  var oauth: OAuthSupport? { get }
  /// Starts single sign-on and returns the identity provider's URL (knowledge-stack, seed 003).
  func startSingleSignOn(tenantID: String, redirectURI: String, api: ProviderAPI) throws(ProviderFailure)
    -> String
  /// Turns an error answer into the provider's code and message, if its envelope is recognized.
  func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail
  /// Classifies a non-2xx answer, after `errorDetail`.
  func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError
}

extension Provider {
  package var keys: (any KeyAPI)? { nil }

  package var oauth: OAuthSupport? { nil }

  package func startSingleSignOn(tenantID: String, redirectURI: String, api: ProviderAPI)
    throws(ProviderFailure)
    -> String
  {
    throw api.failure("start single sign-on", .unsupported("\(descriptor.name) has no single sign-on"))
  }

  package func renew(_ token: String, api: ProviderAPI) throws(ProviderFailure) -> IssuedToken {
    throw api.failure("renew the token", .unsupported("\(descriptor.name) has no token renewal endpoint"))
  }

  package func signIn(login: String, password: String, api: ProviderAPI) throws(ProviderFailure)
    -> IssuedToken
  {
    throw api.failure("sign in", .unsupported("\(descriptor.name) has no password sign-in"))
  }

  package func sessionEnd(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) -> SessionEnd?
  {
    nil
  }

  // SPEC §6: 401 means authentication needed, 403 permission denied.
  package func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError {
    .byStatus(status, detail)
  }
}

/// A provider's API-key management endpoints (knowledge-stack).
package protocol KeyAPI: Sendable {
  func create(name: String, credential: Credential, api: ProviderAPI) throws(ProviderFailure) -> CreatedKey
  func list(credential: Credential, api: ProviderAPI) throws(ProviderFailure) -> [KeySummary]
  func delete(id: String, credential: Credential, api: ProviderAPI) throws(ProviderFailure)
}

/// A key just created: the only time its full value is known.
package struct CreatedKey: Sendable, Equatable {
  package var id: String
  package var name: String?
  package var value: String
  package var createdAt: String?
}

/// A key as listed: never its full value.
package struct KeySummary: Sendable, Equatable {
  package var id: String
  package var name: String?
  /// The visible start of the key, already masked (e.g. `ks_live_ab…`).
  package var maskedValue: String?
  package var createdAt: String?
}
