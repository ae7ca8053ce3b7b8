import AuthctlCore

/// The shapes `token` prints a credential in (`--format`; `--json` is `--format json`).
package enum TokenFormat: String, CaseIterable, Sendable {
  case raw
  case json
  /// `export AUTHCTL_TOKEN='…'` lines for `eval`.
  case env
  /// kubectl's `client.authentication.k8s.io/v1` ExecCredential, for a kubeconfig `exec` user.
  case execCredential = "exec-credential"

  /// The format an invocation asks for: `--format`, else `--json`, else raw.
  static func from(_ invocation: Invocation, json: Bool) throws(UsageError) -> TokenFormat {
    guard let text = invocation.value("format") else { return json ? .json : .raw }
    guard let format = TokenFormat(rawValue: text) else {
      throw UsageError(
        "option '--format' takes one of: \(allCases.map(\.rawValue).joined(separator: ", ")); not '\(text)'",
        command: invocation.command?.name,
        suggestion: Suggestion.closest(to: text, among: allCases.map(\.rawValue)))
    }
    if json && format != .json {
      throw UsageError(
        "--json and --format \(text) ask for two different outputs; give one of them",
        command: invocation.command?.name)
    }
    return format
  }
}

/// The text of the `env` and `exec-credential` formats.
enum TokenText {
  /// `export AUTHCTL_TOKEN='…'` and the expiry as Unix seconds (`unset` when it is unknown), for `eval`.
  static func env(token: String, expiresAt: Int64?) -> String {
    let expiry = expiresAt.map { "export AUTHCTL_TOKEN_EXPIRES_AT=\($0)" } ?? "unset AUTHCTL_TOKEN_EXPIRES_AT"
    return "export AUTHCTL_TOKEN=\(shellQuoted(token))\n\(expiry)\n"
  }

  /// One line of JSON in the shape kubectl's exec credential plugins print.
  static func execCredential(token: String, expiresAt: Int64?) -> String {
    let credential = ExecCredential(
      status: .init(token: token, expirationTimestamp: expiresAt.map(TimeText.timestamp)))
    return Output.compactJSON(credential) + "\n"
  }

  /// A POSIX shell word: single quotes, with each `'` written as `'\''`.
  static func shellQuoted(_ text: String) -> String {
    "'" + text.replacing("'", with: "'\\''") + "'"
  }

  struct ExecCredential: Encodable {
    var apiVersion = "client.authentication.k8s.io/v1"
    var kind = "ExecCredential"
    var status: Status

    struct Status: Encodable {
      var token: String
      var expirationTimestamp: String?
    }
  }
}
