import FoundationEssentials

/// A profile's OAuth client: its endpoints (fixed, remembered, or discovered) and its identity.
package struct OAuthSession {
  package let client: OAuthClient
  package let support: OAuthSupport
  /// True when the endpoints were fetched now and should be remembered in the profile.
  package let discovered: Bool

  /// Builds the session; discovery runs only when the profile remembers no endpoints for its issuer.
  package static func open(
    profile: ResolvedProfile, provider: any Provider, api: ProviderAPI, rediscover: Bool = false
  ) throws -> OAuthSession {
    guard let support = provider.oauth else {
      throw api.failure("use OAuth", .unsupported("\(provider.descriptor.name) does not use OAuth"))
    }
    guard let clientID = profile.value(.clientID) else {
      throw CredentialError.missingSetting(
        what: "OAuth client id", option: "--client-id", variable: "AUTHCTL_CLIENT_ID")
    }
    let identity = OAuthClientIdentity(
      clientID: clientID, clientSecret: profile.value(.clientSecret), style: support.style)
    if let fixed = support.fixedEndpoints {
      return OAuthSession(
        client: OAuthClient(api: api, endpoints: fixed(profile), identity: identity), support: support,
        discovered: false)
    }
    guard let issuer = profile.value(.issuer) else {
      throw CredentialError.missingSetting(what: "issuer URL", option: "--issuer", variable: "AUTHCTL_ISSUER")
    }
    if !rediscover, let remembered = profile.stored?.oauth, remembered.issuer == issuer {
      return OAuthSession(
        client: OAuthClient(api: api, endpoints: remembered, identity: identity), support: support,
        discovered: false)
    }
    let endpoints = try Discovery.fetch(issuer: issuer, api: api)
    return OAuthSession(
      client: OAuthClient(api: api, endpoints: endpoints, identity: identity), support: support,
      discovered: true)
  }

  /// Turns a token answer into what the keystore stores, with the lifetime from `expires_in` or the JWT.
  package static func issued(_ answer: TokenResponse, now: Double) -> IssuedToken {
    var issued = IssuedToken(accessToken: answer.accessToken, expiresIn: answer.expiresIn, now: now)
    issued.refreshToken = answer.refreshToken
    issued.idToken = answer.idToken
    issued.scope = answer.scope
    return issued
  }
}

/// OpenID Connect Discovery 1.0: `<issuer>/.well-known/openid-configuration`.
package enum Discovery {
  package static func fetch(issuer: String, api: ProviderAPI) throws -> OAuthEndpoints {
    let operation = "read the OpenID configuration"
    let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
    let response = try api.send(operation, "GET", url: trimmed + "/.well-known/openid-configuration")
    let endpoints = try api.decode(OAuthEndpoints.self, from: response, operation)
    // Discovery §4.3: the issuer in the document must be exactly the one asked for.
    guard endpoints.issuer == issuer || endpoints.issuer == trimmed else {
      throw LoginFlowError.discoveryMismatch(
        "the configuration at \(trimmed) names the issuer '\(endpoints.issuer ?? "none")'")
    }
    for url in endpoints.all where (try? HTTPURL.checked(url)) == nil {
      throw LoginFlowError.discoveryMismatch("the configuration names an insecure endpoint \(url)")
    }
    return endpoints
  }
}
