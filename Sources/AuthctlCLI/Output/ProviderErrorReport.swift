import AuthctlCore

extension ErrorReport {
  static func provider(_ failure: ProviderFailure, profile: String) -> ErrorReport {
    let subject = "profile '\(profile)': \(failure.provider) at \(failure.host)"
    let login = "authctl login -p \(profile)"
    switch failure.error {
    case .rejected(let detail):
      return ErrorReport(
        exitCode: 3, message: "\(subject) rejected the credential (\(failure.operation))\(describe(detail))",
        hint: login, providerCode: detail.code)
    case .forbidden(let detail):
      return ErrorReport(
        exitCode: 4, message: "\(subject) denied permission to \(failure.operation)\(describe(detail))",
        hint: "ask an administrator of \(failure.provider) to grant the permission", providerCode: detail.code
      )
    case .rateLimited(let detail):
      return ErrorReport(
        exitCode: 6,
        message: "\(subject) is rate limiting requests (\(failure.operation))\(describe(detail))",
        hint: "wait a minute and try again", providerCode: detail.code)
    case .unavailable(let status, let detail):
      return ErrorReport(
        exitCode: 5,
        message: "\(subject) answered HTTP \(status) to '\(failure.operation)'\(describe(detail))",
        hint: "the provider has a problem; try again later", providerCode: detail.code)
    case .refused(let status, let detail):
      return ErrorReport(
        exitCode: 1,
        message: "\(subject) refused to \(failure.operation) (HTTP \(status))\(describe(detail))",
        providerCode: detail.code)
    case .malformedAnswer(let description):
      return ErrorReport(
        exitCode: 5,
        message:
          "\(subject) gave an answer authctl cannot use (\(failure.operation)): \(description); nothing was stored",
        hint: "check --base-url points at the \(failure.provider) API; --verbose shows the exchange")
    case .unsupported(let detail):
      return ErrorReport(
        exitCode: 8,
        message: "profile '\(profile)': \(failure.provider) does not offer this: \(failure.operation)",
        hint: detail)
    case .http(let error):
      return http(error, subject: subject, operation: failure.operation)
    }
  }

  private static func http(_ error: HTTPError, subject: String, operation: String) -> ErrorReport {
    switch error {
    case .insecureURL(let url):
      return ErrorReport(
        exitCode: 2,
        message: "refusing to send credentials to '\(url)': only https://, or http:// to loopback",
        hint: "use the https:// address of the API")
    case .invalidURL(let url):
      return ErrorReport(
        exitCode: 2, message: "'\(url)' is not a valid URL", hint: "give --base-url as scheme://host[:port]")
    case .redirected(_, let status, let location):
      return ErrorReport(
        exitCode: 5,
        message:
          "\(subject) redirected '\(operation)' (HTTP \(status)) to \(sanitize(location)); credentials never follow a redirect",
        hint: "check --base-url: it should be the API's own origin")
    case .serverError(_, let status, let attempts, _):
      return ErrorReport(
        exitCode: 5,
        message:
          "\(subject) answered HTTP \(status) to '\(operation)' (\(attempts) attempt\(attempts == 1 ? "" : "s"))",
        hint: "the provider has a problem; try again later")
    case .rateLimited(_, let retryAfter, _):
      return ErrorReport(
        exitCode: 6,
        message:
          "\(subject) is rate limiting requests (\(operation))\(retryAfter.map { "; it asks to wait \(sanitize($0))" } ?? "")",
        hint: "wait and try again")
    case .transport(let failure):
      return transport(failure, subject: subject, operation: operation)
    }
  }

  private static func transport(_ failure: TransportFailure, subject: String, operation: String)
    -> ErrorReport
  {
    let retry = "check the network and try again; --timeout sets the limit per request"
    switch failure {
    case .unreachable(_, let reason):
      return ErrorReport(
        exitCode: 5, message: "\(subject) could not be reached (\(operation)): \(reason)", hint: retry)
    case .dropped(_, let reason):
      return ErrorReport(
        exitCode: 5,
        message: "\(subject) dropped the connection during '\(operation)': \(reason); it was not sent again",
        hint: retry)
    case .timedOut(_, let seconds):
      return ErrorReport(
        exitCode: 5, message: "\(subject) did not answer '\(operation)' within \(Int(seconds)) s", hint: retry
      )
    case .tooLarge(_, let limit):
      return ErrorReport(
        exitCode: 5,
        message: "\(subject) sent an answer over \(limit / 1024) KiB to '\(operation)'; it was discarded",
        hint: "check --base-url points at the right API")
    case .untrusted(_, let reason):
      return ErrorReport(
        exitCode: 5, message: "\(subject): TLS verification failed (\(operation)): \(reason)",
        hint: "if the server uses a private CA, set AUTHCTL_CA_FILE to its PEM file")
    case .noHTTPLibrary(let reason):
      return ErrorReport(
        exitCode: 5, message: "cannot make HTTP requests: \(reason)",
        hint: "install libcurl (apt-get install libcurl4)")
    }
  }

  static func key(_ error: KeyError) -> ErrorReport {
    switch error {
    case .storeFailed(let profile, let keyID, let underlying):
      let stored = keystore(underlying)
      return ErrorReport(
        exitCode: 7,
        message:
          "profile '\(profile)': the new key \(keyID) was created and printed, but could not be stored: \(stored.message)",
        hint: stored.hint)
    case .oldKeyUnknown(let profile):
      return ErrorReport(
        exitCode: 1,
        message:
          "profile '\(profile)': the key in use was not found in 'keys list' (no stored id, no unique prefix match); nothing was created",
        hint:
          "find its id with 'authctl keys list -p \(profile)', create a new key with 'keys create --store', then 'keys delete ID'"
      )
    case .newKeyRejected(let profile, let newKeyID, let deleted, let failure):
      var report = provider(failure, profile: profile)
      let cause = report.message.replacing("profile '\(profile)': ", with: "")
      report.message =
        "profile '\(profile)': the new key \(newKeyID) failed verification (\(cause)); "
        + (deleted ? "it was deleted" : "it could NOT be deleted") + " and the old key is still in use"
      report.hint =
        deleted
        ? "nothing to undo; try 'authctl keys rotate -p \(profile)' again later"
        : "authctl keys delete \(newKeyID) -p \(profile)"
      return report
    case .oldKeyNotDeleted(let rotation, let failure):
      let (profile, oldKeyID) = (rotation.profile, rotation.oldKeyID)
      let cause = provider(failure, profile: profile)
      let newKey =
        rotation.environmentVariable.map { "the new key was printed but not stored: update \($0) with it" }
        ?? "the new key is stored and in use"
      return ErrorReport(
        exitCode: 5,
        message:
          "profile '\(profile)': \(newKey), but deleting the old key \(oldKeyID) failed: \(cause.message)",
        hint: "authctl keys delete \(oldKeyID) -p \(profile)", providerCode: cause.providerCode)
    }
  }

  static func loginFlow(_ error: LoginFlowError, profile: String) -> ErrorReport {
    let login = "authctl login -p \(profile)"
    switch error {
    case .browserTimedOut(let seconds):
      return ErrorReport(
        exitCode: 3,
        message: "profile '\(profile)': no answer from the browser within \(seconds) s; nothing was stored",
        hint: "\(login) (on a machine without a browser: --flow device, or open the printed URL elsewhere)")
    case .stateMismatch:
      return ErrorReport(
        exitCode: 3,
        message:
          "profile '\(profile)': the redirect's state does not match the request (a forged or stale redirect); nothing was stored",
        hint: login)
    case .denied(let code, let description):
      return ErrorReport(
        exitCode: 3,
        message:
          "profile '\(profile)': the authorization was refused (\(sanitize(code))\(description.map { ": \(sanitize($0))" } ?? ""))",
        hint: login, providerCode: code)
    case .incompleteRedirect(let missing):
      return ErrorReport(
        exitCode: 5, message: "profile '\(profile)': the redirect carried no \(missing); nothing was stored",
        hint: login)
    case .deviceCodeExpired:
      return ErrorReport(
        exitCode: 3, message: "profile '\(profile)': the device code expired before it was approved",
        hint: login,
        providerCode: "expired_token")
    case .invalidIDToken(let problem):
      return ErrorReport(
        exitCode: 5, message: "profile '\(profile)': \(problem); nothing was stored",
        hint: "check --issuer and --client-id")
    case .loginInProgress(let name):
      return ErrorReport(
        exitCode: 3, message: "profile '\(name)': another interactive login of this profile is in progress",
        hint: "finish it, or wait for it and run 'authctl token -p \(name)'")
    case .listenerFailed(let reason):
      return ErrorReport(exitCode: 1, message: "profile '\(profile)': \(reason)")
    case .discoveryMismatch(let reason):
      return ErrorReport(
        exitCode: 5, message: "profile '\(profile)': \(sanitize(reason))",
        hint: "check --issuer: it must be the exact issuer URL")
    }
  }

  private static func describe(_ detail: ProviderErrorDetail) -> String {
    let parts = [detail.code, detail.message].compactMap { $0.map(sanitize) }.filter { !$0.isEmpty }
    return parts.isEmpty ? "" : ": " + parts.joined(separator: ": ")
  }

  /// Provider text is untrusted: no control characters (terminal escapes), and bounded length.
  static func sanitize(_ text: String) -> String {
    let printable = text.unicodeScalars.filter {
      $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value)
    }
    let cleaned = String(String.UnicodeScalarView(printable))
    return cleaned.count > 300 ? String(cleaned.prefix(300)) + "…" : cleaned
  }
}
