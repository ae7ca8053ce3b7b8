import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// SPEC §4: where the keystore lives, who may read it, what happens when it is unsafe or broken
/// (exit 7, never overwritten), the lock beside it, and interrupted commands.
@Suite struct KeystoreSafetyTests {
  /// A login that would reach the network only after reading the keystore; port 9 is closed, so a
  /// login that got that far would exit 5, not 7.
  static let writingLogin = [
    "login", "-p", "new", "--provider", "craft", "--base-url", "http://127.0.0.1:9", "--api-key-stdin",
  ]

  /// Runs `args`, giving stdin only to the login that reads it: a write to a command that exits
  /// without reading would raise SIGPIPE in the test process.
  private static func run(_ sandbox: Sandbox, _ args: [String]) throws -> RunResult {
    try sandbox.run(args, stdin: args.first == "login" ? "some-key" : nil)
  }

  // MARK: creation

  @Test("The first login creates the directory 0700, the file 0600 and the lock beside it, even with umask 0")
  func firstLoginCreatesPrivateFiles() throws {
    let binary = try HarnessPaths.authctlBinary()
    let sandbox = try Sandbox(binary: URL(fileURLWithPath: "/bin/sh"))
    let server = try CrossCut.craft()
    let script = #"umask 000; exec "$0" "$@""#
    let result = try sandbox.run(
      [
        "-c", script, binary.path, "login", "--provider", "craft", "--base-url", server.baseURL,
        "--api-key-stdin",
      ],
      stdin: CrossCut.craftKey)
    #expect(result.status == 0, "\(result)")
    #expect(sandbox.directoryMode() == 0o700)
    #expect(sandbox.keystoreMode() == 0o600)
    #expect(Sandbox.mode(sandbox.keystorePath + ".lock") == 0o600)
    #expect(CrossCut.entries(sandbox.configDirectory) == ["keystore.json", "keystore.json.lock"])
    let profile = (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["default"] as? [String: Any]
    #expect(profile?["provider"] as? String == "craft")
    #expect(sandbox.keystoreJSON()?["version"] as? Int == 1)
  }

  // MARK: unsafe files

  @Test(
    "A keystore file open to group or others is refused (exit 7) with 'chmod 600' and left as it is",
    arguments: [0o644, 0o640, 0o604, 0o660, 0o606, 0o601])
  func unsafeFileModeIsRefused(mode: Int) throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText().utf8), mode: mode)
    let before = try #require(sandbox.keystoreBytes())
    for args in [["token"], Self.writingLogin, ["profiles", "remove", "work"], ["logout", "--all"]] {
      let result = try Self.run(sandbox, args)
      #expect(result.status == 7, "\(args): \(result)")
      #expect(result.stderr.contains("chmod 600"), "\(result)")
      #expect(result.stderr.contains(sandbox.keystorePath), "\(result)")
      #expect(result.stdout == "")
      #expect(sandbox.keystoreBytes() == before)
      #expect(sandbox.keystoreMode() == mode)
    }
    #expect(CrossCut.entries(sandbox.configDirectory) == ["keystore.json"])
  }

  @Test(
    "A keystore directory writable by group or others is refused (exit 7) with the chmod that fixes it",
    arguments: [0o777, 0o775, 0o757, 0o770])
  func unsafeDirectoryModeIsRefused(mode: Int) throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText().utf8))
    let before = try #require(sandbox.keystoreBytes())
    try #require(chmod(sandbox.configDirectory, mode_t(mode)) == 0)
    for args in [["token"], Self.writingLogin, ["profiles", "use", "work"]] {
      let result = try Self.run(sandbox, args)
      #expect(result.status == 7, "\(args): \(result)")
      #expect(result.stderr.contains("chmod "), "\(result)")
      #expect(result.stderr.contains(sandbox.configDirectory), "\(result)")
      #expect(sandbox.keystoreBytes() == before)
    }
    #expect(sandbox.directoryMode() == mode)
    #expect(CrossCut.entries(sandbox.configDirectory) == ["keystore.json"])
  }

  @Test("A keystore that is a symbolic link is refused (exit 7) and neither link nor target changes")
  func symlinkedKeystoreIsRefused() throws {
    let sandbox = try Sandbox()
    let target = sandbox.root.appendingPathComponent("real-keystore.json").path
    try CrossCut.writeFile(target, Data(CrossCut.keystoreText().utf8))
    try FileManager.default.createDirectory(
      atPath: sandbox.configDirectory, withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    try FileManager.default.createSymbolicLink(atPath: sandbox.keystorePath, withDestinationPath: target)
    let before = FileManager.default.contents(atPath: target)
    for args in [["token"], Self.writingLogin, ["profiles", "remove", "work"]] {
      let result = try Self.run(sandbox, args)
      #expect(result.status == 7, "\(args): \(result)")
      #expect(result.stderr.contains("symbolic link"), "\(result)")
      #expect(result.stdout == "")
      #expect(FileManager.default.contents(atPath: target) == before)
      #expect(
        (try? FileManager.default.destinationOfSymbolicLink(atPath: sandbox.keystorePath)) == target)
    }
  }

  // MARK: broken contents

  static let brokenKeystores: [(String, [UInt8], Int, Int)] = [
    ("truncated JSON", Array("{\n  \"version\" : 1,\n  \"profiles\" : {".utf8), 3, 17),
    ("half a keystore", Array(CrossCut.keystoreText().utf8.prefix(120)), 6, 16),
    ("an empty file", [], 1, 1),
    (
      "bytes that are not UTF-8",
      Array("{\"version\": 1, \"x\": \"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8), 1, 22
    ),
    ("a character of two bytes before the error", Array("{\n  \"name\": \"héllo\", oops\n}".utf8), 2, 20),
    ("a trailing comma", Array("{\"version\": 1, \"profiles\": {},}".utf8), 1, 31),
  ]

  @Test(
    "An unparsable keystore is refused (exit 7) naming path, line and column, and never overwritten",
    arguments: brokenKeystores)
  func unparsableKeystoreIsRefused(label: String, bytes: [UInt8], line: Int, column: Int) throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data(bytes))
    for args in [["token"], Self.writingLogin, ["profiles", "list"], ["logout", "--all"]] {
      let result = try Self.run(sandbox, args)
      #expect(result.status == 7, "\(label), \(args): \(result)")
      #expect(result.stderr.contains(sandbox.keystorePath), "\(result)")
      #expect(result.stderr.contains("line \(line)"), "\(label): \(result)")
      #expect(result.stderr.contains("column \(column)"), "\(label): \(result)")
      #expect(result.stdout == "")
      #expect(sandbox.keystoreBytes() == Data(bytes))
    }
    #expect(CrossCut.entries(sandbox.configDirectory) == ["keystore.json"])
  }

  @Test("A keystore of an unknown format version is refused (exit 7) and left alone")
  func unknownVersionIsRefused() throws {
    let sandbox = try Sandbox()
    let bytes = Data(#"{"version": 99, "profiles": {}, "default_profile": "work"}"#.utf8)
    try CrossCut.writeKeystore(sandbox, bytes)
    for args in [["token"], Self.writingLogin, ["profiles", "list"]] {
      let result = try Self.run(sandbox, args)
      #expect(result.status == 7, "\(args): \(result)")
      #expect(result.stderr.contains("99"), "\(result)")
      #expect(result.stderr.contains("version"), "\(result)")
      #expect(sandbox.keystoreBytes() == bytes)
    }
  }

  @Test("A keystore over 64 MiB is refused (exit 7) without being read or changed")
  func oversizedKeystoreIsRefused() throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText().utf8))
    let size: UInt64 = 64 * 1024 * 1024 + 1
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.keystorePath))
    try handle.truncate(atOffset: size)  // sparse: no 64 MiB actually written
    try handle.close()
    for args in [["token"], Self.writingLogin] {
      let (result, seconds) = try CrossCut.timed { try Self.run(sandbox, args) }
      #expect(result.status == 7, "\(args): \(result)")
      #expect(result.stderr.contains(sandbox.keystorePath), "\(result)")
      #expect(result.stderr.contains("64 MiB"), "\(result)")
      #expect(seconds < 10)
      let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.keystorePath)
      #expect((attributes[.size] as? NSNumber)?.uint64Value == size)
    }
  }

  @Test(
    "--help, --version and providers work with a broken keystore",
    arguments: [
      ["providers"], ["providers", "--json"], ["--help"], ["token", "--help"], ["login", "-h"], ["--version"],
    ])
  func helpWorksWithABrokenKeystore(args: [String]) throws {
    let sandbox = try Sandbox()
    let bytes = Data("{\"version\": ".utf8)
    try CrossCut.writeKeystore(sandbox, bytes, mode: 0o644)
    let result = try sandbox.run(args)
    #expect(result.status == 0, "\(result)")
    #expect(!result.stdout.isEmpty)
    #expect(result.stderr == "")
    #expect(sandbox.keystoreBytes() == bytes)
  }

  // MARK: location

  enum Location: String, CaseIterable, Sendable {
    case option, environment, xdg, home, relativeXDG
  }

  @Test(
    "--keystore beats AUTHCTL_KEYSTORE beats XDG_CONFIG_HOME beats HOME; a relative XDG_CONFIG_HOME is ignored",
    arguments: Location.allCases)
  func keystorePathPrecedence(location: Location) throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let root = sandbox.root.path
    let optionPath = root + "/by-option/ks.json"
    let environmentPath = root + "/by-env/ks.json"
    let xdgPath = root + "/xdg/authctl/keystore.json"
    var extra: [String] = []
    var env: [String: String] = [:]
    let expected: String
    switch location {
    case .option:
      (extra, env, expected) = (
        ["--keystore", optionPath], ["AUTHCTL_KEYSTORE": environmentPath, "XDG_CONFIG_HOME": root + "/xdg"],
        optionPath
      )
    case .environment:
      (env, expected) = (
        ["AUTHCTL_KEYSTORE": environmentPath, "XDG_CONFIG_HOME": root + "/xdg"], environmentPath
      )
    case .xdg:
      (env, expected) = (["XDG_CONFIG_HOME": root + "/xdg"], xdgPath)
    case .home:
      expected = sandbox.keystorePath
    case .relativeXDG:
      (env, expected) = (["XDG_CONFIG_HOME": "xdg"], sandbox.keystorePath)
    }
    try CrossCut.loginCraft(sandbox, server, extra: extra, env: env)
    for path in [optionPath, environmentPath, xdgPath, sandbox.keystorePath] {
      #expect(FileManager.default.fileExists(atPath: path) == (path == expected), "\(path)")
    }
    #expect(Sandbox.mode(expected) == 0o600)
    #expect(Sandbox.mode((expected as NSString).deletingLastPathComponent) == 0o700)
    #expect(FileManager.default.fileExists(atPath: expected + ".lock"))
    let token = try sandbox.run(["token"] + extra, env: env)
    #expect(token.stdout == CrossCut.craftKey + "\n", "\(token)")
  }

  @Test(
    "A profile that lives only in the environment, used read-only, creates no file",
    arguments: [
      ["token"], ["header"], ["check"], ["profiles", "list"], ["profiles", "show"], ["check", "--offline"],
    ])
  func environmentOnlyProfileCreatesNothing(args: [String]) throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let named = [
      "AUTHCTL_PROFILE_CI_BOT_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_BOT_BASE_URL": server.baseURL,
      "AUTHCTL_PROFILE_CI_BOT_API_KEY": CrossCut.craftKey, "AUTHCTL_PROFILE": "ci-bot",
    ]
    let plain = [
      "AUTHCTL_PROVIDER": "craft", "AUTHCTL_BASE_URL": server.baseURL, "AUTHCTL_API_KEY": CrossCut.craftKey,
    ]
    for env in [named, plain] {
      let result = try sandbox.run(args, env: env)
      #expect(result.status == 0, "\(env.keys.sorted()): \(result)")
      #expect(!result.stdout.isEmpty)
      #expect(
        !FileManager.default.fileExists(atPath: sandbox.home.path + "/.config"), "\(args) created files")
      #expect(CrossCut.entries(sandbox.home.path).isEmpty)
    }
  }

  @Test("No temporary file is left beside the keystore after commands that write, fail or read")
  func noTemporaryFilesLeft() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft(keys: [CrossCut.craftKey, "second-key"])
    let expected = ["keystore.json", "keystore.json.lock"]
    try CrossCut.loginCraft(sandbox, server, profile: "one")
    #expect(CrossCut.entries(sandbox.configDirectory) == expected)
    try CrossCut.loginCraft(sandbox, server, key: "second-key", profile: "two")
    let steps: [([String], String?, Int32)] = [
      (["token", "-p", "two"], nil, 0),
      (["profiles", "use", "two"], nil, 0),
      (
        ["login", "-p", "bad", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin"],
        "wrong", 3
      ),
      (["profiles", "remove", "one"], nil, 0),
      (["check"], nil, 0),
      (["logout"], nil, 0),
      (["logout", "--all"], nil, 0),
    ]
    for (args, stdin, status) in steps {
      let result = try sandbox.run(args, stdin: stdin)
      #expect(result.status == status, "\(args): \(result)")
      #expect(CrossCut.entries(sandbox.configDirectory) == expected, "after \(args)")
    }
    #expect(sandbox.keystoreMode() == 0o600)
  }

  // MARK: the lock

  @Test("A login waits while another process holds the keystore lock, then succeeds")
  func loginWaitsForTheLock() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let lockPath = sandbox.keystorePath + ".lock"
    try CrossCut.writeFile(lockPath, Data())
    let holder = try LockHolder(lockPath, seconds: 1.5, keystore: sandbox.keystorePath)
    defer { holder.stop() }
    #expect(holder.readLine() == "locked")
    let login = try sandbox.launch(
      ["login", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin"],
      stdin: CrossCut.craftKey)
    let result = try login.wait(timeout: 30)
    let finished = Date().timeIntervalSince1970
    let release = holder.readLine().split(separator: " ")
    #expect(result.status == 0, "\(result)")
    let released = try #require(Double(release.first ?? ""), "holder said \(release)")
    #expect(release.last == "absent", "the keystore was written while the lock was held")
    let verified = try #require(try server.requests(path: "/v1/me").first)
    #expect(verified.time < released, "login reached the lock only after it was released")
    #expect(finished >= released)
    #expect(sandbox.keystoreMode() == 0o600)
    #expect(sandbox.keystoreJSON()?["default_profile"] as? String == "default")
  }

  @Test("A command that waits more than 30 s for the lock exits 7 and names the holder's pid")
  func lockTimeoutNamesTheHolder() async throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText().utf8))
    let before = sandbox.keystoreBytes()
    let lockPath = sandbox.keystorePath + ".lock"
    try CrossCut.writeFile(lockPath, Data())
    let holder = try LockHolder(lockPath, seconds: 60, keystore: sandbox.keystorePath)
    defer { holder.stop() }
    #expect(holder.readLine() == "locked")
    // 30 s of waiting runs on a thread of its own, leaving Swift Testing's few threads to other tests.
    let (result, seconds) = try await CrossCut.onOwnThread {
      try CrossCut.timed { try sandbox.run(["profiles", "use", "work"], timeout: 50) }
    }
    #expect(result.status == 7, "\(result)")
    #expect(CrossCut.words(of: result.stderr).contains(String(holder.pid)), "\(result)")
    #expect(result.stderr.contains(lockPath), "\(result)")
    #expect(seconds >= 29 && seconds < 40, "waited \(seconds) s")
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: interruption

  @Test(
    "SIGINT and SIGTERM during a login exit 130 and 143, leaving the keystore as it was",
    arguments: [(SIGINT, 130), (SIGTERM, 143)] as [(Int32, Int32)])
  func interruptedLoginChangesNothing(signal: Int32, code: Int32) throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText(baseURL: server.baseURL).utf8))
    let before = sandbox.keystoreBytes()
    try server.fault(["path": "/v1/me", "delay": 10])
    let login = try sandbox.launch(
      ["login", "-p", "new", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin"],
      stdin: CrossCut.craftKey)
    let started = Date()
    #expect(try CrossCut.eventually { try !server.requests(path: "/v1/me").isEmpty })
    login.signal(signal)
    let result = try login.wait(timeout: 15)
    #expect(result.status == code, "\(result)")
    #expect(Date().timeIntervalSince(started) < 8, "the signal did not cut the 10 s wait short")
    #expect(result.stdout == "")
    #expect(sandbox.keystoreBytes() == before)
    #expect(!CrossCut.entries(sandbox.configDirectory).contains { $0.contains("tmp") })
    #expect(!CrossCut.entries(sandbox.configDirectory).contains { $0.hasPrefix(".") })
  }
}

/// A python process holding the POSIX record lock on a file, as docs/keystore.md tells scripts to.
/// Prints `locked`, then after `seconds` releases it and prints the release time and whether the
/// keystore existed at that moment (`present` / `absent`).
private final class LockHolder: @unchecked Sendable {
  private let process = Process()
  private let output = Pipe()

  init(_ lockPath: String, seconds: Double, keystore: String) throws {
    let script = """
      import fcntl, os, sys, time
      f = open(sys.argv[1], "a")
      fcntl.lockf(f, fcntl.LOCK_EX)
      print("locked", flush=True)
      time.sleep(float(sys.argv[2]))
      state = "present" if os.path.exists(sys.argv[3]) else "absent"
      released = time.time()
      fcntl.lockf(f, fcntl.LOCK_UN)
      print(repr(released), state, flush=True)
      """
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, lockPath, String(seconds), keystore]
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try Spawn.run(process)
  }

  var pid: Int32 { process.processIdentifier }

  /// The next line the holder prints ("" at end of output).
  func readLine() -> String {
    var bytes: [UInt8] = []
    while let byte = try? output.fileHandleForReading.read(upToCount: 1), let first = byte.first {
      if first == UInt8(ascii: "\n") { break }
      bytes.append(first)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  func stop() {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}
