import Foundation
import Testing

/// End-to-end tests of the metakraftwerk provider (seed 004): the real binary against the fake server.
@Suite struct MetakraftwerkTests {
  static let email = "me@example.com"
  static let password = "mk-s3cret-pw"
  static let authenticationPath = "/authentication"
  static let projectsPath = "/api/v1/projects"

  /// One fake server with one user (two projects), and one sandbox, for one test.
  struct Setup {
    let server: FakeServer
    let sandbox: Sandbox

    init() throws {
      server = try FakeServer.start("metakraftwerk")
      try server.control(
        "users",
        [
          "email": MetakraftwerkTests.email, "password": MetakraftwerkTests.password,
          "projects": [
            ["id": 1, "name": "Demo", "permissions": ["write_instances", "read_builds"]],
            ["id": 2, "name": "Ops", "permissions": [String]()],
          ],
        ])
      sandbox = try Sandbox()
    }

    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunResult {
      try sandbox.run(args, stdin: stdin, env: env)
    }

    /// Makes the server issue tokens with `lifetime` seconds, issued `iatOffset` seconds from now.
    func tokenLifetime(_ lifetime: Int, iatOffset: Int = 0) throws {
      try server.control("token-lifetime", ["seconds": lifetime, "iat_offset": iatOffset])
    }

    /// `login --password-stdin` into profile `mk`, expecting success; returns the stored token.
    @discardableResult
    func login(remember: Bool = false) throws -> String {
      var args = [
        "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", server.baseURL, "--login",
        MetakraftwerkTests.email, "--password-stdin",
      ]
      if remember { args.append("--remember-password") }
      let result = try run(args, stdin: MetakraftwerkTests.password + "\n")
      try #require(result.status == 0, "\(result)")
      return try #require(credentials()?["access_token"] as? String)
    }

    func profile() -> [String: Any]? {
      (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["mk"] as? [String: Any]
    }

    func credentials() -> [String: Any]? {
      profile()?["credentials"] as? [String: Any]
    }

    func storedToken() -> String? {
      credentials()?["access_token"] as? String
    }

    func keystoreText() -> String {
      sandbox.keystoreBytes().map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func authentications() throws -> [RecordedRequest] {
      try server.requests(path: MetakraftwerkTests.authenticationPath, method: "POST")
    }
  }

  static func claim(_ token: String, _ name: String) -> Int? {
    (JWT.payload(token)?[name] as? NSNumber)?.intValue
  }

  // MARK: login, token, header

  @Test("a password login posts strategy local, e-mail and password, and stores the JWT with its expiry")
  func passwordLoginStoresTheJWT() throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", setup.server.baseURL, "--login",
        Self.email,
        "--password-stdin",
      ], stdin: Self.password + "\n")
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Logged in to metakraftwerk"))
    #expect(!result.stderr.contains(Self.password))

    let requests = try setup.server.requests()
    #expect(requests.map(\.path) == [Self.authenticationPath])
    let body = try #require(requests.first?.json)
    #expect(Set(body.keys) == ["strategy", "email", "password"])
    #expect(body["strategy"] as? String == "local")
    #expect(body["email"] as? String == Self.email)
    #expect(body["password"] as? String == Self.password)

    let credentials = try #require(setup.credentials())
    let token = try #require(credentials["access_token"] as? String)
    #expect(JWT.header(token)?["typ"] as? String == "access")
    #expect((credentials["expires_at"] as? NSNumber)?.intValue == Self.claim(token, "exp"))
    #expect((credentials["issued_at"] as? NSNumber)?.intValue == Self.claim(token, "iat"))
    #expect(credentials["password"] == nil)
    #expect(!setup.keystoreText().contains(Self.password))
    #expect(setup.profile()?["login"] as? String == Self.email)
    #expect(setup.sandbox.keystoreMode() == 0o600)
    #expect(setup.sandbox.directoryMode() == 0o700)
  }

  @Test("token and header print exactly the JWT and its Bearer header, without asking the provider")
  func tokenAndHeaderPrintTheJWT() throws {
    let setup = try Setup()
    let token = try setup.login()
    try setup.server.resetRequests()

    let printed = try setup.run(["token", "-p", "mk"])
    #expect(printed.status == 0, "\(printed)")
    #expect(printed.stdout == token + "\n")
    #expect(printed.stderr == "")
    let header = try setup.run(["header", "-p", "mk"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "Authorization: Bearer \(token)\n")
    #expect(try setup.server.requests().isEmpty)
  }

  // MARK: expiry from the JWT

  @Test("check --offline shows the time left from the JWT and sends no request")
  func checkOfflineShowsTimeLeft() throws {
    let setup = try Setup()
    try setup.tokenLifetime(7230)
    let token = try setup.login()
    try setup.server.resetRequests()

    let text = try setup.run(["check", "-p", "mk", "--offline"])
    #expect(text.status == 0, "\(text)")
    #expect(text.stdout.contains("valid, expires in 2h 0m ("))
    #expect(text.stdout.contains("not asked (--offline)"))
    let json = try setup.run(["check", "-p", "mk", "--offline", "--json"])
    #expect(json.status == 0, "\(json)")
    let report = try #require(
      (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any], "\(json)")
    let left = try #require((report["expires_in"] as? NSNumber)?.intValue)
    #expect((7200...7230).contains(left))
    #expect(report["valid"] as? Bool == true)
    #expect(report["expires_at"] is String)
    #expect(try setup.server.requests().isEmpty)
    #expect(setup.storedToken() == token)
  }

  @Test("a token past 75% of its lifetime is renewed by exactly one login and token prints the new one")
  func dueTokenIsRenewedOnce() throws {
    let setup = try Setup()
    try setup.tokenLifetime(3600, iatOffset: -3000)  // 600 s left: due, still valid
    let old = try setup.login()
    try setup.tokenLifetime(3600)
    try setup.server.resetRequests()

    let env = ["AUTHCTL_PASSWORD": Self.password]
    let result = try setup.run(["token", "-p", "mk"], env: env)
    #expect(result.status == 0, "\(result)")
    let new = try #require(setup.storedToken())
    #expect(new != old)
    #expect(result.stdout == new + "\n")
    let logins = try setup.authentications()
    #expect(logins.count == 1)
    #expect(logins.first?.json?["password"] as? String == Self.password)
    #expect((setup.credentials()?["expires_at"] as? NSNumber)?.intValue == Self.claim(new, "exp"))
    #expect(!setup.keystoreText().contains(Self.password))

    // The new token is fresh: the next call neither renews nor asks.
    let again = try setup.run(["token", "-p", "mk"], env: env)
    #expect(again.stdout == new + "\n")
    #expect(try setup.server.requests().count == 1)
  }

  @Test("a due token with no password available exits 3 without contacting the provider")
  func dueTokenWithoutPasswordExitsThree() throws {
    let setup = try Setup()
    try setup.tokenLifetime(3600, iatOffset: -3000)
    let old = try setup.login()
    try setup.server.resetRequests()

    let result = try setup.run(["token", "-p", "mk"])
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("password"))
    #expect(result.stderr.contains("--password-stdin"))
    #expect(try setup.server.requests().isEmpty)
    #expect(setup.storedToken() == old)
  }

  @Test("an expired token is never printed: exit 3 with the login hint", arguments: ["token", "header"])
  func expiredTokenIsNeverPrinted(command: String) throws {
    let setup = try Setup()
    try setup.tokenLifetime(3600, iatOffset: -3700)  // expired 100 s ago
    let old = try setup.login()
    try setup.server.resetRequests()

    let result = try setup.run([command, "-p", "mk"])
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(!result.stderr.contains(old))
    #expect(result.stderr.contains("authctl login -p mk"))
    #expect(try setup.server.requests().isEmpty)
  }

  // MARK: check

  @Test("check lists each project's permissions from /api/v1/projects")
  func checkShowsProjectPermissions() throws {
    let setup = try Setup()
    let token = try setup.login()
    try setup.server.resetRequests()

    let text = try setup.run(["check", "-p", "mk"])
    #expect(text.status == 0, "\(text)")
    #expect(text.stdout.contains("Demo: write_instances, read_builds; Ops: none"))
    #expect(text.stdout.contains("valid (GET \(Self.projectsPath))"))
    #expect(text.stdout.contains(Self.email))
    #expect(!text.stdout.contains(token))
    let requests = try setup.server.requests()
    #expect(requests.map(\.path) == [Self.projectsPath])
    #expect(requests.first?.method == "GET")
    #expect(requests.first?.headers["authorization"] == "Bearer \(token)")

    let json = try setup.run(["check", "-p", "mk", "--json"])
    #expect(json.status == 0, "\(json)")
    let report = try #require(
      (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any], "\(json)")
    #expect(report["permissions"] as? [String] == ["Demo: write_instances, read_builds", "Ops: none"])
    #expect((report["identity"] as? [String: String])?["subject"] == "1")
    #expect(report["provider"] as? String == "metakraftwerk")
    #expect(report["valid"] as? Bool == true)
  }

  enum PasswordSource: String, CaseIterable, CustomStringConvertible {
    case remembered
    case environment
    case stdin

    var description: String { rawValue }

    /// Extra arguments, environment and stdin that give the password this way.
    func inputs() -> (args: [String], env: [String: String], stdin: String?) {
      switch self {
      case .remembered: ([], [:], nil)
      case .environment: ([], ["AUTHCTL_PASSWORD": MetakraftwerkTests.password], nil)
      case .stdin: (["--password-stdin"], [:], MetakraftwerkTests.password + "\n")
      }
    }
  }

  @Test(
    "a 401 jwt expired on check triggers one login and one retry", arguments: PasswordSource.allCases)
  func jwtExpiredOnCheckRenewsOnce(source: PasswordSource) throws {
    let setup = try Setup()
    let old = try setup.login(remember: source == .remembered)
    try setup.server.control("expire-tokens")  // the server says "jwt expired" before the JWT's exp
    try setup.server.resetRequests()

    let (args, env, stdin) = source.inputs()
    let result = try setup.run(["check", "-p", "mk"] + args, stdin: stdin, env: env)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("Demo: write_instances, read_builds"))
    #expect(try setup.authentications().count == 1)
    let projects = try setup.server.requests(path: Self.projectsPath, method: "GET")
    #expect(projects.count == 2)
    let new = try #require(setup.storedToken())
    #expect(new != old)
    #expect(projects.first?.headers["authorization"] == "Bearer \(old)")
    #expect(projects.last?.headers["authorization"] == "Bearer \(new)")
    #expect(setup.keystoreText().contains(Self.password) == (source == .remembered))
  }

  @Test("a 401 jwt expired on check with no password exits 3 without a login request")
  func jwtExpiredWithoutPasswordExitsThree() throws {
    let setup = try Setup()
    let old = try setup.login()
    try setup.server.control("expire-tokens")
    try setup.server.resetRequests()

    let result = try setup.run(["check", "-p", "mk"])
    #expect(result.status == 3, "\(result)")
    #expect(result.stderr.contains("--password-stdin"))
    #expect(try setup.authentications().isEmpty)
    #expect(setup.storedToken() == old)
  }

  // MARK: refresh, wrong password, keys

  @Test("refresh logs in again and prints the new token", arguments: PasswordSource.allCases)
  func refreshPrintsANewToken(source: PasswordSource) throws {
    let setup = try Setup()
    let old = try setup.login(remember: source == .remembered)
    try setup.server.resetRequests()

    let (args, env, stdin) = source.inputs()
    let result = try setup.run(["refresh", "-p", "mk"] + args, stdin: stdin, env: env)
    #expect(result.status == 0, "\(result)")
    let new = try #require(setup.storedToken())
    #expect(new != old)
    #expect(result.stdout == new + "\n")
    let logins = try setup.authentications()
    #expect(logins.count == 1)
    #expect(logins.first?.json?["email"] as? String == Self.email)
    #expect(try setup.server.requests().count == 1)
    #expect(setup.keystoreText().contains(Self.password) == (source == .remembered))
  }

  @Test(
    "a wrong e-mail or password exits 3 with the provider's message and stores nothing",
    arguments: [
      (MetakraftwerkTests.email, "wrong-password"), ("nobody@example.com", MetakraftwerkTests.password),
    ])
  func wrongPasswordExitsThree(email: String, password: String) throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", setup.server.baseURL, "--login",
        email,
        "--password-stdin",
      ], stdin: password + "\n")
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Invalid login"))
    #expect(result.stderr.contains("authctl login -p mk"))
    #expect(!result.stderr.contains(password))
    #expect(try setup.authentications().count == 1)
    #expect(setup.sandbox.keystoreBytes() == nil)
  }

  @Test(
    "keys commands exit 8 and say MetaKraftwerk has no API keys",
    arguments: [
      ["keys", "create", "--name", "ci"], ["keys", "list"], ["keys", "delete", "1"], ["keys", "rotate"],
    ])
  func keysCommandsExitEight(command: [String]) throws {
    let setup = try Setup()
    try setup.login()
    try setup.server.resetRequests()
    let result = try setup.run(command + ["-p", "mk"])
    #expect(result.status == 8, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("no API keys"))
    #expect(try setup.server.requests().isEmpty)
  }
}
