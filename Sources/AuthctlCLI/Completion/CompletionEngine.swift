import AuthctlCore

/// One word a shell may offer, with the line that shells showing descriptions (zsh, fish) print beside it.
package struct CompletionCandidate: Sendable, Equatable {
  package var word: String
  package var description: String

  package init(_ word: String, _ description: String = "") {
    self.word = word
    self.description = description
  }
}

/// What the shell should offer for the word under the cursor.
package enum CompletionResult: Sendable, Equatable {
  case words([CompletionCandidate])
  /// File names, which the shell completes itself.
  case files

  /// The offered words without their descriptions (empty for `.files`).
  package var words: [String] {
    guard case .words(let candidates) = self else { return [] }
    return candidates.map(\.word)
  }
}

/// Completes a partly typed command line from the declarations the parser uses: `CommandCatalog`,
/// `GlobalOptions`, `ProviderRegistry`, and the profiles a `ProfileResolver` knows.
package struct CompletionEngine {
  /// Profile names with a description, given the `--keystore` typed on the line (nil when none).
  let profiles: (_ keystoreOption: String?) -> [CompletionCandidate]

  package init(profiles: @escaping (_ keystoreOption: String?) -> [CompletionCandidate]) {
    self.profiles = profiles
  }

  /// `words` are those typed after `authctl`; the last one is the word being completed (empty after a space).
  package func complete(_ words: [String]) -> CompletionResult {
    let current = words.last ?? ""
    let line = TypedLine(words.dropLast())
    if line.namesNoCommand { return .words([]) }
    if let option = line.awaitingValue { return values(option.completion, line, typed: current) }
    if !line.afterSeparator && current.hasPrefix("-") {
      if let (option, prefix) = line.optionWithInlineValue(current) {
        return values(option.completion, line, typed: String(current.dropFirst(prefix.count)), prefix: prefix)
      }
      return options(line, typed: current)
    }
    guard let command = line.command else {
      if let group = line.group {
        let subcommands = CommandCatalog.all.filter { $0.path.count == 2 && $0.path[0] == group }
        return matching(subcommands.map { CompletionCandidate($0.path[1], $0.summary) }, typed: current)
      }
      return matching(Self.topLevelWords, typed: current)
    }
    if line.afterSeparator, let passthrough = command.passthrough {
      return values(passthrough.completion, line, typed: current)
    }
    if line.arguments.count < command.arguments.count {
      return values(command.arguments[line.arguments.count].completion, line, typed: current)
    }
    return line.afterSeparator ? .words([]) : options(line, typed: current)
  }

  /// The first word of every command, in help's order; a group's description lists its subcommands.
  static var topLevelWords: [CompletionCandidate] {
    var candidates: [CompletionCandidate] = []
    for spec in CommandCatalog.all where !candidates.contains(where: { $0.word == spec.path[0] }) {
      if spec.path.count == 1 {
        candidates.append(CompletionCandidate(spec.path[0], spec.summary))
      } else {
        let subcommands = CommandCatalog.all.filter { $0.path[0] == spec.path[0] }.map { $0.path[1] }
        candidates.append(CompletionCandidate(spec.path[0], subcommands.joined(separator: " | ")))
      }
    }
    return candidates
  }

  /// The long options of the command (all of them before a command is typed) and the global ones, each
  /// once, leaving out those already given.
  private func options(_ line: TypedLine, typed: String) -> CompletionResult {
    let specs = (line.command?.options ?? []) + GlobalOptions.all
    var candidates: [CompletionCandidate] = []
    for spec in specs where !line.given.contains(spec.long) {
      let word = "--" + spec.long
      if !candidates.contains(where: { $0.word == word }) {
        candidates.append(CompletionCandidate(word, spec.help))
      }
    }
    return matching(candidates, typed: typed)
  }

  private func values(
    _ completion: ValueCompletion, _ line: TypedLine, typed: String, prefix: String = ""
  ) -> CompletionResult {
    let candidates: [CompletionCandidate]
    switch completion {
    case .none: candidates = []
    case .file: return .files
    case .choices(let words): candidates = words.map { CompletionCandidate($0) }
    case .profile: candidates = profiles(line.values[GlobalOptions.keystore.long])
    case .provider:
      candidates = ProviderRegistry.all.map { CompletionCandidate($0.descriptor.name, $0.descriptor.summary) }
    case .flow: candidates = flows(provider: line.values["provider"])
    }
    let matches = candidates.filter { $0.word.hasPrefix(typed) }
    return .words(matches.map { CompletionCandidate(prefix + $0.word, $0.description) })
  }

  /// The named provider's flows, its default first; without one, every flow and who offers it.
  private func flows(provider name: String?) -> [CompletionCandidate] {
    if let name, let provider = ProviderRegistry.named(name) {
      return provider.descriptor.flows.enumerated().map { index, flow in
        CompletionCandidate(flow.rawValue, index == 0 ? "\(name)'s default flow" : "")
      }
    }
    return Flow.allCases.map { flow in
      let offeredBy = ProviderRegistry.all.filter { $0.descriptor.flows.contains(flow) }
      return CompletionCandidate(
        flow.rawValue, offeredBy.map(\.descriptor.name).joined(separator: ", "))
    }
  }

  private func matching(_ candidates: [CompletionCandidate], typed: String) -> CompletionResult {
    .words(candidates.filter { $0.word.hasPrefix(typed) })
  }
}
