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
  static func readChunk(_ handle: FileHandle) -> Data { readChunk(handle.fileDescriptor) }

  static func readChunk(_ descriptor: Int32) -> Data {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      return count > 0 ? Data(buffer[0..<count]) : Data()
    }
  }

  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    var rest = bytes[...]
    while !rest.isEmpty {
      let written = rest.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      rest = rest.dropFirst(written)
    }
  }

  /// A pipe whose two ends are closed on exec.
  // pipe2 with O_CLOEXEC at once: a pipe(2) + fcntl pair could leak into a child another thread starts.
  static func pipe() throws -> (read: Int32, write: Int32) {
    var descriptors: [Int32] = [0, 0]
    guard let pipe2, pipe2(&descriptors, O_CLOEXEC) == 0 else {
      throw HarnessError.serverFailed("pipe2: errno \(errno)")
    }
    return (descriptors[0], descriptors[1])
  }

  private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
  private static let pipe2: Pipe2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2")
    .map { unsafeBitCast($0, to: Pipe2.self) }

  /// glibc's `posix_spawn_file_actions_addchdir_np`, which the Glibc module does not import.
  private typealias AddChdir =
    @convention(c) (
      UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32
  private static let addChdir: AddChdir? = dlsym(
    UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np"
  )
  .map { unsafeBitCast($0, to: AddChdir.self) }

  /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later).
  private typealias AddCloseFrom =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  private static let addCloseFrom: AddCloseFrom? = dlsym(
    UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
  )
  .map { unsafeBitCast($0, to: AddCloseFrom.self) }

  /// Starts `path` with `posix_spawn`: the given streams (stdin /dev/null when nil), working directory,
  /// environment, no blocked signals and default SIGINT/SIGTERM/SIGPIPE handling. With
  /// `closingOthers`, the child gets no descriptor but those three: Foundation's `Pipe` is not
  /// close-on-exec, so a long-lived child (a test server) could otherwise hold the write end of a pipe
  /// another test is reading to its end.
  static func launch(
    _ path: String, arguments: [String], environment: [String: String], directory: String, stdin: Int32?,
    stdout: Int32, stderr: Int32, closingOthers: Bool = false
  ) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdin {
      posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    if closingOthers {
      if let addCloseFrom {
        _ = addCloseFrom(&actions, 3)
      } else {  // an older glibc: what is open now (a descriptor opened meanwhile stays open)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
          posix_spawn_file_actions_addclose(&actions, descriptor)
        }
      }
    }
    if let addChdir { _ = addChdir(&actions, directory) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var argv = ([path] + arguments).map { strdup($0) } + [nil]
    var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, path, &actions, &attributes, &argv, &envp)
    guard result == 0 else {
      throw HarnessError.binaryMissing("posix_spawn \(path): \(String(cString: strerror(result)))")
    }
    return pid
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
