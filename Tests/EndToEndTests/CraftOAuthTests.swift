import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// End-to-end tests of craft's OAuth flow (seed 001) against `fake_oidc.py --mode craft`: the login
/// page on the auth host, a token endpoint on the API host that takes a JSON body, refresh with rotation.
struct CraftOAuthTests {
  @Test(
    "An OAuth login: the authorize URL on the auth host, a JSON code exchange with the seed's fields, the secret stored"
  )
  func oauthLoginStoresTokensAndSecret() throws {
    let craft = try CraftOAuth()
    let login = try craft.browserLogin()
    #expect(login.result.status == 0, "\(login)")
    #expect(login.result.stdout == "")
    #expect(login.url.hasPrefix(craft.authURL + "/oauth/authorize?"), "\(login.url)")
    let query = BrowserDriver.query(login.url)
    #expect(query["client_id"] == CraftOAuth.clientID)
    #expect(query["response_type"] == "code")
    #expect(query["scope"] == "read write")
    let state = try #require(query["state"])
    #expect(state.count >= 22)
    let redirect = try #require(query["redirect_uri"])
    #expect(redirect.wholeMatch(of: /http:\/\/127\.0\.0\.1:\d+\/callback/) != nil, "\(redirect)")

    let exchanges = try craft.server.requests(path: "/v1/oauth/token", method: "POST")
    #expect(exchanges.count == 1)
    let exchange = try #require(exchanges.first)
    #expect(exchange.headers["content-type"]?.hasPrefix("application/json") == true)
    #expect(exchange.headers["host"] == "127.0.0.1:\(craft.server.port)")
    let body = try #require(exchange.json)
    #expect(Set(body.keys) == ["grant_type", "code", "client_id", "client_secret", "redirect_uri"])
    #expect(body["grant_type"] as? String == "authorization_code")
    #expect(body["code"] as? String == BrowserDriver.query(login.location)["code"])
    #expect(body["client_id"] as? String == CraftOAuth.clientID)
    #expect(body["client_secret"] as? String == CraftOAuth.secret)
    #expect(body["redirect_uri"] as? String == redirect)

    let credentials = try #require(craft.credentials())
    let access = try #require(credentials["access_token"] as? String)
    #expect(access.hasPrefix("craft_at_"))
    #expect((credentials["refresh_token"] as? String)?.hasPrefix("craft_rt_") == true)
    #expect(credentials["client_secret"] as? String == CraftOAuth.secret)
    #expect(craft.profile()?["flow"] as? String == "oauth")
    #expect(craft.sandbox.keystoreMode() == 0o600)
    let token = try craft.run(["token", "-p", "craft"])
    #expect(token.stdout == access + "\n")
  }

  @Test(
    "A denied consent or a wrong state exits 3 and no code is exchanged",
    arguments: [("deny", "access_denied"), ("wrong_state", "state")])
  func refusedRedirectExits3(_ setting: String, _ message: String) throws {
    let craft = try CraftOAuth()
    try craft.server.control("config", [setting: true])
    let login = try craft.browserLogin()
    #expect(login.result.status == 3, "\(login)")
    #expect(login.result.stderr.contains(message), "\(login)")
    #expect(login.result.stderr.contains("authctl login -p craft"), "\(login)")
    #expect(try craft.server.requests(path: "/v1/oauth/token").isEmpty)
    #expect(craft.sandbox.keystoreBytes() == nil)
  }

  @Test("A wrong client secret exits 3 with INVALID_CLIENT and stores nothing")
  func wrongClientSecretExits3() throws {
    let craft = try CraftOAuth()
    let login = try craft.browserLogin(secret: "not-the-secret")
    #expect(login.result.status == 3, "\(login)")
    #expect(login.result.stderr.contains("INVALID_CLIENT"), "\(login)")
    #expect(!login.result.stderr.contains("not-the-secret"), "\(login)")
    #expect(try craft.server.requests(path: "/v1/oauth/token").count == 1)
    #expect(craft.sandbox.keystoreBytes() == nil)
  }

  @Test("refresh sends the seed's JSON refresh body and stores the rotated refresh token")
  func refreshSendsJSONAndStoresRotation() throws {
    let craft = try CraftOAuth()
    #expect(try craft.browserLogin().result.status == 0)
    let old = try #require(craft.credentials()?["refresh_token"] as? String)
    try craft.server.resetRequests()
    let refresh = try craft.run(["refresh", "-p", "craft"])
    #expect(refresh.status == 0, "\(refresh)")
    let requests = try craft.server.requests()
    #expect(requests.map { "\($0.method) \($0.path)" } == ["POST /v1/oauth/token"])
    let body = try #require(requests.first?.json)
    #expect(Set(body.keys) == ["grant_type", "refresh_token", "client_id", "client_secret"])
    #expect(body["grant_type"] as? String == "refresh_token")
    #expect(body["refresh_token"] as? String == old)
    #expect(body["client_id"] as? String == CraftOAuth.clientID)
    #expect(body["client_secret"] as? String == CraftOAuth.secret)
    let credentials = try #require(craft.credentials())
    #expect(refresh.stdout == "\(credentials["access_token"] as? String ?? "-")\n")
    let rotated = try #require(credentials["refresh_token"] as? String)
    #expect(rotated != old)
    // The server has retired the old refresh token: only the stored one still works.
    let reuse = try HTTP.send(
      "POST", craft.server.baseURL + "/v1/oauth/token",
      json: [
        "grant_type": "refresh_token", "refresh_token": old, "client_id": CraftOAuth.clientID,
        "client_secret": CraftOAuth.secret,
      ])
    #expect(reuse.status == 400, "\(reuse.text)")
  }

  @Test("A refresh answer without a refresh token keeps the stored one")
  func refreshWithoutRotationKeepsTheRefreshToken() throws {
    let craft = try CraftOAuth()
    #expect(try craft.browserLogin().result.status == 0)
    let before = try #require(craft.credentials())
    try craft.server.control("config", ["rotate_refresh": false])
    let refresh = try craft.run(["refresh", "-p", "craft"])
    #expect(refresh.status == 0, "\(refresh)")
    let after = try #require(craft.credentials())
    #expect(after["access_token"] as? String != before["access_token"] as? String)
    #expect(after["refresh_token"] as? String == before["refresh_token"] as? String)
  }

  @Test("INVALID_GRANT on refresh exits 3 with the provider's code and the login hint")
  func invalidGrantOnRefreshExits3() throws {
    let craft = try CraftOAuth()
    #expect(try craft.browserLogin().result.status == 0)
    try craft.server.control("revoke", ["kind": "refresh"])
    let refresh = try craft.run(["refresh", "-p", "craft"])
    #expect(refresh.status == 3, "\(refresh)")
    #expect(refresh.stdout == "")
    #expect(refresh.stderr.contains("INVALID_GRANT"), "\(refresh)")
    #expect(refresh.stderr.contains("authctl login -p craft"), "\(refresh)")
  }

  @Test(
    "An OAuth login without a client secret exits 2 naming --client-secret-stdin, before anything is sent")
  func missingClientSecretIsAUsageError() throws {
    let craft = try CraftOAuth()
    let login = try craft.run(craft.loginArguments(secretOnStdin: false))
    #expect(login.status == 2, "\(login)")
    #expect(login.stderr.contains("--client-secret-stdin"), "\(login)")
    #expect(!login.stderr.contains("/oauth/authorize"), "\(login)")
    #expect(try craft.server.requests().isEmpty)
    #expect(craft.sandbox.keystoreBytes() == nil)
  }

  @Test("check shows the identity from /v1/me and the scopes granted")
  func checkShowsGrantedScopes() throws {
    let craft = try CraftOAuth()
    let login = try craft.browserLogin(["--scope", "read delete"])
    #expect(login.result.status == 0, "\(login)")
    #expect(BrowserDriver.query(login.url)["scope"] == "read delete")
    let check = try craft.run(["check", "-p", "craft"])
    #expect(check.status == 0, "\(check)")
    let rows = BrowserDriver.rows(check.stdout)
    #expect(rows["permissions"] == "scope read; scope delete", "\(check)")
    #expect(rows["identity"] == "subject user_123, email user@example.com, name John Doe", "\(check)")
    #expect(rows["refresh"] == "possible (refresh token)", "\(check)")
    #expect(rows["provider says"] == "valid (GET /v1/me)", "\(check)")
  }
}

/// `fake_oidc.py --mode craft` and a sandbox with the profile `craft`. The login page is addressed as
/// `localhost` and the API as `127.0.0.1`, so the two hosts of seed 001 are told apart.
private struct CraftOAuth {
  static let clientID = "authctl-craft"
  static let secret = "craft-secret"

  let server: FakeServer
  let sandbox: Sandbox

  init() throws {
    server = try FakeServer.startOIDC(mode: "craft")
    sandbox = try Sandbox()
  }

  var authURL: String { "http://localhost:\(server.port)" }

  func run(_ args: [String], stdin: String? = nil) throws -> RunResult {
    try sandbox.run(args, stdin: stdin)
  }

  func loginArguments(_ extra: [String] = [], secretOnStdin: Bool = true) -> [String] {
    [
      "login", "-p", "craft", "--provider", "craft", "--flow", "oauth", "--client-id", Self.clientID,
      "--base-url",
      server.baseURL, "--auth-url", authURL, "--no-browser",
    ] + (secretOnStdin ? ["--client-secret-stdin"] : []) + extra
  }

  func browserLogin(_ extra: [String] = [], secret: String = CraftOAuth.secret) throws -> BrowserDriver.Login
  {
    let command = try sandbox.launch(loginArguments(extra), stdin: secret + "\n")
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: authURL + "/oauth/authorize?")
    let (location, page) = try BrowserDriver.follow(url)
    return BrowserDriver.Login(
      url: url, location: location, page: page, result: try command.wait(timeout: 30))
  }

  func profile() -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["craft"] as? [String: Any]
  }

  func credentials() -> [String: Any]? {
    profile()?["credentials"] as? [String: Any]
  }
}
