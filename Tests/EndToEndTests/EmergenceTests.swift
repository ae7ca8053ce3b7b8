import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// End-to-end tests of the emergence provider (seed 000) against `fake_oidc.py --mode keycloak`, a
/// local Keycloak realm: every flow, and every error a real server will not produce on demand. The
/// browser is `BrowserDriver`, which follows the printed URL over HTTP.
struct EmergenceTests {
  // MARK: browser login

  @Test(
    "A browser login sends S256 PKCE, state and nonce, and redeems the code once with the matching verifier")
  func browserLoginSendsPKCEStateAndNonce() throws {
    let realm = try KeycloakRealm()
    let login = try realm.browserLogin()
    #expect(login.result.status == 0, "\(login.result)")
    #expect(login.result.stdout == "")
    #expect(login.result.stderr.contains("Logged in to emergence as alice@example.com, profile 'em'"))
    #expect(login.url.hasPrefix(realm.oidc + "/auth?"), "\(login.url)")
    let query = BrowserDriver.query(login.url)
    #expect(query["response_type"] == "code")
    #expect(query["client_id"] == "authctl")
    #expect(query["scope"] == "openid profile email")
    #expect(query["code_challenge_method"] == "S256")
    let challenge = try #require(query["code_challenge"])
    let state = try #require(query["state"])
    let nonce = try #require(query["nonce"])
    #expect(state.count >= 22 && nonce.count >= 22 && state != nonce, "\(state) \(nonce)")
    let redirect = try #require(query["redirect_uri"])
    #expect(redirect.wholeMatch(of: /http:\/\/127\.0\.0\.1:\d+\/callback/) != nil, "\(redirect)")
    #expect(login.location.contains("state=\(state)"))

    let requests = try realm.server.requests()
    #expect(
      requests.map { "\($0.method) \($0.path)" } == [
        "GET /realms/emergence/.well-known/openid-configuration",
        "GET /realms/emergence/protocol/openid-connect/auth",
        "POST /realms/emergence/protocol/openid-connect/token",
      ])
    let exchange = BrowserDriver.form(requests[2].body)
    #expect(exchange["grant_type"] == "authorization_code")
    #expect(exchange["client_id"] == "authctl")
    #expect(exchange["redirect_uri"] == redirect)
    #expect(exchange["code"] == BrowserDriver.query(login.location)["code"])
    let verifier = try #require(exchange["code_verifier"])
    #expect(try BrowserDriver.s256(verifier) == challenge, "\(verifier)")

    let credentials = try #require(realm.credentials())
    let idToken = try #require(credentials["id_token"] as? String)
    #expect(JWT.payload(idToken)?["nonce"] as? String == nonce)
    #expect(credentials["refresh_token"] is String)
    #expect(realm.profile()?["project_id"] as? String == KeycloakRealm.project)
    #expect(realm.sandbox.keystoreMode() == 0o600)
  }

  @Test(
    "header prints exactly the Bearer line and X-Project-ID; check shows the realm as organization and the groups"
  )
  func headerAndCheckAfterBrowserLogin() throws {
    let realm = try KeycloakRealm(realm: "acme")
    #expect(try realm.browserLogin().result.status == 0)
    let access = try #require(realm.credentials()?["access_token"] as? String)
    let header = try realm.run(["header", "-p", "em"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "Authorization: Bearer \(access)\nX-Project-ID: \(KeycloakRealm.project)\n")
    // seed 000: the header lines are what the API needs for a project-scoped endpoint.
    var headers: [String: String] = [:]
    for line in header.stdout.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      headers[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
    }
    let workflows = try HTTP.send("GET", realm.server.baseURL + "/api/v1/workflows", headers: headers)
    #expect(workflows.status == 200, "\(workflows.text)")
    let other = "22222222-2222-4222-8222-222222222222"
    let fromEnvironment = try realm.run(["header", "-p", "em"], env: ["AUTHCTL_PROJECT_ID": other])
    #expect(fromEnvironment.stdout == "Authorization: Bearer \(access)\nX-Project-ID: \(other)\n")

    try realm.server.resetRequests()
    let check = try realm.run(["check", "-p", "em"])
    #expect(check.status == 0, "\(check)")
    let rows = BrowserDriver.rows(check.stdout)
    #expect(rows["organization"] == "acme", "\(check)")
    #expect(rows["permissions"]?.hasPrefix("group /developers; group /admins") == true, "\(check)")
    #expect(rows["identity"]?.contains("email alice@example.com") == true, "\(check)")
    #expect(rows["provider says"] == "valid (GET userinfo)", "\(check)")
    #expect(try realm.server.requests().map(\.path) == [realm.path(realm.oidc + "/userinfo")])
  }

  struct UserinfoFault: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var status: Int
    var code: String
    var times: Int
    var retryAfter: String? = nil
    var exitCode: Int32
    var refreshes: Int
    var userinfoCalls: Int
  }

  static let userinfoFaults: [UserinfoFault] = [
    UserinfoFault(
      testDescription: "401 TOKEN_EXPIRED once: one refresh and one retry succeed", status: 401,
      code: "TOKEN_EXPIRED", times: 1, exitCode: 0, refreshes: 1, userinfoCalls: 2),
    UserinfoFault(
      testDescription: "401 TOKEN_EXPIRED twice: one refresh, one retry, then exit 3", status: 401,
      code: "TOKEN_EXPIRED", times: 2, exitCode: 3, refreshes: 1, userinfoCalls: 2),
    UserinfoFault(
      testDescription: "401 UNAUTHENTICATED twice: one refresh, one retry, then exit 3", status: 401,
      code: "UNAUTHENTICATED", times: 2, exitCode: 3, refreshes: 1, userinfoCalls: 2),
    UserinfoFault(
      testDescription: "403 FORBIDDEN: exit 4 with no refresh", status: 403, code: "FORBIDDEN", times: 1,
      exitCode: 4, refreshes: 0, userinfoCalls: 1),
    UserinfoFault(
      testDescription: "429 RATE_LIMIT_EXCEEDED with Retry-After 1: retried after 1 s, success", status: 429,
      code: "RATE_LIMIT_EXCEEDED", times: 1, retryAfter: "1", exitCode: 0, refreshes: 0, userinfoCalls: 2),
    UserinfoFault(
      testDescription: "429 RATE_LIMIT_EXCEEDED with Retry-After 120: exit 6 at once", status: 429,
      code: "RATE_LIMIT_EXCEEDED", times: 1, retryAfter: "120", exitCode: 6, refreshes: 0, userinfoCalls: 1),
  ]

  @Test(
    "The API's error codes at the provider's verdict (userinfo) map to SPEC exit codes",
    arguments: userinfoFaults)
  func userinfoErrorsAreMapped(_ fault: UserinfoFault) throws {
    let realm = try KeycloakRealm()
    #expect(try realm.browserLogin().result.status == 0)
    try realm.server.resetRequests()
    var spec: [String: Any] = [
      "path": realm.path(realm.oidc + "/userinfo"), "status": fault.status, "times": fault.times,
      "body": ["error": ["code": fault.code, "message": "from the fault"]],
    ]
    if let retryAfter = fault.retryAfter { spec["headers"] = ["Retry-After": retryAfter] }
    try realm.server.fault(spec)
    let started = Date()
    let check = try realm.run(["check", "-p", "em"])
    let elapsed = Date().timeIntervalSince(started)
    #expect(check.status == fault.exitCode, "\(check)")
    let userinfo = try realm.server.requests(path: realm.path(realm.oidc + "/userinfo"))
    #expect(userinfo.count == fault.userinfoCalls)
    #expect(try realm.tokenRequests("refresh_token").count == fault.refreshes)
    if fault.exitCode != 0 {
      #expect(check.stderr.contains(fault.code), "\(check)")
    }
    if fault.exitCode == 3 { #expect(check.stderr.contains("authctl login -p em"), "\(check)") }
    if fault.refreshes == 1, userinfo.count == 2 {
      // The retry carries the refreshed token, not the rejected one.
      #expect(userinfo[0].headers["authorization"] != userinfo[1].headers["authorization"])
      let stored = try #require(realm.credentials()?["access_token"] as? String)
      #expect(userinfo[1].headers["authorization"] == "Bearer \(stored)")
    }
    if fault.retryAfter == "1", userinfo.count == 2 { #expect(userinfo[1].time - userinfo[0].time >= 0.95) }
    if fault.retryAfter == "120" { #expect(elapsed < 10) }
  }

  // MARK: browser login errors

  @Test(
    "A redirect with a wrong state or a denied consent exits 3; no code is exchanged and nothing is stored",
    arguments: [("wrong_state", "state"), ("deny", "access_denied")])
  func refusedRedirectStoresNothing(_ setting: String, _ message: String) throws {
    let realm = try KeycloakRealm(config: [setting: true])
    let login = try realm.browserLogin()
    #expect(login.page.text.contains("login failed"), "\(login.page.text)")
    #expect(login.result.status == 3, "\(login.result)")
    #expect(login.result.stdout == "")
    #expect(login.result.stderr.contains(message), "\(login.result)")
    #expect(login.result.stderr.contains("authctl login -p em"), "\(login.result)")
    #expect(try realm.server.requests(path: realm.path(realm.oidc + "/token")).isEmpty)
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test("A code is exchanged exactly once: a 500 from the token endpoint exits 5 after one token request")
  func failedExchangeIsNotRetried() throws {
    let realm = try KeycloakRealm()
    try realm.server.fault(["path": realm.path(realm.oidc + "/token"), "method": "POST", "status": 500])
    let login = try realm.browserLogin()
    #expect(login.result.status == 5, "\(login.result)")
    #expect(login.result.stdout == "")
    #expect(try realm.server.requests(path: realm.path(realm.oidc + "/token")).count == 1)
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test(
    "A code the server refuses for a wrong PKCE verifier exits 3 after one token request, storing nothing")
  func wrongVerifierIsRejection() throws {
    let realm = try KeycloakRealm()
    let refusal = #"{"error":"invalid_grant","error_description":"PKCE verification failed: Code mismatch"}"#
    try realm.server.fault([
      "path": realm.path(realm.oidc + "/token"), "method": "POST", "status": 400, "body": refusal,
      "content_type": "application/json",
    ])
    let login = try realm.browserLogin()
    #expect(login.result.status == 3, "\(login.result)")
    #expect(login.result.stderr.contains("invalid_grant"), "\(login.result)")
    #expect(login.result.stderr.contains("PKCE verification failed"), "\(login.result)")
    #expect(try realm.server.requests(path: realm.path(realm.oidc + "/token")).count == 1)
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test("A browser login the server never redirects times out with exit 3 after --login-timeout")
  func browserLoginTimesOut() throws {
    let realm = try KeycloakRealm(config: ["withhold": true])
    let started = Date()
    let command = try realm.launchLogin(["--login-timeout", "2"])
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: realm.oidc + "/auth?")
    #expect(try HTTP.send("GET", url).status == 200)
    let result = try command.wait(timeout: 20)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == 3, "\(result)")
    #expect(elapsed >= 2 && elapsed < 6, "took \(elapsed) s")
    #expect(result.stderr.contains("authctl login -p em"), "\(result)")
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  struct BadIDToken: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var claim: String
    var value: String
  }

  @Test(
    "An ID token that fails its checks exits 5 and nothing is stored",
    arguments: [
      BadIDToken(testDescription: "a nonce that is not the one sent", claim: "nonce", value: "not-the-nonce"),
      BadIDToken(testDescription: "another issuer", claim: "iss", value: "http://127.0.0.1:1/realms/evil"),
      BadIDToken(testDescription: "another audience", claim: "aud", value: "someone-else"),
      BadIDToken(testDescription: "an expiry an hour ago", claim: "exp", value: "-3600"),
    ])
  func idTokenChecksFail(_ bad: BadIDToken) throws {
    let realm = try KeycloakRealm()
    let command = try realm.launchLogin()
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: realm.oidc + "/auth?")
    // The fake server signs nothing; a canned token answer carries the ID token with one claim changed.
    let now = Int(Date().timeIntervalSince1970)
    var claims: [String: Any] = [
      "iss": realm.issuer, "aud": "authctl", "azp": "authctl", "sub": "7c1d2a6e", "iat": now,
      "exp": now + 300,
      "nonce": BrowserDriver.query(url)["nonce"] ?? "",
    ]
    claims[bad.claim] = bad.claim == "exp" ? now + (Int(bad.value) ?? 0) : bad.value
    try realm.server.fault([
      "path": realm.path(realm.oidc + "/token"), "method": "POST", "status": 200,
      "body": [
        "access_token": try BrowserDriver.jwt(["sub": "7c1d2a6e", "iat": now, "exp": now + 300]),
        "token_type": "Bearer", "expires_in": 300, "refresh_token": "refresh-1",
        "id_token": try BrowserDriver.jwt(claims),
      ],
    ])
    _ = try BrowserDriver.follow(url)
    let result = try command.wait(timeout: 30)
    #expect(result.status == 5, "\(result)")
    #expect(result.stderr.contains("ID token"), "\(result)")
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test("A discovery document naming another issuer exits 5 before any browser URL is printed")
  func discoveryIssuerMismatchExits5() throws {
    let realm = try KeycloakRealm()
    let discovery = realm.issuer + "/.well-known/openid-configuration"
    var document = try #require(try HTTP.send("GET", discovery).json)
    document["issuer"] = realm.server.baseURL + "/realms/elsewhere"
    try realm.server.fault(["path": realm.path(discovery), "method": "GET", "status": 200, "body": document])
    let login = try realm.run(realm.loginArguments(), timeout: 20)
    #expect(login.status == 5, "\(login)")
    #expect(login.stderr.contains("issuer"), "\(login)")
    #expect(!login.stderr.contains("/auth?"), "\(login)")
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test(
    "An http:// issuer that is not loopback is refused with exit 2 before anything is sent",
    arguments: ["http://keycloak.example.com/realms/emergence", "http://192.168.10.20:8080/realms/emergence"])
  func insecureIssuerIsAUsageError(_ issuer: String) throws {
    let sandbox = try Sandbox()
    let login = try sandbox.run([
      "login", "-p", "em", "--provider", "emergence", "--issuer", issuer, "--client-id", "authctl",
      "--no-browser",
    ])
    #expect(login.status == 2, "\(login)")
    #expect(login.stderr.contains(issuer), "\(login)")
    #expect(sandbox.keystoreBytes() == nil)
  }

  @Test(
    "A second interactive login of the same profile fails at once with exit 3 when stdin is not a terminal")
  func secondInteractiveLoginFailsFast() throws {
    let realm = try KeycloakRealm()
    let first = try realm.launchLogin()
    defer { if first.isRunning { first.signal(SIGKILL) } }
    _ = try BrowserDriver.url(in: first, prefix: realm.oidc + "/auth?")
    let started = Date()
    let second = try realm.run(realm.loginArguments(), timeout: 20)
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(second.status == 3, "\(second)")
    #expect(second.stderr.contains("in progress"), "\(second)")
    #expect(!second.stderr.contains("/auth?"), "a second browser URL was offered:\n\(second)")
    #expect(first.isRunning)
  }

  // MARK: refresh

  @Test("A refresh token revoked at the server makes refresh exit 3 with the login hint")
  func revokedRefreshTokenExits3() throws {
    let realm = try KeycloakRealm()
    #expect(try realm.browserLogin().result.status == 0)
    try realm.server.control("revoke", ["kind": "refresh"])
    let refresh = try realm.run(["refresh", "-p", "em"])
    #expect(refresh.status == 3, "\(refresh)")
    #expect(refresh.stdout == "")
    #expect(refresh.stderr.contains("invalid_grant"), "\(refresh)")
    #expect(refresh.stderr.contains("authctl login -p em"), "\(refresh)")
    #expect(try realm.tokenRequests("refresh_token").count == 1)
  }

  @Test(
    "A token past 75 % of its lifetime (JWT iat/exp) is refreshed once by token; the rotated refresh token is stored"
  )
  func tokenPastThreeQuartersIsRefreshedOnce() throws {
    // No expires_in: the lifetime comes from the JWT. 800 of 1000 s spent leaves 200 s, so only the 75 % rule applies.
    let realm = try KeycloakRealm(config: [
      "omit_expires_in": true, "access_lifetime": 1000, "iat_offset": -800,
    ])
    #expect(try realm.browserLogin().result.status == 0)
    let before = try #require(realm.credentials())
    let oldRefresh = try #require(before["refresh_token"] as? String)
    try realm.server.control("config", ["omit_expires_in": false, "access_lifetime": 300, "iat_offset": 0])
    try realm.server.resetRequests()

    let token = try realm.run(["token", "-p", "em"])
    #expect(token.status == 0, "\(token)")
    let after = try #require(realm.credentials())
    let access = try #require(after["access_token"] as? String)
    #expect(token.stdout == access + "\n")
    #expect(access != before["access_token"] as? String)
    #expect(after["refresh_token"] as? String != oldRefresh)
    let refreshes = try realm.tokenRequests("refresh_token")
    #expect(refreshes.count == 1)
    #expect(refreshes.first.map { BrowserDriver.form($0.body)["refresh_token"] } == oldRefresh)

    let again = try realm.run(["token", "-p", "em"])
    #expect(again.stdout == access + "\n")
    #expect(try realm.tokenRequests("refresh_token").count == 1)
  }

  // MARK: device flow

  @Test(
    "Device flow: the URI and code appear on stderr as sent, even with --quiet; pending, then approval stores tokens"
  )
  func deviceFlowPendingThenApproved() throws {
    let realm = try KeycloakRealm(config: ["device_interval": 1])
    let command = try realm.sandbox.launch(realm.loginArguments(["--flow", "device", "-q"]))
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let (uri, code) = try BrowserDriver.devicePrompt(command)
    let device = try realm.latestDevice()
    #expect(uri == realm.issuer + "/device")
    #expect(code == device["user_code"] as? String)
    #expect(command.partialOutput.stderr.contains("\(realm.issuer)/device?user_code=\(code)"))
    try realm.waitForPolls(1)
    // The user opens the verification URI with the code and approves.
    let page = try HTTP.send("GET", uri + "?user_code=" + code)
    #expect(page.status == 200, "\(page.text)")
    let result = try command.wait(timeout: 20)
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    let polls = try realm.tokenRequests("urn:ietf:params:oauth:grant-type:device_code")
    #expect(polls.count >= 2)
    for (earlier, later) in zip(polls, polls.dropFirst()) { #expect(later.time - earlier.time >= 0.9) }
    let credentials = try #require(realm.credentials())
    #expect(credentials["access_token"] is String)
    #expect(credentials["refresh_token"] is String)
    #expect(realm.profile()?["flow"] as? String == "device")
  }

  @Test("Device flow: slow_down adds 5 s to the polling interval")
  func deviceFlowSlowDownAddsFiveSeconds() throws {
    let realm = try KeycloakRealm(config: ["device_interval": 1])
    let command = try realm.sandbox.launch(realm.loginArguments(["--flow", "device"]))
    defer { if command.isRunning { command.signal(SIGKILL) } }
    _ = try BrowserDriver.devicePrompt(command)
    // The first poll answers slow_down (forced once); the next one, 1 + 5 s later, gets the tokens.
    try realm.server.control("device", ["action": "slow_down"])
    try realm.server.control("device", ["action": "approve"])
    let result = try command.wait(timeout: 20)
    #expect(result.status == 0, "\(result)")
    let polls = try realm.tokenRequests("urn:ietf:params:oauth:grant-type:device_code")
    #expect(polls.count == 2)
    if polls.count == 2 {
      let gap = polls[1].time - polls[0].time
      #expect(gap >= 5.9 && gap < 7.5, "gap \(gap)")
    }
    #expect(realm.credentials()?["access_token"] is String)
  }

  @Test(
    "Device flow: an expired device code or a denial exits 3 with the login hint and stores nothing",
    arguments: [("expire", "expired"), ("deny", "access_denied")])
  func deviceFlowRefused(_ action: String, _ message: String) throws {
    let realm = try KeycloakRealm(config: ["device_interval": 1])
    let command = try realm.sandbox.launch(realm.loginArguments(["--flow", "device"]))
    defer { if command.isRunning { command.signal(SIGKILL) } }
    _ = try BrowserDriver.devicePrompt(command)
    try realm.server.control("device", ["action": action])
    let result = try command.wait(timeout: 20)
    #expect(result.status == 3, "\(result)")
    #expect(result.stderr.contains(message), "\(result)")
    #expect(result.stderr.contains("authctl login -p em"), "\(result)")
    #expect(try realm.tokenRequests("urn:ietf:params:oauth:grant-type:device_code").count == 1)
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test("Device flow at an issuer that advertises no device endpoint exits 8")
  func deviceFlowWithoutDeviceEndpoint() throws {
    let realm = try KeycloakRealm(config: ["discovery_omit": ["device_authorization_endpoint"]])
    let login = try realm.run(realm.loginArguments(["--flow", "device"]), timeout: 20)
    #expect(login.status == 8, "\(login)")
    #expect(login.stderr.contains("device_authorization_endpoint"), "\(login)")
    #expect(try realm.server.requests(path: realm.path(realm.oidc + "/token")).isEmpty)
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  // MARK: client credentials and development tokens

  @Test(
    "Client credentials with the secret on stdin: HTTP Basic, the token and the secret stored, token prints it"
  )
  func clientCredentialsLogin() throws {
    let realm = try KeycloakRealm()
    let login = try realm.run(
      realm.loginArguments(["--client-secret-stdin"], clientID: "authctl-service"), stdin: "service-secret\n")
    #expect(login.status == 0, "\(login)")
    let grants = try realm.tokenRequests("client_credentials")
    #expect(grants.count == 1)
    let basic = "Basic " + Data("authctl-service:service-secret".utf8).base64EncodedString()
    #expect(grants.first?.headers["authorization"] == basic)
    #expect(grants.first.map { BrowserDriver.form($0.body)["client_secret"] } == .some(nil))
    let credentials = try #require(realm.credentials())
    let access = try #require(credentials["access_token"] as? String)
    #expect(credentials["client_secret"] as? String == "service-secret")
    #expect(credentials["refresh_token"] == nil)
    #expect(realm.profile()?["flow"] as? String == "client-credentials")
    let token = try realm.run(["token", "-p", "em"])
    #expect(token.stdout == access + "\n")
    #expect(JWT.payload(access)?["azp"] as? String == "authctl-service")
  }

  @Test("Client credentials with a wrong secret exit 3 with the issuer's error and store nothing")
  func clientCredentialsWithAWrongSecret() throws {
    let realm = try KeycloakRealm()
    let login = try realm.run(
      realm.loginArguments(["--client-secret-stdin"], clientID: "authctl-service"), stdin: "not-the-secret\n")
    #expect(login.status == 3, "\(login)")
    #expect(login.stderr.contains("unauthorized_client"), "\(login)")
    #expect(!login.stderr.contains("not-the-secret"), "\(login)")
    #expect(realm.sandbox.keystoreBytes() == nil)
  }

  @Test(
    "An environment-only client-credentials profile gets a token on first use; the secret is never written")
  func environmentOnlyClientCredentials() throws {
    let realm = try KeycloakRealm()
    let env = [
      "AUTHCTL_PROFILE_CI_PROVIDER": "emergence", "AUTHCTL_PROFILE_CI_ISSUER": realm.issuer,
      "AUTHCTL_PROFILE_CI_CLIENT_ID": "authctl-service", "AUTHCTL_PROFILE_CI_CLIENT_SECRET": "service-secret",
    ]
    let token = try realm.run(["token", "-p", "ci"], env: env)
    #expect(token.status == 0, "\(token)")
    let access = token.stdout.trimmingCharacters(in: .newlines)
    #expect(
      try HTTP.send("GET", realm.oidc + "/userinfo", headers: ["Authorization": "Bearer \(access)"]).status
        == 200)
    #expect(try realm.tokenRequests("client_credentials").count == 1)
    let again = try realm.run(["token", "-p", "ci"], env: env)
    #expect(again.stdout == token.stdout)
    #expect(try realm.tokenRequests("client_credentials").count == 1)
    #expect(try BrowserDriver.files(under: realm.sandbox.root, containing: "service-secret") == [])
  }

  @Test("--flow token stores a development token from --token-stdin without calling the token endpoint")
  func developmentTokenIsStored() throws {
    let realm = try KeycloakRealm()
    let minted = try realm.server.control("mint", ["expires_in": 600])
    let development = try #require(minted["access_token"] as? String)
    let login = try realm.run(
      realm.loginArguments(["--flow", "token", "--token-stdin"]), stdin: development + "\n")
    #expect(login.status == 0, "\(login)")
    #expect(realm.credentials()?["access_token"] as? String == development)
    #expect(realm.credentials()?["refresh_token"] == nil)
    let token = try realm.run(["token", "-p", "em"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == development + "\n")
    #expect(try realm.server.requests(path: realm.path(realm.oidc + "/token")).isEmpty)
  }

  // MARK: logout

  @Test("logout revokes the refresh token, then the access token, and removes the secrets")
  func logoutRevokesRefreshThenAccess() throws {
    let realm = try KeycloakRealm()
    #expect(try realm.browserLogin().result.status == 0)
    let before = try #require(realm.credentials())
    try realm.server.resetRequests()
    let logout = try realm.run(["logout", "-p", "em", "--json"])
    #expect(logout.status == 0, "\(logout)")
    // The report names the endpoint called.
    #expect(logout.stdout.contains(#""provider_logout" : "POST \#(realm.oidc)/revoke""#), "\(logout)")
    let revocations = try realm.server.requests().map {
      "\($0.method) \($0.path) \(BrowserDriver.form($0.body)["token"] ?? "-")"
    }
    let endpoint = "POST " + realm.path(realm.oidc + "/revoke")
    #expect(
      revocations == [
        "\(endpoint) \(before["refresh_token"] as? String ?? "?")",
        "\(endpoint) \(before["access_token"] as? String ?? "?")",
      ])
    #expect(realm.credentials() == nil)
    let access = before["access_token"] as? String ?? ""
    #expect(
      try HTTP.send("GET", realm.oidc + "/userinfo", headers: ["Authorization": "Bearer \(access)"]).status
        == 401)
  }

  @Test("Without a revocation endpoint, logout calls the end-session endpoint with id_token_hint")
  func logoutUsesEndSessionWithoutRevocation() throws {
    let realm = try KeycloakRealm(config: [
      "discovery_omit": ["revocation_endpoint"], "discovery_suffix": ["end_session_endpoint": "?tenant=acme"],
    ])
    #expect(try realm.browserLogin().result.status == 0)
    let before = try #require(realm.credentials())
    try realm.server.resetRequests()
    let logout = try realm.run(["logout", "-p", "em"])
    #expect(logout.status == 0, "\(logout)")
    // The report names the endpoint called, without a query: the one it sends carries the ID token.
    #expect(logout.stderr.contains("ended the session (GET \(realm.oidc)/logout)"), "\(logout)")
    let idToken = try #require(before["id_token"] as? String)
    #expect(!logout.stderr.contains(idToken))
    let requests = try realm.server.requests()
    #expect(requests.map { "\($0.method) \($0.path)" } == ["GET " + realm.path(realm.oidc + "/logout")])
    #expect(
      requests.first.map { BrowserDriver.form($0.query)["id_token_hint"] } == before["id_token"] as? String)
    #expect(requests.first.map { BrowserDriver.form($0.query)["tenant"] } == "acme")
    #expect(realm.credentials() == nil)
    let access = before["access_token"] as? String ?? ""
    #expect(
      try HTTP.send("GET", realm.oidc + "/userinfo", headers: ["Authorization": "Bearer \(access)"]).status
        == 401)
  }
}

/// One fake Keycloak realm (`fake_oidc.py --mode keycloak`) and a sandbox with the profile `em`.
private struct KeycloakRealm {
  static let project = "11111111-1111-4111-8111-111111111111"

  let server: FakeServer
  let sandbox: Sandbox
  let issuer: String

  init(realm: String = "emergence", config: [String: Any] = [:]) throws {
    server = try FakeServer.startOIDC(mode: "keycloak", realm: realm)
    sandbox = try Sandbox()
    issuer = server.baseURL + "/realms/" + realm
    if !config.isEmpty { try server.control("config", config) }
  }

  /// `<issuer>/protocol/openid-connect`
  var oidc: String { issuer + "/protocol/openid-connect" }

  /// The path of one of the server's URLs, as the request log shows it.
  func path(_ url: String) -> String { String(url.dropFirst(server.baseURL.count)) }

  func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:], timeout: Double = 60) throws
    -> RunResult
  {
    try sandbox.run(args, stdin: stdin, env: env, timeout: timeout)
  }

  func loginArguments(_ extra: [String] = [], clientID: String = "authctl") -> [String] {
    [
      "login", "-p", "em", "--provider", "emergence", "--issuer", issuer, "--client-id", clientID,
      "--project-id",
      Self.project, "--no-browser",
    ] + extra
  }

  func launchLogin(_ extra: [String] = []) throws -> RunningCommand {
    try sandbox.launch(loginArguments(extra))
  }

  /// A browser login: the printed URL is followed and its redirect delivered to authctl's listener.
  func browserLogin(_ extra: [String] = []) throws -> BrowserDriver.Login {
    let command = try launchLogin(extra)
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: oidc + "/auth?")
    let (location, page) = try BrowserDriver.follow(url)
    return BrowserDriver.Login(
      url: url, location: location, page: page, result: try command.wait(timeout: 30))
  }

  /// POSTs to the token endpoint with this grant_type, oldest first.
  func tokenRequests(_ grant: String) throws -> [RecordedRequest] {
    try server.requests(path: path(oidc + "/token"), method: "POST").filter {
      BrowserDriver.form($0.body)["grant_type"] == grant
    }
  }

  func latestDevice() throws -> [String: Any] {
    let devices = try server.control("device", ["action": "list"])["devices"] as? [[String: Any]]
    return try #require(devices?.last)
  }

  /// Waits until the latest device code has been polled `count` times.
  func waitForPolls(_ count: Int, timeout: Double = 10) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while (try latestDevice()["polls"] as? Int ?? 0) < count {
      guard Date() < deadline else { throw HarnessError.timeout("no device poll within \(timeout) s") }
      usleep(50_000)
    }
  }

  func profile() -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["em"] as? [String: Any]
  }

  func credentials() -> [String: Any]? {
    profile()?["credentials"] as? [String: Any]
  }
}

/// Plays the browser (and the person) for authctl's interactive logins, over plain HTTP: shared by the
/// emergence, craft OAuth and knowledge-stack SSO tests.
enum BrowserDriver {
  struct Login: CustomStringConvertible {
    /// The URL authctl printed.
    var url: String
    /// Where the server redirected the browser (authctl's loopback listener).
    var location: String
    /// The page the listener answered.
    var page: HTTPResponse
    var result: RunResult

    var description: String { "url \(url)\nlocation \(location)\n\(result)" }
  }

  /// Polls the command's stderr until `find` finds what it looks for.
  static func awaitStderr<T>(_ command: RunningCommand, timeout: Double = 20, _ find: (String) -> T?) throws
    -> T
  {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let found = find(command.partialOutput.stderr) { return found }
      if !command.isRunning {
        let result = try command.wait(timeout: 5)
        if let found = find(result.stderr) { return found }
        throw HarnessError.timeout("authctl exited before printing what the user must act on:\n\(result)")
      }
      if Date() >= deadline {
        throw HarnessError.timeout("nothing to act on within \(timeout) s:\n\(command.partialOutput.stderr)")
      }
      usleep(20_000)
    }
  }

  /// The first whitespace-separated word on stderr that starts with `prefix`.
  static func url(in command: RunningCommand, prefix: String) throws -> String {
    try awaitStderr(command) { stderr in
      stderr.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(prefix) }.map(String.init)
    }
  }

  /// The verification URI and user code of the device flow, as printed on stderr.
  static func devicePrompt(_ command: RunningCommand) throws -> (String, String) {
    try awaitStderr(command) { stderr in
      stderr.firstMatch(of: /open (\S+) and enter the code: (\S+)/).map { (String($0.1), String($0.2)) }
    }
  }

  /// GETs `url` without following redirects, then GETs the redirect's `Location` (authctl's listener).
  static func follow(_ url: String) throws -> (location: String, page: HTTPResponse) {
    let answer = try HTTP.send("GET", url)
    guard (300...399).contains(answer.status), let location = answer.headers["location"] else {
      throw HarnessError.http("GET \(url) answered \(answer.status), not a redirect: \(answer.text)")
    }
    return (location, try HTTP.send("GET", location))
  }

  /// The query parameters of a URL.
  static func query(_ url: String) -> [String: String] {
    guard let mark = url.firstIndex(of: "?") else { return [:] }
    return form(String(url[url.index(after: mark)...]))
  }

  /// An application/x-www-form-urlencoded body (or query) as a dictionary; the first of repeated names wins.
  static func form(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let decode = { (part: Substring) in
        let plain = part.replacingOccurrences(of: "+", with: " ")
        return plain.removingPercentEncoding ?? plain
      }
      let name = decode(parts[0])
      if result[name] == nil { result[name] = parts.count > 1 ? decode(parts[1]) : "" }
    }
    return result
  }

  /// `check`'s table: "name:  value" rows by name.
  static func rows(_ table: String) -> [String: String] {
    var rows: [String: String] = [:]
    for line in table.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      rows[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return rows
  }

  /// RFC 7636 S256: BASE64URL(SHA256(verifier)), computed by Python's hashlib (the tests link no crypto).
  static func s256(_ verifier: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-c",
      "import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest())"
        + ".rstrip(b'=').decode())",
      verifier,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try Spawn.run(process)
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// An unsigned JWT-shaped token with these claims (the fake servers sign nothing either).
  static func jwt(_ claims: [String: Any]) throws -> String {
    let encode = { (data: Data) in
      data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
        of: "/", with: "_"
      )
      .replacingOccurrences(of: "=", with: "")
    }
    let header = try JSONSerialization.data(withJSONObject: ["alg": "RS256", "typ": "JWT"])
    let payload = try JSONSerialization.data(withJSONObject: claims)
    return encode(header) + "." + encode(payload) + "." + encode(Data(repeating: 7, count: 32))
  }

  /// Relative paths of the files under `root` whose bytes contain `text`.
  static func files(under root: URL, containing text: String) throws -> [String] {
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
      return []
    }
    var found: [String] = []
    for case let url as URL in walker {
      guard let data = FileManager.default.contents(atPath: url.path) else { continue }
      if data.range(of: Data(text.utf8)) != nil {
        found.append(url.path.replacingOccurrences(of: root.path, with: ""))
      }
    }
    return found
  }
}
