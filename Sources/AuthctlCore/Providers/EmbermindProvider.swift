import FoundationEssentials

/// Embermind (seed 002): `x-api-key` or `x-access-token`; errors are HTTP 400 `{error, message}`.
package struct EmbermindProvider: Provider {
  package init() {}

  private static let logoutPath = "/api/v1/client/auth/logout"

  package let descriptor = ProviderDescriptor(
    name: "embermind", summary: "Embermind API: API keys (x-api-key) or login tokens (x-access-token)",
    flows: [.apiKey, .password], defaultBaseURL: "https://api.embermind.ch", renewal: .passwordLogin,
    hasKeyAPI: false, keysManagedAt: "Embermind API keys are issued by your Embermind account manager",
    logoutEndpoint: "POST \(logoutPath)", loginLabel: "login name or e-mail")

  struct LoginRequest: Encodable {
    var loginOrEmail: String
    var password: String
  }

  struct LoginResponse: Decodable {
    var xAccessToken: String
  }

  struct CheckResponse: Decodable {
    var valid: Bool
    var companyId: String?
  }

  struct ProfileMe: Decodable {
    var id: String?
    var email: String?
    var login: String?
    var companyId: String?
  }

  struct ErrorResponse: Decodable {
    var error: String
    var message: String?
  }

  package func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader] {
    switch credential {
    case .apiKey(let key): [HTTPHeader("x-api-key", key)]
    case .accessToken(let token): [HTTPHeader("x-access-token", token)]
    }
  }

  // seed 002: POST /api/v1/client/auth/login {loginOrEmail, password} → {xAccessToken}
  package func signIn(login: String, password: String, api: ProviderAPI) throws(ProviderFailure)
    -> IssuedToken
  {
    let operation = "sign in as \(login)"
    let response = try api.call(
      operation, "POST", "/api/v1/client/auth/login",
      json: LoginRequest(loginOrEmail: login, password: password), secrets: [password])
    let answer = try api.decode(LoginResponse.self, from: response, operation)
    guard !answer.xAccessToken.isEmpty else {
      throw api.failure(operation, .malformedAnswer("the answer's xAccessToken is empty"))
    }
    // seed 002: tokens expire after inactivity; a JWT's `exp` is used when it has one.
    return IssuedToken(accessToken: answer.xAccessToken, expiresIn: nil, now: api.client.clock.now())
  }

  // seed 002: check-api-key / check-token give the verdict, profile/me the identity.
  package func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI)
    throws(ProviderFailure) -> ProviderVerdict
  {
    let headers = headers(for: credential, profile: profile)
    let (path, what) =
      switch credential {
      case .apiKey: ("/api/v1/client/auth/check-api-key", "check the API key")
      case .accessToken: ("/api/v1/client/auth/check-token", "check the access token")
      }
    let check = try api.decode(
      CheckResponse.self, from: try api.call(what, "POST", path, headers: headers), what)
    guard check.valid else {
      return ProviderVerdict(valid: false, source: "POST \(path)")
    }
    let me = try api.decode(
      ProfileMe.self,
      from: try api.call("read the profile", "GET", "/api/v1/client/profile/me", headers: headers),
      "read the profile")
    return ProviderVerdict(
      valid: true, source: "POST \(path)",
      identity: Identity(
        subject: me.id, email: me.email, login: me.login, company: me.companyId ?? check.companyId))
  }

  // seed 002: logout invalidates an access token; an API key has no session to end.
  package func sessionEnd(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) -> SessionEnd?
  {
    guard case .accessToken = credential else { return nil }
    return SessionEnd(endpoint: "POST \(Self.logoutPath)") { () throws(ProviderFailure) in
      _ = try api.call(
        "log out", "POST", Self.logoutPath, headers: headers(for: credential, profile: profile))
    }
  }

  package func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail {
    guard let answer = try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)) else {
      return ProviderErrorDetail()
    }
    return ProviderErrorDetail(code: answer.error, message: answer.message)
  }

  // seed 002: every auth error is HTTP 400 with an `error.auth.*` code.
  package func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError {
    switch detail.code {
    case "error.auth.api_key_incorrect", "error.auth.token_incorrect", "error.auth.require_api_key_or_token",
      "error.auth.company_not_found", "error.auth.login_incorrect", "error.auth.password_incorrect",
      "error.auth.user_not_found":
      return .rejected(detail)
    case "error.auth.require_more_perm", "error.auth.perm_obj_not_found":
      return .forbidden(detail)
    case let code? where status == 400 && code.hasPrefix("error.auth."):
      return .rejected(detail)
    default:
      return .byStatus(status, detail)
    }
  }
}
