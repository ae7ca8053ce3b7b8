import AuthctlCore

/// `exec -- CMD ARGS…`: runs CMD in place of authctl with the credential in its environment.
enum ExecCommand {
  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let variable = environment.invocation.value("env") ?? "AUTHCTL_TOKEN"
    guard ChildEnvironment.isValidName(variable) else {
      throw UsageError(
        "option '--env' needs a variable name (letters, digits and '_', not starting with a digit), not '\(variable)'",
        command: "exec")
    }
    let obtained = try TokenCommand.obtain(environment)
    TokenCommand.warn(obtained, environment)
    var child = ChildEnvironment.withoutSecrets(environment.context.environment)
      .filter { !$0.key.hasPrefix("AUTHCTL_HEADER_") }
    let headers = obtained.context.provider.headers(
      for: obtained.credential, profile: obtained.context.profile)
    for header in headers { child[ChildEnvironment.headerVariable(header.name)] = header.value }
    child["AUTHCTL_TOKEN_EXPIRES_AT"] = obtained.timing.expiresAt.map { "\($0)" }
    child[variable] = obtained.credential.secret
    // A nested `authctl` in the command uses the same profile.
    child["AUTHCTL_PROFILE"] = obtained.context.name
    let command = environment.invocation.passthrough ?? []
    throw environment.context.replaceProcess(ProgramLaunch(arguments: { _ in command }, environment: child))
  }
}
