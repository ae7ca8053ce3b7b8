import FoundationEssentials
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The exclusive advisory lock that serializes read-modify-write of one keystore across threads and processes.
enum KeystoreLock {
  /// Seconds between two attempts of a waiting process.
  static let pollInterval = 0.025

  /// Threads of one process share fcntl locks, so they also take this mutex; it covers every keystore.
  private static let processMutex = Mutex(())

  /// Runs `body` holding the lock on `lockPath`, waiting at most `waitLimit` for another holder.
  // SPEC §4: an advisory lock on a dedicated file beside the keystore, never unlinked; more than
  // 30 seconds of waiting fails and names the process that holds it.
  static func holding<T>(_ lockPath: String, waitLimit: Double, _ body: () throws -> T) throws -> T {
    try processMutex.withLock { _ in
      let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
      guard descriptor >= 0 else {
        let code = errno
        if code == ELOOP {
          throw KeystoreError.notRegularFile(
            path: lockPath,
            detail:
              "the lock file is a symbolic link; remove it: rm \(KeystorePermissions.shellQuoted(lockPath))")
        }
        throw KeystoreError.io(path: lockPath, operation: "open", errno: code)
      }
      // Classic fcntl locks vanish when the process closes any descriptor of the file: this is the only one,
      // and closing it is what releases the lock.
      defer { close(descriptor) }
      try acquire(descriptor, lockPath: lockPath, waitLimit: waitLimit)
      return try body()
    }
  }

  private static func acquire(_ descriptor: Int32, lockPath: String, waitLimit: Double) throws(KeystoreError)
  {
    let start = monotonicSeconds()
    while true {
      var request = wholeFile(F_WRLCK)
      if fcntl(descriptor, F_SETLK, &request) == 0 { return }
      let code = errno
      guard code == EACCES || code == EAGAIN || code == EINTR else {
        throw .io(path: lockPath, operation: "fcntl(F_SETLK)", errno: code)
      }
      let waited = monotonicSeconds() - start
      if waited >= waitLimit {
        throw .lockTimeout(path: lockPath, holderPID: holder(descriptor), waited: Int(waited.rounded()))
      }
      Clock.system.sleep(min(pollInterval, waitLimit - waited))
    }
  }

  /// The pid of the process holding the lock now, if the kernel can tell.
  private static func holder(_ descriptor: Int32) -> Int32? {
    var query = wholeFile(F_WRLCK)
    guard fcntl(descriptor, F_GETLK, &query) == 0, query.l_type != F_UNLCK, query.l_pid > 0 else {
      return nil
    }
    return query.l_pid
  }

  /// Seconds on a clock that never jumps, for measuring the wait.
  private static func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
  }

  private static func wholeFile(_ type: Int32) -> flock {
    var region = flock()
    region.l_type = Int16(type)
    region.l_whence = Int16(SEEK_SET)
    region.l_start = 0
    region.l_len = 0
    return region
  }
}
