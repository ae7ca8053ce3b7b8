import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where the keystore file and its lock file live.
package struct KeystoreLocation: Sendable, Equatable {
  /// The keystore file, as given or resolved (may be relative to the working directory).
  package let path: String

  package init(path: String) {
    self.path = path
  }

  /// The directory that holds the keystore, its lock file and its temporary files.
  package var directory: String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let parent = path[..<slash]
    return parent.isEmpty ? "/" : String(parent)
  }

  /// The last path component, the keystore's file name.
  package var fileName: String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// The lock file beside the keystore; SPEC §4: never in /tmp, never the data file.
  package var lockPath: String { path + ".lock" }

  /// Resolves the keystore path; empty values count as absent.
  // SPEC §4: --keystore, else $AUTHCTL_KEYSTORE, else $XDG_CONFIG_HOME/authctl/keystore.json,
  // else ~/.config/authctl/keystore.json.
  package static func resolve(option: String?, environment: [String: String]) -> KeystoreLocation {
    if let option, !option.isEmpty {
      return KeystoreLocation(path: option)
    }
    if let variable = environment["AUTHCTL_KEYSTORE"], !variable.isEmpty {
      return KeystoreLocation(path: variable)
    }
    // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
    if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
      return KeystoreLocation(path: joined(config, "authctl/keystore.json"))
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? UserAccount.current()?.home ?? "/"
    return KeystoreLocation(path: joined(home, ".config/authctl/keystore.json"))
  }

  private static func joined(_ directory: String, _ relative: String) -> String {
    directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
  }
}

/// The effective user's name and home directory from the password database.
struct UserAccount {
  let name: String
  let home: String

  /// Looks up the effective user with the reentrant getpwuid_r (tests run on many threads).
  static func current() -> UserAccount? {
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    // The strings in `entry` point into `buffer`: read them while it is still borrowed.
    return buffer.withUnsafeMutableBufferPointer { storage -> UserAccount? in
      guard let base = storage.baseAddress,
        getpwuid_r(geteuid(), &entry, base, storage.count, &result) == 0, result != nil,
        let name = entry.pw_name, let home = entry.pw_dir
      else { return nil }
      return UserAccount(name: String(cString: name), home: String(cString: home))
    }
  }
}
