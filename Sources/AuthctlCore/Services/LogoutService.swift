/// What logging out of one profile did.
package struct LogoutOutcome {
  package var profile: String
  /// The provider endpoint called, when one was, also when the call failed (`failure`).
  package var endpoint: String?
  /// The provider call's failure: local secrets were removed all the same (exit 5).
  package var failure: ProviderFailure?
  /// False when the profile held no secrets in the keystore.
  package var removedSecrets: Bool
  /// Set when the credential lives in an environment variable, which authctl cannot remove.
  package var environmentVariable: String?
  /// The provider rejected the credential at logout: its session had already ended.
  package var alreadyEnded = false
}

/// Ends sessions at the provider where it has an endpoint, then removes the profile's secrets (SPEC §3 "logout").
package struct LogoutService {
  package let workspace: Workspace

  package init(workspace: Workspace) {
    self.workspace = workspace
  }

  /// The profiles `--all` acts on: every profile in the keystore.
  package func allProfiles() throws -> [String] {
    (try workspace.keystore.read()?.profiles.keys.sorted()) ?? []
  }

  package func logout(profileOption: String?) throws -> LogoutOutcome {
    let document = try workspace.keystore.read()
    let context: ProfileContext
    do {
      context = try ProfileContext.load(workspace, option: profileOption, document: document)
    } catch CredentialError.unknownProvider(let name, _) {
      // A profile this build cannot talk to still has its secrets removed.
      try workspace.keystore.update { document in document.profiles[name]?.credentials = nil }
      return LogoutOutcome(
        profile: name, endpoint: nil, failure: nil, removedSecrets: true, environmentVariable: nil)
    }
    var outcome = LogoutOutcome(
      profile: context.name, endpoint: nil, failure: nil, removedSecrets: false,
      environmentVariable: context.credentialVariable)
    if let credential = context.credential,
      let end = context.provider.sessionEnd(
        credential, profile: context.profile,
        api: workspace.api(for: context.provider, profile: context.profile))
    {
      outcome.endpoint = end.endpoint
      do {
        try end.call()
      } catch let failure where failure.isRejection {
        // The provider no longer knows the credential: the session is already over.
        outcome.alreadyEnded = true
      } catch let failure {
        outcome.failure = failure
      }
    }
    guard let stored = document?.profiles[context.name]?.credentials, !stored.isEmpty else { return outcome }
    try workspace.keystore.update { document in
      document.profiles[context.name]?.credentials = nil
    }
    outcome.removedSecrets = true
    return outcome
  }
}
