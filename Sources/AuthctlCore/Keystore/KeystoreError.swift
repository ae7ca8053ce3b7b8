/// Everything that can go wrong with the keystore file, its directory or its lock (exit 7).
package enum KeystoreError: Error, Equatable {
  /// The file or its directory grants group or other users access; `fix` is the command that mends it.
  case unsafePermissions(path: String, detail: String, fix: String)
  /// The file or directory is owned by another user.
  case wrongOwner(path: String, fix: String)
  /// The keystore path is a symlink or not a regular file.
  case notRegularFile(path: String, detail: String)
  /// The file is larger than the 64 MiB limit.
  case tooLarge(path: String, size: Int)
  /// The JSON is broken at `line`:`column` (1-based), or its fields have the wrong shape.
  case unparsable(path: String, line: Int, column: Int, detail: String)
  /// The `version` field names a format this build does not know.
  case unknownVersion(path: String, version: Int)
  /// Another process held the lock for more than the wait limit.
  case lockTimeout(path: String, holderPID: Int32?, waited: Int)
  /// A system call failed while reading or writing.
  case io(path: String, operation: String, errno: Int32)
}
