import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The command line as a user meets it: help, version, usage errors, secrets refused in argv,
/// global options anywhere, stdout carrying only the product, `--json` errors and `--quiet`.
@Suite struct CLITests {
  /// Every command, as typed.
  static let commands: [[String]] = [
    ["login"], ["refresh"], ["check"], ["token"], ["header"], ["keys", "create"], ["keys", "list"],
    ["keys", "delete"], ["keys", "rotate"], ["logout"], ["profiles", "list"], ["profiles", "show"],
    ["profiles", "use"], ["profiles", "remove"], ["providers"],
  ]

  // MARK: help and version

  @Test("--help and -h on every command print its usage on stdout and exit 0", arguments: commands)
  func helpOnEveryCommand(command: [String]) throws {
    let sandbox = try Sandbox()
    for flag in ["--help", "-h"] {
      let result = try sandbox.run(command + [flag])
      #expect(result.status == 0, "\(result)")
      #expect(result.stdout.contains("Usage: authctl \(command.joined(separator: " "))"), "\(result)")
      #expect(result.stderr == "", "\(result)")
    }
    #expect(!FileManager.default.fileExists(atPath: sandbox.configDirectory))
  }

  @Test("Top-level help lists every command and the global options")
  func topLevelHelpListsEveryCommand() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["--help"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("Usage:"))
    for command in Self.commands {
      #expect(result.stdout.contains("  " + command.joined(separator: " ")), "help lacks \(command)")
    }
    for option in ["--profile", "--keystore", "--json", "--quiet", "--verbose", "--timeout", "--version"] {
      #expect(result.stdout.contains(option), "help lacks \(option)")
    }
    #expect(result.stderr == "")
  }

  @Test("--version prints one line on stdout and nothing on stderr")
  func versionIsOneLine() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["--version"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.hasPrefix("authctl "))
    #expect(result.stdout.hasSuffix("\n"))
    #expect(result.stdout.filter { $0 == "\n" }.count == 1)
    #expect(result.stdout.count > "authctl \n".count)
    #expect(result.stderr == "")
  }

  @Test("The man page names the version --version prints")
  func manPageNamesTheVersion() throws {
    let version = try Sandbox().run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let page = try String(
      contentsOf: HarnessPaths.packageRoot.appendingPathComponent("docs/authctl.1"), encoding: .utf8)
    let title = page.split(separator: "\n").first { $0.hasPrefix(".TH ") }
    #expect(title?.contains("\"\(version)\"") == true, "\(title ?? "no .TH line"): update it to \(version)")
  }

  // MARK: usage errors

  @Test(
    "A mistyped command or option exits 2 and suggests the right one",
    arguments: [
      (["tokn"], "token"), (["tokne", "-p", "work"], "token"), (["token", "--josn"], "--json"),
      (["profiles", "lst"], "list"), (["keys", "craete"], "create"), (["--verbse", "token"], "--verbose"),
      (["providers", "--quite"], "--quiet"),
    ])
  func typoSuggestsTheRightWord(args: [String], meant: String) throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(args)
    #expect(result.status == 2, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("did you mean"), "\(result)")
    #expect(result.stderr.contains(meant), "\(result)")
    #expect(result.stderr.contains("Usage:"), "\(result)")
  }

  @Test(
    "A command without its required argument exits 2",
    arguments: [["keys", "delete"], ["profiles", "use"], ["profiles", "remove"], ["keys"], ["profiles"]])
  func missingArgumentIsAUsageError(args: [String]) throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(args)
    #expect(result.status == 2, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Usage:"), "\(result)")
  }

  @Test("An unexpected extra argument exits 2")
  func extraArgumentIsAUsageError() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["token", "surplus"])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("surplus"))
    #expect(result.stdout == "")
  }

  static let argvSecret = "argv-secret-Zq81xT"

  @Test(
    "A secret given as an option value is refused with exit 2, pointing to the -stdin form",
    arguments: [
      (["login", "--password", argvSecret], "--password-stdin"),
      (["login", "--password=" + argvSecret], "--password-stdin"),
      (["login", "--api-key=" + argvSecret], "--api-key-stdin"),
      (["login", "--api-key", argvSecret, "--provider", "craft"], "--api-key-stdin"),
      (["login", "--client-secret", argvSecret], "--client-secret-stdin"),
      (["login", "--token", argvSecret], "--token-stdin"),
      (["--json", "login", "--token=" + argvSecret], "--token-stdin"),
      (["--password", argvSecret, "login"], "--password-stdin"),
      (["token", "-p", "work", "--api-key", argvSecret], "--api-key-stdin"),
    ])
  func secretOptionsAreRefused(args: [String], alternative: String) throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(args)
    #expect(result.status == 2, "\(result)")
    #expect(CrossCut.words(of: result.stderr).contains("ps"), "the message should say why: \(result)")
    #expect(result.stderr.contains(alternative), "\(result)")
    #expect(!result.stderr.contains(Self.argvSecret))
    #expect(!result.stdout.contains(Self.argvSecret))
    #expect(!FileManager.default.fileExists(atPath: sandbox.configDirectory))
  }

  @Test("--timeout needs a positive number of seconds", arguments: ["abc", "1s", "-5", ""])
  func timeoutMustBeANumber(value: String) throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["--timeout", value, "token"])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("--timeout"), "\(result)")
    #expect(result.stdout == "")
  }

  @Test(
    "An invalid profile name is a usage error", arguments: ["Work", "a_b", "-lead", "über", "a.b", "a b"])
  func invalidProfileName(name: String) throws {
    let sandbox = try Sandbox()
    let viaOption = try sandbox.run(["token", "--profile=" + name])
    #expect(viaOption.status == 2, "\(viaOption)")
    #expect(viaOption.stderr.contains("profile name"), "\(viaOption)")
    #expect(viaOption.stdout == "")
    let viaEnvironment = try sandbox.run(["token"], env: ["AUTHCTL_PROFILE": name])
    #expect(viaEnvironment.status == 2, "\(viaEnvironment)")
    #expect(viaEnvironment.stdout == "")
  }

  @Test("login without a provider exits 2 and says how to name one")
  func loginWithoutProvider() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["login"])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("--provider"), "\(result)")
    #expect(result.stdout == "")
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath))
  }

  @Test("A login that needs a password while stdin is not a terminal fails at once with exit 2")
  func loginWithoutPasswordAndTerminal() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.embermind()
    let result = try sandbox.run([
      "login", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin", "--flow",
      "password",
    ])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("--password-stdin"), "\(result)")
    #expect(result.stderr.contains("AUTHCTL_PASSWORD"), "\(result)")
    #expect(result.stdout == "")
    #expect(try server.requests().isEmpty)
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath))
  }

  // MARK: global options

  @Test(
    "Global options work before or after the command",
    arguments: [
      ["-p", "work", "token"], ["token", "-p", "work"], ["--profile", "work", "token"],
      ["token", "--profile=work"],
      ["--timeout", "5", "-p", "work", "token"], ["token", "-q", "-p", "work", "--timeout=5"],
    ])
  func globalOptionsAnywhere(args: [String]) throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft(keys: ["other-key-1", "work-key-2"])
    try CrossCut.loginCraft(sandbox, server, key: "other-key-1", profile: "other")
    try CrossCut.loginCraft(sandbox, server, key: "work-key-2", profile: "work")
    let result = try sandbox.run(args)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "work-key-2\n")
    #expect(result.stderr == "")
  }

  // MARK: stdout and stderr

  @Test("token prints exactly the credential and a newline on stdout; header the header line")
  func tokenStdoutIsOnlyTheToken() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let login = try CrossCut.loginCraft(sandbox, server)
    #expect(login.stdout == "")
    let token = try sandbox.run(["token"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == CrossCut.craftKey + "\n")
    #expect(token.stderr == "")
    let header = try sandbox.run(["header"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "Authorization: Bearer \(CrossCut.craftKey)\n")
    #expect(header.stderr == "")
  }

  @Test("providers lists the built-in providers as a table, and as JSON with --json")
  func providersTableAndJSON() throws {
    let sandbox = try Sandbox()
    let table = try sandbox.run(["providers"])
    #expect(table.status == 0, "\(table)")
    #expect(table.stderr == "")
    let json = try sandbox.run(["providers", "--json"])
    #expect(json.status == 0, "\(json)")
    #expect(json.stderr == "")
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
    let names = parsed.compactMap { $0["name"] as? String }
    #expect(names.count == parsed.count)
    #expect(Set(names).isSuperset(of: ["craft", "embermind", "knowledge-stack", "metakraftwerk"]))
    for entry in parsed { #expect(entry["flows"] is [String], "\(entry)") }
    let rows = table.stdout.split(separator: "\n").dropFirst()
    #expect(rows.count == names.count, "\(table)")
    for name in names { #expect(rows.contains { $0.hasPrefix(name + " ") }, "table lacks \(name)") }
  }

  @Test(
    "With --json an error is one JSON object on stderr carrying the exit code",
    arguments: [
      (["--json", "tokn"], 2), (["token", "--json"], 3), (["--json", "profiles", "use", "nope"], 3),
      (["--json", "-p", "Bad", "token"], 2),
    ] as [([String], Int32)])
  func jsonErrors(args: [String], code: Int32) throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(args)
    #expect(result.status == code, "\(result)")
    #expect(result.stdout == "")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any], "\(result)")
    let error = try #require(object["error"] as? [String: Any], "\(result)")
    #expect((error["exit_code"] as? NSNumber)?.int32Value == code)
    #expect(error["message"] is String)
  }

  @Test("--json errors for a broken keystore are JSON too (exit 7)")
  func jsonErrorForBrokenKeystore() throws {
    let sandbox = try Sandbox()
    try CrossCut.writeKeystore(sandbox, Data("{\"version\": 1,".utf8))
    let result = try sandbox.run(["token", "--json"])
    #expect(result.status == 7, "\(result)")
    #expect(result.stdout == "")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any], "\(result)")
    #expect(((object["error"] as? [String: Any])?["exit_code"] as? NSNumber)?.int32Value == 7)
  }

  @Test("-q silences informational messages but never errors")
  func quietSilencesInformation() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let loud = try CrossCut.loginCraft(sandbox, server, profile: "loud")
    #expect(!loud.stderr.isEmpty, "login should say what it did: \(loud)")
    let quiet = try CrossCut.loginCraft(sandbox, server, profile: "calm", extra: ["-q"])
    #expect(quiet.stderr == "", "\(quiet)")
    #expect(quiet.stdout == "")
    let use = try sandbox.run(["profiles", "use", "calm", "--quiet"])
    #expect(use.status == 0, "\(use)")
    #expect(use.stderr == "")
    let error = try sandbox.run(["-q", "token", "-p", "nobody"])
    #expect(error.status == 3, "\(error)")
    #expect(error.stderr.contains("nobody"), "\(error)")
    #expect(error.stdout == "")
  }

  @Test("refresh of an API key exits 8: the provider offers no such operation")
  func refreshOfAnAPIKeyIsUnsupported() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    try CrossCut.loginCraft(sandbox, server)
    let before = sandbox.keystoreBytes()
    let refresh = try sandbox.run(["refresh"])
    #expect(refresh.status == 8, "\(refresh)")
    #expect(refresh.stdout == "")
    let keys = try sandbox.run(["keys", "list"])
    #expect(keys.status == 8, "\(keys)")
    #expect(keys.stderr.contains("Craft"), "the message names where craft keys are managed: \(keys)")
    #expect(sandbox.keystoreBytes() == before)
  }
}

// MARK: - shared set-up of the cross-cutting suites

/// Fake servers, logins and file helpers shared by CLITests, KeystoreSafetyTests, HTTPBehaviourTests
/// and ProfilesTests.
enum CrossCut {
  static let craftKey = "sk-craft-cross-cut-7f3a91"
  static let embermindPassword = "pw-embermind-cross-cut-55c2"

  /// A craft server that accepts each of `keys` as a Bearer API key.
  static func craft(keys: [String] = [craftKey]) throws -> FakeServer {
    let server = try FakeServer.start("craft")
    for key in keys { try server.control("api-keys", ["key": key]) }
    return server
  }

  /// An embermind server with the user `admin` / `embermindPassword`.
  static func embermind() throws -> FakeServer {
    let server = try FakeServer.start("embermind")
    try server.control(
      "users", ["login": "admin", "email": "admin@example.ch", "password": embermindPassword])
    return server
  }

  /// `login --provider craft --api-key-stdin`, which must succeed.
  @discardableResult
  static func loginCraft(
    _ sandbox: Sandbox, _ server: FakeServer, key: String = craftKey, profile: String? = nil,
    extra: [String] = [], env: [String: String] = [:]
  ) throws -> RunResult {
    let args =
      ["login", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin"]
      + (profile.map { ["-p", $0] } ?? []) + extra
    let result = try sandbox.run(args, stdin: key, env: env)
    try #require(result.status == 0, "craft login failed: \(result)")
    return result
  }

  /// `login --provider embermind --password-stdin` as admin, which must succeed.
  @discardableResult
  static func loginEmbermind(_ sandbox: Sandbox, _ server: FakeServer, profile: String? = nil) throws
    -> RunResult
  {
    let args =
      [
        "login", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin",
        "--password-stdin",
      ]
      + (profile.map { ["-p", $0] } ?? [])
    let result = try sandbox.run(args, stdin: embermindPassword)
    try #require(result.status == 0, "embermind login failed: \(result)")
    return result
  }

  /// Writes the keystore at the sandbox's default path (directory 0700) with `mode`.
  static func writeKeystore(_ sandbox: Sandbox, _ bytes: Data, mode: Int = 0o600) throws {
    try writeFile(sandbox.keystorePath, bytes, mode: mode)
  }

  /// Writes `bytes` at `path`, creating its directory with mode 0700, and sets the file's mode.
  static func writeFile(_ path: String, _ bytes: Data, mode: Int = 0o600) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    try bytes.write(to: URL(fileURLWithPath: path))
    try #require(chmod(path, mode_t(mode)) == 0)
  }

  /// A small valid keystore with one craft profile `work` (key `craftKey`) at `baseURL`.
  static func keystoreText(baseURL: String = "http://127.0.0.1:9") -> String {
    """
    {
      "default_profile" : "work",
      "profiles" : {
        "work" : {
          "base_url" : "\(baseURL)",
          "credentials" : {
            "api_key" : "\(craftKey)"
          },
          "flow" : "api-key",
          "provider" : "craft"
        }
      },
      "version" : 1
    }

    """
  }

  /// The names in a directory, sorted; empty when it does not exist.
  static func entries(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  /// A port on 127.0.0.1 where nothing listens: a fake server's, after it stopped.
  static func closedPort() throws -> Int {
    let server = try FakeServer.start("craft")
    let port = server.port
    server.stop()
    return port
  }

  /// Runs `body` and returns its result with the seconds it took.
  static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = Date()
    let value = try body()
    return (value, Date().timeIntervalSince(start))
  }

  /// Runs a long blocking `body` on a thread of its own instead of one of the few threads that
  /// Swift Testing runs tests on.
  static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try body() }) }.start()
    }
  }

  /// The words (letters and digits) of a text, for "the message mentions X" checks.
  static func words(of text: String) -> Set<String> {
    Set(text.split { !$0.isLetter && !$0.isNumber }.map(String.init))
  }

  /// Waits until `condition` holds, polling; false after `timeout` seconds.
  static func eventually(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return true }
      usleep(20_000)
    }
    return try condition()
  }
}
