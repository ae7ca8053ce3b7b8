import Foundation
import Testing

/// End-to-end tests of the embermind provider (seed 002): the real binary against the fake server.
@Suite struct EmbermindTests {
  static let loginName = "admin"
  static let email = "admin@example.ch"
  static let password = "s3cret-pw"
  static let apiKey = "ember-key-0123456789abcdef"

  static let loginPath = "/api/v1/client/auth/login"
  static let logoutPath = "/api/v1/client/auth/logout"
  static let checkKeyPath = "/api/v1/client/auth/check-api-key"
  static let checkTokenPath = "/api/v1/client/auth/check-token"
  static let profilePath = "/api/v1/client/profile/me"

  /// One fake server with one user and one API key, and one sandbox, for one test.
  struct Setup {
    let server: FakeServer
    let sandbox: Sandbox
    let userID: String
    let companyID: String

    init() throws {
      server = try FakeServer.start("embermind")
      let user = try server.control(
        "users",
        [
          "login": EmbermindTests.loginName, "email": EmbermindTests.email,
          "password": EmbermindTests.password,
        ])
      userID = try #require(user["id"] as? String)
      companyID = try #require(user["company_id"] as? String)
      try server.control("api-keys", ["key": EmbermindTests.apiKey, "user": EmbermindTests.loginName])
      sandbox = try Sandbox()
    }

    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunResult {
      try sandbox.run(args, stdin: stdin, env: env)
    }

    /// `login --password-stdin` into `profile`, expecting success; returns the stored token.
    @discardableResult
    func passwordLogin(_ profile: String = "ember", remember: Bool = false) throws -> String {
      var args = [
        "login", "-p", profile, "--provider", "embermind", "--base-url", server.baseURL, "--login",
        EmbermindTests.loginName, "--password-stdin",
      ]
      if remember { args.append("--remember-password") }
      let result = try run(args, stdin: EmbermindTests.password + "\n")
      try #require(result.status == 0, "\(result)")
      return try #require(credentials(profile)?["access_token"] as? String)
    }

    /// `login --api-key-stdin` into `profile`, expecting success.
    func apiKeyLogin(_ profile: String = "ember") throws {
      let result = try run(
        ["login", "-p", profile, "--provider", "embermind", "--base-url", server.baseURL, "--api-key-stdin"],
        stdin: EmbermindTests.apiKey + "\n")
      try #require(result.status == 0, "\(result)")
    }

    func profile(_ name: String) -> [String: Any]? {
      (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?[name] as? [String: Any]
    }

    func credentials(_ name: String) -> [String: Any]? {
      profile(name)?["credentials"] as? [String: Any]
    }

    func keystoreText() -> String {
      sandbox.keystoreBytes().map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Whether the server still accepts `token` (asked directly, not through authctl).
    func serverAccepts(token: String) throws -> Bool {
      try HTTP.send("GET", server.baseURL + EmbermindTests.profilePath, headers: ["x-access-token": token])
        .status
        == 200
    }
  }

  // MARK: login

  @Test("an API key login is verified with check-api-key and stored in a 0600 keystore")
  func apiKeyLoginIsVerifiedAndStored() throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "ember", "--provider", "embermind", "--base-url", setup.server.baseURL,
        "--api-key-stdin",
      ],
      stdin: Self.apiKey + "\n")
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Logged in to embermind"))
    let checks = try setup.server.requests(path: Self.checkKeyPath, method: "POST")
    #expect(checks.count == 1)
    #expect(checks.first?.headers["x-api-key"] == Self.apiKey)
    #expect(try setup.server.requests(path: Self.loginPath).isEmpty)
    #expect(setup.credentials("ember")?["api_key"] as? String == Self.apiKey)
    #expect(setup.profile("ember")?["provider"] as? String == "embermind")
    #expect(setup.profile("ember")?["base_url"] as? String == setup.server.baseURL)
    #expect(setup.sandbox.keystoreMode() == 0o600)
    #expect(setup.sandbox.directoryMode() == 0o700)
  }

  @Test("a rejected API key exits 3 with the provider's code and is not stored")
  func rejectedApiKeyIsNotStored() throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "ember", "--provider", "embermind", "--base-url", setup.server.baseURL,
        "--api-key-stdin",
      ],
      stdin: "not-a-key\n")
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("error.auth.api_key_incorrect"))
    #expect(result.stderr.contains("authctl login -p ember"))
    #expect(!result.stderr.contains("not-a-key"))
    #expect(try setup.server.requests(path: Self.checkKeyPath).count == 1)
    #expect(setup.sandbox.keystoreBytes() == nil)
  }

  @Test("a password login sends loginOrEmail and password and stores the token, not the password")
  func passwordLoginStoresTokenNotPassword() throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "ember", "--provider", "embermind", "--base-url", setup.server.baseURL, "--login",
        Self.loginName, "--password-stdin",
      ], stdin: Self.password + "\n")
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    let logins = try setup.server.requests(path: Self.loginPath, method: "POST")
    #expect(logins.count == 1)
    let body = try #require(logins.first?.json)
    #expect(Set(body.keys) == ["loginOrEmail", "password"])
    #expect(body["loginOrEmail"] as? String == Self.loginName)
    #expect(body["password"] as? String == Self.password)
    #expect(logins.first?.headers["content-type"]?.hasPrefix("application/json") == true)

    let credentials = try #require(setup.credentials("ember"))
    let token = try #require(credentials["access_token"] as? String)
    #expect(try setup.serverAccepts(token: token))
    #expect(credentials["password"] == nil)
    #expect(!setup.keystoreText().contains(Self.password))
    #expect(setup.profile("ember")?["login"] as? String == Self.loginName)
    #expect(setup.profile("ember")?["flow"] as? String == "password")
    #expect(setup.sandbox.keystoreMode() == 0o600)
    #expect(!result.stderr.contains(Self.password))
  }

  @Test("login --remember-password stores the password in the keystore")
  func rememberPasswordStoresIt() throws {
    let setup = try Setup()
    try setup.passwordLogin(remember: true)
    #expect(setup.credentials("ember")?["password"] as? String == Self.password)
    #expect(setup.sandbox.keystoreMode() == 0o600)
  }

  // MARK: token and header

  enum Flow: String, CaseIterable, CustomStringConvertible {
    case apiKey = "api-key"
    case password

    var description: String { rawValue }
  }

  @Test("token and header print exactly the credential and its header line", arguments: Flow.allCases)
  func tokenAndHeaderPrintTheCredential(flow: Flow) throws {
    let setup = try Setup()
    let credential: String
    let headerName: String
    switch flow {
    case .apiKey:
      try setup.apiKeyLogin()
      credential = Self.apiKey
      headerName = "x-api-key"
    case .password:
      credential = try setup.passwordLogin()
      headerName = "x-access-token"
    }
    try setup.server.resetRequests()

    let token = try setup.run(["token", "-p", "ember"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == credential + "\n")
    #expect(token.stderr == "")
    let header = try setup.run(["header", "-p", "ember"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "\(headerName): \(credential)\n")
    #expect(header.stderr == "")
    // Neither credential has a known expiry: nothing to renew, nothing to ask.
    #expect(try setup.server.requests().isEmpty)
  }

  // MARK: check

  @Test("check asks check-token and profile/me and shows the identity")
  func checkShowsIdentity() throws {
    let setup = try Setup()
    let token = try setup.passwordLogin()
    try setup.server.resetRequests()

    let result = try setup.run(["check", "-p", "ember"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("embermind (\(setup.server.baseURL))"))
    #expect(result.stdout.contains("email \(Self.email)"))
    #expect(result.stdout.contains("login \(Self.loginName)"))
    #expect(result.stdout.contains("company \(setup.companyID)"))
    #expect(result.stdout.contains("valid (POST \(Self.checkTokenPath))"))
    #expect(!result.stdout.contains(token))
    let requests = try setup.server.requests()
    #expect(requests.map(\.path) == [Self.checkTokenPath, Self.profilePath])
    #expect(requests.map(\.method) == ["POST", "GET"])
    #expect(requests.allSatisfy { $0.headers["x-access-token"] == token })
  }

  @Test("check --offline judges from the keystore alone and sends no request")
  func checkOfflineSendsNothing() throws {
    let setup = try Setup()
    try setup.passwordLogin()
    try setup.server.resetRequests()
    let result = try setup.run(["check", "-p", "ember", "--offline"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("not asked (--offline)"))
    #expect(result.stdout.contains("valid, no known expiry"))
    #expect(try setup.server.requests().isEmpty)
  }

  @Test("check --json reports profile, provider, identity and the verdict")
  func checkJSONFields() throws {
    let setup = try Setup()
    try setup.apiKeyLogin()
    let result = try setup.run(["check", "-p", "ember", "--json"])
    #expect(result.status == 0, "\(result)")
    let json = try #require(
      (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any], "\(result)")
    #expect(json["profile"] as? String == "ember")
    #expect(json["provider"] as? String == "embermind")
    #expect(json["base_url"] as? String == setup.server.baseURL)
    #expect(json["credential"] as? String == "API key")
    #expect(json["credential_source"] as? String == "keystore")
    #expect(json["valid"] as? Bool == true)
    #expect(json["provider_verdict"] as? String == "valid (POST \(Self.checkKeyPath))")
    let identity = try #require(json["identity"] as? [String: String])
    #expect(identity["email"] == Self.email)
    #expect(identity["login"] == Self.loginName)
    #expect(identity["subject"] == setup.userID)
    #expect(identity["company"] == setup.companyID)
    #expect(!result.stdout.contains(Self.apiKey))
  }

  enum PasswordSource: String, CaseIterable, CustomStringConvertible {
    case remembered
    case environment

    var description: String { rawValue }
  }

  @Test(
    "an expired token on check is renewed by one login and the check retried once",
    arguments: PasswordSource.allCases)
  func expiredTokenIsRenewedOnce(source: PasswordSource) throws {
    let setup = try Setup()
    let old = try setup.passwordLogin(remember: source == .remembered)
    try setup.server.control("expire-tokens")
    try setup.server.resetRequests()

    let env = source == .environment ? ["AUTHCTL_PASSWORD": Self.password] : [:]
    let result = try setup.run(["check", "-p", "ember"], env: env)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.contains("email \(Self.email)"))
    let logins = try setup.server.requests(path: Self.loginPath, method: "POST")
    #expect(logins.count == 1)
    #expect(logins.first?.json?["password"] as? String == Self.password)
    let checks = try setup.server.requests(path: Self.checkTokenPath, method: "POST")
    #expect(checks.count == 2)
    #expect(checks.first?.headers["x-access-token"] == old)
    let new = try #require(setup.credentials("ember")?["access_token"] as? String)
    #expect(new != old)
    #expect(checks.last?.headers["x-access-token"] == new)
    #expect(try setup.serverAccepts(token: new))
    if source == .environment {
      #expect(setup.credentials("ember")?["password"] == nil)
      #expect(!setup.keystoreText().contains(Self.password))
    }
  }

  @Test(
    "an expired token with no password available exits 3 naming --password-stdin, without a login request")
  func expiredTokenWithoutPassword() throws {
    let setup = try Setup()
    let old = try setup.passwordLogin()
    try setup.server.control("expire-tokens")
    try setup.server.resetRequests()

    let result = try setup.run(["check", "-p", "ember"])
    #expect(result.status == 3, "\(result)")
    #expect(result.stderr.contains("--password-stdin"))
    #expect(result.stderr.contains("profile 'ember'"))
    #expect(try setup.server.requests(path: Self.loginPath).isEmpty)
    #expect(setup.credentials("ember")?["access_token"] as? String == old)
  }

  @Test("a key with permission none makes check exit 4 with error.auth.require_more_perm")
  func keyWithoutPermissionExitsFour() throws {
    let setup = try Setup()
    try setup.apiKeyLogin()
    // The account manager takes the key's permissions away after it was stored.
    try setup.server.control("api-keys", ["key": Self.apiKey, "user": Self.loginName, "permission": "none"])
    let result = try setup.run(["check", "-p", "ember"])
    #expect(result.status == 4, "\(result)")
    #expect(result.stderr.contains("error.auth.require_more_perm"))
    #expect(result.stdout.contains("not valid"))
  }

  // MARK: refresh, wrong password, keys

  @Test("refresh of an API key exits 8 and asks nothing")
  func refreshOfApiKeyExitsEight() throws {
    let setup = try Setup()
    try setup.apiKeyLogin()
    try setup.server.resetRequests()
    let result = try setup.run(["refresh", "-p", "ember"])
    #expect(result.status == 8, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("API key"))
    #expect(try setup.server.requests().isEmpty)
    #expect(setup.credentials("ember")?["api_key"] as? String == Self.apiKey)
  }

  @Test(
    "a wrong login or password exits 3 with the provider's code and stores nothing",
    arguments: [
      (EmbermindTests.loginName, "wrong-password"), (EmbermindTests.email, "wrong-password"),
      ("nobody", EmbermindTests.password),
    ])
  func wrongPasswordExitsThree(login: String, password: String) throws {
    let setup = try Setup()
    let result = try setup.run(
      [
        "login", "-p", "ember", "--provider", "embermind", "--base-url", setup.server.baseURL, "--login",
        login,
        "--password-stdin",
      ], stdin: password + "\n")
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("error.auth.login_or_password_incorrect"))
    #expect(result.stderr.contains("authctl login -p ember"))
    #expect(!result.stderr.contains(password))
    #expect(try setup.server.requests(path: Self.loginPath).count == 1)
    #expect(setup.sandbox.keystoreBytes() == nil)
  }

  @Test(
    "keys commands exit 8 and say keys come from the account manager",
    arguments: [
      ["keys", "list"], ["keys", "create", "--name", "ci"], ["keys", "delete", "key-1"], ["keys", "rotate"],
    ])
  func keysCommandsExitEight(command: [String]) throws {
    let setup = try Setup()
    try setup.apiKeyLogin()
    try setup.server.resetRequests()
    let result = try setup.run(command + ["-p", "ember"])
    #expect(result.status == 8, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("account manager"))
    #expect(try setup.server.requests().isEmpty)
  }

  // MARK: logout

  @Test("logout calls the logout endpoint, removes the secrets and keeps the settings")
  func logoutEndsTheSession() throws {
    let setup = try Setup()
    let token = try setup.passwordLogin(remember: true)
    try setup.server.resetRequests()

    let result = try setup.run(["logout", "-p", "ember"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains(Self.logoutPath))
    let logouts = try setup.server.requests()
    #expect(logouts.map(\.path) == [Self.logoutPath])
    #expect(logouts.first?.method == "POST")
    #expect(logouts.first?.headers["x-access-token"] == token)
    #expect(try !setup.serverAccepts(token: token))

    let profile = try #require(setup.profile("ember"))
    #expect(profile["credentials"] == nil)
    #expect(profile["provider"] as? String == "embermind")
    #expect(profile["base_url"] as? String == setup.server.baseURL)
    #expect(profile["login"] as? String == Self.loginName)
    #expect(!setup.keystoreText().contains(Self.password))
    #expect(!setup.keystoreText().contains(token))
    #expect(setup.sandbox.keystoreMode() == 0o600)

    let after = try setup.run(["token", "-p", "ember"])
    #expect(after.status == 3, "\(after)")
    #expect(after.stdout == "")
    #expect(after.stderr.contains("authctl login -p ember"))
  }

  // MARK: environment profiles

  @Test("an environment-only API key profile works for token, header and check and writes no file")
  func environmentApiKeyProfileWritesNothing() throws {
    let setup = try Setup()
    let env = [
      "AUTHCTL_PROFILE_CI_PROVIDER": "embermind", "AUTHCTL_PROFILE_CI_BASE_URL": setup.server.baseURL,
      "AUTHCTL_PROFILE_CI_API_KEY": Self.apiKey,
    ]
    let token = try setup.run(["token", "-p", "ci"], env: env)
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == Self.apiKey + "\n")
    let header = try setup.run(["header", "-p", "ci"], env: env)
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "x-api-key: \(Self.apiKey)\n")
    let check = try setup.run(["check", "-p", "ci"], env: env)
    #expect(check.status == 0, "\(check)")
    #expect(check.stdout.contains("AUTHCTL_PROFILE_CI_API_KEY"))
    #expect(!check.stdout.contains(Self.apiKey))
    #expect(try setup.server.requests(path: Self.checkKeyPath).first?.headers["x-api-key"] == Self.apiKey)
    #expect(!FileManager.default.fileExists(atPath: setup.sandbox.keystorePath))
    #expect(!FileManager.default.fileExists(atPath: setup.sandbox.configDirectory))
  }

  @Test("an environment password profile signs in on first use and caches the token but never the password")
  func environmentPasswordProfileCachesToken() throws {
    let setup = try Setup()
    let env = [
      "AUTHCTL_PROVIDER": "embermind", "AUTHCTL_BASE_URL": setup.server.baseURL,
      "AUTHCTL_LOGIN": Self.loginName,
      "AUTHCTL_PASSWORD": Self.password,
    ]
    let first = try setup.run(["token"], env: env)
    #expect(first.status == 0, "\(first)")
    let logins = try setup.server.requests(path: Self.loginPath, method: "POST")
    #expect(logins.count == 1)
    #expect(logins.first?.json?["loginOrEmail"] as? String == Self.loginName)
    let cached = try #require(setup.credentials("default")?["access_token"] as? String)
    #expect(first.stdout == cached + "\n")
    #expect(try setup.serverAccepts(token: cached))
    #expect(setup.credentials("default")?["password"] == nil)
    #expect(!setup.keystoreText().contains(Self.password))
    #expect(setup.sandbox.keystoreMode() == 0o600)

    let second = try setup.run(["token"], env: env)
    #expect(second.status == 0, "\(second)")
    #expect(second.stdout == cached + "\n")
    #expect(try setup.server.requests(path: Self.loginPath).count == 1)
  }

  @Test("with AUTHCTL_NO_CACHE=1 an environment password profile signs in each time and writes no file")
  func noCacheWritesNoFile() throws {
    let setup = try Setup()
    let env = [
      "AUTHCTL_PROVIDER": "embermind", "AUTHCTL_BASE_URL": setup.server.baseURL,
      "AUTHCTL_LOGIN": Self.loginName,
      "AUTHCTL_PASSWORD": Self.password, "AUTHCTL_NO_CACHE": "1",
    ]
    for _ in 0..<2 {
      let result = try setup.run(["token"], env: env)
      #expect(result.status == 0, "\(result)")
      let token = result.stdout.trimmingCharacters(in: .newlines)
      #expect(result.stdout == token + "\n")
      #expect(try setup.serverAccepts(token: token))
    }
    #expect(try setup.server.requests(path: Self.loginPath).count == 2)
    #expect(!FileManager.default.fileExists(atPath: setup.sandbox.keystorePath))
    #expect(!FileManager.default.fileExists(atPath: setup.sandbox.configDirectory))
  }
}
