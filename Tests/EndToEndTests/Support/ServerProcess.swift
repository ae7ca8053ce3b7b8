import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A Python test server (`fake_providers.py`, `fake_oidc.py`, `dot/serve.py`) on 127.0.0.1, started
/// with `posix_spawn`, that announces itself on stdout: `PORT <n>` first, then any other lines its
/// caller expects. It stops on `stop()` and on deinit; the scripts also exit when this process dies
/// and after their `--lifetime`.
final class ServerProcess: @unchecked Sendable {
  // @unchecked: `stopped` is only touched under `lock`; the rest is immutable.
  private let pid: Int32
  let port: Int
  /// What followed each expected prefix, in order (the first is the port).
  let announced: [String]
  /// The read end of the server's stdout, open while this object lives (a closed one would break
  /// a later write).
  private let stdout: Int32
  private let lock = NSLock()
  private var stopped = false

  private init(pid: Int32, port: Int, announced: [String], stdout: Int32) {
    self.pid = pid
    self.port = port
    self.announced = announced
    self.stdout = stdout
  }

  deinit {
    stop()
    close(stdout)
  }

  /// Runs `python3 script arguments --port 0 --lifetime lifetime` (through `/usr/bin/env`, with this
  /// process's environment and working directory), stdin /dev/null and stderr to `stderr`, and
  /// reads one line for each of `prefixes` (the first is `PORT `) within `timeout` seconds; each must
  /// start with its prefix. `name` and `log` (the server's stderr so far) go into the errors.
  static func start(
    _ name: String, script: URL, arguments: [String], lifetime: Double, stderr: Int32,
    announcing prefixes: [String] = ["PORT "], timeout: Double, log: () -> String
  ) throws -> ServerProcess {
    guard FileManager.default.fileExists(atPath: script.path) else {
      throw HarnessError.serverFailed("\(script.lastPathComponent) missing at \(script.path)")
    }
    let output = try Spawn.pipe()
    let pid: Int32
    do {
      defer { close(output.write) }
      pid = try Spawn.launch(
        "/usr/bin/env",
        arguments: ["python3", script.path] + arguments + ["--port", "0", "--lifetime", String(lifetime)],
        environment: ProcessInfo.processInfo.environment,
        directory: FileManager.default.currentDirectoryPath, stdin: nil, stdout: output.write,
        stderr: stderr, closingOthers: true)
    } catch {
      close(output.read)
      throw error
    }
    let expected = prefixes.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "/")
    let lines: [String]
    do {
      let deadline = Date().addingTimeInterval(timeout)
      lines = try prefixes.map { _ in
        try readLine(
          output.read, deadline: deadline, timedOut: "no \(expected) line within \(timeout) s",
          ended: "\(name) exited before printing its port")
      }
    } catch {
      terminate(pid)
      close(output.read)
      throw HarnessError.serverFailed("\(name) did not start: \(error)\n\(log())")
    }
    guard zip(lines, prefixes).allSatisfy({ $0.hasPrefix($1) }),
      let port = Int(lines[0].dropFirst(prefixes[0].count))
    else {
      terminate(pid)
      close(output.read)
      throw HarnessError.serverFailed("\(name) printed \(lines.debugDescription), not \(expected)")
    }
    return ServerProcess(
      pid: pid, port: port, announced: zip(lines, prefixes).map { String($0.dropFirst($1.count)) },
      stdout: output.read)
  }

  /// SIGTERM, then SIGKILL when it is still there 3 s later.
  func stop() {
    lock.lock()
    defer { lock.unlock() }
    guard !stopped else { return }
    stopped = true
    Self.terminate(pid)
  }

  private static func terminate(_ pid: Int32) {
    if reaped(pid, within: 0) { return }
    kill(pid, SIGTERM)
    if reaped(pid, within: 3) { return }
    kill(pid, SIGKILL)
    _ = reaped(pid, within: 3)
  }

  /// Whether `pid` has exited (and is reaped now) within `seconds`.
  private static func reaped(_ pid: Int32, within seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      var status: Int32 = 0
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid || (result < 0 && errno != EINTR) { return true }
      if Date() >= deadline { return false }
      usleep(10_000)
    }
  }

  /// Reads one line from `fd`, failing with `timedOut` at `deadline` or with `ended` at end of file.
  private static func readLine(_ fd: Int32, deadline: Date, timedOut: String, ended: String) throws -> String
  {
    var bytes: [UInt8] = []
    while true {
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 { throw HarnessError.timeout(timedOut) }
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
      if ready < 0 && errno != EINTR { throw HarnessError.serverFailed("poll failed: errno \(errno)") }
      if ready <= 0 { continue }
      var byte: UInt8 = 0
      let count = read(fd, &byte, 1)
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { throw HarnessError.serverFailed(ended) }
      if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
      bytes.append(byte)
    }
  }
}
