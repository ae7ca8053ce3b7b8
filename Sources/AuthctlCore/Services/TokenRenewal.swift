/// One renewal at the provider, by the provider's method (SPEC §3 "How each provider refreshes").
struct TokenRenewal {
  let context: ProfileContext
  let api: ProviderAPI
  let password: String?
  let clock: Clock

  func run() throws -> IssuedToken {
    switch context.provider.descriptor.renewal {
    case .none:
      throw CredentialError.notRefreshable(
        profile: context.name, reason: "the provider issues no renewable tokens")
    case .passwordLogin:
      return try signIn()
    case .refreshToken:
      return try refreshGrant()
    case .renewalEndpointThenPassword:
      // seed 003 + SPEC §3: try /v1/auth/uat; a token it will not renew is replaced by a password sign-in.
      guard case .accessToken(let token)? = context.credential else { return try signIn() }
      do {
        return try context.provider.renew(token, api: api)
      } catch let failure where failure.isRejection {
        guard password != nil else { throw failure }
        return try signIn()
      }
    }
  }

  // RFC 6749 §6, or §4.4 again for a client-credentials profile; the new refresh token replaces the old.
  private func refreshGrant() throws -> IssuedToken {
    let session = try OAuthSession.open(profile: context.profile, provider: context.provider, api: api)
    let stored = context.storedCredentialsApply ? context.profile.stored?.credentials : nil
    if let refreshToken = stored?.refreshToken {
      return OAuthSession.issued(try session.client.refresh(refreshToken), now: clock.now())
    }
    if session.client.identity.clientSecret != nil,
      context.provider.descriptor.flows.contains(.clientCredentials)
    {
      let answer = try session.client.clientCredentials(scope: context.profile.value(.scope))
      return OAuthSession.issued(answer, now: clock.now())
    }
    throw CredentialError.expired(
      profile: context.name, reason: "the token has expired and there is no refresh token to renew it")
  }

  private func signIn() throws -> IssuedToken {
    guard let login = context.profile.value(.login) else {
      throw CredentialError.missingSetting(
        what: context.provider.descriptor.loginLabel, option: "--login",
        variable: "AUTHCTL_PROFILE_\(ProfileName.environmentForm(context.name))_LOGIN")
    }
    guard let password else { throw CredentialError.passwordUnavailable(profile: context.name) }
    return try context.provider.signIn(login: login, password: password, api: api)
  }
}
