import FoundationEssentials

/// MetaKraftwerk (seed 004): `POST /authentication` with `strategy: local` gives a JWT used as Bearer.
package struct MetakraftwerkProvider: Provider {
  package init() {}

  package let descriptor = ProviderDescriptor(
    name: "metakraftwerk", summary: "MetaKraftwerk REST API: e-mail and password give a JWT",
    flows: [.password], defaultBaseURL: "https://app.metakraftwerk.com", renewal: .passwordLogin,
    hasKeyAPI: false, keysManagedAt: "MetaKraftwerk has no API keys: log in with e-mail and password",
    logoutEndpoint: nil, loginLabel: "e-mail")

  struct AuthenticationRequest: Encodable {
    var strategy = "local"
    var email: String
    var password: String
  }

  /// seed 004: 201 `{accessToken, authentication: {strategy, accessToken}, user: {id, email}}`.
  struct AuthenticationResponse: Decodable {
    var accessToken: String
  }

  package func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader] {
    [.bearer(credential.secret)]
  }

  package func signIn(login: String, password: String, api: ProviderAPI) throws(ProviderFailure)
    -> IssuedToken
  {
    let operation = "sign in as \(login)"
    let response = try api.call(
      operation, "POST", "/authentication", json: AuthenticationRequest(email: login, password: password),
      secrets: [password])
    let answer = try api.decode(AuthenticationResponse.self, from: response, operation)
    // seed 004: the token is a JWT; its `exp` is the only statement of its lifetime.
    guard JWTClaims.decode(answer.accessToken) != nil else {
      throw api.failure(operation, .malformedAnswer("the answer's accessToken is not a JWT"))
    }
    return IssuedToken(accessToken: answer.accessToken, expiresIn: nil, now: api.client.clock.now())
  }

  // The seed names no "who am I" endpoint; `GET /api/v1/projects` (its example) proves the token and lists the
  // per-project permissions when the answer carries them.
  package func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI)
    throws(ProviderFailure) -> ProviderVerdict
  {
    let operation = "list projects"
    let response = try api.call(
      operation, "GET", "/api/v1/projects", headers: headers(for: credential, profile: profile))
    let json = JSONValue.parse(response.body)
    guard let projects = json?.array ?? json?["data"]?.array else {
      throw api.failure(operation, .malformedAnswer("the answer is not a list of projects"))
    }
    let permissions = projects.map { project in
      let name = project["name"]?.text ?? project["id"]?.text ?? "?"
      let granted = project["permissions"]?.strings
      return granted.map { "\(name): \($0.isEmpty ? "none" : $0.joined(separator: ", "))" }
        ?? "\(name): unknown"
    }
    let claims = JWTClaims.decode(credential.secret)
    return ProviderVerdict(
      valid: true, source: "GET /api/v1/projects",
      identity: Identity(subject: claims?.sub, email: claims?.email ?? profile.value(.login)),
      permissions: permissions, details: [("projects", String(projects.count))])
  }

  // seed 004 error bodies are FeathersJS errors: `{"name", "message", "code", "className"}`.
  package func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail {
    ErrorEnvelope.common(body)
  }
}
