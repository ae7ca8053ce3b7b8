import AuthctlCore

/// `authctl __complete WORD…`: the candidates for the last word, one per line as `word<TAB>description`,
/// or the single line `:file` when the shell should complete file names. Hidden: the completion scripts in
/// `completions/` call it. It reads the keystore only to list profile names, never creates a file, and never
/// fails: a missing or broken keystore just offers the environment's profiles.
enum CompleteCommand {
  static let name = "__complete"

  static func run(_ words: [String], context: Context) -> Int32 {
    let environment = context.environment
    let engine = CompletionEngine { keystoreOption in
      profileCandidates(keystoreOption: keystoreOption, environment: environment)
    }
    context.stdout.write(render(engine.complete(words)))
    return 0
  }

  /// The lines the completion scripts read.
  static func render(_ result: CompletionResult) -> String {
    guard case .words(let candidates) = result else { return ":file\n" }
    return candidates.map { candidate in
      let description = candidate.description.map { $0 == "\t" || $0 == "\n" ? " " : $0 }
      return description.isEmpty ? candidate.word + "\n" : "\(candidate.word)\t\(String(description))\n"
    }.joined()
  }

  /// Profiles from the keystore (when it can be read) and from the environment, described by provider and
  /// by where they live.
  static func profileCandidates(keystoreOption: String?, environment: [String: String])
    -> [CompletionCandidate]
  {
    let location = KeystoreLocation.resolve(option: keystoreOption, environment: environment)
    // `read` creates nothing; an unreadable keystore is reported by the command that needs it, not here.
    let document = try? KeystoreFile(location: location).read()
    let summaries = ProfileService.summaries(
      document: document, resolver: ProfileResolver(environment: environment))
    return summaries.map { summary in
      let place = "in the " + summary.location.replacing("+", with: " and ")
      return CompletionCandidate(
        summary.name, [summary.provider, place].compactMap { $0 }.joined(separator: ", "))
    }
  }
}
