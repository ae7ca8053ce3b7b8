import AuthctlCore

/// A program that replaces authctl (`exec`, `curl`): its words, its environment, and bytes it reads from an
/// inherited pipe, never from argv.
package struct ProgramLaunch: Sendable {
  /// argv for the program, given the path of the pipe (`/dev/fd/N`) when there is `pipeInput`.
  package var arguments: @Sendable (_ pipePath: String?) -> [String]
  package var environment: [String: String]
  /// What the program can read from the pipe; nil for no pipe.
  package var pipeInput: [UInt8]?

  package init(
    arguments: @escaping @Sendable (_ pipePath: String?) -> [String], environment: [String: String],
    pipeInput: [UInt8]? = nil
  ) {
    self.arguments = arguments
    self.environment = environment
    self.pipeInput = pipeInput
  }
}

/// Why a program could not replace authctl; the exit codes are the shell's (126, 127).
package enum ProgramError: Error, Equatable {
  /// No such file, or not found in any `PATH` directory (exit 127).
  case notFound(program: String)
  /// Found but not executable (exit 126).
  case notExecutable(program: String, reason: String)
  /// The pipe or `execve` failed for another reason (exit 1).
  case failed(program: String, reason: String)
}

/// The environment a child program gets (SPEC §5): authctl's own, without the `AUTHCTL_*` secret variables.
enum ChildEnvironment {
  /// `AUTHCTL_PASSWORD`, `AUTHCTL_PROFILE_CI_API_KEY`, ...: every variable that carries a secret to authctl.
  static func isSecretVariable(_ name: String) -> Bool {
    guard name.hasPrefix("AUTHCTL_") else { return false }
    return ProfileField.allCases.filter(\.isSecret).contains { field in
      name == "AUTHCTL_" + field.rawValue
        || (name.hasPrefix("AUTHCTL_PROFILE_") && name.hasSuffix("_" + field.rawValue))
    }
  }

  static func withoutSecrets(_ environment: [String: String]) -> [String: String] {
    environment.filter { !isSecretVariable($0.key) }
  }

  /// `X-Project-ID` → `AUTHCTL_HEADER_X_PROJECT_ID`.
  static func headerVariable(_ header: String) -> String {
    let upper = header.uppercased().unicodeScalars.map { scalar -> Character in
      (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") ? Character(scalar) : "_"
    }
    return "AUTHCTL_HEADER_" + String(upper)
  }

  /// A name a shell can export: a letter or `_`, then letters, digits and `_`.
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
    return name.unicodeScalars.allSatisfy {
      ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_"
    }
  }
}

extension ErrorReport {
  static func program(_ error: ProgramError) -> ErrorReport {
    switch error {
    case .notFound(let program):
      return ErrorReport(
        exitCode: 127, message: "command not found: \(program)",
        hint: "check the name, or give its full path after '--'")
    case .notExecutable(let program, let reason):
      return ErrorReport(
        exitCode: 126, message: "cannot run \(program): \(reason)", hint: "chmod +x it, or check the path")
    case .failed(let program, let reason):
      return ErrorReport(exitCode: 1, message: "cannot run \(program): \(reason)")
    }
  }
}
