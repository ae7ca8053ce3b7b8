import Foundation
import Synchronization
import Testing

@testable import AuthctlCore

#if canImport(Glibc)
  import Glibc
#endif

/// A keystore in a private temporary directory of its own, removed when the test ends.
private final class Sandbox {
  let root: String

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/authctl-keystore-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
    root = String(cString: created)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: root)
  }

  var location: KeystoreLocation { KeystoreLocation(path: root + "/keystore.json") }

  func keystore(lockWaitLimit: Double = 30) -> KeystoreFile {
    KeystoreFile(location: location, lockWaitLimit: lockWaitLimit)
  }

  func write(_ text: String, mode: mode_t = 0o600) throws {
    try write(Array(text.utf8), mode: mode)
  }

  func write(_ bytes: [UInt8], mode: mode_t = 0o600) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: location.path))
    chmod(location.path, mode)
  }

  func bytes(_ path: String? = nil) -> [UInt8]? {
    FileManager.default.contents(atPath: path ?? location.path).map(Array.init)
  }

  func entries() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: root).sorted()
  }

  static func mode(_ path: String) -> mode_t {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
  }
}

private let validDocument = """
  {
    "default_profile" : "work",
    "profiles" : {
      "work" : {
        "provider" : "embermind"
      }
    },
    "version" : 1
  }

  """

/// Starts `python3 -c script arguments...` with stdout on a pipe.
private func python(_ script: String, _ arguments: [String]) throws -> (Process, Pipe) {
  let process = Process()
  let output = Pipe()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", script] + arguments
  process.standardOutput = output
  try process.run()
  return (process, output)
}

/// Holds the keystore lock from another process until `seconds` pass; returns once it is held.
private func holdLock(_ lockPath: String, seconds: Double) throws -> Process {
  let script = """
    import fcntl, sys, time
    f = open(sys.argv[1], "a")
    fcntl.lockf(f, fcntl.LOCK_EX)
    print("ok", flush=True)
    time.sleep(float(sys.argv[2]))
    """
  let (process, output) = try python(script, [lockPath, String(seconds)])
  _ = output.fileHandleForReading.availableData
  return process
}

@Suite struct KeystoreTests {
  @Test(
    arguments: [
      (nil, ["AUTHCTL_KEYSTORE": "/e/k.json", "XDG_CONFIG_HOME": "/x", "HOME": "/h"], "/e/k.json"),
      ("/o/k.json", ["AUTHCTL_KEYSTORE": "/e/k.json", "XDG_CONFIG_HOME": "/x", "HOME": "/h"], "/o/k.json"),
      (nil, ["XDG_CONFIG_HOME": "/x", "HOME": "/h"], "/x/authctl/keystore.json"),
      (nil, ["XDG_CONFIG_HOME": "x", "HOME": "/h"], "/h/.config/authctl/keystore.json"),
      (nil, ["XDG_CONFIG_HOME": "", "HOME": "/h/"], "/h/.config/authctl/keystore.json"),
      ("", ["AUTHCTL_KEYSTORE": "", "HOME": "/h"], "/h/.config/authctl/keystore.json"),
    ] as [(String?, [String: String], String)])
  func pathFollowsPrecedence(option: String?, environment: [String: String], expected: String) {
    let location = KeystoreLocation.resolve(option: option, environment: environment)
    #expect(location.path == expected)
    #expect(location.lockPath == expected + ".lock")
  }

  @Test func pathWithoutHomeComesFromThePasswordDatabase() {
    let location = KeystoreLocation.resolve(option: nil, environment: [:])
    #expect(location.path == (UserAccount.current()?.home ?? "") + "/.config/authctl/keystore.json")
    #expect(KeystoreLocation(path: "k.json").directory == ".")
    #expect(KeystoreLocation(path: "/k.json").directory == "/")
  }

  @Test func firstWriteCreatesPrivateDirectoryAndFile() throws {
    let sandbox = try Sandbox()
    let location = KeystoreLocation(path: sandbox.root + "/a/b/keystore.json")
    let keystore = KeystoreFile(location: location)
    #expect(try keystore.read() == nil)
    #expect(try sandbox.entries().isEmpty)
    try keystore.update { document in
      document.defaultProfile = "work"
      document.profiles["work"] = StoredProfile(provider: "embermind")
    }
    #expect(Sandbox.mode(sandbox.root + "/a") == 0o700)
    #expect(Sandbox.mode(sandbox.root + "/a/b") == 0o700)
    #expect(Sandbox.mode(location.path) == 0o600)
    #expect(Sandbox.mode(location.lockPath) == 0o600)
    #expect(sandbox.bytes(location.path) == Array(validDocument.utf8))
    #expect(try keystore.read()?.profiles["work"]?.provider == "embermind")
  }

  @Test(arguments: [0o644, 0o640, 0o604, 0o610] as [mode_t])
  func refusesFileReadableByOthers(mode: mode_t) throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument, mode: mode)
    let error = #expect(throws: KeystoreError.self) { try sandbox.keystore().read() }
    guard case .unsafePermissions(let path, _, let fix) = error else {
      Issue.record("unexpected \(String(describing: error))")
      return
    }
    #expect(path == sandbox.location.path)
    #expect(fix == "chmod 600 '\(sandbox.location.path)'")
    #expect(throws: KeystoreError.self) { try sandbox.keystore().update { $0.defaultProfile = "x" } }
    #expect(sandbox.bytes() == Array(validDocument.utf8))
  }

  @Test(arguments: [0o770, 0o757, 0o777] as [mode_t])
  func refusesDirectoryWritableByOthers(mode: mode_t) throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    chmod(sandbox.root, mode)
    let error = #expect(throws: KeystoreError.self) { try sandbox.keystore().read() }
    #expect(
      error
        == .unsafePermissions(
          path: sandbox.root,
          detail:
            "the directory has mode 0\(String(mode, radix: 8)): group or others could replace the keystore",
          fix: "chmod go-w '\(sandbox.root)'"))
    #expect(throws: KeystoreError.self) { try sandbox.keystore().update { $0.defaultProfile = "x" } }
    #expect(sandbox.bytes() == Array(validDocument.utf8))
  }

  @Test func refusesSymlink() throws {
    let sandbox = try Sandbox()
    let target = sandbox.root + "/real.json"
    try Data(validDocument.utf8).write(to: URL(fileURLWithPath: target))
    chmod(target, 0o600)
    symlink(target, sandbox.location.path)
    let error = #expect(throws: KeystoreError.self) { try sandbox.keystore().read() }
    guard case .notRegularFile(let path, let detail) = error else {
      Issue.record("unexpected \(String(describing: error))")
      return
    }
    #expect(path == sandbox.location.path)
    #expect(detail.contains("symbolic link to '\(target)'") && detail.contains("replace the link"))
    #expect(throws: KeystoreError.self) { try sandbox.keystore().update { $0.defaultProfile = "x" } }
    #expect(sandbox.bytes(target) == Array(validDocument.utf8))
    #expect(Sandbox.mode(sandbox.location.path) == 0o777)
  }

  @Test(.enabled(if: geteuid() == 0, "only root can give a file to another user"))
  func refusesFileOwnedByAnotherUser() throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    chown(sandbox.location.path, 65534, 65534)
    let error = #expect(throws: KeystoreError.self) { try sandbox.keystore().read() }
    #expect(error == .wrongOwner(path: sandbox.location.path, fix: "chown root '\(sandbox.location.path)'"))
  }

  @Test func refusesFileOver64MiB() throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    truncate(sandbox.location.path, 64 * 1024 * 1024 + 1)
    #expect(throws: KeystoreError.tooLarge(path: sandbox.location.path, size: 64 * 1024 * 1024 + 1)) {
      try sandbox.keystore().read()
    }
  }

  @Test func updateThatChangesNothingCreatesNoKeystore() throws {
    let sandbox = try Sandbox()
    try sandbox.keystore().update { _ in }
    #expect(try sandbox.entries() == ["keystore.json.lock"])
  }

  @Test(
    arguments: [
      (Array("{\n  \"version\": 1,\n  \"profiles\": {".utf8), 3, 16, "unexpected end of file"),
      ([], 1, 1, "the file is empty"),
      (
        Array("{\n  \"version\": 1,\n  \"profiles\": {},\n}\n".utf8), 4, 1,
        "unexpected '}', expected a member"
      ),
      (
        Array("{\"version\": 1, \"profiles\": {\"a\": {\"provider\": \"x".utf8) + [0xFF]
          + Array("\"}}}".utf8),
        1, 49, "invalid UTF-8 (byte 0xFF)"
      ),
      (
        Array("{\"version\": 1,\n \"é\": ".utf8) + [0xC3, 0x28] + Array("}".utf8), 2, 7,
        "invalid UTF-8 (byte 0xC3)"
      ),
      (
        Array("{\"version\": 1, \"profiles\": {\"w\": {\"provider\": 5}}}".utf8), 1, 47,
        "at profiles.w.provider:"
      ),
      (Array("{\"version\": 1}".utf8), 1, 1, "the field \"profiles\" is missing"),
      (Array("[1, 2]".utf8), 1, 1, "at the top level"),
      (Array("{\"version\": 1.5}".utf8), 1, 13, "expected a whole number"),
      (
        Array(
          "{\"version\": 1, \"profiles\": {\"x\": {\"provider\": \"p\",\n \"credentials\": {\"expires_at\": 2.5}}}}"
            .utf8),
        2, 32, "expected a whole number"
      ),
    ] as [([UInt8], Int, Int, String)])
  func unparsableFileReportsWhereItBreaks(bytes: [UInt8], line: Int, column: Int, detail: String) throws {
    let sandbox = try Sandbox()
    try sandbox.write(bytes)
    let error = #expect(throws: KeystoreError.self) { try sandbox.keystore().read() }
    guard case .unparsable(let path, let foundLine, let foundColumn, let foundDetail) = error else {
      Issue.record("unexpected \(String(describing: error))")
      return
    }
    #expect(path == sandbox.location.path)
    #expect(foundLine == line && foundColumn == column, "\(foundLine):\(foundColumn) \(foundDetail)")
    #expect(foundDetail.contains(detail), "\(foundDetail)")
    #expect(throws: KeystoreError.self) { try sandbox.keystore().update { $0.defaultProfile = "x" } }
    #expect(sandbox.bytes() == bytes)
  }

  @Test func unknownVersionIsRefusedAndKept() throws {
    let sandbox = try Sandbox()
    let future = "{\"version\": 2, \"accounts\": []}\n"
    try sandbox.write(future)
    #expect(throws: KeystoreError.unknownVersion(path: sandbox.location.path, version: 2)) {
      try sandbox.keystore().read()
    }
    #expect(throws: KeystoreError.self) { try sandbox.keystore().update { $0.defaultProfile = "x" } }
    #expect(sandbox.bytes() == Array(future.utf8))
  }

  @Test func throwingBodyWritesNothing() throws {
    struct Abort: Error {}
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    #expect(throws: Abort.self) {
      try sandbox.keystore().update { document in
        document.profiles = [:]
        throw Abort()
      }
    }
    #expect(sandbox.bytes() == Array(validDocument.utf8))
    #expect(try sandbox.entries() == ["keystore.json", "keystore.json.lock"])
  }

  @Test func writesLeaveNoTemporaryFilesAndRemoveStaleOnes() throws {
    let sandbox = try Sandbox()
    let stale = sandbox.root + "/.keystore.json.tmp-99999-dead"
    let unrelated = sandbox.root + "/.other.json.tmp-1-beef"
    for path in [stale, unrelated] {
      _ = FileManager.default.createFile(atPath: path, contents: Data("{".utf8))
    }
    for index in 0..<3 {
      try sandbox.keystore().update { $0.defaultProfile = "p\(index)" }
    }
    #expect(try sandbox.entries() == [".other.json.tmp-1-beef", "keystore.json", "keystore.json.lock"])
    #expect(try sandbox.keystore().read()?.defaultProfile == "p2")
  }

  @Test func lockTimeoutNamesTheHolder() throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    let holder = try holdLock(sandbox.location.lockPath, seconds: 10)
    defer { holder.terminate() }
    let start = Date()
    #expect(
      throws: KeystoreError.lockTimeout(
        path: sandbox.location.lockPath, holderPID: holder.processIdentifier, waited: 1)
    ) {
      try sandbox.keystore(lockWaitLimit: 1).update { $0.defaultProfile = "x" }
    }
    #expect(Date().timeIntervalSince(start) < 3)
    #expect(sandbox.bytes() == Array(validDocument.utf8))
  }

  @Test func updateWaitsForAnotherProcessToRelease() throws {
    let sandbox = try Sandbox()
    try sandbox.write(validDocument)
    let holder = try holdLock(sandbox.location.lockPath, seconds: 0.5)
    let start = Date()
    try sandbox.keystore(lockWaitLimit: 10).update { $0.defaultProfile = "after" }
    #expect(Date().timeIntervalSince(start) > 0.2)
    holder.waitUntilExit()
    #expect(try sandbox.keystore().read()?.defaultProfile == "after")
  }

  @Test func concurrentUpdatesFromThreadsAndProcessesLoseNothing() throws {
    let sandbox = try Sandbox()
    let keystore = sandbox.keystore()
    try keystore.update { $0.profiles["counter"] = StoredProfile(provider: "test") }
    // Another process incrementing through the same lock file, as a second authctl would.
    let incrementer = """
      import fcntl, json, os, sys
      path = sys.argv[1]
      for _ in range(25):
          with open(path + ".lock", "a") as lock:
              fcntl.lockf(lock, fcntl.LOCK_EX)
              with open(path) as f:
                  doc = json.load(f)
              counter = doc["profiles"]["counter"]
              counter["login"] = str(int(counter.get("login", "0")) + 1)
              tmp = os.path.join(os.path.dirname(path), ".py-%d" % os.getpid())
              fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
              os.write(fd, json.dumps(doc).encode())
              os.fsync(fd)
              os.close(fd)
              os.replace(tmp, path)
      """
    let processes = try (0..<2).map { _ in try python(incrementer, [sandbox.location.path]).0 }
    let failures = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      for _ in 0..<25 {
        do {
          try keystore.update { document in
            let count = Int(document.profiles["counter"]?.login ?? "0") ?? 0
            document.profiles["counter"]?.login = String(count + 1)
          }
        } catch {
          failures.withLock { $0 += 1 }
        }
      }
    }
    for process in processes { process.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })
    #expect(failures.withLock { $0 } == 0)
    #expect(try keystore.read()?.profiles["counter"]?.login == String(10 * 25))
  }
}
