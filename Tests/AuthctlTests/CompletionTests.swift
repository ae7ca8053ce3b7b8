import Foundation
import Synchronization
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

#if canImport(Glibc)
  import Glibc
#endif

/// An engine whose profiles are `work` and `home-lab`; it records the `--keystore` it was asked about.
private final class ProfileSource: Sendable {
  let askedKeystores = Mutex<[String?]>([])

  var engine: CompletionEngine {
    CompletionEngine { keystore in
      self.askedKeystores.withLock { $0.append(keystore) }
      return [CompletionCandidate("home-lab", "embermind"), CompletionCandidate("work", "craft")]
    }
  }
}

private func complete(_ line: String) -> CompletionResult {
  var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
  if line.hasSuffix(" ") || line.isEmpty { words.append("") }
  return ProfileSource().engine.complete(words)
}

@Suite("Completion engine")
struct CompletionTests {
  @Test("every command word, subcommand and option of the table is offered")
  func everyDeclarationIsOffered() {
    let top = Set(complete("").words)
    for spec in CommandCatalog.all {
      #expect(top.contains(spec.path[0]), "'\(spec.path[0])' is not offered")
      if spec.path.count == 2 {
        #expect(complete(spec.path[0] + " ").words.contains(spec.path[1]), "'\(spec.name)' is not offered")
      }
      let options = Set(complete(spec.name + " --").words)
      for option in spec.options + GlobalOptions.all {
        #expect(options.contains("--" + option.long), "'\(spec.name)' does not offer --\(option.long)")
      }
    }
    #expect(Set(complete("-").words) == Set(GlobalOptions.all.map { "--" + $0.long }))
  }

  @Test(
    "the word under the cursor is completed from what the words before it say",
    arguments: [
      ("to", ["token"]),
      ("keys ", ["create", "list", "delete", "rotate"]),
      ("-q keys --json r", ["rotate"]),
      ("profiles s", ["show"]),
      ("login --pro", ["--provider", "--project-id", "--profile"]),
      ("--json login --print-token --prin", []),
      ("login --provider e", ["emergence", "embermind"]),
      ("login --provider=e", ["--provider=emergence", "--provider=embermind"]),
      ("login --provider craft --flow ", ["api-key", "oauth"]),
      ("--flow p login --provider metakraftwerk --flow ", ["password"]),
      ("token -p ", ["home-lab", "work"]),
      ("token --profile=w", ["--profile=work"]),
      ("-pw", ["-pwork"]),
      ("-qp h", ["home-lab"]),
      ("profiles show ", ["home-lab", "work"]),
      ("profiles use w", ["work"]),
      ("profiles remove work ", GlobalOptions.all.map { "--" + $0.long }),
      ("keys delete ", []),
      ("providers ", GlobalOptions.all.map { "--" + $0.long }),
      ("tokn ", []),
      ("keys nothing ", []),
      ("token -- ", []),
    ])
  func completesFromContext(line: String, expected: [String]) {
    #expect(complete(line).words == expected)
  }

  @Test("every flow is offered when no provider is named, with the providers that offer it")
  func flowsWithoutProvider() {
    guard case .words(let candidates) = complete("login --flow ") else {
      Issue.record("no words")
      return
    }
    #expect(candidates.map(\.word) == Flow.allCases.map(\.rawValue))
    #expect(candidates.first { $0.word == "sso" }?.description == "knowledge-stack")
  }

  @Test("options given already are not offered again")
  func givenOptionsAreLeftOut() {
    let offered = complete("login --provider craft --json --").words
    #expect(!offered.contains("--provider") && !offered.contains("--json"))
    #expect(offered.contains("--flow"))
  }

  @Test("the keystore path typed on the line is where profiles are read from")
  func keystoreOptionReachesProfiles() {
    let source = ProfileSource()
    _ = source.engine.complete(["--keystore", "/tmp/k.json", "token", "-p", ""])
    _ = source.engine.complete(["token", "-p", "w"])
    #expect(source.askedKeystores.withLock { $0 } == ["/tmp/k.json", nil])
    #expect(source.engine.complete(["--keystore", ""]) == .files)
    #expect(source.engine.complete(["token", "--keystore=/t"]) == .files)
  }

  @Test("candidates print one per line with a tab before the description; files as ':file'")
  func rendering() {
    let result = CompletionResult.words([
      CompletionCandidate("work", "craft,\tin the keystore"), CompletionCandidate("ci"),
    ])
    #expect(CompleteCommand.render(result) == "work\tcraft, in the keystore\nci\n")
    #expect(CompleteCommand.render(.files) == ":file\n")
    #expect(CompleteCommand.render(.words([])) == "")
  }
}

@Suite("Completion of profile names")
struct CompletionProfileTests {
  /// A private directory, removed when the test ends.
  final class Directory {
    let path: String

    init() throws {
      var template = Array((NSTemporaryDirectory() + "/authctl-complete-XXXXXX").utf8CString)
      guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
      path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
      chmod(path + "/" + name, mode)
    }

    func entries() -> [String] {
      ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
  }

  static let environmentProfiles = [
    "AUTHCTL_PROFILE_CI_RUNNER_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_RUNNER_API_KEY": "secret-key",
  ]

  @Test("profiles come from the keystore and from AUTHCTL_PROFILE_<NAME>_* variables")
  func keystoreAndEnvironment() throws {
    let directory = try Directory()
    try directory.write(
      "keystore.json",
      #"{"version": 1, "profiles": {"work": {"provider": "embermind"}, "ci-runner": {"provider": "craft"}}}"#)
    let candidates = CompleteCommand.profileCandidates(
      keystoreOption: directory.path + "/keystore.json", environment: Self.environmentProfiles)
    #expect(
      candidates == [
        CompletionCandidate("ci-runner", "craft, in the keystore and environment"),
        CompletionCandidate("work", "embermind, in the keystore"),
      ])
    #expect(directory.entries() == ["keystore.json"], "completion wrote beside the keystore")
  }

  @Test(
    "a missing, unparsable or unsafe keystore still gives the environment's profiles, quietly",
    arguments: [
      (nil, mode_t(0o600)), (#"{"version": 1, "profiles": "#, 0o600),
      (#"{"version": 1, "profiles": {"work": {"provider": "craft"}}}"#, 0o644),
    ] as [(String?, mode_t)])
  func brokenKeystore(contents: String?, mode: mode_t) throws {
    let directory = try Directory()
    if let contents { try directory.write("keystore.json", contents, mode: mode) }
    let stdout = Capture()
    let stderr = Capture()
    var environment = Self.environmentProfiles
    environment["AUTHCTL_KEYSTORE"] = directory.path + "/keystore.json"
    let status = CLI.run(
      ["__complete", "token", "-p", ""], context: .completionTest(environment, stdout: stdout, stderr: stderr)
    )
    #expect(status == 0)
    #expect(stdout.text == "ci-runner\tcraft, in the environment\n")
    #expect(stderr.text.isEmpty)
    #expect(directory.entries() == (contents == nil ? [] : ["keystore.json"]))
  }

  @Test("the hidden commands are neither in help nor suggested for typos")
  func hiddenCommandsStayHidden() {
    #expect(!HelpText.overview(version: "1").contains("__"))
    #expect(!CommandCatalog.all.contains { $0.name.hasPrefix("_") })
    #expect(throws: UsageError.self) { try ArgumentParser.parse(["__complet"]) }
  }
}

/// Text written to a stream, kept for the test to read.
private final class Capture: TextSink {
  private let buffer = Mutex("")

  func write(_ text: String) { buffer.withLock { $0 += text } }
  var text: String { buffer.withLock { $0 } }
}

/// A transport for commands that must not use the network.
private struct NoNetwork: HTTPTransport {
  func send(_ request: HTTPRequest, timeout: Double) throws(TransportFailure) -> HTTPResponse {
    Issue.record("completion made a request to \(request.url)")
    throw .noHTTPLibrary(reason: "completion tests have no network")
  }
}

extension Context {
  fileprivate static func completionTest(
    _ environment: [String: String], stdout: Capture, stderr: Capture
  ) -> Context {
    Context(
      stdout: stdout, stderr: stderr, stdinIsTerminal: false, stderrIsTerminal: false, readStdin: { [] },
      promptSecret: { _ in nil }, environment: environment, clock: .system, transport: NoNetwork(),
      openBrowser: { _ in Issue.record("completion opened a browser") }, version: "test")
  }
}
