import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one authctl run produced.
struct RunResult: Sendable, CustomStringConvertible {
  /// Exit status; 128 + N when the process died of an uncaught signal N (as a shell reports it).
  var status: Int32
  var stdout: String
  var stderr: String
  /// The signal that killed the process when it did not exit by itself.
  var uncaughtSignal: Int32?

  var description: String {
    let signal = uncaughtSignal.map { " (signal \($0))" } ?? ""
    return "status \(status)\(signal)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
  }
}

/// A fresh temporary HOME for running authctl with a clean environment.
final class Sandbox: @unchecked Sendable {
  /// The temporary directory holding everything (HOME is `root/home`).
  let root: URL
  let home: URL
  /// HOME/.config/authctl/keystore.json (the default keystore path when XDG_CONFIG_HOME is unset).
  let keystorePath: String
  /// HOME/.config/authctl
  let configDirectory: String
  private let binaryOverride: URL?

  /// `binary` overrides the authctl binary (tests of the harness use /bin/sh).
  init(binary: URL? = nil) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("authctl-e2e-\(UUID().uuidString)")
    home = root.appendingPathComponent("home")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    configDirectory = home.appendingPathComponent(".config/authctl").path
    keystorePath = configDirectory + "/keystore.json"
    binaryOverride = binary
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  /// The environment a run gets: PATH, HOME, LANG=C, then `extra`. Nothing else is inherited.
  func environment(_ extra: [String: String] = [:]) -> [String: String] {
    var env = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
      "HOME": home.path,
      "LANG": "C",
    ]
    env.merge(extra) { _, new in new }
    return env
  }

  /// Runs authctl with `args`; stdin is `stdin` (or /dev/null when nil, never a terminal).
  /// Throws when the binary is missing or the run takes longer than `timeout` seconds.
  func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:], timeout: Double = 60) throws
    -> RunResult
  {
    try launch(args, stdin: stdin, env: env).wait(timeout: timeout)
  }

  /// Starts authctl without waiting (for signal and concurrency tests).
  func launch(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunningCommand {
    let binary = try binaryOverride ?? HarnessPaths.authctlBinary()
    return try RunningCommand(
      binary: binary, args: args, stdin: stdin, environment: environment(env), directory: root)
  }

  func keystoreBytes() -> Data? {
    FileManager.default.contents(atPath: keystorePath)
  }

  func keystoreJSON() -> [String: Any]? {
    keystoreBytes().flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
  }

  /// Permission bits (st_mode & 0o777) of the keystore file itself (not following a symlink).
  func keystoreMode() -> Int? {
    Self.mode(keystorePath)
  }

  /// Permission bits of HOME/.config/authctl.
  func directoryMode() -> Int? {
    Self.mode(configDirectory)
  }

  static func mode(_ path: String) -> Int? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return Int(info.st_mode) & 0o777
  }
}

/// A launched authctl process, started with `posix_spawn` (Foundation's `Process.run` crashed under
/// many parallel launches) and reaped with `waitpid`.
final class RunningCommand: @unchecked Sendable {
  // @unchecked: `finished` is only touched under `lock`; the rest is immutable or thread-safe.
  let args: [String]
  let pid: Int32
  private let lock = NSLock()
  private var finished: (status: Int32, signal: Int32?)?
  private let readers = DispatchGroup()
  private let output = OutputBox()

  fileprivate init(binary: URL, args: [String], stdin: String?, environment: [String: String], directory: URL)
    throws
  {
    self.args = args
    let stdout = try Spawn.pipe()
    let stderr = try Spawn.pipe()
    let input = stdin == nil ? nil : try Spawn.pipe()
    defer {
      for descriptor in [stdout.write, stderr.write, input?.read].compactMap({ $0 }) { close(descriptor) }
    }
    pid = try Spawn.launch(
      binary.path, arguments: args, environment: environment, directory: directory.path,
      stdin: input?.read, stdout: stdout.write, stderr: stderr.write)
    let output = output
    for (index, descriptor) in [stdout.read, stderr.read].enumerated() {
      readers.enter()
      // Dedicated threads: on 2 cores, Dispatch's pool may start a reader too late for `wait`.
      Thread { [readers] in
        while true {
          let chunk = Spawn.readChunk(descriptor)
          if chunk.isEmpty { break }
          output.append(index, chunk)
        }
        close(descriptor)
        readers.leave()
      }.start()
    }
    if let input, let stdin {
      // A command that exits without reading stdin must not kill the test process with SIGPIPE.
      _ = RunningCommand.ignoreBrokenPipes
      Thread {
        Spawn.writeAll(Array(stdin.utf8), to: input.write)
        close(input.write)
      }.start()
    }
  }

  private static let ignoreBrokenPipes: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

  var isRunning: Bool { reap() == nil }

  /// Sends `signal` (SIGINT, SIGTERM, ...) to the process.
  func signal(_ signal: Int32) {
    lock.lock()
    defer { lock.unlock() }
    if finished == nil { kill(pid, signal) }
  }

  /// Output captured so far (stdout, stderr).
  var partialOutput: (stdout: String, stderr: String) { (output.text(0), output.text(1)) }

  /// The exit status once the process has exited, reaping it then; nil while it runs.
  private func reap() -> (status: Int32, signal: Int32?)? {
    lock.lock()
    defer { lock.unlock() }
    if let finished { return finished }
    var status: Int32 = 0
    let result = waitpid(pid, &status, WNOHANG)
    guard result == pid else { return nil }
    let signal = status & 0x7f
    finished = signal == 0 ? ((status >> 8) & 0xff, nil) : (128 + signal, signal)
    return finished
  }

  /// Waits for the exit; after `timeout` seconds the process is killed and this throws with the
  /// output so far.
  func wait(timeout: Double = 60) throws -> RunResult {
    let deadline = Date().addingTimeInterval(timeout)
    var result = reap()
    while result == nil {
      if Date() >= deadline {
        kill(pid, SIGKILL)
        while reap() == nil { usleep(5_000) }
        _ = readers.wait(timeout: .now() + 2)
        throw HarnessError.timeout(
          "authctl \(args.joined(separator: " ")) did not finish within \(timeout) s\n"
            + "--- stdout\n\(output.text(0))--- stderr\n\(output.text(1))")
      }
      usleep(5_000)
      result = reap()
    }
    // A child that inherited stdout/stderr must not block us for long; the readers end at EOF.
    _ = readers.wait(timeout: .now() + 10)
    return RunResult(
      status: result?.status ?? -1, stdout: output.text(0), stderr: output.text(1),
      uncaughtSignal: result?.signal)
  }
}

private final class OutputBox: @unchecked Sendable {
  private let lock = NSLock()
  private var data = [Data(), Data()]

  func append(_ index: Int, _ value: Data) {
    lock.lock()
    defer { lock.unlock() }
    data[index].append(value)
  }

  func text(_ index: Int) -> String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: data[index], as: UTF8.self)
  }
}
