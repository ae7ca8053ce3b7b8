/// What `check` reports about a profile (SPEC §3 "check"); never a secret.
package struct CheckReport {
  package var profile: String
  package var provider: String
  package var baseURL: String
  package var credentialKind: String
  package var credentialSource: String
  package var identity: Identity
  package var organization: String?
  package var permissions: [String]
  package var details: [(String, String)]
  package var expiresAt: Int64?
  package var secondsLeft: Int64?
  package var refresh: String
  /// The provider's own verdict, or nil with `--offline`.
  package var verdict: ProviderVerdict?
  /// Why the provider could not give a verdict, when it could not.
  package var verdictFailure: ProviderFailure?
  package var valid: Bool
  package var warnings: [String]
}

/// Judges a profile's credential locally and, unless offline, at the provider.
package struct CheckService {
  package let credentials: CredentialService

  package init(credentials: CredentialService) {
    self.credentials = credentials
  }

  package func check(offline: Bool) throws -> CheckReport {
    let workspace = credentials.workspace
    let obtained: Obtained
    if offline {
      let context = try ProfileContext.load(workspace, option: credentials.profileOption)
      guard let credential = context.credential else {
        throw CredentialError.notLoggedIn(profile: context.name)
      }
      obtained = Obtained(context: context, credential: credential, timing: context.timing)
    } else {
      obtained = try credentials.obtain()
    }
    let now = workspace.clock.now()
    var report = baseReport(obtained, now: now)
    if offline {
      report.valid = !obtained.timing.isExpired(now: now)
      return report
    }
    let context = obtained.context
    let api = workspace.api(for: context.provider, profile: context.profile)
    do {
      let (verdict, used) = try credentials.withRetry(obtained) { credential in
        try context.provider.verify(credential, profile: context.profile, api: api)
      }
      report = baseReport(used, now: now)
      report.verdict = verdict
      report.identity = merged(verdict.identity, report.identity)
      report.organization = verdict.organization ?? report.organization
      report.permissions = verdict.permissions.isEmpty ? report.permissions : verdict.permissions
      report.details = verdict.details
      report.valid = verdict.valid && !used.timing.isExpired(now: now)
    } catch let failure as ProviderFailure {
      report.verdictFailure = failure
      report.valid = false
    }
    return report
  }

  private func baseReport(_ obtained: Obtained, now: Double) -> CheckReport {
    let context = obtained.context
    let descriptor = context.provider.descriptor
    let kind: String
    var identity = Identity()
    var organization: String?
    var permissions: [String] = []
    switch obtained.credential {
    case .apiKey:
      kind = "API key"
    case .accessToken(let token):
      kind = "access token"
      // What the token itself says, for --offline; the provider's verdict replaces it when asked.
      let claims = JWTClaims.decode(token)
      identity = Identity(
        subject: claims?.sub, email: claims?.email,
        login: claims?.preferredUsername ?? context.profile.value(.login))
      organization = OpenIDProvider.realm(of: claims?.iss)
      permissions =
        (claims?.groups ?? []).map { "group \($0)" }
        + (claims?.scope?.split(separator: " ").map { "scope \($0)" } ?? [])
    }
    return CheckReport(
      profile: context.name, provider: descriptor.name,
      baseURL: context.profile.value(descriptor.locator) ?? context.profile.value(.baseURL)
        ?? descriptor.defaultBaseURL,
      credentialKind: kind,
      credentialSource: context.credentialVariable.map { "environment (\($0))" } ?? "keystore",
      identity: identity, organization: organization, permissions: permissions, details: [],
      expiresAt: obtained.timing.expiresAt, secondsLeft: obtained.timing.secondsLeft(now: now),
      refresh: refreshDescription(obtained), verdict: nil, verdictFailure: nil, valid: true,
      warnings: obtained.warnings)
  }

  private func refreshDescription(_ obtained: Obtained) -> String {
    let context = obtained.context
    guard obtained.isRenewable else {
      if case .apiKey = obtained.credential { return "not needed (API keys do not expire)" }
      return "not possible (the token comes from \(context.credentialVariable ?? "the environment"))"
    }
    let password =
      context.profile.isFromEnvironment(.password)
      ? "password from the environment"
      : context.profile.value(.password) != nil ? "remembered password" : nil
    switch context.provider.descriptor.renewal {
    case .renewalEndpointThenPassword:
      return "possible (POST /v1/auth/uat\(password.map { ", then sign-in with the \($0)" } ?? ""))"
    case .passwordLogin:
      return password.map { "possible (sign-in with the \($0))" }
        ?? "needs a password (--password-stdin, AUTHCTL_PASSWORD, or login --remember-password)"
    case .refreshToken:
      if context.profile.stored?.credentials?.refreshToken != nil { return "possible (refresh token)" }
      if context.profile.value(.clientSecret) != nil { return "possible (client credentials)" }
      return "not possible (no refresh token: log in again when it expires)"
    case .none:
      return "not possible"
    }
  }

  private func merged(_ primary: Identity, _ fallback: Identity) -> Identity {
    Identity(
      subject: primary.subject ?? fallback.subject, email: primary.email ?? fallback.email,
      login: primary.login ?? fallback.login, name: primary.name ?? fallback.name,
      company: primary.company ?? fallback.company)
  }
}
