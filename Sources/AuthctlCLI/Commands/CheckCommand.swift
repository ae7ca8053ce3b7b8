import AuthctlCore

/// `check`: the credential judged locally and by the provider; exit 0 only when valid.
enum CheckCommand {
  struct CheckJSON: Encodable {
    var profile: String
    var provider: String
    var baseURL: String
    var credential: String
    var credentialSource: String
    var identity: [String: String]
    var organization: String?
    var permissions: [String]
    var details: [String: String]
    var expiresAt: String?
    var expiresIn: Int64?
    var refresh: String
    var providerVerdict: String
    var providerErrorCode: String?
    var valid: Bool

    enum CodingKeys: String, CodingKey {
      case profile, provider
      case baseURL = "base_url"
      case credential
      case credentialSource = "credential_source"
      case identity, organization, permissions, details
      case expiresAt = "expires_at"
      case expiresIn = "expires_in"
      case refresh
      case providerVerdict = "provider_verdict"
      case providerErrorCode = "provider_error_code"
      case valid
    }
  }

  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let offline = environment.invocation.flag("offline")
    var report = try CheckService(credentials: environment.credentials).check(offline: offline)
    // Provider text is untrusted: shown only without control characters.
    report.organization = report.organization.map(ErrorReport.sanitize)
    report.permissions = report.permissions.map(ErrorReport.sanitize)
    report.details = report.details.map { ($0.0, ErrorReport.sanitize($0.1)) }
    for warning in report.warnings { environment.output.warning("profile '\(report.profile)': \(warning)") }
    let failure = report.verdictFailure.map { ErrorReport.make($0, profile: report.profile) }
    let verdict =
      offline
      ? "not asked (--offline)"
      : report.verdict.map { "\($0.valid ? "valid" : "not valid") (\($0.source))" }
        ?? "unknown: \(failure?.message ?? "no answer")"
    let identity = identityFields(report.identity)
    if environment.globals.json {
      environment.output.json(
        CheckJSON(
          profile: report.profile, provider: report.provider, baseURL: report.baseURL,
          credential: report.credentialKind,
          credentialSource: report.credentialSource, identity: Dictionary(identity) { a, _ in a },
          organization: report.organization, permissions: report.permissions,
          details: Dictionary(report.details) { a, _ in a },
          expiresAt: report.expiresAt.map(TimeText.timestamp),
          expiresIn: report.secondsLeft, refresh: report.refresh, providerVerdict: verdict,
          providerErrorCode: failure?.providerCode, valid: report.valid))
    } else {
      var rows: [[String]] = [
        ["profile:", report.profile], ["provider:", "\(report.provider) (\(report.baseURL))"],
        ["credential:", "\(report.credentialKind), from the \(report.credentialSource)"],
        [
          "identity:",
          identity.isEmpty ? "unknown" : identity.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
        ],
        ["organization:", report.organization ?? "unknown"],
        [
          "permissions:", report.permissions.isEmpty ? "unknown" : report.permissions.joined(separator: "; "),
        ],
      ]
      rows += report.details.map { ["\($0.0):", $0.1] }
      // Green for valid, red for not, on a terminal (the last column, so alignment is unaffected).
      let style = environment.output.stdoutStyle
      let paint = { (text: String, good: Bool) in good ? style.green(text) : style.red(text) }
      rows.append(["validity:", paint(validity(report), report.valid)])
      rows.append(["refresh:", report.refresh])
      rows.append(["provider says:", offline ? verdict : paint(verdict, report.verdict?.valid == true)])
      environment.output.product(Table.render(rows))
    }
    if report.valid { return 0 }
    if let failure {
      environment.output.error(failure, profile: report.profile)
      return failure.exitCode
    }
    let expired = ErrorReport(
      exitCode: 3, message: "profile '\(report.profile)': the credential is not valid",
      hint: "authctl login -p \(report.profile)")
    environment.output.error(expired, profile: report.profile)
    return 3
  }

  private static func identityFields(_ identity: Identity) -> [(String, String)] {
    [
      ("subject", identity.subject), ("email", identity.email), ("login", identity.login),
      ("name", identity.name),
      ("company", identity.company),
    ].compactMap { key, value in value.map { (key, ErrorReport.sanitize($0)) } }
  }

  private static func validity(_ report: CheckReport) -> String {
    guard let left = report.secondsLeft, let expiresAt = report.expiresAt else {
      return report.valid ? "valid, no known expiry" : "not valid"
    }
    if left <= 0 { return "expired at \(TimeText.timestamp(expiresAt))" }
    return
      "\(report.valid ? "valid" : "not valid"), expires in \(TimeText.duration(left)) (\(TimeText.timestamp(expiresAt)))"
  }
}
