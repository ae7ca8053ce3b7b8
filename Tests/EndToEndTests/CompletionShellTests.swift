import Foundation
import Testing

/// A shell that loads one of the files in `completions/` and is asked, through a harness in `Tests/Shells/`,
/// what it offers for a typed line.
enum CompletionShell: String, CaseIterable, CustomStringConvertible {
  case bash, zsh, fish

  var description: String { rawValue }

  /// The file in `completions/` this shell loads.
  var completionFile: String {
    switch self {
    case .bash: "completions/authctl.bash"
    case .zsh: "completions/_authctl"
    case .fish: "completions/authctl.fish"
    }
  }

  /// The shell's arguments before the harness script: no user configuration.
  private var flags: [String] {
    switch self {
    case .bash: ["--norc", "--noprofile"]
    case .zsh: ["-f"]
    case .fish: ["--no-config"]
    }
  }

  private var harness: String { "Tests/Shells/complete.\(rawValue)" }

  /// The shell's executable, nil when it (or bash-completion, for bash) is not installed.
  var executable: String? {
    if self == .bash && !FileManager.default.fileExists(atPath: Self.bashCompletionScript) { return nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(rawValue)" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  var isInstalled: Bool { executable != nil }

  var missingMessage: Comment {
    "\(self == .bash ? "bash-completion" : rawValue) is not installed: apt-get install bash-completion zsh fish"
  }

  /// The candidates offered for each typed line.
  typealias Offers = [String: [String]]

  static let bashCompletionScript = "/usr/share/bash-completion/bash_completion"

  /// What the shell offers for each line (a line ending in a space completes a new word), keyed by line.
  func offers(_ lines: [String], in sandbox: Sandbox, env: [String: String] = [:]) throws -> Offers {
    let executable = try #require(executable, missingMessage)
    let root = HarnessPaths.packageRoot.path
    let shell = try Sandbox(binary: URL(fileURLWithPath: executable))
    // The scripts run `authctl` from PATH: put the binary under test there by that name.
    let binaryDirectory = shell.root.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: binaryDirectory, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      at: binaryDirectory.appendingPathComponent("authctl"), withDestinationURL: HarnessPaths.authctlBinary())
    var environment = env
    environment["PATH"] =
      binaryDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    environment["HOME"] = sandbox.home.path
    let result = try shell.run(
      flags + ["\(root)/\(harness)", "\(root)/\(completionFile)"] + lines, env: environment, timeout: 120)
    try #require(result.status == 0, "\(self) harness failed: \(result)")
    var offers: Offers = [:]
    var current: String?
    for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("== ") {
        current = String(line.dropFirst(3))
        offers[current ?? ""] = []
      } else if let current, !line.isEmpty {
        offers[current, default: []].append(String(line))
      }
    }
    return offers
  }
}

@Suite("Completion in real shells")
struct CompletionShellTests {
  /// A temporary HOME whose keystore holds `work` and `home-lab`; the environment adds `ci-runner`.
  static func sandboxWithProfiles() throws -> (Sandbox, [String: String]) {
    let sandbox = try Sandbox()
    let keystore = """
      {"version": 1, "default_profile": "work", "profiles": {
        "work": {"provider": "craft"}, "home-lab": {"provider": "embermind"}}}
      """
    try FileManager.default.createDirectory(
      atPath: sandbox.configDirectory, withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    try #require(
      FileManager.default.createFile(
        atPath: sandbox.keystorePath, contents: Data(keystore.utf8), attributes: [.posixPermissions: 0o600]))
    return (
      sandbox, ["AUTHCTL_PROFILE_CI_RUNNER_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_RUNNER_API_KEY": "k"]
    )
  }

  @Test(.enabled(if: CompletionShell.bash.isInstalled, CompletionShell.bash.missingMessage))
  func bashOffersEachKind() throws { try shellOffersEachKind(.bash) }
  @Test(.enabled(if: CompletionShell.zsh.isInstalled, CompletionShell.zsh.missingMessage))
  func zshOffersEachKind() throws { try shellOffersEachKind(.zsh) }
  @Test(.enabled(if: CompletionShell.fish.isInstalled, CompletionShell.fish.missingMessage))
  func fishOffersEachKind() throws { try shellOffersEachKind(.fish) }
  @Test(.enabled(if: CompletionShell.bash.isInstalled, CompletionShell.bash.missingMessage))
  func bashOffersEverythingHelpLists() throws { try shellOffersEverythingHelpLists(.bash) }
  @Test(.enabled(if: CompletionShell.zsh.isInstalled, CompletionShell.zsh.missingMessage))
  func zshOffersEverythingHelpLists() throws { try shellOffersEverythingHelpLists(.zsh) }
  @Test(.enabled(if: CompletionShell.fish.isInstalled, CompletionShell.fish.missingMessage))
  func fishOffersEverythingHelpLists() throws { try shellOffersEverythingHelpLists(.fish) }

  /// A command, subcommands, an option, provider names, and profile names from keystore and environment.
  func shellOffersEachKind(_ shell: CompletionShell) throws {
    let (sandbox, env) = try Self.sandboxWithProfiles()
    let offers = try shell.offers(
      [
        "authctl to", "authctl keys ", "authctl login --pro", "authctl token -p ", "authctl profiles use ",
        "authctl login --provider ", "authctl login --provider=em",
      ], in: sandbox, env: env)
    #expect(offers["authctl to"] == ["token"])
    #expect(Set(offers["authctl keys "] ?? []) == ["create", "list", "delete", "rotate"])
    #expect(offers["authctl login --pro"]?.contains("--provider") == true)
    #expect(offers["authctl login --pro"]?.contains("--print-token") == false)
    #expect(Set(offers["authctl token -p "] ?? []) == ["work", "home-lab", "ci-runner"])
    #expect(Set(offers["authctl profiles use "] ?? []) == ["work", "home-lab", "ci-runner"])
    #expect((offers["authctl login --provider "] ?? []).contains("knowledge-stack"))
    // bash completes the part after `=` (a word break for readline); zsh and fish the whole word.
    let inline =
      shell == .bash ? ["emergence", "embermind"] : ["--provider=emergence", "--provider=embermind"]
    #expect(Set(offers["authctl login --provider=em"] ?? []) == Set(inline))
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath + ".lock"), "completion took a lock")
  }

  /// Every command word and every long option that `--help` pages list, read from the binary's help.
  func shellOffersEverythingHelpLists(_ shell: CompletionShell) throws {
    let sandbox = try Sandbox()
    let overview = try sandbox.run(["--help"])
    let commands = Self.commands(inHelp: overview.stdout)
    try #require(commands.count > 10, "could not read the commands from --help: \(overview)")
    var expected: [String: Set<String>] = ["authctl ": Set(commands.map { $0[0] })]
    for group in Set(commands.filter { $0.count == 2 }.map { $0[0] }) {
      expected["authctl \(group) "] = Set(commands.filter { $0[0] == group }.map { $0[1] })
    }
    for command in commands {
      let help = try sandbox.run(command + ["--help"])
      expected["authctl \(command.joined(separator: " ")) --"] = Self.longOptions(inHelp: help.stdout)
    }
    let offers = try shell.offers(expected.keys.sorted(), in: sandbox)
    for (line, words) in expected.sorted(by: { $0.key < $1.key }) {
      let missing = words.subtracting(offers[line] ?? [])
      #expect(missing.isEmpty, "\(shell) offers no \(missing.sorted()) for '\(line)'")
    }
  }

  /// The command words listed under "Commands:" in `authctl --help`.
  static func commands(inHelp text: String) -> [[String]] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(where: { $0.hasPrefix("Commands:") }) else { return [] }
    var commands: [[String]] = []
    for line in lines[(start + 1)...] {
      guard line.hasPrefix("  "),
        let name = line.trimmingCharacters(in: .whitespaces).components(
          separatedBy: "  "
        ).first
      else { break }
      commands.append(name.split(separator: " ").map(String.init))
    }
    return commands
  }

  /// The long option that starts each option line of a help page.
  static func longOptions(inHelp text: String) -> Set<String> {
    var options: Set<String> = []
    for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("-") {
      if let match = line.firstMatch(of: /--[a-z0-9][a-z0-9-]*/) { options.insert(String(match.output)) }
    }
    return options
  }
}
