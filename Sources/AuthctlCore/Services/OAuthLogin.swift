/// The OAuth, token and single sign-on logins (SPEC §3 flows table), sharing one OAuth layer.
struct OAuthLogin {
  let workspace: Workspace
  let request: LoginRequest
  let profile: ResolvedProfile
  let context: ProfileContext
  let flow: Flow

  func run() throws -> LoginOutcome {
    var profile = profile
    var secretFromStdin = false
    if case .clientSecret(let secret)? = request.stdinSecret {
      profile.values[.clientSecret] = (secret, .option)
      secretFromStdin = true
    }
    let api = workspace.api(for: context.provider, profile: profile)
    var endpoints: OAuthEndpoints?
    let issued: IssuedToken
    switch flow {
    case .token:
      issued = try pastedToken(profile)
    case .sso:
      issued = try interactively {
        try SingleSignOn(workspace: workspace, interaction: request.interaction).run(
          profile, context.provider, api)
      }
    default:
      let session = try OAuthSession.open(
        profile: profile, provider: context.provider, api: api, rediscover: true)
      // seed 001: craft's token endpoint takes the client secret in its JSON body.
      if session.support.style == .json && session.client.identity.clientSecret == nil {
        throw CredentialError.secretUnavailable(
          what: "the OAuth client secret", option: "--client-secret-stdin", variable: "AUTHCTL_CLIENT_SECRET")
      }
      if session.support.fixedEndpoints == nil { endpoints = session.client.endpoints }
      let flows = OAuthFlows(session: session, interaction: request.interaction, clock: workspace.clock)
      let scope = profile.value(.scope) ?? session.support.defaultScope
      switch flow {
      case .clientCredentials:
        guard session.client.identity.clientSecret != nil else {
          throw CredentialError.secretUnavailable(
            what: "a client secret", option: "--client-secret-stdin", variable: "AUTHCTL_CLIENT_SECRET")
        }
        issued = OAuthSession.issued(
          try session.client.clientCredentials(scope: profile.value(.scope)), now: workspace.clock.now())
      case .device:
        issued = try interactively { try flows.device(scope: scope) }
      default:
        issued = try interactively { try flows.authorizationCode(scope: scope) }
      }
    }
    // SPEC §5: a token obtained with environment secrets is cached unless AUTHCTL_NO_CACHE=1.
    let fromEnvironment = profile.isFromEnvironment(.clientSecret) || profile.isFromEnvironment(.accessToken)
    let caches = !fromEnvironment || workspace.cachesTokens
    let loginService = LoginService(workspace: workspace)
    let stored =
      try caches
      && loginService.save(profile, context: context, flow: flow, endpoints: endpoints) { credentials in
        credentials.accessToken = issued.accessToken
        credentials.expiresAt = issued.expiresAt
        credentials.issuedAt = issued.issuedAt
        credentials.refreshToken = issued.refreshToken
        credentials.idToken = issued.idToken
        credentials.grantedScope = issued.scope
        // SPEC §3: a client secret given on stdin is stored (refresh needs it); one from the environment is not.
        if secretFromStdin { credentials.clientSecret = profile.value(.clientSecret) }
      }
    let claims = JWTClaims.decode(issued.idToken ?? issued.accessToken)
    return LoginOutcome(
      profile: profile.name, provider: context.provider.descriptor.name, flow: flow,
      credential: .accessToken(issued.accessToken),
      timing: TokenTiming(expiresAt: issued.expiresAt, issuedAt: issued.issuedAt),
      identity: Identity(subject: claims?.sub, email: claims?.email, login: claims?.preferredUsername),
      stored: stored, notes: caches ? [] : ["AUTHCTL_NO_CACHE=1: the token was not written to the keystore"])
  }

  /// SPEC §3: one interactive login per profile at a time; a second waits, or fails fast when not interactive.
  private func interactively<T>(_ body: () throws -> T) throws -> T {
    try LoginLock.holding(
      location: workspace.keystore.location, profile: profile.name, mayWait: request.interaction.mayWait, body
    )
  }

  // seed 000: a development token is pasted; its lifetime comes from the JWT when it is one.
  private func pastedToken(_ profile: ResolvedProfile) throws -> IssuedToken {
    var token: String?
    if case .token(let pasted)? = request.stdinSecret { token = pasted }
    if token == nil, profile.isFromEnvironment(.accessToken) { token = profile.value(.accessToken) }
    if token == nil, let prompt = request.prompt { token = try prompt("Token: ") }
    guard let token, !token.isEmpty else {
      throw CredentialError.secretUnavailable(
        what: "a token", option: "--token-stdin", variable: "AUTHCTL_ACCESS_TOKEN")
    }
    let claims = JWTClaims.decode(token)
    if let exp = claims?.exp, exp <= workspace.clock.now() {
      throw CredentialError.expired(profile: profile.name, reason: "the token given has already expired")
    }
    return IssuedToken(accessToken: token, expiresIn: nil, now: workspace.clock.now())
  }
}
