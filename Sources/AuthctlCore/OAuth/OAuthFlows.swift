/// The two interactive OAuth grants: authorization code through the browser, and device authorization.
package struct OAuthFlows {
  package let session: OAuthSession
  package let interaction: LoginInteraction
  package let clock: Clock

  package init(session: OAuthSession, interaction: LoginInteraction, clock: Clock) {
    self.session = session
    self.interaction = interaction
    self.clock = clock
  }

  private var client: OAuthClient { session.client }

  /// RFC 6749 §4.1 with PKCE (RFC 7636) and a loopback redirect (RFC 8252 §7.3); OIDC adds a nonce.
  package func authorizationCode(scope: String?) throws -> IssuedToken {
    let receiver = try LoopbackReceiver(path: "/callback")
    let state = try PKCE.randomToken()
    let pkce = session.support.usesPKCE ? try PKCE.generate() : nil
    let nonce = session.support.isOpenIDConnect ? try PKCE.randomToken() : nil
    var parameters = [
      ("response_type", "code"), ("client_id", client.identity.clientID),
      ("redirect_uri", receiver.redirectURI),
    ]
    if let scope { parameters.append(("scope", scope)) }
    parameters.append(("state", state))
    if let pkce {
      parameters += [("code_challenge", pkce.challenge), ("code_challenge_method", pkce.method)]
    }
    if let nonce { parameters.append(("nonce", nonce)) }
    let base = client.endpoints.authorization
    let url =
      base + (base.contains("?") ? "&" : "?") + String(decoding: OAuthClient.form(parameters), as: UTF8.self)
    announceBrowser(url)
    let redirect = try receiver.waitForRedirect(
      timeout: interaction.timeout, clock: clock, tick: interaction.tick
    ) { query in
      Self.judge(query, state: state)
    }
    if let problem = Self.problem(redirect, state: state) { throw problem }
    guard let code = redirect["code"], !code.isEmpty else {
      throw LoginFlowError.incompleteRedirect(missing: "code")
    }
    interaction.progress("Authorization received; exchanging the code.")
    let answer = try client.exchange(code: code, redirectURI: receiver.redirectURI, verifier: pkce?.verifier)
    try checkIDToken(answer, nonce: nonce)
    return OAuthSession.issued(answer, now: clock.now())
  }

  /// RFC 8628: show the verification URI and user code exactly as sent, then poll at the given interval.
  package func device(scope: String?) throws -> IssuedToken {
    let authorization = try client.authorizeDevice(scope: scope)
    interaction.announce(
      "To log in, open \(authorization.verificationURI) and enter the code: \(authorization.userCode)")
    if let complete = authorization.verificationURIComplete {
      interaction.announce("Or open: \(complete)")
    }
    // RFC 8628 §3.5: 5 seconds unless the server says otherwise; slow_down adds 5 seconds.
    var interval = max(authorization.interval ?? 5, 1)
    let deadline = clock.now() + min(authorization.expiresIn, interaction.timeout)
    interaction.progress("Waiting for approval…")
    while clock.now() + interval <= deadline {
      pause(interval)
      let poll: DevicePoll
      do {
        poll = try client.pollDevice(authorization.deviceCode)
      } catch let failure {
        switch failure.error {
        case .rejected(let detail) where detail.code == "expired_token":
          throw LoginFlowError.deviceCodeExpired
        case .rejected(let detail) where detail.code == "access_denied":
          throw LoginFlowError.denied(code: "access_denied", description: detail.message)
        default: throw failure
        }
      }
      switch poll {
      case .token(let answer):
        try checkIDToken(answer, nonce: nil)
        return OAuthSession.issued(answer, now: clock.now())
      case .pending: continue
      case .slowDown: interval += 5
      }
    }
    throw LoginFlowError.deviceCodeExpired
  }

  /// Sleeps in tenths of a second, ticking the waiting indicator between them.
  private func pause(_ seconds: Double) {
    let steps = max(Int((seconds * 10).rounded(.up)), 1)
    for _ in 0..<steps {
      clock.sleep(seconds / Double(steps))
      interaction.tick()
    }
  }

  private func announceBrowser(_ url: String) {
    interaction.announce("Open this URL in a browser to log in:\n  \(url)")
    interaction.openBrowser?(url)
    interaction.progress(
      "Waiting for the browser (up to \(Int(interaction.timeout / 60)) min; Ctrl-C to stop)…")
  }

  private func checkIDToken(_ answer: TokenResponse, nonce: String?) throws {
    guard session.support.isOpenIDConnect, let idToken = answer.idToken else { return }
    if let problem = IDTokenCheck.problem(
      idToken, issuer: client.endpoints.issuer, clientID: client.identity.clientID, nonce: nonce,
      now: clock.now())
    {
      throw LoginFlowError.invalidIDToken(problem)
    }
  }

  /// The page the browser shows for a redirect.
  static func judge(_ query: [String: String], state: String?) -> (ok: Bool, message: String) {
    if let problem = problem(query, state: state) {
      switch problem {
      case .denied(let code, _):
        return (false, "The authorization was refused (\(code)). You can close this tab.")
      default: return (false, "This login could not be completed. You can close this tab.")
      }
    }
    return (true, "You are logged in. You can close this tab and return to the terminal.")
  }

  /// RFC 6749 §4.1.2.1 errors first, then the `state` check (§10.12).
  static func problem(_ query: [String: String], state: String?) -> LoginFlowError? {
    if let state, query["state"] != state { return .stateMismatch }
    if let error = query["error"] { return .denied(code: error, description: query["error_description"]) }
    return nil
  }
}

/// knowledge-stack single sign-on (seed 003): initiate, browser, loopback redirect with the token.
struct SingleSignOn {
  let workspace: Workspace
  let interaction: LoginInteraction

  func run(_ profile: ResolvedProfile, _ provider: any Provider, _ api: ProviderAPI) throws -> IssuedToken {
    guard let tenant = profile.value(.tenantID) else {
      throw CredentialError.missingSetting(
        what: "tenant id", option: "--tenant-id", variable: "AUTHCTL_TENANT_ID")
    }
    // SPEC §3: the seed has no `state`, so the redirect path carries an unguessable segment instead.
    let receiver = try LoopbackReceiver(path: "/callback/\(try PKCE.randomToken())")
    let url = try provider.startSingleSignOn(tenantID: tenant, redirectURI: receiver.redirectURI, api: api)
    guard (try? HTTPURL.checked(url)) != nil else {
      throw api.failure("start single sign-on", .malformedAnswer("the redirect_url is not an https:// URL"))
    }
    interaction.announce("Open this URL in a browser to log in:\n  \(url)")
    interaction.openBrowser?(url)
    interaction.progress(
      "Waiting for the browser (up to \(Int(interaction.timeout / 60)) min; Ctrl-C to stop)…")
    let redirect = try receiver.waitForRedirect(
      timeout: interaction.timeout, clock: workspace.clock, tick: interaction.tick
    ) { query in
      OAuthFlows.judge(query, state: nil)
    }
    if let problem = OAuthFlows.problem(redirect, state: nil) { throw problem }
    guard let token = redirect["token"] ?? redirect["access_token"], !token.isEmpty else {
      throw LoginFlowError.incompleteRedirect(missing: "token")
    }
    return IssuedToken(accessToken: token, expiresIn: nil, now: workspace.clock.now())
  }
}
