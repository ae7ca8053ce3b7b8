import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// End-to-end tests of the `oidc` provider against django-oauth-toolkit, a real OAuth 2 / OpenID
/// Connect server someone else wrote (Tests/Servers/dot): the test plays the user with
/// `user_agent.py`, and the server's own counters show what authctl asked for.
struct DjangoOAuthTests {
  // MARK: browser login

  @Test(
    "A browser login with the public PKCE client stores the tokens and endpoints; token and check use them")
  func browserLoginWithThePublicClient() async throws {
    let account = try await DOTAccount()
    let login = try await account.browserLogin()
    #expect(login.result.status == 0, "\(login)")
    #expect(login.result.stdout == "")
    #expect(
      login.result.stderr.contains("Logged in to oidc as alice@example.com, profile 'corp'"), "\(login)")
    let query = login.query
    #expect(query["client_id"] == DjangoOAuthServer.publicClient)
    #expect(query["response_type"] == "code")
    #expect(query["code_challenge_method"] == "S256")
    #expect(query["scope"] == "openid profile email")
    let redirect = try #require(query["redirect_uri"])
    #expect(redirect.hasPrefix("http://127.0.0.1:") && redirect.hasSuffix("/callback"), "\(redirect)")

    let credentials = try #require(account.credentials())
    let access = try #require(credentials["access_token"] as? String)
    #expect(credentials["refresh_token"] is String)
    #expect(credentials["client_secret"] == nil)
    let idToken = try #require(credentials["id_token"] as? String)
    let claims = try #require(JWT.payload(idToken))
    #expect(claims["iss"] as? String == account.server.issuer)
    #expect(claims["aud"] as? String == DjangoOAuthServer.publicClient)
    #expect(claims["nonce"] as? String == query["nonce"])
    #expect(claims["email"] as? String == "alice@example.com")
    let profile = try #require(account.profile())
    #expect(profile["provider"] as? String == "oidc")
    #expect(profile["issuer"] as? String == account.server.issuer)
    #expect(profile["client_id"] as? String == DjangoOAuthServer.publicClient)
    #expect(profile["flow"] as? String == "browser")
    let server = account.server
    #expect(
      profile["oauth"] as? [String: String] == [
        "issuer": server.issuer, "authorization_endpoint": server.authorizationEndpoint,
        "token_endpoint": server.tokenEndpoint, "userinfo_endpoint": server.userinfoEndpoint,
        "revocation_endpoint": server.revocationEndpoint,
        "device_authorization_endpoint": server.deviceAuthorizationEndpoint,
        "end_session_endpoint": server.endSessionEndpoint,
      ])
    #expect(account.sandbox.keystoreMode() == 0o600)

    let token = try await account.run(["token", "-p", "corp"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == access + "\n")
    #expect(try server.userinfo(access).status == 200)

    // The access token is opaque: the e-mail and the group can only come from userinfo.
    #expect(JWT.payload(access) == nil)
    let check = try await account.run(["check", "-p", "corp"])
    #expect(check.status == 0, "\(check)")
    let lines = check.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.contains { $0.hasPrefix("identity:") && $0.contains("email alice@example.com") }, "\(check)")
    #expect(lines.contains { $0.hasPrefix("permissions:") && $0.contains("group developers") }, "\(check)")
    #expect(
      lines.contains { $0.hasPrefix("provider says:") && $0.hasSuffix("valid (GET userinfo)") }, "\(check)")
  }

  @Test(
    "The confidential client's secret given on stdin is stored, and refresh then works with no secret given")
  func confidentialSecretFromStdinIsStored() async throws {
    let account = try await DOTAccount()
    let secret = DjangoOAuthServer.confidentialSecret
    let login = try await account.browserLogin(
      clientID: DjangoOAuthServer.confidentialClient, extra: ["--flow", "browser", "--client-secret-stdin"],
      stdin: secret + "\n")
    #expect(login.result.status == 0, "\(login)")
    let credentials = try #require(account.credentials())
    #expect(credentials["client_secret"] as? String == secret)
    #expect(credentials["id_token"] is String)
    let oldRefresh = try #require(credentials["refresh_token"] as? String)

    let refresh = try await account.run(["refresh", "-p", "corp"])
    #expect(refresh.status == 0, "\(refresh)")
    let renewed = try #require(account.credentials())
    #expect(refresh.stdout == "\(renewed["access_token"] as? String ?? "-")\n")
    #expect(renewed["refresh_token"] as? String != oldRefresh)
    #expect(renewed["client_secret"] as? String == secret)
  }

  @Test(
    "With AUTHCTL_CLIENT_SECRET the confidential client logs in and refreshes; the secret is never stored")
  func confidentialSecretFromTheEnvironmentIsNotStored() async throws {
    let account = try await DOTAccount()
    let secret = DjangoOAuthServer.confidentialSecret
    let env = ["AUTHCTL_CLIENT_SECRET": secret]
    let login = try await account.browserLogin(clientID: DjangoOAuthServer.confidentialClient, env: env)
    #expect(login.result.status == 0, "\(login)")
    let credentials = try #require(account.credentials())
    #expect(credentials["access_token"] is String)
    #expect(credentials["refresh_token"] is String)
    #expect(credentials["client_secret"] == nil)

    let refresh = try await account.run(["refresh", "-p", "corp"], env: env)
    #expect(refresh.status == 0, "\(refresh)")
    #expect(refresh.stdout == "\(account.credentials()?["access_token"] as? String ?? "-")\n")
    #expect(try account.filesContaining(secret) == [])
  }

  @Test("Denied consent exits 3 with access_denied and the login hint, and nothing is stored")
  func deniedConsentStoresNothing() async throws {
    let account = try await DOTAccount()
    let login = try await account.browserLogin(deny: true)
    #expect(login.agent.status == 0, "\(login)")
    #expect(login.agent.stdout.contains("error=access_denied"), "\(login)")
    #expect(login.result.status == 3, "\(login)")
    #expect(login.result.stdout == "")
    #expect(login.result.stderr.contains("access_denied"), "\(login)")
    #expect(login.result.stderr.contains("authctl login -p corp"), "\(login)")
    #expect(account.sandbox.keystoreBytes() == nil)
  }

  @Test("A redirect whose state was changed exits 3; the code is never exchanged and nothing is stored")
  func wrongStateIsRefused() async throws {
    let account = try await DOTAccount.own()
    let command = try account.launchLogin()
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try await account.authorizationURL(command)
    let agent = try await account.approve(url: url, deliver: false)
    #expect(agent.status == 0, "\(agent)")
    let location = agent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    var components = try #require(URLComponents(string: location))
    let state = components.queryItems?.first { $0.name == "state" }?.value
    #expect(state != nil && state == DOTAccount.query(url)["state"], "\(location)")
    #expect(components.queryItems?.contains { $0.name == "code" } == true, "\(location)")
    components.queryItems = components.queryItems?.map {
      $0.name == "state" ? URLQueryItem(name: "state", value: "forged-\(UUID().uuidString)") : $0
    }
    let tampered = try #require(components.string)
    let page = try HTTP.send("GET", tampered)
    #expect(page.text.contains("login failed"), "\(page.text)")

    let result = try await account.wait(command)
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("state"), "\(result)")
    #expect(result.stderr.contains("authctl login -p corp"), "\(result)")
    #expect(account.sandbox.keystoreBytes() == nil)
    let stats = try account.server.stats()
    #expect(stats.tokenRequests["authorization_code"] == nil, "\(stats)")
    #expect(stats.requests["POST /o/token/"] == nil, "\(stats)")
  }

  @Test("JWT access tokens: check --offline shows the identity and groups from the token's own claims")
  func jwtAccessTokenClaimsInOfflineCheck() async throws {
    let account = try await DOTAccount.own(jwtAccessTokens: true)
    let login = try await account.browserLogin()
    #expect(login.result.status == 0, "\(login)")
    let credentials = try #require(account.credentials())
    let access = try #require(credentials["access_token"] as? String)
    let claims = try #require(JWT.payload(access), "not a JWT: \(access)")
    #expect(claims["iss"] as? String == account.server.issuer)
    let exp = try #require(claims["exp"] as? Int)
    let expiresAt = try #require(credentials["expires_at"] as? Int)
    // expires_in counts from the answer's arrival, the JWT's exp from the server's clock: equal but for latency.
    #expect((-1...10).contains(expiresAt - exp), "stored expiry \(expiresAt), JWT exp \(exp)")

    try account.server.resetStats()
    let check = try await account.run(["check", "-p", "corp", "--offline"])
    #expect(check.status == 0, "\(check)")
    let lines = check.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.contains { $0.hasPrefix("identity:") && $0.contains("email alice@example.com") }, "\(check)")
    #expect(lines.contains { $0.hasPrefix("permissions:") && $0.contains("group developers") }, "\(check)")
    #expect(try account.server.stats().requests.isEmpty)
    let header = try await account.run(["header", "-p", "corp"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "Authorization: Bearer \(access)\n")
  }

  @Test("A second browser login of a profile whose login waits for the user fails fast; the first completes")
  func secondInteractiveLoginFailsFast() async throws {
    let account = try await DOTAccount()
    let first = try account.launchLogin()
    defer { if first.isRunning { first.signal(SIGKILL) } }
    let url = try await account.authorizationURL(first)

    let started = Date()
    let second = try await account.run([
      "login", "-p", "corp", "--provider", "oidc", "--issuer", account.server.issuer, "--client-id",
      DjangoOAuthServer.publicClient, "--no-browser",
    ])
    #expect(second.status == 3, "\(second)")
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(second.stderr.contains("another interactive login of this profile is in progress"), "\(second)")
    #expect(!second.stderr.contains("/authorize/"), "no second authorization URL: \(second)")

    let agent = try await account.approve(url: url)
    #expect(agent.status == 0, "\(agent)")
    let result = try await account.wait(first)
    #expect(result.status == 0, "\(result)")
    #expect(account.credentials()?["access_token"] is String)
  }

  // MARK: refresh

  @Test(
    "refresh prints a new token and stores the rotated refresh token; the server then refuses the old one")
  func refreshRotatesTheRefreshToken() async throws {
    let account = try await DOTAccount()
    #expect(try await account.browserLogin().result.status == 0)
    let before = try #require(account.credentials())
    let oldAccess = try #require(before["access_token"] as? String)
    let oldRefresh = try #require(before["refresh_token"] as? String)

    let refresh = try await account.run(["refresh", "-p", "corp"])
    #expect(refresh.status == 0, "\(refresh)")
    let after = try #require(account.credentials())
    let newAccess = try #require(after["access_token"] as? String)
    let newRefresh = try #require(after["refresh_token"] as? String)
    #expect(refresh.stdout == newAccess + "\n")
    #expect(newAccess != oldAccess)
    #expect(newRefresh != oldRefresh)
    #expect(try account.server.userinfo(newAccess).status == 200)
    #expect(try account.server.userinfo(oldAccess).status == 401)

    // Last: reusing a rotated refresh token also revokes its whole family at DOT.
    let reuse = try account.server.tokenRequest([
      ("grant_type", "refresh_token"), ("refresh_token", oldRefresh),
      ("client_id", DjangoOAuthServer.publicClient),
    ])
    #expect(reuse.status == 400, "\(reuse.text)")
    #expect(reuse.json?["error"] as? String == "invalid_grant", "\(reuse.text)")
  }

  @Test("token refreshes proactively once fewer than 60 s remain, exactly once, and not before")
  func tokenRefreshesProactivelyOnce() async throws {
    // expires_in 65: not due for the first 5 s (the 60 s rule), then due.
    let account = try await DOTAccount.own(accessTokenSeconds: 65)
    #expect(try await account.browserLogin().result.status == 0)
    let before = try #require(account.credentials())
    let oldAccess = try #require(before["access_token"] as? String)
    let expiresAt = try #require(before["expires_at"] as? Int)
    try account.server.resetStats()

    let early = try await account.run(["token", "-p", "corp"])
    #expect(early.status == 0, "\(early)")
    #expect(early.stdout == oldAccess + "\n")
    #expect(try account.server.stats().tokenRequests["refresh_token"] == nil)

    let due = Double(expiresAt - 60) + 0.1
    while Date().timeIntervalSince1970 < due { try await Task.sleep(for: .milliseconds(50)) }
    let first = try await account.run(["token", "-p", "corp"])
    #expect(first.status == 0, "\(first)")
    let after = try #require(account.credentials())
    let newAccess = try #require(after["access_token"] as? String)
    #expect(newAccess != oldAccess)
    #expect(first.stdout == newAccess + "\n")
    #expect(after["refresh_token"] as? String != before["refresh_token"] as? String)
    let second = try await account.run(["token", "-p", "corp"])
    #expect(second.stdout == newAccess + "\n", "\(second)")
    let stats = try account.server.stats()
    #expect(stats.tokenRequests["refresh_token"] == 1, "\(stats)")
    #expect(stats.tokenResponses["refresh_token 200"] == 1, "\(stats)")
  }

  @Test("Fifty concurrent token calls on a profile past 75 % of its lifetime cause exactly one refresh")
  func fiftyConcurrentTokenCallsRefreshOnce() async throws {
    let account = try await DOTAccount.own()
    #expect(try await account.browserLogin().result.status == 0)
    let before = try #require(account.credentials())
    let oldAccess = try #require(before["access_token"] as? String)
    let oldRefresh = try #require(before["refresh_token"] as? String)
    try account.makeDue()
    try account.server.resetStats()

    // Hold the keystore lock while the 50 start: each reads the due token, then waits for the lock, so
    // they all contend for the one refresh when it is released.
    let lockPath = account.sandbox.keystorePath + ".lock"
    let lock = open(lockPath, O_RDWR | O_CLOEXEC)
    try #require(lock >= 0, "no keystore lock file at \(lockPath)")
    var held = true
    defer { if held { close(lock) } }
    var request = flock()
    request.l_type = Int16(F_WRLCK)
    request.l_whence = Int16(SEEK_SET)
    try #require(fcntl(lock, F_SETLK, &request) == 0)
    let launched = Date()
    let commands = try (0..<50).map { _ in try account.sandbox.launch(["token", "-p", "corp"]) }
    try await Task.sleep(for: .seconds(1))
    #expect(commands.allSatisfy { $0.isRunning }, "a due token must not be printed without the keystore lock")
    let released = Date()
    held = false
    close(lock)
    let results = try await offload { try commands.map { try $0.wait(timeout: 90) } }
    let seconds = { (start: Date) in String(format: "%.2f s", Date().timeIntervalSince(start)) }
    print(
      "DjangoOAuthTests: 50 concurrent `authctl token`: \(seconds(released)) after the lock was released, "
        + "\(seconds(launched)) from the first launch (1 s of it holding the lock)")

    for result in results { #expect(result.status == 0, "\(result)") }
    let after = try #require(account.credentials())
    let newAccess = try #require(after["access_token"] as? String)
    #expect(newAccess != oldAccess)
    #expect(Set(results.map(\.stdout)) == [newAccess + "\n"])
    let newRefresh = try #require(after["refresh_token"] as? String)
    #expect(newRefresh != oldRefresh)
    let stats = try account.server.stats()
    #expect(stats.tokenRequests["refresh_token"] == 1, "\(stats)")
    #expect(stats.requests["POST /o/token/"] == 1, "\(stats)")
    #expect(try account.server.userinfo(newAccess).status == 200)
    // The stored refresh token is the live one: the server accepts it (a stale one would be invalid_grant).
    let again = try await account.run(["refresh", "-p", "corp"])
    #expect(again.status == 0, "\(again)")
  }

  // MARK: client credentials

  @Test("Client credentials with the secret on stdin: an active token, and the secret kept for renewal")
  func clientCredentialsFromStdin() async throws {
    let account = try await DOTAccount()
    let secret = DjangoOAuthServer.serviceSecret
    let login = try await account.run(
      [
        "login", "-p", "svc", "--provider", "oidc", "--issuer", account.server.issuer, "--client-id",
        DjangoOAuthServer.serviceClient, "--client-secret-stdin",
      ], stdin: secret + "\n")
    #expect(login.status == 0, "\(login)")
    #expect(login.stdout == "")
    let credentials = try #require(account.credentials("svc"))
    let access = try #require(credentials["access_token"] as? String)
    #expect(credentials["refresh_token"] == nil)
    #expect(credentials["client_secret"] as? String == secret)
    #expect(account.profile("svc")?["flow"] as? String == "client-credentials")
    #expect(try account.server.isActive(access))

    let token = try await account.run(["token", "-p", "svc"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == access + "\n")
  }

  @Test(
    "An environment-only client-credentials profile gets a token with no login; the secret is never on disk")
  func environmentOnlyClientCredentials() async throws {
    let account = try await DOTAccount()
    let secret = DjangoOAuthServer.serviceSecret
    let env = [
      "AUTHCTL_PROFILE_SVC_PROVIDER": "oidc", "AUTHCTL_PROFILE_SVC_ISSUER": account.server.issuer,
      "AUTHCTL_PROFILE_SVC_CLIENT_ID": DjangoOAuthServer.serviceClient,
      "AUTHCTL_PROFILE_SVC_CLIENT_SECRET": secret,
    ]
    let token = try await account.run(["token", "-p", "svc"], env: env)
    #expect(token.status == 0, "\(token)")
    let access = token.stdout.trimmingCharacters(in: .newlines)
    #expect(!access.isEmpty && token.stdout == access + "\n", "\(token)")
    #expect(try account.server.isActive(access))
    let again = try await account.run(["token", "-p", "svc"], env: env)
    #expect(again.stdout == token.stdout, "\(again)")
    #expect(account.credentials("svc")?["client_secret"] == nil)
    #expect(try account.filesContaining(secret) == [])
  }

  // MARK: logout

  @Test("logout revokes the tokens: the server then refuses the refresh token and answers userinfo 401")
  func logoutRevokesAtTheServer() async throws {
    let account = try await DOTAccount()
    #expect(try await account.browserLogin().result.status == 0)
    let credentials = try #require(account.credentials())
    let access = try #require(credentials["access_token"] as? String)
    let refresh = try #require(credentials["refresh_token"] as? String)
    #expect(try account.server.userinfo(access).status == 200)

    let logout = try await account.run(["logout", "-p", "corp"])
    #expect(logout.status == 0, "\(logout)")
    #expect(logout.stdout == "")
    #expect(account.credentials() == nil)
    let reuse = try account.server.tokenRequest([
      ("grant_type", "refresh_token"), ("refresh_token", refresh),
      ("client_id", DjangoOAuthServer.publicClient),
    ])
    #expect(reuse.status == 400, "\(reuse.text)")
    #expect(reuse.json?["error"] as? String == "invalid_grant", "\(reuse.text)")
    #expect(try account.server.userinfo(access).status == 401)
  }

  @Test("A refresh token revoked at the server makes a due token exit 3 with the login hint")
  func revokedRefreshTokenNeedsALogin() async throws {
    let account = try await DOTAccount()
    #expect(try await account.browserLogin().result.status == 0)
    let refresh = try #require(account.credentials()?["refresh_token"] as? String)
    let revoked = try account.server.revoke(refresh, hint: "refresh_token")
    #expect(revoked.status == 200, "\(revoked.text)")
    try account.makeDue()

    let token = try await account.run(["token", "-p", "corp"])
    #expect(token.status == 3, "\(token)")
    #expect(token.stdout == "")
    #expect(token.stderr.contains("invalid_grant"), "\(token)")
    #expect(token.stderr.contains("authctl login -p corp"), "\(token)")
  }

  // MARK: device flow

  @Test("Device flow: the verification URI and user code appear on stderr; approval stores the tokens")
  func deviceFlowApproved() async throws {
    let account = try await DOTAccount()
    let command = try account.launchLogin(
      clientID: DjangoOAuthServer.deviceClient, extra: ["--flow", "device"])
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let (uri, code) = try await account.devicePrompt(command)
    #expect(uri == account.server.deviceVerificationURI)
    let agent = try await account.approveDevice(verificationURI: uri, userCode: code)
    #expect(agent.status == 0, "\(agent)")
    #expect(agent.stdout.contains("Device Authorized"), "\(agent)")

    let result = try await account.wait(command)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    let credentials = try #require(account.credentials())
    let access = try #require(credentials["access_token"] as? String)
    #expect(credentials["refresh_token"] is String)
    #expect(account.profile()?["flow"] as? String == "device")
    #expect(try account.server.userinfo(access).status == 200)
    let token = try await account.run(["token", "-p", "corp"])
    #expect(token.stdout == access + "\n", "\(token)")
  }

  @Test("Device flow: a denied user code exits 3 with the login hint and stores nothing")
  func deviceFlowDenied() async throws {
    let account = try await DOTAccount()
    let command = try account.launchLogin(
      clientID: DjangoOAuthServer.deviceClient, extra: ["--flow", "device"])
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let (uri, code) = try await account.devicePrompt(command)
    let agent = try await account.approveDevice(verificationURI: uri, userCode: code, deny: true)
    #expect(agent.status == 0, "\(agent)")
    #expect(agent.stdout.contains("Device Denied"), "\(agent)")

    let result = try await account.wait(command)
    #expect(result.status == 3, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("access_denied"), "\(result)")
    #expect(result.stderr.contains("authctl login -p corp"), "\(result)")
    #expect(account.sandbox.keystoreBytes() == nil)
  }
}

/// The server most tests share: they touch only their own users' tokens, never its counters. It
/// exits when this process does (or after 15 minutes).
private enum SharedDjangoOAuthServer {
  static let started: Result<DjangoOAuthServer, any Error> = Result {
    try DjangoOAuthServer.start(lifetime: 900)
  }
}

/// Runs blocking work (a process, a wait) on a thread of its own: Swift Testing runs tests on the
/// cooperative pool, which has only as many threads as the machine has cores.
private func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try body() }) }.start()
  }
}

/// One sandbox and the profiles it logs in to at a django-oauth-toolkit server.
private struct DOTAccount {
  let server: DjangoOAuthServer
  let sandbox: Sandbox

  /// A new sandbox at the shared server.
  init() async throws {
    server = try await offload { try SharedDjangoOAuthServer.started.get() }
    sandbox = try Sandbox()
  }

  private init(server: DjangoOAuthServer) throws {
    self.server = server
    sandbox = try Sandbox()
  }

  /// A new sandbox at a server of its own (for counting requests, or other token lifetimes).
  static func own(accessTokenSeconds: Int? = nil, jwtAccessTokens: Bool = false) async throws -> DOTAccount {
    let server = try await offload {
      try DjangoOAuthServer.start(accessTokenSeconds: accessTokenSeconds, jwtAccessTokens: jwtAccessTokens)
    }
    return try DOTAccount(server: server)
  }

  func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) async throws -> RunResult {
    try await offload { [sandbox] in try sandbox.run(args, stdin: stdin, env: env, timeout: 60) }
  }

  func wait(_ command: RunningCommand) async throws -> RunResult {
    try await offload { try command.wait(timeout: 30) }
  }

  func approve(url: String, deny: Bool = false, deliver: Bool = true) async throws -> ScriptResult {
    try await offload { [server] in try server.approve(url: url, deny: deny, deliver: deliver) }
  }

  func approveDevice(verificationURI: String, userCode: String?, deny: Bool = false) async throws
    -> ScriptResult
  {
    try await offload { [server] in
      try server.approveDevice(verificationURI: verificationURI, userCode: userCode, deny: deny)
    }
  }

  /// Starts `authctl login -p corp --provider oidc --issuer … --client-id … --no-browser`.
  func launchLogin(
    clientID: String = DjangoOAuthServer.publicClient, extra: [String] = [], stdin: String? = nil,
    env: [String: String] = [:]
  ) throws -> RunningCommand {
    try sandbox.launch(
      [
        "login", "-p", "corp", "--provider", "oidc", "--issuer", server.issuer, "--client-id", clientID,
        "--no-browser",
      ] + extra, stdin: stdin, env: env)
  }

  /// A browser login where `user_agent.py` plays alice: it opens the URL authctl printed, signs in,
  /// answers the consent form, and delivers the redirect to authctl's loopback listener.
  func browserLogin(
    clientID: String = DjangoOAuthServer.publicClient, extra: [String] = [], stdin: String? = nil,
    env: [String: String] = [:], deny: Bool = false
  ) async throws -> BrowserLogin {
    let command = try launchLogin(clientID: clientID, extra: extra, stdin: stdin, env: env)
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try await authorizationURL(command)
    let agent = try await approve(url: url, deny: deny)
    let result = try await wait(command)
    return BrowserLogin(url: url, agent: agent, result: result)
  }

  /// The authorization URL authctl prints on stderr.
  func authorizationURL(_ command: RunningCommand) async throws -> String {
    let prefix = server.authorizationEndpoint + "?"
    return try await awaitStderr(command) { stderr in
      stderr.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(prefix) }.map(String.init)
    }
  }

  /// The verification URI and user code of the device flow, as printed on stderr.
  func devicePrompt(_ command: RunningCommand) async throws -> (String, String) {
    try await awaitStderr(command) { stderr in
      stderr.firstMatch(of: /open (\S+) and enter the code: (\S+)/).map { (String($0.1), String($0.2)) }
    }
  }

  /// Polls the command's stderr until `find` finds what it looks for.
  private func awaitStderr<T>(_ command: RunningCommand, timeout: Double = 20, _ find: (String) -> T?)
    async throws -> T
  {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let found = find(command.partialOutput.stderr) { return found }
      if !command.isRunning {
        let result = try await wait(command)
        if let found = find(result.stderr) { return found }
        throw HarnessError.timeout("authctl exited before printing what the user must act on:\n\(result)")
      }
      if Date() >= deadline {
        throw HarnessError.timeout("nothing to act on within \(timeout) s:\n\(command.partialOutput.stderr)")
      }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  func profile(_ name: String = "corp") -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?[name] as? [String: Any]
  }

  func credentials(_ name: String = "corp") -> [String: Any]? {
    profile(name)?["credentials"] as? [String: Any]
  }

  /// Makes the stored access token due by moving `issued_at` back, so that more than 75 % of its
  /// lifetime has passed while well over 60 s remain (the binary's clock is real; the keystore is
  /// rewritten the way authctl writes it: a 0600 file renamed over the old one).
  func makeDue(_ name: String = "corp") throws {
    var document = try #require(sandbox.keystoreJSON())
    var profiles = try #require(document["profiles"] as? [String: Any])
    var profile = try #require(profiles[name] as? [String: Any])
    var credentials = try #require(profile["credentials"] as? [String: Any])
    let expiresAt = try #require(credentials["expires_at"] as? Int)
    let now = Int(Date().timeIntervalSince1970)
    #expect(expiresAt - now > 120, "the token should have minutes left, not \(expiresAt - now) s")
    credentials["issued_at"] = now - 4 * (expiresAt - now)
    profile["credentials"] = credentials
    profiles[name] = profile
    document["profiles"] = profiles
    let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    let temporary = sandbox.configDirectory + "/.keystore-test-\(UUID().uuidString)"
    guard
      FileManager.default.createFile(
        atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
    else { throw HarnessError.http("cannot write \(temporary)") }
    guard rename(temporary, sandbox.keystorePath) == 0 else {
      throw HarnessError.http("rename over the keystore failed: errno \(errno)")
    }
  }

  /// Paths of the files under the sandbox whose bytes contain `text`.
  func filesContaining(_ text: String) throws -> [String] {
    var found: [String] = []
    let needle = Data(text.utf8)
    let enumerator = FileManager.default.enumerator(atPath: sandbox.root.path)
    while let relative = enumerator?.nextObject() as? String {
      let path = sandbox.root.path + "/" + relative
      if let data = FileManager.default.contents(atPath: path), data.range(of: needle) != nil {
        found.append(relative)
      }
    }
    return found
  }

  /// The query parameters of a URL.
  static func query(_ url: String) -> [String: String] {
    var result: [String: String] = [:]
    for item in URLComponents(string: url)?.queryItems ?? [] where result[item.name] == nil {
      result[item.name] = item.value ?? ""
    }
    return result
  }
}

/// What a browser login printed, and what the user agent did.
private struct BrowserLogin: CustomStringConvertible {
  var url: String
  var agent: ScriptResult
  var result: RunResult

  var query: [String: String] { DOTAccount.query(url) }

  var description: String { "URL \(url)\n--- user agent: \(agent)\n--- authctl: \(result)" }
}
