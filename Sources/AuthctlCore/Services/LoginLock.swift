#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One interactive login per profile at a time (SPEC §3): a lock file per profile beside the keystore,
/// separate from the keystore lock, which is never held while a person is waited on.
enum LoginLock {
  static func holding<T>(
    location: KeystoreLocation, profile: String, mayWait: Bool, _ body: () throws -> T
  ) throws -> T {
    let path = location.directory + "/.\(location.fileName).login-\(profile).lock"
    try KeystoreWriter.createDirectory(location.directory)
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard descriptor >= 0 else { throw KeystoreError.io(path: path, operation: "open", errno: errno) }
    defer { close(descriptor) }
    var request = flock()
    request.l_type = Int16(F_WRLCK)
    request.l_whence = Int16(SEEK_SET)
    if fcntl(descriptor, F_SETLK, &request) != 0 {
      guard mayWait else { throw LoginFlowError.loginInProgress(profile: profile) }
      // Another login of this profile is waiting on its person; wait for it to finish (Ctrl-C stops us).
      while fcntl(descriptor, F_SETLKW, &request) != 0 {
        guard errno == EINTR else {
          throw KeystoreError.io(path: path, operation: "fcntl(F_SETLKW)", errno: errno)
        }
      }
    }
    return try body()
  }
}
