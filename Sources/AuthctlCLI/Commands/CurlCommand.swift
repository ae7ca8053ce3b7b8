import AuthctlCore

/// `curl -- ARGS…`: runs curl in place of authctl, its header lines on a pipe (`-H @/dev/fd/N`), never argv.
enum CurlCommand {
  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let obtained = try TokenCommand.obtain(environment)
    TokenCommand.warn(obtained, environment)
    let headers = obtained.context.provider.headers(
      for: obtained.credential, profile: obtained.context.profile)
    let lines = headers.map { "\($0.name): \($0.value)\n" }.joined()
    let given = environment.invocation.passthrough ?? []
    let launch = ProgramLaunch(
      arguments: { pipePath in arguments(given, pipePath: pipePath ?? "/dev/null") },
      environment: ChildEnvironment.withoutSecrets(environment.context.environment),
      pipeInput: Array(lines.utf8))
    throw environment.context.replaceProcess(launch)
  }

  /// `curl -H @/dev/fd/N ARGS…`, the headers first so they apply to the first URL; curl's `-q`/`--disable`
  /// must stay its first argument.
  static func arguments(_ given: [String], pipePath: String) -> [String] {
    let header = ["-H", "@" + pipePath]
    if let first = given.first, first == "-q" || first == "--disable" {
      return ["curl", first] + header + given.dropFirst()
    }
    return ["curl"] + header + given
  }
}
