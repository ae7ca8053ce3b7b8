/// What the services share for one command: environment, clock, keystore, HTTP and how to ask for a password.
package struct Workspace {
  package var environment: [String: String]
  package var clock: Clock
  package var keystore: KeystoreFile
  package var http: HTTPClient
  /// The password given with `--password-stdin` or typed at a prompt; asked only when a renewal needs one,
  /// and never while the keystore lock is held.
  package var password: PasswordInput

  package init(
    environment: [String: String], clock: Clock, keystore: KeystoreFile, http: HTTPClient,
    password: PasswordInput
  ) {
    self.environment = environment
    self.clock = clock
    self.keystore = keystore
    self.http = http
    self.password = password
  }

  package var resolver: ProfileResolver { ProfileResolver(environment: environment) }

  /// SPEC §5: `AUTHCTL_NO_CACHE=1` keeps tokens obtained with environment secrets out of the keystore.
  package var cachesTokens: Bool { environment["AUTHCTL_NO_CACHE"] != "1" }

  package func api(for provider: any Provider, profile: ResolvedProfile) -> ProviderAPI {
    let locator = profile.value(provider.descriptor.locator) ?? profile.value(.baseURL)
    return ProviderAPI(
      provider: provider, baseURL: locator ?? provider.descriptor.defaultBaseURL, client: http)
  }
}

/// A password given with `--password-stdin`, or a prompt that can ask for one (only when stdin is a terminal).
package struct PasswordInput: Sendable {
  package var given: String?
  package var prompt: (@Sendable () throws -> String?)?

  package init(given: String?, prompt: (@Sendable () throws -> String?)?) {
    self.given = given
    self.prompt = prompt
  }

  package static let none = PasswordInput(given: nil, prompt: nil)
}
