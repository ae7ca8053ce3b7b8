/// What the words before the cursor say, read as `ArgumentParser` reads argv but never failing: the command,
/// the options given and their values, the positional arguments.
struct TypedLine {
  var command: CommandSpec?
  /// Group word typed without its subcommand yet, e.g. `keys`.
  var group: String?
  /// A word that names no command was typed: there is nothing sensible to offer.
  var namesNoCommand = false
  /// Long names of the options given.
  var given: Set<String> = []
  /// Values given to options, by long name.
  var values: [String: String] = [:]
  var arguments: [String] = []
  /// The option that the last word named and whose value is being typed now (`--provider <TAB>`).
  var awaitingValue: OptionSpec?
  /// `--` was typed: every later word is an argument.
  var afterSeparator = false

  init(_ words: some Collection<String>) {
    var remaining = words[...]
    while let word = remaining.popFirst() {
      awaitingValue = nil
      if afterSeparator || word == "-" || !word.hasPrefix("-") {
        take(word)
      } else if word == "--" {
        afterSeparator = true
      } else {
        let known = knownOptions
        let named = Self.options(in: word, known: known)
        for (spec, inline) in named {
          given.insert(spec.long)
          if let inline { values[spec.long] = inline }
        }
        if ArgumentParser.takesNextWord(word, known), let spec = named.last?.0 {
          if let value = remaining.popFirst() { values[spec.long] = value } else { awaitingValue = spec }
        }
      }
    }
  }

  /// The options a word may name here: before the command, those of every command (as the parser does).
  var knownOptions: [OptionSpec] {
    GlobalOptions.all + (command?.options ?? CommandCatalog.all.flatMap(\.options))
  }

  /// For `--provider=em` or `-pwo`: the option whose value is being typed, and the part before the value.
  func optionWithInlineValue(_ word: String) -> (OptionSpec, prefix: String)? {
    guard let (spec, inline) = Self.options(in: word, known: knownOptions).last, spec.takesValue,
      let inline
    else { return nil }
    return (spec, String(word.dropLast(inline.count)))
  }

  private mutating func take(_ word: String) {
    if command != nil || afterSeparator {
      if command == nil { namesNoCommand = true }
      arguments.append(word)
    } else if let group {
      command = CommandCatalog.all.first { $0.path == [group, word] }
      if command == nil { namesNoCommand = true }
    } else if CommandCatalog.groups.contains(word) {
      group = word
    } else {
      command = CommandCatalog.all.first { $0.path == [word] }
      if command == nil { namesNoCommand = true }
    }
  }

  /// The known options one word names, with a value written into the same word: `--name=value`, or a short
  /// cluster `-qv` that may end with an option taking a value (`-pwork`). Unknown names are left out.
  private static func options(in word: String, known: [OptionSpec]) -> [(OptionSpec, String?)] {
    if word.hasPrefix("--") {
      let body = word.dropFirst(2)
      let name = String(body.prefix { $0 != "=" })
      let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
      return known.first { $0.long == name }.map { [($0, inline)] } ?? []
    }
    let cluster = ArgumentParser.shortCluster(word) ?? []
    var result: [(OptionSpec, String?)] = []
    for (offset, letter) in cluster.enumerated() {
      guard let spec = known.first(where: { $0.short == letter }) else { return result }
      if spec.takesValue {
        let rest = String(cluster.dropFirst(offset + 1))
        result.append((spec, rest.isEmpty ? nil : rest))
        return result
      }
      result.append((spec, nil))
    }
    return result
  }
}
