/// One command-line option as declared once: help, parsing, usage errors and completions come from it.
package struct OptionSpec: Sendable, Equatable {
  package var long: String
  package var short: Character?
  /// The placeholder shown in help when the option takes a value, nil for a flag.
  package var valueName: String?
  package var help: String
  /// What the shell completes for the option's value.
  package var completion: ValueCompletion

  package init(
    _ long: String, short: Character? = nil, value: String? = nil, help: String,
    completion: ValueCompletion = .none
  ) {
    self.long = long
    self.short = short
    self.valueName = value
    self.help = help
    self.completion = completion
  }

  package var takesValue: Bool { valueName != nil }

  /// `-p, --profile NAME` as help shows it.
  package var synopsis: String {
    let names = short.map { "-\($0), --\(long)" } ?? "    --\(long)"
    return valueName.map { "\(names) \($0)" } ?? names
  }
}

/// An option that would carry a secret in argv, refused with the safe alternative (SPEC §3).
package struct RefusedSecretOption: Sendable {
  package var long: String
  package var alternative: String

  /// Secret options people reach for by habit; argv is visible to every user through `ps`.
  package static let all: [RefusedSecretOption] = [
    .init(long: "password", alternative: "--password-stdin or AUTHCTL_PASSWORD"),
    .init(long: "api-key", alternative: "--api-key-stdin or AUTHCTL_API_KEY"),
    .init(long: "client-secret", alternative: "--client-secret-stdin or AUTHCTL_CLIENT_SECRET"),
    .init(long: "token", alternative: "--token-stdin or AUTHCTL_ACCESS_TOKEN"),
    .init(long: "access-token", alternative: "--token-stdin or AUTHCTL_ACCESS_TOKEN"),
    .init(long: "secret", alternative: "--client-secret-stdin or AUTHCTL_CLIENT_SECRET"),
  ]
}

/// A positional argument of a command, e.g. the key id of `keys delete`.
package struct ArgumentSpec: Sendable, Equatable {
  package var name: String
  package var help: String
  package var isOptional: Bool
  /// What the shell completes for the argument.
  package var completion: ValueCompletion

  package init(_ name: String, help: String, optional: Bool = false, completion: ValueCompletion = .none) {
    self.name = name
    self.help = help
    self.isOptional = optional
    self.completion = completion
  }
}

/// What shell completion offers for an option's value or a positional argument (`authctl __complete`).
package enum ValueCompletion: Sendable, Equatable {
  /// Nothing: the user types the value (a key id, a URL, a number).
  case none
  /// Profile names from the keystore and from `AUTHCTL_PROFILE_<NAME>_*` variables.
  case profile
  /// The built-in providers' names.
  case provider
  /// Login flow names, narrowed to the `--provider` given on the same line.
  case flow
  /// File names, completed by the shell itself.
  case file
  /// A fixed set of words, e.g. the formats an option accepts.
  case choices([String])
}
