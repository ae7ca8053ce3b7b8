import FoundationEssentials

/// Knowledge Stack (seed 003): Bearer API keys or user access tokens (UAT) renewed at `/v1/auth/uat`.
package struct KnowledgeStackProvider: Provider {
  package init() {}

  private static let signOutPath = "/v1/auth/signout"

  package let descriptor = ProviderDescriptor(
    name: "knowledge-stack", summary: "Knowledge Stack API: API keys, password sign-in (UAT)",
    flows: [.apiKey, .password, .sso], defaultBaseURL: "https://api-staging.knowledgestack.ai",
    renewal: .renewalEndpointThenPassword, hasKeyAPI: true, keysManagedAt: "/v1/api-keys",
    logoutEndpoint: "POST \(signOutPath)", loginLabel: "e-mail")

  struct SignInRequest: Encodable {
    var email: String
    var password: String
  }

  /// seed 003: `{"access_token": "eyJ...", "token_type": "bearer"}`; `expires_in` is read when present.
  struct UserAccessToken: Decodable {
    var accessToken: String
    var tokenType: String?
    var expiresIn: Double?

    enum CodingKeys: String, CodingKey {
      case accessToken = "access_token"
      case tokenType = "token_type"
      case expiresIn = "expires_in"
    }
  }

  package func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader] {
    [.bearer(credential.secret)]
  }

  package func signIn(login: String, password: String, api: ProviderAPI) throws(ProviderFailure)
    -> IssuedToken
  {
    let operation = "sign in as \(login)"
    let response = try api.call(
      operation, "POST", "/v1/auth/pw/signin", json: SignInRequest(email: login, password: password),
      secrets: [password])
    return try issued(from: response, api: api, operation)
  }

  // seed 003: "POST /v1/auth/uat ... returns a new access token with a fresh expiry".
  package func renew(_ token: String, api: ProviderAPI) throws(ProviderFailure) -> IssuedToken {
    let operation = "renew the user access token"
    let response = try api.call(
      operation, "POST", "/v1/auth/uat", headers: [.bearer(token)],
      secrets: [token])
    return try issued(from: response, api: api, operation)
  }

  private func issued(from response: HTTPResponse, api: ProviderAPI, _ operation: String)
    throws(ProviderFailure)
    -> IssuedToken
  {
    let answer = try api.decode(UserAccessToken.self, from: response, operation)
    guard !answer.accessToken.isEmpty else {
      throw api.failure(operation, .malformedAnswer("the answer's access_token is empty"))
    }
    return IssuedToken(
      accessToken: answer.accessToken, expiresIn: answer.expiresIn, now: api.client.clock.now())
  }

  // seed 003: GET /v1/users/me answers for a valid token or key.
  package func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI)
    throws(ProviderFailure) -> ProviderVerdict
  {
    let operation = "read /v1/users/me"
    let response = try api.call(
      operation, "GET", "/v1/users/me", headers: headers(for: credential, profile: profile))
    guard let me = JSONValue.parse(response.body), case .object = me else {
      throw api.failure(
        operation,
        .malformedAnswer(
          AnswerDescription.describe(
            response, error: DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "")))))
    }
    let claims = JWTClaims.decode(credential.secret)
    let identity = Identity(
      subject: me["id"]?.text ?? claims?.sub, email: me["email"]?.text ?? claims?.email,
      name: me["name"]?.text ?? me["full_name"]?.text, company: me["tenant_id"]?.text)
    let roles = me["roles"]?.strings ?? me["permissions"]?.strings ?? []
    return ProviderVerdict(
      valid: true, source: "GET /v1/users/me", identity: identity,
      organization: me["tenant_id"]?.text ?? me["tenant"]?["name"]?.text,
      permissions: roles)
  }

  // seed 003: sign-out invalidates the current token; an API key is deleted with `keys delete` instead.
  package func sessionEnd(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) -> SessionEnd?
  {
    guard case .accessToken = credential else { return nil }
    return SessionEnd(endpoint: "POST \(Self.signOutPath)") { () throws(ProviderFailure) in
      _ = try api.call(
        "sign out", "POST", Self.signOutPath, headers: headers(for: credential, profile: profile))
    }
  }

  package var keys: (any KeyAPI)? { KnowledgeStackKeys(provider: self) }

  struct SSOInitiateRequest: Encodable {
    var tenantID: String
    var redirectURI: String

    enum CodingKeys: String, CodingKey {
      case tenantID = "tenant_id"
      case redirectURI = "redirect_uri"
    }
  }

  struct SSOInitiateResponse: Decodable {
    var redirectURL: String

    enum CodingKeys: String, CodingKey {
      case redirectURL = "redirect_url"
    }
  }

  // seed 003: POST /v1/auth/sso/initiate {tenant_id, redirect_uri} → {redirect_url}.
  package func startSingleSignOn(tenantID: String, redirectURI: String, api: ProviderAPI)
    throws(ProviderFailure)
    -> String
  {
    let operation = "start single sign-on"
    let response = try api.call(
      operation, "POST", "/v1/auth/sso/initiate",
      json: SSOInitiateRequest(tenantID: tenantID, redirectURI: redirectURI))
    return try api.decode(SSOInitiateResponse.self, from: response, operation).redirectURL
  }

  package func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail {
    ErrorEnvelope.common(body)
  }
}
