import AuthctlCore

/// `logout`: end the session at the provider where it has an endpoint, then remove local secrets.
enum LogoutCommand {
  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let service = LogoutService(workspace: environment.workspace)
    guard environment.invocation.flag("all") else {
      return report(try service.logout(profileOption: environment.globals.profile), environment)
    }
    var firstFailure: Int32 = 0
    for name in try service.allProfiles() {
      let code: Int32
      do {
        code = report(try service.logout(profileOption: name), environment)
      } catch {
        let report = ErrorReport.make(error, profile: name)
        environment.output.error(report, profile: name)
        code = report.exitCode
      }
      if firstFailure == 0 { firstFailure = code }
    }
    return firstFailure
  }

  private static func report(_ outcome: LogoutOutcome, _ environment: CommandEnvironment) -> Int32 {
    let output = environment.output
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
      return 5
    }
    if environment.globals.json {
      output.json([
        "profile": outcome.profile, "provider_logout": outcome.endpoint ?? "none",
        "secrets_removed": "\(outcome.removedSecrets)",
      ])
    }
    let remote =
      outcome.endpoint.map {
        outcome.alreadyEnded
          ? "the session had already ended (\($0) rejected the token); " : "ended the session (\($0)); "
      } ?? ""
    output.info("Logged out of profile '\(outcome.profile)': \(remote)\(local).")
    return 0
  }
}
