/// Why an interactive or OAuth login did not produce a credential.
package enum LoginFlowError: Error, Equatable {
  /// No redirect reached the loopback listener in time (exit 3).
  case browserTimedOut(seconds: Int)
  /// The redirect's `state` is not the one sent: possibly a forged request (exit 3).
  case stateMismatch
  /// The user or the server refused the authorization (exit 3).
  case denied(code: String, description: String?)
  /// The redirect carried neither a code nor an error (exit 5).
  case incompleteRedirect(missing: String)
  /// The device code expired before the user approved it (exit 3).
  case deviceCodeExpired
  /// The ID token failed the checks of OpenID Connect Core §3.1.3.7 (exit 5).
  case invalidIDToken(String)
  /// Another interactive login of this profile is running and this one may not wait (exit 3).
  case loginInProgress(profile: String)
  /// The loopback listener could not be set up (exit 1).
  case listenerFailed(String)
  /// A discovery document that does not describe the issuer asked for (exit 5).
  case discoveryMismatch(String)
}
