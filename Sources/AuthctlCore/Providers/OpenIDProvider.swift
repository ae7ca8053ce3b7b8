/// Any OpenID Connect issuer found through discovery (`oidc`), and emergence's Keycloak realm (seed 000).
package struct OpenIDProvider: Provider {
  package let descriptor: ProviderDescriptor
  /// emergence sends `X-Project-ID` with the bearer token (seed 000).
  let sendsProjectID: Bool

  /// The generic `oidc` provider.
  package static let generic = OpenIDProvider(
    descriptor: ProviderDescriptor(
      name: "oidc", summary: "Any OpenID Connect / OAuth 2 issuer, found through discovery",
      flows: [.browser, .device, .clientCredentials, .token], defaultBaseURL: "", renewal: .refreshToken,
      hasKeyAPI: false,
      keysManagedAt: "API keys are not part of OpenID Connect; manage clients at your issuer",
      logoutEndpoint: "token revocation (RFC 7009) or end-session", loginLabel: "login name", locator: .issuer
    ),
    sendsProjectID: false)

  /// emergence (seed 000): the CRAFT API behind Keycloak; Bearer plus `X-Project-ID`.
  package static let emergence = OpenIDProvider(
    descriptor: ProviderDescriptor(
      name: "emergence",
      summary: "Emergence CRAFT API behind Keycloak: OIDC with PKCE, device, client credentials",
      flows: [.browser, .device, .clientCredentials, .token], defaultBaseURL: "", renewal: .refreshToken,
      hasKeyAPI: false, keysManagedAt: "Emergence uses Keycloak clients and tokens, not API keys",
      logoutEndpoint: "token revocation (RFC 7009) or end-session", loginLabel: "login name", locator: .issuer
    ),
    sendsProjectID: true)

  package let oauth: OAuthSupport? = OAuthSupport(
    style: .form, usesPKCE: true, isOpenIDConnect: true, defaultScope: "openid profile email")

  package func headers(for credential: Credential, profile: ResolvedProfile?) -> [HTTPHeader] {
    var headers = [HTTPHeader.bearer(credential.secret)]
    // seed 000: "X-Project-ID ... UUID of the target project", never embedded in the JWT.
    if sendsProjectID, let project = profile?.value(.projectID) {
      headers.append(HTTPHeader("X-Project-ID", project))
    }
    return headers
  }

  // OpenID Connect Core §5.3: userinfo is the issuer's own verdict on the access token.
  package func verify(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI)
    throws(ProviderFailure)
    -> ProviderVerdict
  {
    let session: OAuthSession
    do {
      session = try OAuthSession.open(profile: profile, provider: self, api: api)
    } catch let failure as ProviderFailure {
      throw failure
    } catch {
      throw api.failure("read the OpenID configuration", .malformedAnswer(String(describing: error)))
    }
    let claims = try session.client.userinfo(credential.secret)
    let token = JWTClaims.decode(credential.secret)
    let identity = Identity(
      subject: claims["sub"]?.text ?? token?.sub, email: claims["email"]?.text ?? token?.email,
      login: claims["preferred_username"]?.text ?? token?.preferredUsername, name: claims["name"]?.text)
    let groups = claims["groups"]?.strings ?? token?.groups ?? []
    let scopes =
      (token?.scope ?? profile.stored?.credentials?.grantedScope)?.split(separator: " ").map { "scope \($0)" }
      ?? []
    return ProviderVerdict(
      valid: true, source: "GET userinfo", identity: identity,
      organization: Self.realm(of: token?.iss ?? profile.value(.issuer)),
      permissions: groups.map { "group \($0)" } + scopes)
  }

  /// seed 000: "Organization ID derived from realm in the issuer URL" (Keycloak's `/realms/<realm>`).
  static func realm(of issuer: String?) -> String? {
    guard let issuer, let range = issuer.firstRange(of: "/realms/") else { return nil }
    let realm = issuer[range.upperBound...].prefix { $0 != "/" }
    return realm.isEmpty ? nil : String(realm)
  }

  // SPEC §3: RFC 7009 revocation of the refresh token, then the access token; else end-session with the ID token.
  package func sessionEnd(_ credential: Credential, profile: ResolvedProfile, api: ProviderAPI) -> SessionEnd?
  {
    guard let endpoints = profile.stored?.oauth, let clientID = profile.value(.clientID) else { return nil }
    let stored = profile.stored?.credentials
    if let revocation = endpoints.revocation {
      let client = OAuthClient(
        api: api, endpoints: endpoints,
        identity: OAuthClientIdentity(
          clientID: clientID, clientSecret: profile.value(.clientSecret), style: .form))
      return SessionEnd(endpoint: "POST \(HTTPURL.withoutQuery(revocation))") { () throws(ProviderFailure) in
        if let refresh = stored?.refreshToken { try client.revoke(refresh, hint: "refresh_token") }
        try client.revoke(credential.secret, hint: "access_token")
      }
    }
    guard let endSession = endpoints.endSession, let idToken = stored?.idToken else { return nil }
    return SessionEnd(endpoint: "GET \(HTTPURL.withoutQuery(endSession))") { () throws(ProviderFailure) in
      let query = String(
        decoding: OAuthClient.form([("id_token_hint", idToken), ("client_id", clientID)]), as: UTF8.self)
      _ = try api.send(
        "end the session", "GET", url: endSession + (endSession.contains("?") ? "&" : "?") + query,
        secrets: [idToken])
    }
  }

  package func errorDetail(status: Int, body: [UInt8]) -> ProviderErrorDetail {
    ErrorEnvelope.common(body)
  }

  // seed 000: 401 UNAUTHENTICATED / TOKEN_EXPIRED, 403 FORBIDDEN, 429 RATE_LIMIT_EXCEEDED; RFC 6749 at the token endpoint.
  package func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError {
    OAuthSupport.classify(status: status, detail: detail)
  }
}
