import Foundation
import Testing

/// End-to-end tests of the craft provider's API-key flow (seed 001) against the fake server.
struct CraftTests {
  @Test("An API key is verified with GET /v1/me; check shows the identity and the permission given at login")
  func apiKeyLoginAndCheck() throws {
    let account = try CraftAccount()
    let login = try account.login(scope: "read-only")
    #expect(login.status == 0, "\(login)")
    #expect(login.stdout == "")
    let requests = try account.server.requests()
    #expect(requests.map { "\($0.method) \($0.path)" } == ["GET /v1/me"])
    #expect(requests.first?.headers["authorization"] == "Bearer \(account.key)")
    let profile = try #require(account.profile())
    #expect(profile["scope"] as? String == "read-only")
    #expect((profile["credentials"] as? [String: Any])?["api_key"] as? String == account.key)
    #expect(account.sandbox.keystoreMode() == 0o600)

    let check = try account.run(["check", "-p", "craft"])
    #expect(check.status == 0, "\(check)")
    let expected = """
      profile:         craft
      provider:        craft (\(account.server.baseURL))
      credential:      API key, from the keystore
      identity:        subject \(account.userID), email user@example.com, name John Doe
      organization:    unknown
      permissions:     unknown
      key permission:  read-only (as given at login)
      validity:        valid, no known expiry
      refresh:         not needed (API keys do not expire)
      provider says:   valid (GET /v1/me)

      """
    #expect(check.stdout == expected)

    let token = try account.run(["token", "-p", "craft"])
    #expect(token.stdout == account.key + "\n")
    let header = try account.run(["header", "-p", "craft"])
    #expect(header.stdout == "Authorization: Bearer \(account.key)\n")
  }

  @Test("A rejected key exits 3 with the envelope's UNAUTHORIZED code and is not stored")
  func rejectedKeyIsNotStored() throws {
    let account = try CraftAccount()
    let login = try account.login(key: "craft_sk_" + String(repeating: "0", count: 40))
    #expect(login.status == 3, "\(login)")
    #expect(login.stdout == "")
    #expect(login.stderr.contains("UNAUTHORIZED"))
    #expect(login.stderr.contains("authctl login -p craft"))
    #expect(account.sandbox.keystoreBytes() == nil)
  }

  @Test("A FORBIDDEN envelope on check exits 4")
  func forbiddenCheckExits4() throws {
    let account = try CraftAccount()
    #expect(try account.login().status == 0)
    try account.server.fault([
      "path": "/v1/me", "method": "GET", "status": 403,
      "body": ["success": false, "error": ["code": "FORBIDDEN", "message": "Insufficient permissions"]],
    ])
    let check = try account.run(["check", "-p", "craft"])
    #expect(check.status == 4, "\(check)")
    #expect(check.stderr.contains("FORBIDDEN"))
    #expect(check.stderr.contains("Insufficient permissions"))
    #expect(check.stdout.contains("provider says:"))
  }

  @Test("refresh of an API key exits 8 without asking the provider")
  func refreshExits8() throws {
    let account = try CraftAccount()
    #expect(try account.login().status == 0)
    try account.server.resetRequests()
    let refresh = try account.run(["refresh", "-p", "craft"])
    #expect(refresh.status == 8, "\(refresh)")
    #expect(refresh.stdout == "")
    #expect(try account.server.requests().isEmpty)
  }

  @Test(
    "keys commands exit 8 and name where Craft keys are managed",
    arguments: [
      ["keys", "list"], ["keys", "create", "--name", "ci"], ["keys", "delete", "some-id"],
      ["keys", "rotate"],
    ])
  func keysCommandsAreNotOffered(_ command: [String]) throws {
    let account = try CraftAccount()
    #expect(try account.login().status == 0)
    let before = account.sandbox.keystoreBytes()
    try account.server.resetRequests()
    let result = try account.run(command + ["-p", "craft"])
    #expect(result.status == 8, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Account Settings → API Keys"))
    #expect(try account.server.requests().isEmpty)
    #expect(account.sandbox.keystoreBytes() == before)
  }

  @Test("logout removes the key from the keystore (craft has no logout endpoint)")
  func logoutRemovesTheKey() throws {
    let account = try CraftAccount()
    #expect(try account.login().status == 0)
    try account.server.resetRequests()
    let logout = try account.run(["logout", "-p", "craft"])
    #expect(logout.status == 0, "\(logout)")
    #expect(logout.stdout == "")
    #expect(try account.server.requests().isEmpty)
    let profile = try #require(account.profile())
    #expect(profile["credentials"] == nil)
    #expect(!String(decoding: account.sandbox.keystoreBytes() ?? Data(), as: UTF8.self).contains(account.key))
    #expect(try account.run(["token", "-p", "craft"]).status == 3)
  }

  /// An answer to GET /v1/me that is not what seed 001 promises.
  struct BadAnswer: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var contentType: String?
    var body: String?
    var bodySize: Int?
  }

  static let badAnswers = [
    BadAnswer(
      testDescription: "an HTML page", contentType: "text/html",
      body: "<html><body>Sign in to Craft</body></html>"),
    BadAnswer(testDescription: "a 2 MB answer", bodySize: 2_000_000),
    BadAnswer(testDescription: "malformed JSON", body: #"{"success": true, "data": "#),
  ]

  @Test(
    "An unusable answer at login exits 5 and leaves the keystore as it was",
    arguments: badAnswers, [false, true])
  func unusableAnswerAtLogin(_ answer: BadAnswer, keystoreExisted: Bool) throws {
    let account = try CraftAccount()
    if keystoreExisted { #expect(try account.login(scope: "read-write").status == 0) }
    let before = account.sandbox.keystoreBytes()
    #expect((before != nil) == keystoreExisted)
    var fault: [String: Any] = ["path": "/v1/me", "method": "GET"]
    if let contentType = answer.contentType { fault["content_type"] = contentType }
    if let body = answer.body { fault["body"] = body }
    if let bodySize = answer.bodySize { fault["body_size"] = bodySize }
    try account.server.fault(fault)
    let other = try account.server.control("api-keys", ["user": "user@example.com"])
    let otherKey = try #require(other["key"] as? String)

    let login = try account.login(key: otherKey, scope: "read-only")
    #expect(login.status == 5, "\(login)")
    #expect(login.stdout == "")
    #expect(login.stderr.contains("read /v1/me"))
    #expect(!login.stderr.contains(otherKey))
    #expect(account.sandbox.keystoreBytes() == before)
    #expect(try account.server.requests(path: "/v1/me").count == (keystoreExisted ? 2 : 1))
  }
}

/// A fake craft server with one user and one read-only key, and a sandbox to run authctl in.
private struct CraftAccount {
  let server: FakeServer
  let sandbox: Sandbox
  let userID: String
  let key: String

  init() throws {
    server = try FakeServer.start("craft")
    sandbox = try Sandbox()
    let user = try server.control("users", ["email": "user@example.com", "name": "John Doe"])
    userID = try #require(user["id"] as? String)
    let record = try server.control("api-keys", ["user": "user@example.com", "permission": "read-only"])
    key = try #require(record["key"] as? String)
  }

  func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunResult {
    try sandbox.run(args, stdin: stdin, env: env)
  }

  func login(key: String? = nil, scope: String? = nil) throws -> RunResult {
    var args = [
      "login", "-p", "craft", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin",
    ]
    if let scope { args += ["--scope", scope] }
    return try run(args, stdin: key ?? self.key)
  }

  func profile() -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["craft"] as? [String: Any]
  }
}
