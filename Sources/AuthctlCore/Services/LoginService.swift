/// Which secret the user gave on stdin for a login, as the `-stdin` options say.
package enum StdinSecret: Sendable, Equatable {
  case password(String)
  case apiKey(String)
  case clientSecret(String)
  case token(String)
}

/// How an interactive login talks to the person: messages they must act on, the browser, patience.
package struct LoginInteraction {
  /// URLs and user codes the person must act on: always shown on stderr, even with `--quiet`.
  package var announce: (String) -> Void
  /// Progress messages; `--quiet` silences them.
  package var progress: (String) -> Void
  /// Opens the system browser; nil when no browser may be opened.
  package var openBrowser: ((String) -> Void)?
  /// How long to wait for the browser's redirect or the device approval (default 5 minutes).
  package var timeout: Double
  /// Whether this process may wait for another interactive login of the same profile (stdin is a terminal).
  package var mayWait: Bool
  /// Called about ten times a second while waiting for the browser or the device approval (a spinner).
  package var tick: () -> Void

  package init(
    announce: @escaping (String) -> Void, progress: @escaping (String) -> Void,
    openBrowser: ((String) -> Void)?, timeout: Double, mayWait: Bool, tick: @escaping () -> Void = {}
  ) {
    self.announce = announce
    self.progress = progress
    self.openBrowser = openBrowser
    self.timeout = timeout
    self.mayWait = mayWait
    self.tick = tick
  }
}

/// What `login` was asked to do.
package struct LoginRequest {
  package var profileOption: String?
  /// Settings given as options (`--provider`, `--base-url`, `--login` ...).
  package var options: [ProfileField: String]
  package var stdinSecret: StdinSecret?
  package var rememberPassword: Bool
  /// Prompts for a secret with echo off; nil when stdin is not a terminal.
  package var prompt: ((String) throws -> String?)?
  package var interaction: LoginInteraction

  package init(
    profileOption: String?, options: [ProfileField: String], stdinSecret: StdinSecret?,
    rememberPassword: Bool,
    prompt: ((String) throws -> String?)?, interaction: LoginInteraction
  ) {
    self.profileOption = profileOption
    self.options = options
    self.stdinSecret = stdinSecret
    self.rememberPassword = rememberPassword
    self.prompt = prompt
    self.interaction = interaction
  }
}

/// What a login did, for the message on stderr and `--print-token`.
package struct LoginOutcome {
  package var profile: String
  package var provider: String
  package var flow: Flow
  package var credential: Credential
  package var timing: TokenTiming
  package var identity: Identity?
  package var stored: Bool
  package var notes: [String]
}

/// Runs a login flow and stores its result (SPEC §3 "login").
package struct LoginService {
  package let workspace: Workspace

  package init(workspace: Workspace) {
    self.workspace = workspace
  }

  package func login(_ request: LoginRequest) throws -> LoginOutcome {
    let document = try workspace.keystore.read()
    let resolver = workspace.resolver
    let name = resolver.selectedName(option: request.profileOption, document: document)
    guard ProfileName.isValid(name) else { throw CredentialError.invalidProfileName(name) }
    let profile = resolver.resolve(name: name, document: document, options: request.options)
    let context = try ProfileContext.from(profile)
    let flow = try chooseFlow(request, context: context)
    try checkURLs(profile)
    let api = workspace.api(for: context.provider, profile: profile)
    var notes: [String] = []
    switch flow {
    case .apiKey:
      let (key, fromEnvironment) = try apiKey(request, profile: profile)
      let verdict = try context.provider.verify(.apiKey(key), profile: profile, api: api)
      guard verdict.valid else {
        throw api.failure(
          "verify the API key",
          .rejected(ProviderErrorDetail(message: "the provider says the key is not valid")))
      }
      let stored = try save(profile, context: context, flow: flow) { credentials in
        if !fromEnvironment { credentials.apiKey = key }
      }
      if fromEnvironment {
        notes.append("the API key stays in the environment; it was not written to the keystore")
      }
      return LoginOutcome(
        profile: name, provider: context.provider.descriptor.name, flow: flow, credential: .apiKey(key),
        timing: TokenTiming(nil), identity: verdict.identity, stored: stored, notes: notes)
    case .password:
      let login = try loginName(request, context: context)
      let (password, fromEnvironment) = try password(request, profile: profile, login: login)
      let issued = try context.provider.signIn(login: login, password: password, api: api)
      let timing = TokenTiming(
        expiresAt: issued.expiresAt, issuedAt: issued.issuedAt ?? Int64(workspace.clock.now()))
      if request.rememberPassword && fromEnvironment {
        notes.append("--remember-password ignored: a password from the environment is never written to disk")
      }
      // SPEC §5: a token obtained with an environment password is cached unless AUTHCTL_NO_CACHE=1.
      let caches = !fromEnvironment || workspace.cachesTokens
      if !caches { notes.append("AUTHCTL_NO_CACHE=1: the token was not written to the keystore") }
      let stored =
        try caches
        && save(profile, context: context, flow: flow) { credentials in
          credentials.accessToken = issued.accessToken
          credentials.expiresAt = timing.expiresAt
          credentials.issuedAt = timing.issuedAt
          if request.rememberPassword && !fromEnvironment { credentials.password = password }
        }
      return LoginOutcome(
        profile: name, provider: context.provider.descriptor.name, flow: flow,
        credential: .accessToken(issued.accessToken),
        timing: timing, identity: Identity(login: login), stored: stored, notes: notes)
    default:
      return try OAuthLogin(
        workspace: workspace, request: request, profile: profile, context: context, flow: flow
      ).run()
    }
  }

  /// SPEC §3: `--flow`, else the flow the `-stdin` option implies, else the profile's, else the provider's first.
  private func chooseFlow(_ request: LoginRequest, context: ProfileContext) throws -> Flow {
    let descriptor = context.provider.descriptor
    let implied: Flow? =
      switch request.stdinSecret {
      case .password?: .password
      case .apiKey?: .apiKey
      case .clientSecret?: descriptor.flows.contains(.clientCredentials) ? .clientCredentials : nil
      case .token?: .token
      case nil: nil
      }
    let named =
      request.options[.flow] ?? implied?.rawValue ?? context.profile.value(.flow)
      ?? (context.profile.isFromEnvironment(.apiKey) ? Flow.apiKey.rawValue : nil)
      ?? (context.profile.isFromEnvironment(.password) ? Flow.password.rawValue : nil)
    guard let named else { return descriptor.flows[0] }
    guard let flow = Flow(rawValue: named), descriptor.flows.contains(flow) else {
      throw CredentialError.unsupportedFlow(
        provider: descriptor.name, flow: named, offered: descriptor.flows.map(\.rawValue))
    }
    // A client secret goes with any OAuth flow (a confidential client); it only picks the default.
    if let implied, implied != flow, implied != .clientCredentials {
      throw CredentialError.conflictingInput(
        "the -stdin option given does not go with the \(flow.rawValue) flow")
    }
    return flow
  }

  private func checkURLs(_ profile: ResolvedProfile) throws {
    for field in [ProfileField.baseURL, .authURL, .issuer] {
      if let url = profile.value(field), (try? HTTPURL.checked(url)) == nil {
        throw CredentialError.insecureSetting(field: field.displayName, url: url)
      }
    }
  }

  private func apiKey(_ request: LoginRequest, profile: ResolvedProfile) throws -> (String, Bool) {
    if case .apiKey(let key)? = request.stdinSecret { return (key, false) }
    if let key = profile.value(.apiKey), profile.isFromEnvironment(.apiKey) { return (key, true) }
    if let prompt = request.prompt, let key = try prompt("API key: "), !key.isEmpty { return (key, false) }
    throw CredentialError.secretUnavailable(
      what: "an API key", option: "--api-key-stdin", variable: "AUTHCTL_API_KEY")
  }

  private func loginName(_ request: LoginRequest, context: ProfileContext) throws -> String {
    if let login = context.profile.value(.login) { return login }
    throw CredentialError.missingSetting(
      what: context.provider.descriptor.loginLabel, option: "--login", variable: "AUTHCTL_LOGIN")
  }

  private func password(_ request: LoginRequest, profile: ResolvedProfile, login: String) throws -> (
    String, Bool
  ) {
    if case .password(let password)? = request.stdinSecret { return (password, false) }
    if let password = profile.value(.password), profile.isFromEnvironment(.password) {
      return (password, true)
    }
    if let prompt = request.prompt, let password = try prompt("Password for \(login): "), !password.isEmpty {
      return (password, false)
    }
    throw CredentialError.secretUnavailable(
      what: "a password", option: "--password-stdin", variable: "AUTHCTL_PASSWORD")
  }

  /// Writes the profile's settings and fresh credentials; a new login replaces the old credentials.
  func save(
    _ profile: ResolvedProfile, context: ProfileContext, flow: Flow, endpoints: OAuthEndpoints? = nil,
    _ fill: (inout StoredCredentials) -> Void
  ) throws -> Bool {
    try workspace.keystore.update { document in
      var record = ProfileRecord.newRecord(for: profile, provider: context.provider)
      record.flow = flow.rawValue
      record.oauth = endpoints
      var credentials = StoredCredentials()
      fill(&credentials)
      record.credentials = credentials.isEmpty ? nil : credentials
      document.profiles[profile.name] = record
      if document.defaultProfile == nil { document.defaultProfile = profile.name }
    }
    return true
  }
}
