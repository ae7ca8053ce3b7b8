import CAuthctlSystem
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Creates the keystore's directory and replaces the keystore file atomically.
enum KeystoreWriter {
  /// Creates each missing directory of `path` with mode 0700.
  // SPEC §4: created 0700, never created wider and narrowed later; existing ones are left alone.
  static func createDirectory(_ path: String) throws(KeystoreError) {
    var info = stat()
    guard stat(path, &info) != 0 else { return }
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
        throw .io(path: prefix, operation: "mkdir", errno: errno)
      }
    }
  }

  /// Writes `bytes` to a new file beside the keystore, flushes it, and renames it over the keystore.
  // SPEC §4: a crash or kill at any moment leaves either the old or the new keystore. Call with the lock held.
  static func replace(_ location: KeystoreLocation, with bytes: [UInt8]) throws(KeystoreError) {
    removeStaleTemporaryFiles(location)
    let random = String(UInt64.random(in: .min ... .max), radix: 16)
    let temporary = location.directory + "/" + temporaryPrefix(location) + "\(getpid())-\(random)"
    // Registered before it exists, so no interrupt can leave it behind (SPEC §6: 130/143, nothing half-written).
    authctl_register_temp_path(temporary)
    defer { authctl_clear_temp_path() }
    let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard descriptor >= 0 else { throw .io(path: temporary, operation: "open", errno: errno) }
    do throws(KeystoreError) {
      try writeAll(bytes, to: descriptor, path: temporary)
      guard flushData(descriptor) == 0 else {
        throw .io(path: temporary, operation: "fdatasync", errno: errno)
      }
    } catch {
      close(descriptor)
      unlink(temporary)
      throw error
    }
    guard close(descriptor) == 0 else {
      let code = errno
      unlink(temporary)
      throw .io(path: temporary, operation: "close", errno: code)
    }
    guard rename(temporary, location.path) == 0 else {
      let code = errno
      unlink(temporary)
      throw .io(path: location.path, operation: "rename", errno: code)
    }
    try syncDirectory(location.directory)
  }

  /// Flushes a file's contents and what reading them back needs (its size), not its times; the directory's
  /// flush after the rename makes the rename itself durable.
  // Issue 5: fdatasync takes about half as long as fsync for the new keystore on ext4 (1 ms against 2 ms here).
  private static func flushData(_ descriptor: Int32) -> Int32 {
    #if os(Linux)
      fdatasync(descriptor)
    #else
      fsync(descriptor)
    #endif
  }

  /// Removes temporary files of writers that were killed; only lock holders create them, so under the lock all are stale.
  private static func removeStaleTemporaryFiles(_ location: KeystoreLocation) {
    guard let directory = opendir(location.directory) else { return }
    defer { closedir(directory) }
    let prefix = temporaryPrefix(location)
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      // A file that cannot be removed is only clutter: the next writer picks a fresh name anyway.
      if name.hasPrefix(prefix) { unlink(location.directory + "/" + name) }
    }
  }

  private static func temporaryPrefix(_ location: KeystoreLocation) -> String {
    "." + location.fileName + ".tmp-"
  }

  private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(KeystoreError) {
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        guard errno == EINTR else { throw .io(path: path, operation: "write", errno: errno) }
        continue
      }
      written += count
    }
  }

  /// Makes the rename durable: the directory entry is flushed like the file's contents.
  private static func syncDirectory(_ path: String) throws(KeystoreError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
    defer { close(descriptor) }
    // Some file systems cannot fsync a directory (EINVAL); the rename is then as durable as they allow.
    guard fsync(descriptor) == 0 || errno == EINVAL else {
      throw .io(path: path, operation: "fsync", errno: errno)
    }
  }
}
