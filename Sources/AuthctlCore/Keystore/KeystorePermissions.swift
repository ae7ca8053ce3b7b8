import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The ownership and permission rules of the keystore file and its directory, with the command that fixes each.
enum KeystorePermissions {
  /// SPEC §4: a keystore over 64 MiB is refused.
  static let maximumSize = 64 * 1024 * 1024

  /// Checks the directory that holds the keystore (following symlinks: `~/.config` often is one).
  // SPEC §4: owned by the user and not writable by group or others.
  static func checkDirectory(_ directory: String) throws(KeystoreError) {
    var info = stat()
    guard stat(directory, &info) == 0 else {
      throw .io(path: directory, operation: "stat", errno: errno)
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw .notRegularFile(path: directory, detail: "it is not a directory")
    }
    guard info.st_uid == geteuid() else {
      throw .wrongOwner(path: directory, fix: "chown \(userName) \(shellQuoted(directory))")
    }
    guard info.st_mode & 0o022 == 0 else {
      throw .unsafePermissions(
        path: directory,
        detail: "the directory has mode \(octal(info.st_mode)): group or others could replace the keystore",
        fix: "chmod go-w \(shellQuoted(directory))")
    }
  }

  /// Checks the keystore file's own `lstat`/`fstat` result.
  // SPEC §4: a regular file (not a symlink), owned by the user, no bits for group or others.
  static func checkFile(_ info: stat, path: String) throws(KeystoreError) {
    let type = info.st_mode & S_IFMT
    if type == S_IFLNK {
      let target = linkTarget(path).map { " to \(shellQuoted($0))" } ?? ""
      throw .notRegularFile(
        path: path,
        detail: "it is a symbolic link\(target); replace the link with the regular file it points to "
          + "(or point --keystore or AUTHCTL_KEYSTORE at that file)")
    }
    guard type == S_IFREG else {
      throw .notRegularFile(
        path: path,
        detail:
          "it is not a regular file; move it aside: mv \(shellQuoted(path)) \(shellQuoted(path + ".bak"))")
    }
    guard info.st_uid == geteuid() else {
      throw .wrongOwner(path: path, fix: "chown \(userName) \(shellQuoted(path))")
    }
    guard info.st_mode & 0o077 == 0 else {
      throw .unsafePermissions(
        path: path,
        detail: "the file has mode \(octal(info.st_mode)): group or others may read or change it",
        fix: "chmod 600 \(shellQuoted(path))")
    }
    guard Int(info.st_size) <= maximumSize else {
      throw .tooLarge(path: path, size: Int(info.st_size))
    }
  }

  /// The path quoted for a POSIX shell, so a fix command can be pasted as it is.
  static func shellQuoted(_ path: String) -> String {
    "'" + path.replacing("'", with: "'\\''") + "'"
  }

  private static var userName: String {
    UserAccount.current()?.name ?? String(geteuid())
  }

  private static func octal(_ mode: mode_t) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }

  private static func linkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
