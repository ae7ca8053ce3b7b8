import Foundation
import Synchronization
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so every fuzz input can be replayed.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
  }

  mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int.random(in: 0..<bound, using: &self) }

  mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Issue 6 item 5: quick counts in every `swift test`, full counts with `AUTHCTL_HARDENING=full`.
enum FuzzBudget {
  static var isFull: Bool { ProcessInfo.processInfo.environment["AUTHCTL_HARDENING"] == "full" }

  /// `AUTHCTL_FUZZ_INPUT=N` replays input N alone (the failure messages name inputs by number).
  static var replayed: Int? { ProcessInfo.processInfo.environment["AUTHCTL_FUZZ_INPUT"].flatMap { Int($0) } }

  /// Whether a whole run happened, so that figures about the mix of inputs mean something.
  static var isWholeRun: Bool { replayed == nil }

  /// Inputs per fuzz target: 2,000 by default, 100,000 in full mode.
  static var inputs: Int { isFull ? 100_000 : 2_000 }

  /// Prints a figure line, and appends it to `$AUTHCTL_HARDENING_REPORT` when set (scripts/hardening).
  static func report(_ line: String) {
    print("hardening: " + line)
    guard let path = ProcessInfo.processInfo.environment["AUTHCTL_HARDENING_REPORT"], !path.isEmpty,
      let handle = FileHandle(forWritingAtPath: path) ?? create(path)
    else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data(("hardening: " + line + "\n").utf8))
  }

  private static func create(_ path: String) -> FileHandle? {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path)
  }
}

/// Runs a fuzz target over seeded inputs, timing each one; a watchdog aborts the whole process (a visible
/// crash naming the input) if one input runs for `hangLimit` seconds, so a hang can never stall the suite.
struct FuzzRun {
  let name: String
  let seed: UInt64
  var count = FuzzBudget.inputs
  /// An input slower than this counts as a hang in the figures (the test expects none).
  var slowLimit = 1.0
  var hangLimit = 60.0

  /// The generator of input `index`: each input can be replayed alone.
  func generator(_ index: Int) -> SplitMix64 {
    SplitMix64(seed: seed ^ (UInt64(index) &* 0xD134_2543_DE82_EF95))
  }

  /// Calls `body` once per input; returns the slowest input's seconds and the inputs over `slowLimit`.
  @discardableResult
  func run(_ body: (inout SplitMix64, Int) throws -> Void) rethrows -> (slowest: Double, slow: [Int]) {
    let watchdog = Watchdog(name: name, seed: seed, limit: hangLimit)
    defer { watchdog.stop() }
    var slowest = 0.0
    var slow: [Int] = []
    let indices = FuzzBudget.replayed.map { [$0] } ?? Array(0..<count)
    for index in indices {
      let started = DispatchTime.now().uptimeNanoseconds
      watchdog.begin(index, at: started)
      var generator = generator(index)
      try body(&generator, index)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      slowest = max(slowest, seconds)
      if seconds > slowLimit { slow.append(index) }
    }
    FuzzBudget.report(
      "fuzz \(name): \(indices.count) inputs (seed \(seed)), 0 crashes, \(slow.count) over \(slowLimit) s, "
        + "slowest \(String(format: "%.1f", slowest * 1000)) ms")
    return (slowest, slow)
  }
}

/// Aborts the process when one fuzz input runs too long: a hang becomes a failure that names its input.
private final class Watchdog: Sendable {
  private let name: String
  private let seed: UInt64
  private let limit: Double
  /// The input running now and when it started (uptime nanoseconds).
  private let current = Mutex<(index: Int, started: UInt64)?>(nil)
  private let running = Atomic<Bool>(true)

  init(name: String, seed: UInt64, limit: Double) {
    self.name = name
    self.seed = seed
    self.limit = limit
    Thread { [self] in watch() }.start()
  }

  func begin(_ index: Int, at started: UInt64) { current.withLock { $0 = (index, started) } }

  func stop() { running.store(false, ordering: .relaxed) }

  private func watch() {
    while running.load(ordering: .relaxed) {
      Thread.sleep(forTimeInterval: 0.25)
      guard let (index, started) = current.withLock({ $0 }) else { continue }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      if seconds > limit, running.load(ordering: .relaxed) {
        FileHandle.standardError.write(
          Data("fuzz hang: \(name) seed \(seed) input \(index) ran \(Int(seconds)) s\n".utf8))
        abort()
      }
    }
  }
}
