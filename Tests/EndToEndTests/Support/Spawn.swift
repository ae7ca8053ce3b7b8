import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

enum Spawn {
  /// Runs `process` the way a shell would start it: with no blocked signals. Swift Testing runs
  /// tests on Dispatch worker threads, which block almost every signal, and a spawned child
  /// inherits the spawning thread's mask; without this, SIGINT and SIGTERM would never reach it.
  static func run(_ process: Process) throws {
    // One launch at a time: Foundation's Process.run has crashed here when many tests launched at once.
    launchLock.lock()
    defer { launchLock.unlock() }
    var empty = sigset_t()
    var saved = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_SETMASK, &empty, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try process.run()
  }

  private static let launchLock = NSLock()

  /// What a pipe has now, empty at its end; a read interrupted by a signal is retried (FileHandle's
  /// `availableData` traps on EINTR).
  static func readChunk(_ handle: FileHandle) -> Data {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      return count > 0 ? Data(buffer[0..<count]) : Data()
    }
  }

  /// The wait status of `pid` when it has exited but is not reaped yet (Linux /proc field 52),
  /// as (status, signal). Foundation learns of an exit only when every process holding its
  /// private socket has closed it, so a grandchild left running would otherwise hide the exit.
  static func zombieStatus(_ pid: Int32) -> (status: Int32, signal: Int32?)? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard fields.count > 49, fields[0] == "Z", let raw = Int32(fields[49]) else { return nil }
    let signal = raw & 0x7f
    return signal == 0 ? ((raw >> 8) & 0xff, nil) : (128 + signal, signal)
  }
}
