import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// End-to-end tests of `authctl exec` and `authctl curl`: the credential reaches the child, never its argv,
/// the `AUTHCTL_*` secrets stay behind, and exit codes pass through.
struct ExecCurlTests {
  static let key = "craft_sk_" + String(repeating: "e", count: 40)
  static let secrets = [
    "AUTHCTL_PASSWORD": "pw-plain-1", "AUTHCTL_PROFILE_OTHER_CLIENT_SECRET": "cs-named-2",
    "AUTHCTL_PROFILE_OTHER_ACCESS_TOKEN": "at-named-3", "AUTHCTL_PROFILE_OTHER_PASSWORD": "pw-named-4",
    "AUTHCTL_PROFILE_OTHER_API_KEY": "ak-named-5",
  ]

  /// A craft profile that lives in the environment alone (plain `AUTHCTL_*` variables), plus secrets of
  /// another profile, which no child may see.
  static func craftEnvironment(_ baseURL: String = "http://127.0.0.1:9") -> [String: String] {
    var env = ["AUTHCTL_PROVIDER": "craft", "AUTHCTL_API_KEY": key, "AUTHCTL_BASE_URL": baseURL]
    env.merge(secrets) { a, _ in a }
    env["KEEP_ME"] = "kept"
    return env
  }

  /// `env` output as a dictionary.
  static func variables(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      result[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    return result
  }

  // MARK: exec

  @Test("exec gives the command the token and header values, keeps its environment, drops AUTHCTL_* secrets")
  func execEnvironment() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["exec", "--", "env"], env: Self.craftEnvironment())
    #expect(result.status == 0, "\(result)")
    let child = Self.variables(result.stdout)
    #expect(child["AUTHCTL_TOKEN"] == Self.key)
    #expect(child["AUTHCTL_HEADER_AUTHORIZATION"] == "Bearer \(Self.key)")
    #expect(child["KEEP_ME"] == "kept")
    #expect(child["AUTHCTL_PROVIDER"] == "craft")
    #expect(child["AUTHCTL_PROFILE"] == "default")
    #expect(child["AUTHCTL_TOKEN_EXPIRES_AT"] == nil)
    #expect(child["AUTHCTL_API_KEY"] == nil)
    for (name, value) in Self.secrets {
      #expect(child[name] == nil, "\(name) reached the child")
      #expect(!result.stdout.contains(value))
    }
    #expect(result.stderr == "")
  }

  @Test("exec puts every header line in AUTHCTL_HEADER_<NAME>, and the token where --env says")
  func execHeadersAndEnvOption() throws {
    let sandbox = try Sandbox()
    let project = "11111111-1111-4111-8111-111111111111"
    let env = [
      "AUTHCTL_PROVIDER": "emergence", "AUTHCTL_ACCESS_TOKEN": "opaque-token-1",
      "AUTHCTL_PROJECT_ID": project,
    ]
    let result = try sandbox.run(["exec", "--env", "API_TOKEN", "--", "env"], env: env)
    #expect(result.status == 0, "\(result)")
    let child = Self.variables(result.stdout)
    #expect(child["API_TOKEN"] == "opaque-token-1")
    #expect(child["AUTHCTL_TOKEN"] == nil)
    #expect(child["AUTHCTL_ACCESS_TOKEN"] == nil)
    #expect(child["AUTHCTL_HEADER_AUTHORIZATION"] == "Bearer opaque-token-1")
    #expect(child["AUTHCTL_HEADER_X_PROJECT_ID"] == project)

    let bad = try sandbox.run(["exec", "--env", "1BAD", "--", "true"], env: env)
    #expect(bad.status == 2, "\(bad)")
    #expect(bad.stderr.contains("option '--env' needs a variable name"))
  }

  @Test("exec refreshes a due token first, exactly as token does, and the command gets the new one")
  func execRefreshesFirst() throws {
    let setup = try MetakraftwerkAccount()
    try setup.tokenLifetime(30)  // under 60 s left: due at once
    let old = try setup.login()
    try setup.tokenLifetime(3600)
    let result = try setup.sandbox.run(["exec", "-p", "mk", "--", "sh", "-c", "printf %s \"$AUTHCTL_TOKEN\""])
    #expect(result.status == 0, "\(result)")
    let new = try #require(setup.storedToken())
    #expect(new != old)
    #expect(result.stdout == new)
    #expect(try setup.signIns() == 2)
  }

  @Test("exec passes the command's exit code through; an unknown command exits 127, a bad usage 2")
  func execExitCodes() throws {
    let sandbox = try Sandbox()
    let env = Self.craftEnvironment()
    #expect(try sandbox.run(["exec", "--", "sh", "-c", "exit 42"], env: env).status == 42)
    #expect(try sandbox.run(["exec", "--", "true"], env: env).status == 0)

    let missing = try sandbox.run(["exec", "--", "no-such-command-xyz", "a"], env: env)
    #expect(missing.status == 127, "\(missing)")
    #expect(missing.stderr.contains("command not found: no-such-command-xyz"))
    let json = try sandbox.run(["--json", "exec", "--", "no-such-command-xyz"], env: env)
    #expect(json.status == 127)
    let error =
      try #require(
        (try? JSONSerialization.jsonObject(with: Data(json.stderr.utf8))) as? [String: Any])["error"]
      as? [String: Any]
    #expect(error?["exit_code"] as? Int == 127)

    let plainFile = sandbox.root.appendingPathComponent("not-executable").path
    #expect(FileManager.default.createFile(atPath: plainFile, contents: Data("x".utf8)))
    let notExecutable = try sandbox.run(["exec", "--", plainFile], env: env)
    #expect(notExecutable.status == 126, "\(notExecutable)")

    for args in [["exec"], ["exec", "--"], ["exec", "sh", "-c", "true"], ["curl"], ["curl", "--"]] {
      let usage = try sandbox.run(args, env: env)
      #expect(usage.status == 2, "\(args): \(usage)")
      #expect(usage.stderr.contains("Usage: authctl \(args[0]) [options] --"), "\(usage)")
    }
    // After `--`, every word is the command's, even authctl's own options.
    let words = try sandbox.run(["exec", "--", "echo", "--json", "-p", "x"], env: env)
    #expect(words.status == 0 && words.stdout == "--json -p x\n", "\(words)")
  }

  @Test("exec: no process's argv holds the credential while the command runs")
  func execArgvNeverHoldsTheCredential() throws {
    let sandbox = try Sandbox()
    let script = """
      test -n "$AUTHCTL_TOKEN" || exit 9
      for f in /proc/[0-9]*/cmdline; do tr '\\000' ' ' < "$f" 2>/dev/null; echo; done
      """
    let result = try sandbox.run(["exec", "--", "sh", "-c", script], env: Self.craftEnvironment())
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("sh -c test -n"), "the listing must include the command itself")
    #expect(!result.stdout.contains(Self.key))
  }

  // MARK: curl

  @Test("curl sends the profile's header lines from a pipe, and --data @- still reads the caller's stdin")
  func curlSendsHeadersAndStdin() throws {
    let server = try FakeServer.start("craft")
    let sandbox = try Sandbox()
    let env = Self.craftEnvironment(server.baseURL)
    let result = try sandbox.run(
      ["curl", "--", "-sS", "-X", "POST", "--data-binary", "@-", server.baseURL + "/v1/echo"],
      stdin: "body from stdin", env: env)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("NOT_FOUND"), "curl's output is authctl's stdout: \(result)")
    let requests = try server.requests(path: "/v1/echo")
    #expect(requests.count == 1)
    #expect(requests.first?.headers["authorization"] == "Bearer \(Self.key)")
    #expect(requests.first?.body == "body from stdin")

    // `-q` must stay curl's first argument; the headers follow it.
    try server.resetRequests()
    let quiet = try sandbox.run(["curl", "--", "-q", "-sS", server.baseURL + "/v1/me"], env: env)
    #expect(quiet.status == 0, "\(quiet)")
    #expect(try server.requests(path: "/v1/me").first?.headers["authorization"] == "Bearer \(Self.key)")
  }

  @Test("curl passes curl's exit code through")
  func curlExitCodes() throws {
    let server = try FakeServer.start("craft")
    let sandbox = try Sandbox()
    let env = Self.craftEnvironment(server.baseURL)
    let notFound = try sandbox.run(["curl", "--", "-sSf", server.baseURL + "/v1/nothing"], env: env)
    #expect(notFound.status == 22, "\(notFound)")
    let refused = try sandbox.run(["curl", "--", "-sS", "http://127.0.0.1:9/"], env: env)
    #expect(refused.status == 7, "\(refused)")
  }

  @Test("curl: the running curl's argv holds only the pipe's path, its environment no AUTHCTL_* secret")
  func curlArgvAndEnvironmentWhileRunning() throws {
    let server = try FakeServer.start("craft")
    try server.fault(["path": "/v1/slow", "delay": 3])
    let sandbox = try Sandbox()
    let command = try sandbox.launch(
      ["curl", "--", "-sS", server.baseURL + "/v1/slow"], env: Self.craftEnvironment(server.baseURL))
    // exec keeps the process id: authctl's pid becomes curl's.
    let pid = command.pid
    var argv: [String] = []
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      argv = Self.procStrings("/proc/\(pid)/cmdline")
      if argv.first == "curl" { break }
      usleep(20_000)
    }
    let environment = Self.procStrings("/proc/\(pid)/environ")
    let everyArgv = Self.allCommandLines()
    let result = try command.wait(timeout: 20)
    #expect(result.status == 0, "\(result)")
    #expect(argv.first == "curl", "\(argv)")
    let path = try #require(argv.first { $0.hasPrefix("@/dev/fd/") }, "\(argv)")
    #expect(argv == ["curl", "-H", path, "-sS", server.baseURL + "/v1/slow"])
    #expect(!everyArgv.contains(Self.key))
    #expect(!environment.isEmpty)
    #expect(
      !environment.contains { $0.hasPrefix("AUTHCTL_API_KEY=") || $0.contains(Self.key) }, "\(environment)")
    #expect(environment.contains("KEEP_ME=kept"))
    for value in Self.secrets.values { #expect(!environment.contains { $0.hasSuffix("=" + value) }) }
    #expect(try server.requests(path: "/v1/slow").first?.headers["authorization"] == "Bearer \(Self.key)")
  }

  /// The NUL-separated strings of a /proc file.
  static func procStrings(_ path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Every process's argv on the machine, joined.
  static func allCommandLines() -> String {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.map {
      procStrings("/proc/\($0)/cmdline").joined(separator: " ")
    }
    .joined(separator: "\n")
  }
}

/// A metakraftwerk server with one user, and a sandbox, for the refresh tests of exec and token.
struct MetakraftwerkAccount {
  static let email = "me@example.com"
  static let password = "mk-s3cret-pw"
  let server: FakeServer
  let sandbox: Sandbox

  init() throws {
    server = try FakeServer.start("metakraftwerk")
    try server.control("users", ["email": Self.email, "password": Self.password])
    sandbox = try Sandbox()
  }

  /// Makes the server issue tokens that live `seconds`.
  func tokenLifetime(_ seconds: Int) throws {
    try server.control("token-lifetime", ["seconds": seconds])
  }

  /// Logs profile `mk` in with a remembered password (so renewals sign in again); returns the stored token.
  @discardableResult
  func login() throws -> String {
    let result = try sandbox.run(
      [
        "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", server.baseURL, "--login",
        Self.email,
        "--password-stdin", "--remember-password",
      ], stdin: Self.password)
    try #require(result.status == 0, "\(result)")
    return try #require(storedToken())
  }

  func credentials() -> [String: Any]? {
    let profile = (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["mk"] as? [String: Any]
    return profile?["credentials"] as? [String: Any]
  }

  func storedToken() -> String? { credentials()?["access_token"] as? String }

  /// How many sign-ins (logins and renewals) the server has seen.
  func signIns() throws -> Int {
    try server.requests(path: "/authentication", method: "POST").count
  }
}
