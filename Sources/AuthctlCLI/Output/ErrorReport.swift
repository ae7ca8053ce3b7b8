import AuthctlCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An error as the user sees it: exit code (SPEC §6), message, next step, and the provider's own code.
package struct ErrorReport: Equatable {
  package var exitCode: Int32
  package var message: String
  package var hint: String?
  package var providerCode: String?
  /// The command whose usage line follows a usage error.
  package var usageOf: String?

  /// The one place where every error becomes an exit code and words.
  package static func make(_ error: any Error, profile: String) -> ErrorReport {
    switch error {
    case let error as UsageError:
      let hint = error.suggestion.map { "did you mean '\($0)'?" }
      return ErrorReport(exitCode: 2, message: error.message, hint: hint, usageOf: error.commandName ?? "")
    case let error as KeystoreError: return keystore(error)
    case let error as CredentialError: return credential(error)
    case let error as ProviderFailure: return provider(error, profile: profile)
    case let error as KeyError: return key(error)
    case let error as LoginFlowError: return loginFlow(error, profile: profile)
    case let error as ProgramError: return program(error)
    default: return ErrorReport(exitCode: 1, message: "profile '\(profile)': \(error)")
    }
  }

  static func keystore(_ error: KeystoreError) -> ErrorReport {
    switch error {
    case .unsafePermissions(let path, let detail, let fix):
      return ErrorReport(exitCode: 7, message: "keystore \(path) is not safe to use: \(detail)", hint: fix)
    case .wrongOwner(let path, let fix):
      return ErrorReport(
        exitCode: 7, message: "\(path) is owned by another user; authctl will not use it", hint: fix)
    case .notRegularFile(let path, let detail):
      return ErrorReport(
        exitCode: 7, message: "keystore \(path) is not a regular file: \(detail)",
        hint: "replace it with a regular file, or point --keystore or AUTHCTL_KEYSTORE at one")
    case .tooLarge(let path, let size):
      return ErrorReport(
        exitCode: 7, message: "keystore \(path) is \(size) bytes, over the 64 MiB limit; it was not read",
        hint: "move it aside (mv '\(path)' '\(path).large') and log in again")
    case .unparsable(let path, let line, let column, let detail):
      return ErrorReport(
        exitCode: 7,
        message:
          "keystore \(path) cannot be parsed at line \(line), column \(column): \(detail); it was left unchanged",
        hint: "fix the JSON by hand, or move it aside (mv '\(path)' '\(path).broken') and log in again")
    case .unknownVersion(let path, let version):
      return ErrorReport(
        exitCode: 7,
        message:
          "keystore \(path) has format version \(version), which this authctl does not know; it was left unchanged",
        hint:
          "use the authctl that wrote it, or move it aside (mv '\(path)' '\(path).v\(version)') and log in again"
      )
    case .lockTimeout(let path, let pid, let waited):
      let holder = pid.map { "process \($0) has held it" } ?? "another process has held it"
      return ErrorReport(
        exitCode: 7, message: "could not lock the keystore: \(holder) for more than \(waited) s (\(path))",
        hint: pid.map { "wait for process \($0) to finish, or stop it (kill \($0))" } ?? "try again")
    case .io(let path, let operation, let code):
      return ErrorReport(
        exitCode: 7, message: "keystore \(path): \(operation) failed: \(String(cString: strerror(code)))",
        hint: "check the path and free disk space")
    }
  }

  private static func credential(_ error: CredentialError) -> ErrorReport {
    switch error {
    case .profileNotFound(let profile):
      return ErrorReport(
        exitCode: 3, message: "profile '\(profile)' does not exist in the keystore or the environment",
        hint: "authctl login -p \(profile) --provider NAME  (see 'authctl providers')")
    case .notLoggedIn(let profile):
      return ErrorReport(
        exitCode: 3, message: "profile '\(profile)' holds no credential", hint: "authctl login -p \(profile)")
    case .expired(let profile, let reason):
      return ErrorReport(
        exitCode: 3, message: "profile '\(profile)': \(reason)", hint: "authctl login -p \(profile)")
    case .passwordUnavailable(let profile):
      return ErrorReport(
        exitCode: 3,
        message: "profile '\(profile)': the token must be renewed with a password and none is available",
        hint:
          "give it with --password-stdin or AUTHCTL_PASSWORD, or run 'authctl login -p \(profile) --remember-password'"
      )
    case .notRefreshable(let profile, let reason):
      return ErrorReport(exitCode: 8, message: "profile '\(profile)' cannot be refreshed: \(reason)")
    case .unknownProvider(let profile, let provider?):
      return ErrorReport(
        exitCode: 2, message: "profile '\(profile)' names an unknown provider '\(provider)'",
        hint: "authctl providers  (lists the built-in providers)")
    case .unknownProvider(let profile, nil):
      return ErrorReport(
        exitCode: 2, message: "profile '\(profile)' has no provider",
        hint: "authctl login -p \(profile) --provider NAME  (see 'authctl providers')")
    case .invalidProfileName(let name):
      return ErrorReport(
        exitCode: 2, message: "invalid profile name '\(name)'",
        hint: "use lower-case letters, digits and '-', starting with a letter or digit")
    case .unsupportedFlow(let provider, let flow, let offered):
      return ErrorReport(
        exitCode: 2, message: "\(provider) has no '\(flow)' flow",
        hint: "use --flow with one of: \(offered.joined(separator: ", "))")
    case .conflictingInput(let detail):
      return ErrorReport(exitCode: 2, message: detail)
    case .secretUnavailable(let what, let option, let variable):
      return ErrorReport(
        exitCode: 2, message: "login needs \(what) and standard input is not a terminal to ask for it",
        hint: "give it with \(option) or the \(variable) environment variable")
    case .missingSetting(let what, let option, let variable):
      return ErrorReport(
        exitCode: 2, message: "the profile needs a \(what)", hint: "give it with \(option) or \(variable)")
    case .insecureSetting(let field, let url):
      return ErrorReport(
        exitCode: 2,
        message:
          "\(field) '\(url)' is not allowed: only https:// URLs, or http:// to 127.0.0.1, ::1 or localhost",
        hint: "use the https:// address of the API")
    }
  }
}
