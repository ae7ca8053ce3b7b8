import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6 item 1: SIGKILL at random moments during every command that writes the keystore. After each
/// kill the keystore parses and is exactly the state before or after the command, the lock is free at once,
/// and the next writer leaves no temporary file (docs/keystore.md: it removes stale ones under the lock).
@Suite struct HardeningCrashTests {
  enum Scenario: String, CaseIterable, Sendable {
    case login, refresh, dueToken, profilesUse, profilesRemove, keysRotate, logout
  }

  /// Kills per scenario: 3 × 7 = 21 quick, 75 × 7 = 525 in full mode.
  static let kills = Hardening.count(quick: 3, full: 75)

  @Test(
    "SIGKILL at a random moment leaves the old or the new keystore, a free lock, no temp file",
    arguments: Scenario.allCases)
  func killedWriterLosesNothing(scenario: Scenario) throws {
    let sandbox = try Sandbox()
    let setup = try CrashSetup.make(scenario, sandbox)
    let lockPath = sandbox.keystorePath + ".lock"
    // The reference run: the state after, and how long the command takes.
    try KeystoreDirectory.restore(sandbox, setup.before)
    try setup.reset()
    let (reference, duration) = try CrossCut.timed { try sandbox.run(setup.args, stdin: setup.stdin) }
    try #require(reference.status == 0, "\(scenario) without a kill: \(reference)")
    let after = try #require(sandbox.keystoreBytes())
    try #require(after != setup.before, "\(scenario) changed nothing")

    var generator = Seeded(0xC2A5_4000 ^ UInt64(Scenario.allCases.firstIndex(of: scenario) ?? 0))
    var outcomes: [String: Int] = [:]
    var temporaryAfterKill = 0
    var killed = 0
    var iteration = 0
    // Only kills that land while the command runs count; one that comes after its exit is tried again,
    // and the window shrinks (it grows back slowly), following how fast the machine runs the command now.
    var window = duration
    while killed < Self.kills && iteration < Self.kills * 10 {
      defer { iteration += 1 }
      try KeystoreDirectory.restore(sandbox, setup.before)
      try setup.reset()
      // Half the kills anywhere in the run, half late in it, where the write happens.
      let delay =
        iteration % 2 == 0
        ? Double.random(in: 0...window, using: &generator)
        : Double.random(in: (window * 0.5)...window, using: &generator)
      let command = try sandbox.launch(setup.args, stdin: setup.stdin)
      usleep(useconds_t(delay * 1_000_000))
      command.signal(SIGKILL)
      let result = try command.wait(timeout: 30)
      let label = "\(scenario) kill \(iteration) after \(Int(delay * 1000)) ms (status \(result.status))"

      let bytes = sandbox.keystoreBytes()
      let state = setup.classify(bytes, after: after)
      try #require(
        state != nil,
        "\(label): the keystore is neither before nor after:\n\(String(decoding: bytes ?? Data(), as: UTF8.self))"
      )
      if result.uncaughtSignal == SIGKILL {
        killed += 1
        outcomes[state ?? "?", default: 0] += 1
        window = min(window * 1.05, duration * 2)
      } else {
        window *= 0.8
      }
      #expect(KeystoreDirectory.lockIsFree(lockPath), "\(label): the lock is still held")
      let leftovers = KeystoreDirectory.temporaryFiles(sandbox.configDirectory)
      temporaryAfterKill += leftovers.isEmpty ? 0 : 1
      #expect(leftovers.allSatisfy { $0.contains("-\(command.pid)-") }, "\(label): \(leftovers)")
      // The next writer gets the lock at once and sweeps the killed writer's temporary file.
      let probe = KeystoreJSON.parse(bytes)?["default_profile"] as? String == "keep-a" ? "keep-b" : "keep-a"
      let (next, seconds) = try CrossCut.timed {
        try sandbox.launch(["profiles", "use", probe]).wait(timeout: 30)
      }
      #expect(next.status == 0, "\(label): the next command: \(next)")
      #expect(seconds < 5, "\(label): the next command waited \(seconds) s")
      #expect(KeystoreDirectory.temporaryFiles(sandbox.configDirectory).isEmpty, "\(label): temp file left")
    }
    #expect(killed >= Self.kills, "only \(killed) of \(iteration) kills landed while the command ran")
    let summary = outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    Hardening.report(
      "crash \(scenario): \(killed) SIGKILLs during \(Int(duration * 1000)) ms runs (\(iteration) tries): \(summary); "
        + "\(temporaryAfterKill) left a temp file, swept by the next writer")
  }
}
