import FoundationEssentials

/// Craft (seed 001): Bearer API keys, identity from `GET /v1/me`, errors `{success:false, error:{code,message}}`.
package struct CraftProvider: Provider {
  package init() {}

  package let descriptor = ProviderDescriptor(
    name: "craft", summary: "Craft API: Bearer API keys (read-only or read-write)",
    flows: [.apiKey, .oauth], defaultBaseURL: "https://api.craft.fast", renewal: .refreshToken,
    hasKeyAPI: false,
    keysManagedAt: "Craft API keys are managed in your Craft account: Account Settings → API Keys",
    logoutEndpoint: nil, loginLabel: "e-mail")

  /// seed 001: `{"success": true, "data": {"id", "email", "name"}}`.
  struct MeResponse: Decodable {
    var success: Bool
    var data: Me

    struct Me: Decodable {
      var id: String?
      var email: String?
      var name: String?
    }
  }

  /// seed 001: the login page is on craft.fast, the token endpoint on the API host, with a JSON body.
  package let oauth: OAuthSupport? = OAuthSupport(
    style: .json, usesPKCE: false, isOpenIDConnect: false, defaultScope: "read write",
    fixedEndpoints: { profile in
      let authHost = profile.value(.authURL) ?? "https://craft.fast"
      let apiHost = profile.value(.baseURL) ?? "https://api.craft.fast"
      return OAuthEndpoints(
        authorization: Self.trimmed(authHost) + "/oauth/authorize",
        token: Self.trimmed(apiHost) + "/v1/oauth/token")
    })

  static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

  package func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader] {
    [.bearer(credential.secret)]
  }

  package func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI)
    throws(ProviderFailure) -> ProviderVerdict
  {
    let operation = "read /v1/me"
    let response = try api.call(
      operation, "GET", "/v1/me", headers: headers(for: credential, profile: profile))
    let me = try api.decode(MeResponse.self, from: response, operation)
    let identity = Identity(subject: me.data.id, email: me.data.email, name: me.data.name)
    guard case .apiKey = credential else {
      // seed 001 OAuth scopes: read, write, delete, admin.
      let scopes = profile.stored?.credentials?.grantedScope ?? profile.value(.scope)
      return ProviderVerdict(
        valid: me.success, source: "GET /v1/me", identity: identity,
        permissions: scopes.map { $0.split(separator: " ").map { "scope \($0)" } } ?? [])
    }
    // Craft's API does not reveal a key's permission; the user states it at login with --scope.
    let permission =
      profile.value(.scope).map { "\($0) (as given at login)" }
      ?? "unknown (not revealed by the API; set it with login --scope read-only|read-write)"
    return ProviderVerdict(
      valid: me.success, source: "GET /v1/me", identity: identity, details: [("key permission", permission)])
  }

  package func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail {
    ErrorEnvelope.common(body)
  }

  // The envelope's codes at the token endpoint are OAuth's, in craft's upper case (INVALID_GRANT).
  package func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError {
    var lowered = detail
    lowered.code = detail.code?.lowercased()
    if case .rejected = OAuthSupport.classify(status: status, detail: lowered) { return .rejected(detail) }
    return .byStatus(status, detail)
  }
}
