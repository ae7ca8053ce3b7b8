/// The result of parsing argv: which command, and the options and arguments given to it.
package struct Invocation: Sendable {
  /// nil when argv named no command (top-level `--help` or `--version`).
  package var command: CommandSpec?
  /// Group word typed without a subcommand, e.g. `keys --help`.
  package var group: String?
  package var values: [String: String] = [:]
  package var flags: Set<String> = []
  package var arguments: [String] = []
  /// The words after `--` for a command that hands them on (`exec`, `curl`); nil when there was no `--`.
  package var passthrough: [String]?

  package func value(_ long: String) -> String? { values[long] }
  package func flag(_ long: String) -> Bool { flags.contains(long) }
  package var wantsHelp: Bool { flag("help") }
  package var wantsVersion: Bool { flag("version") }
}

/// A mistake in argv: names the offending word and, where one is close, what was meant (exit 2).
package struct UsageError: Error, Equatable {
  package var message: String
  /// The command whose usage line the error shows, when known.
  package var commandName: String?
  package var suggestion: String?

  package init(_ message: String, command: String? = nil, suggestion: String? = nil) {
    self.message = message
    self.commandName = command
    self.suggestion = suggestion
  }
}

/// Picks the known word closest to a mistyped one, if any is close enough to be a likely typo.
package enum Suggestion {
  package static func closest(to word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= max(2, word.count / 3) }
    return scored.min { $0.1 < $1.1 }?.0
  }

  /// Levenshtein distance between two short words.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...max(b.count, 1) where j <= b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      previous = current
    }
    return previous[b.count]
  }
}
