import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// End-to-end tests of knowledge-stack single sign-on (seed 003) against `fake_providers.py`:
/// `POST /v1/auth/sso/initiate`, the identity provider's page (`/__idp/authorize`), and the
/// redirect to authctl's loopback listener with `?token=`.
struct KnowledgeStackSSOTests {
  @Test(
    "SSO: initiate gets the tenant and an unguessable loopback redirect URI; the IdP's token is stored and printed"
  )
  func singleSignOnStoresTheToken() throws {
    let sso = try SSOAccount()
    let login = try sso.login()
    #expect(login.result.status == 0, "\(login)")
    #expect(login.result.stdout == "")
    #expect(login.page.text.contains("login complete"), "\(login.page.text)")
    let initiate = try #require(try sso.server.requests(path: "/v1/auth/sso/initiate", method: "POST").first)
    let body = try #require(initiate.json)
    #expect(Set(body.keys) == ["tenant_id", "redirect_uri"])
    #expect(body["tenant_id"] as? String == sso.tenantID)
    let redirect = try #require(body["redirect_uri"] as? String)
    #expect(
      redirect.wholeMatch(of: /http:\/\/127\.0\.0\.1:\d+\/callback\/[A-Za-z0-9_-]{22,}/) != nil, "\(redirect)"
    )
    #expect(login.location.hasPrefix(redirect + "?token="), "\(login.location)")

    let token = try #require(BrowserDriver.query(login.location)["token"])
    #expect(JWT.payload(token)?["tenant_id"] as? String == sso.tenantID)
    #expect(sso.credentials()?["access_token"] as? String == token)
    #expect(sso.profile()?["flow"] as? String == "sso")
    let printed = try sso.sandbox.run(["token", "-p", "ks"])
    #expect(printed.status == 0, "\(printed)")
    #expect(printed.stdout == token + "\n")
  }

  @Test("Each login gets a new random callback segment")
  func callbackSegmentIsRandom() throws {
    let sso = try SSOAccount()
    #expect(try sso.login().result.status == 0)
    #expect(try sso.login().result.status == 0)
    let redirects = try sso.server.requests(path: "/v1/auth/sso/initiate").compactMap {
      $0.json?["redirect_uri"] as? String
    }
    let segments = redirects.compactMap { $0.split(separator: "/").last.map(String.init) }
    #expect(segments.count == 2 && segments[0] != segments[1], "\(redirects)")
  }

  @Test(
    "A request to another path of the listener gets 404 and does not end the login",
    arguments: ["/callback", "/callback/guessed", "/"])
  func otherPathsGet404(_ path: String) throws {
    let sso = try SSOAccount()
    let command = try sso.launch()
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: sso.server.baseURL + "/__idp/authorize?")
    let redirect = try #require(
      try sso.server.requests(path: "/v1/auth/sso/initiate").first?.json?["redirect_uri"] as? String)
    let origin = try #require(redirect.firstMatch(of: /http:\/\/127\.0\.0\.1:\d+/)).output
    let forged = try HTTP.send("GET", origin + path + "?token=forged")
    #expect(forged.status == 404)
    #expect(command.isRunning)

    let (_, page) = try BrowserDriver.follow(url)
    #expect(page.status == 200)
    let result = try command.wait(timeout: 30)
    #expect(result.status == 0, "\(result)")
    let stored = try #require(sso.credentials()?["access_token"] as? String)
    #expect(stored != "forged")
    #expect(JWT.payload(stored)?["tenant_id"] as? String == sso.tenantID)
  }

  @Test("An IdP denial exits 3 with access_denied and stores nothing")
  func identityProviderDenialExits3() throws {
    let sso = try SSOAccount()
    try sso.server.control("sso", ["deny": true])
    let login = try sso.login()
    #expect(login.page.text.contains("login failed"), "\(login.page.text)")
    #expect(login.result.status == 3, "\(login)")
    #expect(login.result.stderr.contains("access_denied"), "\(login)")
    #expect(login.result.stderr.contains("authctl login -p ks"), "\(login)")
    #expect(sso.sandbox.keystoreBytes() == nil)
  }

  struct InitiateFault: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var status: Int
    var body: [String: String]
  }

  @Test(
    "A failed initiate exits 5 after one request, before any URL is printed",
    arguments: [
      InitiateFault(testDescription: "a 500", status: 500, body: ["detail": "Internal Server Error"]),
      InitiateFault(
        testDescription: "a redirect_url over plain http to another host", status: 200,
        body: ["redirect_url": "http://idp.example.com/authorize?session=1"]),
    ])
  func failedInitiateExits5(_ fault: InitiateFault) throws {
    let sso = try SSOAccount()
    try sso.server.fault([
      "path": "/v1/auth/sso/initiate", "method": "POST", "status": fault.status, "body": fault.body,
    ])
    let login = try sso.sandbox.run(sso.loginArguments(), timeout: 20)
    #expect(login.status == 5, "\(login)")
    #expect(!login.stderr.contains("authorize?session="), "\(login)")
    #expect(try sso.server.requests().map(\.path) == ["/v1/auth/sso/initiate"])
    #expect(sso.sandbox.keystoreBytes() == nil)
  }

  @Test("SSO without a tenant id exits 2 naming --tenant-id, before anything is sent")
  func missingTenantIsAUsageError() throws {
    let sso = try SSOAccount()
    let login = try sso.sandbox.run([
      "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", sso.server.baseURL, "--flow", "sso",
      "--no-browser",
    ])
    #expect(login.status == 2, "\(login)")
    #expect(login.stderr.contains("--tenant-id"), "\(login)")
    #expect(try sso.server.requests().isEmpty)
  }

  @Test("--login-timeout 2 with nobody at the browser exits 3 within a few seconds and stores nothing")
  func loginTimesOut() throws {
    let sso = try SSOAccount()
    let started = Date()
    let login = try sso.sandbox.run(sso.loginArguments(["--login-timeout", "2"]), timeout: 20)
    let elapsed = Date().timeIntervalSince(started)
    #expect(login.status == 3, "\(login)")
    #expect(elapsed >= 2 && elapsed < 6, "took \(elapsed) s")
    #expect(login.stderr.contains(sso.server.baseURL + "/__idp/authorize?"), "\(login)")
    #expect(login.stderr.contains("authctl login -p ks"), "\(login)")
    #expect(sso.sandbox.keystoreBytes() == nil)
  }
}

/// The knowledge-stack fake server with one user, and a sandbox with the profile `ks`.
private struct SSOAccount {
  let server: FakeServer
  let sandbox: Sandbox
  let tenantID: String

  init() throws {
    server = try FakeServer.start("knowledge-stack")
    sandbox = try Sandbox()
    let user = try server.control(
      "users", ["email": "sso@example.com", "password": "unused-here", "name": "SSO"])
    tenantID = try #require(user["tenant_id"] as? String)
  }

  func loginArguments(_ extra: [String] = []) -> [String] {
    [
      "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", server.baseURL, "--flow", "sso",
      "--tenant-id", tenantID, "--no-browser",
    ] + extra
  }

  func launch() throws -> RunningCommand {
    try sandbox.launch(loginArguments())
  }

  /// The whole login: the printed URL is followed and the IdP's redirect delivered to the listener.
  func login() throws -> BrowserDriver.Login {
    let command = try launch()
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: server.baseURL + "/__idp/authorize?")
    let (location, page) = try BrowserDriver.follow(url)
    return BrowserDriver.Login(
      url: url, location: location, page: page, result: try command.wait(timeout: 30))
  }

  func profile() -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["ks"] as? [String: Any]
  }

  func credentials() -> [String: Any]? {
    profile()?["credentials"] as? [String: Any]
  }
}
