/// One command as declared once: its words, options, arguments and help text.
package struct CommandSpec: Sendable {
  /// The words that name it, e.g. ["keys", "create"].
  package var path: [String]
  package var summary: String
  package var options: [OptionSpec]
  package var arguments: [ArgumentSpec]
  /// The program and its arguments after `--`, handed on unparsed (`exec`, `curl`); nil for other commands.
  package var passthrough: ArgumentSpec?
  /// Extra help paragraphs: examples and notes.
  package var discussion: String

  package init(
    _ path: [String], summary: String, options: [OptionSpec] = [], arguments: [ArgumentSpec] = [],
    passthrough: ArgumentSpec? = nil, discussion: String = ""
  ) {
    self.path = path
    self.summary = summary
    self.options = options
    self.arguments = arguments
    self.passthrough = passthrough
    self.discussion = discussion
  }

  package var name: String { path.joined(separator: " ") }

  package var usage: String {
    var words = ["authctl", name]
    if !options.isEmpty { words.append("[options]") }
    for argument in arguments {
      words.append(argument.isOptional ? "[\(argument.name)]" : "<\(argument.name)>")
    }
    if let passthrough { words.append("-- \(passthrough.name)...") }
    return words.joined(separator: " ")
  }
}

/// The options every command accepts, before or after the command word.
package enum GlobalOptions {
  package static let profile = OptionSpec(
    "profile", short: "p", value: "NAME",
    help: "Profile to use (default: AUTHCTL_PROFILE, then the default profile).", completion: .profile)
  package static let keystore = OptionSpec(
    "keystore", value: "PATH",
    help: "Keystore file (default: AUTHCTL_KEYSTORE, then $XDG_CONFIG_HOME/authctl/keystore.json).",
    completion: .file)
  package static let json = OptionSpec("json", help: "Print the result, and errors, as JSON.")
  package static let quiet = OptionSpec(
    "quiet", short: "q", help: "No progress or informational messages on stderr.")
  package static let verbose = OptionSpec(
    "verbose", short: "v", help: "Trace HTTP requests on stderr, secrets redacted.")
  package static let timeout = OptionSpec(
    "timeout", value: "SECONDS", help: "Time limit for each HTTP request (default 30).")
  package static let help = OptionSpec("help", short: "h", help: "Show help for the command.")
  package static let version = OptionSpec("version", help: "Print the version and exit.")

  package static let all = [profile, keystore, json, quiet, verbose, timeout, help, version]
}
