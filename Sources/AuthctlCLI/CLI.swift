import AuthctlCore

/// What every command gets: streams and settings, and the services built on them.
package struct CommandEnvironment {
  let context: Context
  let globals: GlobalSettings
  let invocation: Invocation
  let output: Output

  /// Built on first use, so `--help`, usage errors and `providers` work with a broken keystore.
  var workspace: Workspace {
    let location = KeystoreLocation.resolve(option: globals.keystore, environment: context.environment)
    let stderr = context.stderr
    var trace: (@Sendable (String) -> Void)?
    if globals.verbose { trace = { @Sendable line in stderr.write(line + "\n") } }
    let http = HTTPClient(
      transport: context.transport, timeout: globals.timeout, clock: context.clock, trace: trace)
    return Workspace(
      environment: context.environment, clock: context.clock, keystore: KeystoreFile(location: location),
      http: http,
      password: passwordInput)
  }

  /// `--password-stdin` reads stdin once; otherwise a prompt when stdin is a terminal.
  var passwordInput: PasswordInput {
    if invocation.flag("password-stdin") {
      return PasswordInput(given: SecretText.fromStdin(context.readStdin()), prompt: nil)
    }
    guard context.stdinIsTerminal else { return .none }
    let prompt = context.promptSecret
    return PasswordInput(given: nil, prompt: { prompt("Password: ") })
  }

  var credentials: CredentialService {
    CredentialService(workspace: workspace, profileOption: globals.profile)
  }

  /// A credential service that renews tokens with fewer than `minimumValidity` seconds left (`--min-valid`).
  func credentials(minimumValidity: Double) -> CredentialService {
    CredentialService(workspace: workspace, profileOption: globals.profile, minimumValidity: minimumValidity)
  }
}

/// Secrets read from stdin: one trailing newline (CR LF) removed, nothing else.
enum SecretText {
  static func fromStdin(_ bytes: [UInt8]) -> String? {
    var text = String(decoding: bytes, as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    if text.hasSuffix("\r") { text.removeLast() }
    return text.isEmpty ? nil : text
  }
}

/// argv in, exit code out: parsing, dispatch, and the one place errors become messages.
package enum CLI {
  package static func run(_ argv: [String], context: Context) -> Int32 {
    if let status = runHidden(argv, context: context) { return status }
    let invocation: Invocation
    let globals: GlobalSettings
    do {
      invocation = try ArgumentParser.parse(argv)
      globals = try GlobalSettings(invocation)
    } catch {
      // `--json` counts only before `--`: what follows belongs to the program `exec` or `curl` runs.
      let json = argv.prefix { $0 != "--" }.contains("--json")
      let output = Output(context: context, globals: GlobalSettings(json: json))
      output.error(ErrorReport.make(error, profile: "default"), profile: "default")
      return 2
    }
    let output = Output(context: context, globals: globals)
    if invocation.wantsVersion && invocation.command == nil {
      if globals.json {
        output.json(["version": context.version])
      } else {
        output.product("authctl \(context.version)")
      }
      return 0
    }
    guard let spec = invocation.command, !invocation.wantsHelp else {
      // `keys create --help` names a group too, but wants the subcommand's own help.
      if invocation.command == nil, let group = invocation.group {
        if invocation.wantsHelp {
          output.product(HelpText.group(group))
          return 0
        }
        output.error(
          ErrorReport.make(UsageError("'\(group)' needs a subcommand", command: nil), profile: "default"),
          profile: "default")
        if !globals.json { context.stderr.write(HelpText.group(group)) }
        return 2
      }
      if let spec = invocation.command {
        output.product(HelpText.command(spec))
        return 0
      }
      if invocation.wantsHelp {
        output.product(HelpText.overview(version: context.version))
        return 0
      }
      if globals.json {
        output.error(
          ErrorReport.make(UsageError("no command given", command: ""), profile: "default"),
          profile: "default")
      } else {
        context.stderr.write(HelpText.overview(version: context.version))
      }
      return 2
    }
    let environment = CommandEnvironment(
      context: context, globals: globals, invocation: invocation, output: output)
    do {
      return try dispatch(spec, environment)
    } catch {
      let profile = profileName(for: error, environment)
      output.error(ErrorReport.make(error, profile: profile), profile: profile)
      return ErrorReport.make(error, profile: profile).exitCode
    }
  }

  /// Commands for the completion scripts and the build: not in help, not suggested, and they take their
  /// words unparsed (`__complete` completes lines the parser would reject).
  private static func runHidden(_ argv: [String], context: Context) -> Int32? {
    switch argv.first {
    case CompleteCommand.name: CompleteCommand.run(Array(argv.dropFirst()), context: context)
    case ManOptionsCommand.name: ManOptionsCommand.run(context: context)
    default: nil
    }
  }

  private static func dispatch(_ spec: CommandSpec, _ environment: CommandEnvironment) throws -> Int32 {
    switch spec.path {
    case ["login"]: try LoginCommand.run(environment)
    case ["refresh"]: try TokenCommand.refresh(environment)
    case ["token"]: try TokenCommand.token(environment)
    case ["header"]: try TokenCommand.header(environment)
    case ["exec"]: try ExecCommand.run(environment)
    case ["curl"]: try CurlCommand.run(environment)
    case ["check"]: try CheckCommand.run(environment)
    case ["keys", "create"]: try KeysCommand.create(environment)
    case ["keys", "list"]: try KeysCommand.list(environment)
    case ["keys", "delete"]: try KeysCommand.delete(environment)
    case ["keys", "rotate"]: try KeysCommand.rotate(environment)
    case ["logout"]: try LogoutCommand.run(environment)
    case ["profiles", "list"]: try ProfilesCommand.list(environment)
    case ["profiles", "show"]: try ProfilesCommand.show(environment)
    case ["profiles", "use"]: try ProfilesCommand.use(environment)
    case ["profiles", "remove"]: try ProfilesCommand.remove(environment)
    case ["providers"]: try ProvidersCommand.run(environment)
    default: throw UsageError("unknown command '\(spec.name)'")
    }
  }

  /// The profile an error concerns: the one the command was about, as far as it can be known.
  private static func profileName(for error: any Error, _ environment: CommandEnvironment) -> String {
    if let name = environment.globals.profile { return name }
    if environment.invocation.command?.path.first == "profiles",
      let name = environment.invocation.arguments.first
    {
      return name
    }
    if let named = environment.context.environment["AUTHCTL_PROFILE"], !named.isEmpty { return named }
    if error is KeystoreError { return "default" }
    return (try? environment.workspace.keystore.read()?.defaultProfile) ?? "default"
  }
}
