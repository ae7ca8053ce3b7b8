import AuthctlCore

/// Everything a command touches outside itself, so tests can replace it (STYLE: "A command").
package struct Context: Sendable {
  package var stdout: any TextSink
  package var stderr: any TextSink
  package var stdinIsTerminal: Bool
  package var stdoutIsTerminal: Bool
  package var stderrIsTerminal: Bool
  /// Reads all of standard input (for `--password-stdin`, `--api-key-stdin`).
  package var readStdin: @Sendable () -> [UInt8]
  /// Asks for a secret with echo off on the terminal; nil when it cannot.
  package var promptSecret: @Sendable (String) -> String?
  package var environment: [String: String]
  package var clock: Clock
  package var transport: any HTTPTransport
  /// Opens a URL in the system browser (never with `AUTHCTL_*` variables in its environment).
  package var openBrowser: @Sendable (String) -> Void
  package var version: String
  /// Replaces this process with another program (`exec`, `curl`); returns only when that failed.
  package var replaceProcess: @Sendable (ProgramLaunch) -> ProgramError

  package init(
    stdout: any TextSink, stderr: any TextSink, stdinIsTerminal: Bool, stderrIsTerminal: Bool,
    readStdin: @escaping @Sendable () -> [UInt8], promptSecret: @escaping @Sendable (String) -> String?,
    environment: [String: String], clock: Clock, transport: any HTTPTransport,
    openBrowser: @escaping @Sendable (String) -> Void, version: String, stdoutIsTerminal: Bool = false,
    replaceProcess: @escaping @Sendable (ProgramLaunch) -> ProgramError = {
      .failed(program: $0.arguments(nil).first ?? "", reason: "not available here")
    }
  ) {
    self.stdoutIsTerminal = stdoutIsTerminal
    self.replaceProcess = replaceProcess
    self.openBrowser = openBrowser
    self.stdout = stdout
    self.stderr = stderr
    self.stdinIsTerminal = stdinIsTerminal
    self.stderrIsTerminal = stderrIsTerminal
    self.readStdin = readStdin
    self.promptSecret = promptSecret
    self.environment = environment
    self.clock = clock
    self.transport = transport
    self.version = version
  }
}

/// Somewhere text goes: a file descriptor in the binary, a buffer in tests.
package protocol TextSink: Sendable {
  func write(_ text: String)
}

/// The global options, parsed once for every command.
package struct GlobalSettings: Sendable {
  package var profile: String?
  package var keystore: String?
  package var json: Bool
  package var quiet: Bool
  package var verbose: Bool
  package var timeout: Double

  /// The defaults, for errors found before the options could be parsed.
  init(json: Bool) {
    self.json = json
    quiet = false
    verbose = false
    timeout = 30
  }

  init(_ invocation: Invocation) throws(UsageError) {
    profile = invocation.value("profile")
    keystore = invocation.value("keystore")
    json = invocation.flag("json")
    quiet = invocation.flag("quiet")
    verbose = invocation.flag("verbose")
    timeout = 30
    if let text = invocation.value("timeout") {
      guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
        throw UsageError(
          "option '--timeout' needs a number of seconds between 0 and 3600, not '\(text)'",
          command: invocation.command?.name)
      }
      timeout = seconds
    }
    if let profile, !ProfileName.isValid(profile) {
      throw UsageError(
        "invalid profile name '\(profile)': use lower-case letters, digits and '-', starting with a letter or digit",
        command: invocation.command?.name)
    }
  }
}
