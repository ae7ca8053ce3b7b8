/// Why a command could not get or use a profile's credential.
package enum CredentialError: Error, Equatable {
  /// The profile is neither in the keystore nor in the environment (exit 3).
  case profileNotFound(profile: String)
  /// The profile exists but holds no credential (exit 3).
  case notLoggedIn(profile: String)
  /// The token has expired and cannot be renewed without the user (exit 3).
  case expired(profile: String, reason: String)
  /// A renewal needs a password and none is available (exit 3; the provider was not contacted).
  case passwordUnavailable(profile: String)
  /// The credential cannot be refreshed, e.g. an API key (exit 8).
  case notRefreshable(profile: String, reason: String)
  /// The profile names no provider, or one this build does not know (exit 2).
  case unknownProvider(profile: String, provider: String?)
  /// A profile name outside `[a-z0-9][a-z0-9-]*` (exit 2).
  case invalidProfileName(String)
  /// The provider does not offer the requested flow (exit 2).
  case unsupportedFlow(provider: String, flow: String, offered: [String])
  /// Two credential inputs that contradict each other, e.g. `--api-key-stdin` with `--flow password` (exit 2).
  case conflictingInput(String)
  /// A secret is needed, stdin is not a terminal, and no `-stdin` option or variable gave it (exit 2).
  case secretUnavailable(what: String, option: String, variable: String)
  /// A setting the flow needs is missing (exit 2).
  case missingSetting(what: String, option: String, variable: String)
  /// A URL setting that is not `https://` (or `http://` to loopback) (exit 2).
  case insecureSetting(field: String, url: String)
}
