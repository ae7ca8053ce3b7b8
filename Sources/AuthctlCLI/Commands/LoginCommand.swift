import AuthctlCore

/// `login`: runs a flow and stores its result in the profile.
enum LoginCommand {
  struct LoginJSON: Encodable {
    var profile: String
    var provider: String
    var flow: String
    var kind: String
    var stored: Bool
    var expiresAt: String?
    var token: String?

    enum CodingKeys: String, CodingKey {
      case profile, provider, flow, kind, stored
      case expiresAt = "expires_at"
      case token
    }
  }

  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let invocation = environment.invocation
    var options: [ProfileField: String] = [:]
    for field in ProfileField.settings {
      if let name = field.optionName, let value = invocation.value(name) { options[field] = value }
    }
    let secret = try stdinSecret(environment)
    let context = environment.context
    let spinner = Spinner(
      sink: context.stderr, clock: context.clock,
      enabled: context.stderrIsTerminal && !environment.globals.quiet && context.environment["TERM"] != "dumb"
    )
    let prompt: ((String) throws -> String?)? = context.stdinIsTerminal ? { context.promptSecret($0) } : nil
    let request = LoginRequest(
      profileOption: environment.globals.profile, options: options, stdinSecret: secret,
      rememberPassword: invocation.flag("remember-password"), prompt: prompt,
      interaction: try interaction(environment, spinner: spinner))
    let outcome: LoginOutcome
    do {
      defer { spinner.clear() }
      outcome = try LoginService(workspace: environment.workspace).login(request)
    }
    for note in outcome.notes { environment.output.info("note: \(note)") }
    let printToken = invocation.flag("print-token")
    if environment.globals.json {
      environment.output.json(
        LoginJSON(
          profile: outcome.profile, provider: outcome.provider, flow: outcome.flow.rawValue,
          kind: ProfileKind.name(outcome.credential), stored: outcome.stored,
          expiresAt: outcome.timing.expiresAt.map(TimeText.timestamp),
          token: printToken ? outcome.credential.secret : nil))
    } else if printToken {
      environment.output.product(outcome.credential.secret)
    }
    let who = outcome.identity.flatMap { $0.email ?? $0.login ?? $0.subject }.map { " as \($0)" } ?? ""
    let expiry = outcome.timing.expiresAt.map { " (token valid until \(TimeText.timestamp($0)))" } ?? ""
    environment.output.info("Logged in to \(outcome.provider)\(who), profile '\(outcome.profile)'\(expiry).")
    return 0
  }

  private static let stdinOptions = ["password-stdin", "api-key-stdin", "client-secret-stdin", "token-stdin"]

  /// The one secret read from stdin, named by its `-stdin` option.
  private static func stdinSecret(_ environment: CommandEnvironment) throws -> StdinSecret? {
    let given = stdinOptions.filter(environment.invocation.flag)
    guard given.count <= 1 else {
      throw UsageError(
        "only one -stdin option can read standard input; give the other secret in its AUTHCTL_ variable",
        command: "login")
    }
    guard let option = given.first else { return nil }
    guard let text = SecretText.fromStdin(environment.context.readStdin()) else {
      throw UsageError("--\(option) was given but standard input was empty", command: "login")
    }
    switch option {
    case "password-stdin": return .password(text)
    case "api-key-stdin": return .apiKey(text)
    case "client-secret-stdin": return .clientSecret(text)
    default: return .token(text)
    }
  }

  private static func interaction(_ environment: CommandEnvironment, spinner: Spinner) throws
    -> LoginInteraction
  {
    let context = environment.context
    var timeout = 300.0
    if let text = environment.invocation.value("login-timeout") {
      guard let seconds = Double(text), seconds > 0, seconds <= 86400 else {
        throw UsageError(
          "option '--login-timeout' needs a number of seconds, not '\(text)'", command: "login")
      }
      timeout = seconds
    }
    let mayOpen = BrowserOpener.mayOpen(
      environment: context.environment, noBrowserOption: environment.invocation.flag("no-browser"))
    let output = environment.output
    let stderr = context.stderr
    return LoginInteraction(
      announce: {
        spinner.clear()
        stderr.write($0 + "\n")
      },
      progress: {
        spinner.clear()
        output.info($0)
      },
      openBrowser: mayOpen ? { context.openBrowser($0) } : nil, timeout: timeout,
      mayWait: context.stdinIsTerminal, tick: spinner.tick)
  }
}
