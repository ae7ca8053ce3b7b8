import AuthctlCore

/// `logout`: end the session at the provider where it has an endpoint, then remove local secrets.
enum LogoutCommand {
  struct LogoutJSON: Encodable {
    var profile: String
    /// The provider endpoint called, or "none".
    var providerLogout: String
    var secretsRemoved: Bool
    var exitCode: Int32

    enum CodingKeys: String, CodingKey {
      case profile
      case providerLogout = "provider_logout"
      case secretsRemoved = "secrets_removed"
      case exitCode = "exit_code"
    }
  }

  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let service = LogoutService(workspace: environment.workspace)
    guard environment.invocation.flag("all") else {
      let (code, json) = report(try service.logout(profileOption: environment.globals.profile), environment)
      if environment.globals.json { environment.output.json(json) }
      return code
    }
    var firstFailure: Int32 = 0
    var results: [LogoutJSON] = []
    for name in try service.allProfiles() {
      let code: Int32
      do {
        let (status, json) = report(try service.logout(profileOption: name), environment)
        code = status
        results.append(json)
      } catch {
        let report = ErrorReport.make(error, profile: name)
        environment.output.error(report, profile: name)
        code = report.exitCode
        results.append(
          LogoutJSON(profile: name, providerLogout: "none", secretsRemoved: false, exitCode: code))
      }
      if firstFailure == 0 { firstFailure = code }
    }
    // `--all --json`: one array, an entry per profile.
    if environment.globals.json { environment.output.json(results) }
    return firstFailure
  }

  private static func report(_ outcome: LogoutOutcome, _ environment: CommandEnvironment) -> (
    Int32, LogoutJSON
  ) {
    let output = environment.output
    // An OpenID endpoint comes from the server's discovery document: shown only with its controls masked.
    let endpoint = outcome.endpoint.map(ErrorReport.sanitize)
    var json = LogoutJSON(
      profile: outcome.profile, providerLogout: endpoint ?? "none",
      secretsRemoved: outcome.removedSecrets, exitCode: 0)
    if let variable = outcome.environmentVariable {
      output.warning(
        "profile '\(outcome.profile)': the credential comes from \(variable); unset it to stop using it")
    }
    let local =
      outcome.removedSecrets
      ? "its secrets were removed from the keystore" : "the keystore held no secrets for it"
    if let failure = outcome.failure {
      var report = ErrorReport.make(failure, profile: outcome.profile)
      report.message += "; \(local) all the same"
      report.exitCode = 5
      report.hint = "the session may still be active at \(failure.provider) until it expires"
      output.error(report, profile: outcome.profile)
      json.exitCode = 5
      return (5, json)
    }
    let remote =
      endpoint.map {
        outcome.alreadyEnded
          ? "the session had already ended (\($0) rejected the token); " : "ended the session (\($0)); "
      } ?? ""
    output.info("Logged out of profile '\(outcome.profile)': \(remote)\(local).")
    return (0, json)
  }
}
