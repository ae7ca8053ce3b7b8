import Foundation
import Synchronization
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

/// Issue 6 item 5: the argument parser, alone and as the front of the whole program run in-process.
@Suite struct FuzzParserTests {
  static let canary = "ARGV-canary-3c9d"
  static let optionWords: [String] = {
    let options = GlobalOptions.all + CommandCatalog.all.flatMap(\.options)
    return options.map { "--" + $0.long } + options.compactMap { $0.short.map { "-\($0)" } }
  }()
  static let commandWords =
    Array(Set(CommandCatalog.all.flatMap(\.path))).sorted() + ["help", "tokn", "keyss"]
  static let refused = RefusedSecretOption.all.map { "--" + $0.long }
  static let values = [
    "work", "ci-bot", "default", "Work", "a_b", "-lead", "", "-", "--", "5", "0", "-5", "1e400", "nan",
    "3600",
    "3600.5", "https://api.example.com", "http://example.com", "http://127.0.0.1:9", "browser", "device",
    "api-key", "password", "token", "client-credentials", "craft", "embermind", "knowledge-stack", "oidc",
    "emergence", "metakraftwerk", "é", "\u{0}", "a=b", "-pwork", "-qv", "-vqp", "--profile=", "--=x", "---x",
  ]

  static func argv(_ rng: inout SplitMix64) -> [String] {
    var words: [String] = []
    for _ in 0..<rng.below(10) {
      switch rng.below(20) {
      case 0..<6: words.append(rng.pick(commandWords))
      case 6..<11:
        let option = rng.pick(optionWords)
        words.append(rng.chance(0.2) && option.hasPrefix("--") ? option + "=" + rng.pick(values) : option)
      case 11..<16: words.append(rng.pick(values))
      case 16:
        let option = rng.pick(refused)
        words += rng.chance(0.5) ? [option, canary] : [option + "=" + canary]
      case 17: words.append("-" + String((0..<1 + rng.below(4)).map { _ in rng.pick(Array("pqvhjkx?")) }))
      default:
        let word = Array(rng.pick(commandWords + optionWords + values).utf8)
        words.append(String(decoding: FuzzMutator.mutateBytes(word, &rng), as: UTF8.self))
      }
    }
    return words
  }

  /// True when `--password CANARY` (or `=CANARY`) stands where it is parsed as an option: before any `--`,
  /// and not as the value of an option before it.
  static func refusesCanary(_ argv: [String]) -> Bool {
    for (index, word) in argv.enumerated() {
      if word == "--" { return false }
      let isRefused =
        refused.contains(word) && argv.dropFirst(index + 1).first == canary
        || refused.contains { word == $0 + "=" + canary }
      if isRefused { return index == 0 || !argv[index - 1].hasPrefix("-") }
    }
    return false
  }

  @Test("Any argv parses or is a usage error; a refused secret option never repeats the secret")
  func argumentParserNeverCrashes() throws {
    var parsed = 0
    var leaks: [Int] = []
    let (_, slow) = FuzzRun(name: "argument parser", seed: 0x6172_6776_7061_7273).run { rng, index in
      let argv = Self.argv(&rng)
      do {
        let invocation = try ArgumentParser.parse(argv)
        parsed += 1
        if let settings = try? GlobalSettings(invocation) { _ = settings.timeout }
        if let spec = invocation.command { _ = HelpText.command(spec) }
        if let group = invocation.group { _ = HelpText.group(group) }
        if Self.refusesCanary(argv) { leaks.append(index) }
      } catch {
        let report = ErrorReport.make(error, profile: "default")
        if Self.refusesCanary(argv), (report.message + (report.hint ?? "")).contains(Self.canary) {
          leaks.append(index)
        }
      }
    }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(leaks.isEmpty, "a refused secret option was accepted or repeated: inputs \(leaks.prefix(10))")
    #expect(!FuzzBudget.isWholeRun || parsed > 0)
  }
}
