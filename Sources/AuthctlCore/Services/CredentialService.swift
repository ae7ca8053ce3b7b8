/// A credential ready for use, with the profile it belongs to and any warning for stderr.
package struct Obtained {
  package var context: ProfileContext
  package var credential: Credential
  package var timing: TokenTiming
  package var warnings: [String] = []

  /// True when a rejection of this credential may be cured by one renewal (SPEC §3).
  package var isRenewable: Bool {
    guard case .accessToken = credential, context.credentialVariable == nil else { return false }
    return context.provider.descriptor.renewal != .none
  }
}

/// Gives commands a valid credential: reads the profile, renews under the keystore lock only when due.
package struct CredentialService {
  package let workspace: Workspace
  package let profileOption: String?
  /// Seconds of validity the caller needs; a token with less left is renewed (`token --min-valid`).
  package let minimumValidity: Double

  package init(workspace: Workspace, profileOption: String?, minimumValidity: Double = 0) {
    self.workspace = workspace
    self.profileOption = profileOption
    self.minimumValidity = minimumValidity
  }

  /// The profile's credential, renewed first when due (or always, with `forceRenewal`).
  package func obtain(forceRenewal: Bool = false) throws -> Obtained {
    let context = try ProfileContext.load(workspace, option: profileOption)
    let now = workspace.clock.now()
    switch context.credential {
    case .apiKey(let key)?:
      if forceRenewal {
        throw CredentialError.notRefreshable(
          profile: context.name, reason: "its credential is an API key, which does not expire")
      }
      return Obtained(context: context, credential: .apiKey(key), timing: context.timing)
    case .accessToken(let token)?:
      if !forceRenewal && !context.timing.isDue(now: now, minimumValidity: minimumValidity) {
        return Obtained(context: context, credential: .accessToken(token), timing: context.timing)
      }
      if let variable = context.credentialVariable {
        return try environmentToken(token, context: context, variable: variable, forced: forceRenewal)
      }
      if !forceRenewal && !context.hasRenewalMaterial && !context.timing.isExpired(now: now) {
        // A pasted token without a refresh token: usable until it expires, then a new login.
        return Obtained(
          context: context, credential: .accessToken(token), timing: context.timing,
          warnings: ["the token expires soon and cannot be renewed; run 'authctl login -p \(context.name)'"])
      }
      return try renew(context, forced: forceRenewal)
    case nil:
      // SPEC §5: an environment profile with a login and password signs in on first use; SPEC §3: one with
      // a client id and secret gets a token by client credentials.
      let renewal = context.provider.descriptor.renewal
      let signsInWithPassword = renewal == .passwordLogin || renewal == .renewalEndpointThenPassword
      if signsInWithPassword, context.profile.value(.login) != nil,
        context.availablePassword != nil || workspace.password.given != nil
      {
        return try renew(context, forced: true)
      }
      if context.provider.descriptor.flows.contains(.clientCredentials),
        context.profile.value(.clientID) != nil,
        context.profile.value(.clientSecret) != nil
      {
        return try renew(context, forced: true)
      }
      throw CredentialError.notLoggedIn(profile: context.name)
    }
  }

  /// Runs a provider call; a rejection of a renewable credential triggers one renewal and one retry.
  package func withRetry<T>(_ obtained: Obtained, _ body: (Credential) throws -> T) throws -> (T, Obtained) {
    do {
      return (try body(obtained.credential), obtained)
    } catch let failure as ProviderFailure where failure.isRejection && obtained.isRenewable {
      let renewed = try renew(obtained.context, forced: true, rejected: obtained.credential)
      return (try body(renewed.credential), renewed)
    }
  }

  private func environmentToken(_ token: String, context: ProfileContext, variable: String, forced: Bool)
    throws -> Obtained
  {
    if forced {
      throw CredentialError.notRefreshable(profile: context.name, reason: "its token comes from \(variable)")
    }
    if context.timing.isExpired(now: workspace.clock.now()) {
      throw CredentialError.expired(profile: context.name, reason: "the token in \(variable) has expired")
    }
    return Obtained(
      context: context, credential: .accessToken(token), timing: context.timing,
      warnings: ["the token in \(variable) is due for refresh but comes from the environment; using it as is"]
    )
  }

  /// Renews under the keystore lock; another process's fresh token is used instead of renewing twice.
  func renew(_ context: ProfileContext, forced: Bool, rejected: Credential? = nil) throws -> Obtained {
    let renewal = context.provider.descriptor.renewal
    guard renewal != .none else {
      throw CredentialError.notRefreshable(
        profile: context.name, reason: "\(context.provider.descriptor.name) API keys do not expire")
    }
    // Never prompt while holding the lock: ask first when a password login is the only way.
    let password = try renewalPassword(context, mayPrompt: renewal == .passwordLogin)
    if renewal == .passwordLogin && password == nil {
      throw CredentialError.passwordUnavailable(profile: context.name)
    }
    guard workspace.cachesTokens else {
      return try renewNow(context, password: password, forced: forced).obtained
    }
    return try workspace.keystore.update { stored in
      let fresh = try ProfileContext.from(workspace.resolver.resolve(name: context.name, document: stored))
      if let current = fresh.credential, case .accessToken = current, current != rejected,
        rejected != nil || !forced,
        !fresh.timing.isDue(now: workspace.clock.now(), minimumValidity: minimumValidity)
      {
        return Obtained(context: fresh, credential: current, timing: fresh.timing)
      }
      let (obtained, issued) = try renewNow(fresh, password: password, forced: forced)
      // SPEC §3: a rotated refresh token is written before anything else is done with the answer.
      if let issued { ProfileRecord.storeToken(issued, timing: obtained.timing, context: fresh, in: &stored) }
      return obtained
    }
  }

  /// Asks the provider; `issued` is nil when a still-valid token is kept because the provider was unreachable.
  /// A forced renewal (`refresh`, a retry after a rejection) keeps nothing: its caller asked for a new token.
  private func renewNow(_ context: ProfileContext, password: String?, forced: Bool) throws -> (
    obtained: Obtained, issued: IssuedToken?
  ) {
    let api = workspace.api(for: context.provider, profile: context.profile)
    do {
      let issued = try TokenRenewal(context: context, api: api, password: password, clock: workspace.clock)
        .run()
      let timing = TokenTiming(
        expiresAt: issued.expiresAt, issuedAt: issued.issuedAt ?? Int64(workspace.clock.now()))
      return (
        Obtained(context: context, credential: .accessToken(issued.accessToken), timing: timing), issued
      )
    } catch let failure as ProviderFailure
      where failure.isUnreachable && !forced && !context.timing.isExpired(now: workspace.clock.now())
    {
      // SPEC §3: a still-valid token is printed when the provider cannot be reached, with a warning.
      guard let credential = context.credential else { throw failure }
      let warning =
        "could not refresh the token (\(failure.operation) at \(failure.host) failed); using the current one, still valid"
      return (
        Obtained(context: context, credential: credential, timing: context.timing, warnings: [warning]), nil
      )
    }
  }

  /// SPEC §3: a password from the environment, `--password-stdin`, the keystore (remembered), then a prompt.
  func renewalPassword(_ context: ProfileContext, mayPrompt: Bool) throws -> String? {
    if context.profile.isFromEnvironment(.password), let password = context.profile.value(.password) {
      return password
    }
    if let given = workspace.password.given { return given }
    if let remembered = context.availablePassword { return remembered }
    guard mayPrompt, let prompt = workspace.password.prompt, context.profile.value(.login) != nil else {
      return nil
    }
    return try prompt()
  }
}
