import Foundation
import Synchronization
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

#if canImport(Glibc)
  import Glibc
#endif

/// Collects what the program writes to one stream.
private final class Capture: TextSink {
  private let text = Mutex("")
  var value: String { text.withLock { $0 } }
  func write(_ line: String) { text.withLock { $0 += line } }
}

/// Issue 6 item 5: the whole program in-process (parser, environment, keystore, providers, rendering) on
/// hostile argv, environment, keystore and server answers. Secrets given in the environment or on stdin
/// never reach stderr, `--verbose` trace included.
@Suite struct FuzzCLITests {
  static let secretVariables = [
    "AUTHCTL_PASSWORD", "AUTHCTL_API_KEY", "AUTHCTL_CLIENT_SECRET", "AUTHCTL_ACCESS_TOKEN",
    "AUTHCTL_PROFILE_WORK_PASSWORD", "AUTHCTL_PROFILE_CI_API_KEY",
  ]
  static let settingVariables = [
    "AUTHCTL_PROFILE", "AUTHCTL_PROVIDER", "AUTHCTL_FLOW", "AUTHCTL_BASE_URL", "AUTHCTL_ISSUER",
    "AUTHCTL_CLIENT_ID", "AUTHCTL_SCOPE", "AUTHCTL_LOGIN", "AUTHCTL_PROFILE_CI_PROVIDER",
    "AUTHCTL_PROFILE_CI_BASE_URL", "AUTHCTL_NO_CACHE", "NO_COLOR",
  ]
  static let secret = "ENV-canary-8e2a"
  static let interactiveFlows: Set<String> = ["browser", "device", "oauth", "sso"]

  /// The program may run this argv here: no other keystore than the sandbox's, no browser or device wait.
  static func isSafe(_ argv: [String]) -> Bool {
    guard let invocation = try? ArgumentParser.parse(argv) else { return true }
    guard invocation.value("keystore") == nil else { return false }
    guard invocation.command?.name == "login" else { return true }
    return invocation.value("flow").map { !interactiveFlows.contains($0) } ?? false
  }

  @Test("The program in-process never crashes on hostile argv, environment, keystore and answers")
  func programNeverCrashes() throws {
    let directory = try Self.sandbox()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let keystore = directory + "/keystore.json"
    var ran = 0
    var leaks: [Int] = []
    let (_, slow) = FuzzRun(name: "program in-process", seed: 0x636C_6966_757A_7A31).run { rng, index in
      let argv = FuzzParserTests.argv(&rng)
      guard Self.isSafe(argv) else { return }
      ran += 1
      let bytes =
        rng.chance(0.7)
        ? Array(FuzzKeystoreTests.samples[0].utf8)
        : FuzzMutator.body(from: FuzzKeystoreTests.samples, &rng, keys: FuzzKeystoreTests.keys)
      _ = FileManager.default.createFile(
        atPath: keystore, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
      var environment = ["HOME": directory, "AUTHCTL_KEYSTORE": keystore, "AUTHCTL_NO_BROWSER": "1"]
      for name in Self.secretVariables where rng.chance(0.2) { environment[name] = Self.secret }
      for name in Self.settingVariables where rng.chance(0.1) {
        environment[name] = rng.pick(FuzzParserTests.values)
      }
      let stdin = rng.chance(0.5) ? Array(Self.secret.utf8) : FuzzMutator.mutateBytes([], &rng)
      let (stdout, stderr) = (Capture(), Capture())
      let transport = FuzzTransport(
        endpoints: FuzzProviderTests.endpoints, keys: FuzzProviderTests.keys, extra: [], generator: rng)
      let context = Context(
        stdout: stdout, stderr: stderr, stdinIsTerminal: false, stderrIsTerminal: rng.chance(0.2),
        readStdin: { stdin }, promptSecret: { _ in nil }, environment: environment, clock: FuzzClock().clock,
        transport: transport, openBrowser: { _ in }, version: "fuzz")
      let status = CLI.run(argv, context: context)
      #expect((0...8).contains(status) || status == 130 || status == 143, "input \(index): exit \(status)")
      if stderr.value.contains(Self.secret) { leaks.append(index) }
    }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(
      leaks.isEmpty, "a secret from the environment or stdin reached stderr: inputs \(leaks.prefix(10))")
    #expect(!FuzzBudget.isWholeRun || ran > 0)
  }

  /// A private directory for the keystore, on tmpfs when there is one (no disk flushes per input).
  static func sandbox() throws -> String {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    var template = Array((base + "/authctl-fuzz-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
    return String(cString: created)
  }
}
