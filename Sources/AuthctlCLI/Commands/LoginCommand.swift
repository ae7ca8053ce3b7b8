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
    let stdinOptions = ["password-stdin", "api-key-stdin"].filter(invocation.flag)
    guard stdinOptions.count <= 1 else {
      throw UsageError("only one of --password-stdin and --api-key-stdin can read stdin", command: "login")
    }
    var secret: StdinSecret?
    if let option = stdinOptions.first {
      guard let text = SecretText.fromStdin(environment.context.readStdin()) else {
        throw UsageError("--\(option) was given but standard input was empty", command: "login")
      }
      secret = option == "password-stdin" ? .password(text) : .apiKey(text)
    }
    let context = environment.context
    let prompt: ((String) throws -> String?)? = context.stdinIsTerminal ? { context.promptSecret($0) } : nil
    let request = LoginRequest(
      profileOption: environment.globals.profile, options: options, stdinSecret: secret,
      rememberPassword: invocation.flag("remember-password"), prompt: prompt)
    let outcome = try LoginService(workspace: environment.workspace).login(request)
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
}
