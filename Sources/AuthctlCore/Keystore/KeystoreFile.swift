import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The keystore on disk: checked reads, and read-modify-write under the lock with an atomic replace.
package struct KeystoreFile: Sendable {
  package let location: KeystoreLocation
  /// Seconds to wait for another process's lock before giving up (SPEC §4: 30).
  package let lockWaitLimit: Double

  package init(location: KeystoreLocation, lockWaitLimit: Double = 30) {
    self.location = location
    self.lockWaitLimit = lockWaitLimit
  }

  /// The document, or nil when there is no keystore file; creates nothing.
  package func read() throws(KeystoreError) -> KeystoreDocument? {
    guard let bytes = try contents() else { return nil }
    return try KeystoreCodec.decode(bytes, path: location.path)
  }

  /// The document with only the profile `select` names given the default profile, or nil when there is no
  /// keystore file: every check of `read()` applies, but the other profiles are not decoded. Never for writing.
  package func read(selecting select: (_ defaultProfile: String?) -> String) throws(KeystoreError)
    -> KeystoreDocument?
  {
    guard let bytes = try contents() else { return nil }
    return try KeystoreCodec.decode(bytes, path: location.path, selecting: select)
  }

  /// The file's bytes once its directory, type, owner, mode and size pass; nil when there is no file.
  private func contents() throws(KeystoreError) -> [UInt8]? {
    let path = location.path
    var linkInfo = stat()
    guard lstat(path, &linkInfo) == 0 else {
      let code = errno
      if code == ENOENT { return nil }
      throw .io(path: path, operation: "lstat", errno: code)
    }
    try KeystorePermissions.checkDirectory(location.directory)
    try KeystorePermissions.checkFile(linkInfo, path: path)
    // O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO swapped in after lstat neither redirects nor blocks the open.
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ENOENT { return nil }
      if code == ELOOP { throw .notRegularFile(path: path, detail: "it is a symbolic link") }
      throw .io(path: path, operation: "open", errno: code)
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
    try KeystorePermissions.checkFile(info, path: path)
    return try readContents(of: descriptor, path: path, expectedSize: Int(info.st_size))
  }

  /// Reads the document under the lock (a new empty one when there is no file), lets `body` change it, and
  /// writes it back atomically if it changed; when `body` throws nothing is written.
  ///
  /// A file that `read()` refuses is never overwritten: its error is thrown. Creates the directory and the
  /// lock file. Not reentrant: `body` must not call `update` or `withLock` again.
  // SPEC §3: a refresh runs inside `body`, so only one process refreshes and the rotated token is
  // written before anything else is done with it.
  package func update<T>(_ body: (inout KeystoreDocument) throws -> T) throws -> T {
    try withLock {
      let original = try read()
      var document = original ?? KeystoreDocument()
      let result = try body(&document)
      if document != (original ?? KeystoreDocument()) {
        try KeystoreWriter.replace(location, with: PlainKeystoreEncoder.encode(document))
      }
      return result
    }
  }

  /// Runs `body` holding the keystore lock, after creating the directory (0700) and checking it.
  package func withLock<T>(_ body: () throws -> T) throws -> T {
    try KeystoreWriter.createDirectory(location.directory)
    try KeystorePermissions.checkDirectory(location.directory)
    return try KeystoreLock.holding(location.lockPath, waitLimit: lockWaitLimit, body)
  }
}

/// Reads a descriptor to its end, refusing more than the keystore's size limit.
private func readContents(of descriptor: Int32, path: String, expectedSize: Int) throws(KeystoreError)
  -> [UInt8]
{
  var bytes: [UInt8] = []
  bytes.reserveCapacity(expectedSize)
  var chunk = [UInt8](repeating: 0, count: 64 * 1024)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    if count == 0 { return bytes }
    if count < 0 {
      guard errno == EINTR else { throw .io(path: path, operation: "read", errno: errno) }
      continue
    }
    bytes.append(contentsOf: chunk[..<count])
    // The file may have grown since fstat.
    guard bytes.count <= KeystorePermissions.maximumSize else {
      throw .tooLarge(path: path, size: bytes.count)
    }
  }
}
