/// Turns argv into an `Invocation` using only the declarations in `CommandCatalog`: a pure step.
package enum ArgumentParser {
  package static func parse(_ argv: [String]) throws(UsageError) -> Invocation {
    let (command, group, commandIndices) = try findCommand(argv)
    var invocation = Invocation(command: command, group: group)
    let known = GlobalOptions.all + (command?.options ?? [])
    var index = 0
    var onlyArguments = false
    while index < argv.count {
      let word = argv[index]
      defer { index += 1 }
      if commandIndices.contains(index) { continue }
      if let passthrough = command?.passthrough, !onlyArguments, word == "--" || !word.hasPrefix("-") {
        guard word == "--" else {
          throw UsageError(
            "unexpected argument '\(word)': put '--' before the \(passthrough.name) (authctl \(command?.name ?? "") [options] -- \(word) ...)",
            command: command?.name)
        }
        invocation.passthrough = Array(argv[(index + 1)...])
        break
      }
      if onlyArguments || word == "-" || !word.hasPrefix("-") {
        invocation.arguments.append(word)
        continue
      }
      if word == "--" {
        onlyArguments = true
        continue
      }
      for (spec, inline) in try expand(word, in: known, command: command) {
        if spec.takesValue {
          if let inline {
            invocation.values[spec.long] = inline
          } else if index + 1 < argv.count {
            index += 1
            invocation.values[spec.long] = argv[index]
          } else {
            throw UsageError(
              "option '--\(spec.long)' needs a value (\(spec.valueName ?? "VALUE"))", command: command?.name)
          }
        } else if inline != nil {
          throw UsageError("option '--\(spec.long)' takes no value", command: command?.name)
        } else {
          invocation.flags.insert(spec.long)
        }
      }
    }
    if let command, !invocation.wantsHelp {
      try checkArguments(invocation.arguments, of: command)
      if let passthrough = command.passthrough, invocation.passthrough?.isEmpty != false {
        throw UsageError("missing '-- \(passthrough.name)...'", command: command.name)
      }
    }
    return invocation
  }

  /// Finds the command words, skipping options (and their values) wherever they stand.
  // The indices are an Array: a Set<Int> would cost every start a conformance lookup (issue 5).
  private static func findCommand(_ argv: [String]) throws(UsageError) -> (CommandSpec?, String?, [Int]) {
    let everyOption = GlobalOptions.all + CommandCatalog.all.flatMap(\.options)
    var words: [(Int, String)] = []
    var index = 0
    while index < argv.count, words.count < 2 {
      let word = argv[index]
      if word == "--" { break }
      if word.hasPrefix("-") && word != "-" {
        let name = word.hasPrefix("--") ? String(word.dropFirst(2).prefix { $0 != "=" }) : nil
        // A refused secret option is reported before anything else, wherever it stands.
        if RefusedSecretOption.all.contains(where: { $0.long == name }) {
          _ = try expand(word, in: [], command: nil)
        }
        if takesNextWord(word, everyOption) { index += 1 }
      } else {
        words.append((index, word))
        if words.count == 1 && !CommandCatalog.groups.contains(word) { break }
      }
      index += 1
    }
    guard let (firstIndex, first) = words.first else { return (nil, nil, []) }
    let topWords = CommandCatalog.all.map { $0.path[0] }
    guard topWords.contains(first) else {
      throw UsageError(
        "unknown command '\(first)'", suggestion: Suggestion.closest(to: first, among: uniqued(topWords)))
    }
    if !CommandCatalog.groups.contains(first) {
      return (CommandCatalog.all.first { $0.path == [first] }, nil, [firstIndex])
    }
    let subcommands = CommandCatalog.all.filter { $0.path[0] == first }.map { $0.path[1] }
    guard words.count > 1 else { return (nil, first, [firstIndex]) }
    let (secondIndex, second) = words[1]
    guard let spec = CommandCatalog.all.first(where: { $0.path == [first, second] }) else {
      throw UsageError(
        "unknown command '\(first) \(second)'; '\(first)' takes one of: \(subcommands.joined(separator: ", "))",
        suggestion: Suggestion.closest(to: second, among: subcommands).map { "\(first) \($0)" })
    }
    return (spec, first, [firstIndex, secondIndex])
  }

  /// Whether an option word consumes the next word as its value (`--profile work`, `-qp work`).
  static func takesNextWord(_ word: String, _ options: [OptionSpec]) -> Bool {
    if word.hasPrefix("--") {
      let name = String(word.dropFirst(2).prefix { $0 != "=" })
      return !word.contains("=") && options.first { $0.long == name }?.takesValue == true
    }
    let cluster = shortCluster(word) ?? []
    guard
      let first = cluster.firstIndex(where: { letter in
        options.contains { $0.short == letter && $0.takesValue }
      })
    else { return false }
    return first == cluster.count - 1
  }

  /// The options one word names: `--name[=value]`, or a cluster of short flags `-qv` that may end with one
  /// option taking a value, attached (`-pwork`) or as the next word (`-qp work`).
  private static func expand(
    _ word: String, in known: [OptionSpec], command: CommandSpec?
  ) throws(UsageError) -> [(OptionSpec, String?)] {
    if word.hasPrefix("--") {
      let body = word.dropFirst(2)
      let name = String(body.prefix { $0 != "=" })
      let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
      if let refused = RefusedSecretOption.all.first(where: { $0.long == name }) {
        throw UsageError(
          "option '--\(name)' would put a secret on the command line, where every user can read it with 'ps'; use \(refused.alternative)",
          command: command?.name)
      }
      if let spec = known.first(where: { $0.long == name }) { return [(spec, inline)] }
      throw unknownOption("--\(name)", known: known.map { "--\($0.long)" }, command: command)
    }
    let cluster = shortCluster(word) ?? []
    var result: [(OptionSpec, String?)] = []
    for (offset, letter) in cluster.enumerated() {
      guard let spec = known.first(where: { $0.short == letter }) else {
        throw unknownOption(
          "-\(letter)", known: known.compactMap { $0.short.map { "-\($0)" } }, command: command)
      }
      guard spec.takesValue else {
        result.append((spec, nil))
        continue
      }
      // The rest of the word itself: a String built from [Character] costs every `-p NAME` 0.17 M instructions.
      let rest = String(word.dropFirst(offset + 2))
      result.append((spec, rest.isEmpty ? nil : rest))
      break
    }
    return result
  }

  private static func unknownOption(_ word: String, known: [String], command: CommandSpec?) -> UsageError {
    let elsewhere = CommandCatalog.all.filter { spec in spec.options.contains { "--\($0.long)" == word } }
    let note = elsewhere.isEmpty ? "" : " (it belongs to '\(elsewhere[0].name)')"
    let target = command.map { "'\($0.name)'" } ?? "authctl"
    return UsageError(
      "unknown option '\(word)' for \(target)\(note)", command: command?.name,
      suggestion: Suggestion.closest(to: word, among: known))
  }

  private static func checkArguments(_ arguments: [String], of command: CommandSpec) throws(UsageError) {
    let required = command.arguments.filter { !$0.isOptional }
    if arguments.count < required.count {
      throw UsageError("missing argument <\(required[arguments.count].name)>", command: command.name)
    }
    if arguments.count > command.arguments.count {
      throw UsageError(
        "unexpected argument '\(arguments[command.arguments.count])'", command: command.name)
    }
  }

  /// The letters of `-abc`, or nil when the word is not a short-option cluster.
  static func shortCluster(_ word: String) -> [Character]? {
    guard word.count >= 2, word.hasPrefix("-"), !word.hasPrefix("--") else { return nil }
    return Array(word.dropFirst())
  }

  private static func uniqued(_ words: [String]) -> [String] {
    var seen: [String] = []
    for word in words where !seen.contains(word) { seen.append(word) }
    return seen
  }
}
