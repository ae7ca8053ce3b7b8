import Foundation
import Testing

/// SPEC §6 and §7 as seen on the wire: URL policy, Retry-After, which requests are sent again,
/// redirects, hostile or slow answers, and the `--verbose` trace. A failure never changes the keystore.
@Suite struct HTTPBehaviourTests {
  /// A sandbox whose default profile `work` holds `CrossCut.craftKey` for `server`; the server's
  /// request log starts empty.
  private static func craftProfile() throws -> (Sandbox, FakeServer, Data) {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    try CrossCut.loginCraft(sandbox, server, profile: "work")
    try server.resetRequests()
    return (sandbox, server, try #require(sandbox.keystoreBytes()))
  }

  private static func newProfileLogin(_ server: FakeServer) -> [String] {
    ["login", "-p", "new", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin"]
  }

  // MARK: URL policy

  @Test(
    "http:// to a host that is not loopback is refused (exit 2) before anything is sent",
    arguments: [
      "http://example.com", "http://192.0.2.10:8080", "http://api.craft.fast", "http://localhost.example.com",
    ])
  func plainHTTPIsRefused(url: String) throws {
    let sandbox = try Sandbox()
    let proxy = try FakeServer.start("craft")
    let proxies = [
      "http_proxy": proxy.baseURL, "HTTP_PROXY": proxy.baseURL, "https_proxy": proxy.baseURL,
      "HTTPS_PROXY": proxy.baseURL, "ALL_PROXY": proxy.baseURL,
    ]
    let (login, seconds) = try CrossCut.timed {
      try sandbox.run(
        ["login", "--provider", "craft", "--base-url", url, "--api-key-stdin"], stdin: CrossCut.craftKey,
        env: proxies)
    }
    #expect(login.status == 2, "\(login)")
    #expect(login.stderr.contains("https"), "\(login)")
    #expect(!login.stderr.contains(CrossCut.craftKey))
    #expect(seconds < 5)
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath))

    var env = proxies
    env.merge([
      "AUTHCTL_PROFILE_CI_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_BASE_URL": url,
      "AUTHCTL_PROFILE_CI_API_KEY": CrossCut.craftKey,
    ]) { _, new in new }
    let check = try sandbox.run(["check", "-p", "ci"], env: env)
    #expect(check.status == 2, "\(check)")
    #expect(check.stderr.contains("https"), "\(check)")
    #expect(!check.stderr.contains(CrossCut.craftKey))
    #expect(try proxy.requests().isEmpty, "a request went out through the proxy")
  }

  // MARK: Retry-After

  @Test(
    "A 429 is retried after Retry-After; a value that is not seconds or a date counts as 1 s",
    arguments: ["1", "soon", "-3", "1.5", "Someday, 99 Foo 2025 25:00:00 GMT"])
  func rateLimitIsRetried(retryAfter: String) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    try server.fault(["path": "/v1/me", "status": 429, "headers": ["Retry-After": retryAfter]])
    let (result, seconds) = try CrossCut.timed { try sandbox.run(["check"]) }
    #expect(result.status == 0, "\(result)")
    #expect(try server.requests(path: "/v1/me").count == 2)
    #expect(seconds >= 0.9 && seconds < 10, "waited \(seconds) s for Retry-After \(retryAfter)")
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test("Retry-After given as an HTTP date is honoured")
  func retryAfterAsHTTPDate() throws {
    let (sandbox, server, before) = try Self.craftProfile()
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    let target = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down) + 2)
    try server.fault([
      "path": "/v1/me", "status": 429, "headers": ["Retry-After": formatter.string(from: target)],
    ])
    let result = try sandbox.run(["check"])
    let finished = Date()
    #expect(result.status == 0, "\(result)")
    let requests = try server.requests(path: "/v1/me")
    #expect(requests.count == 2)
    #expect(finished >= target)
    if let retried = requests.last { #expect(retried.time >= target.timeIntervalSince1970 - 0.1) }
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test(
    "A Retry-After beyond the 60 s budget exits 6 at once, without waiting",
    arguments: ["61", "120", "86400"])
  func retryAfterBeyondBudget(retryAfter: String) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    try server.fault(["path": "/v1/me", "status": 429, "headers": ["Retry-After": retryAfter]])
    let (result, seconds) = try CrossCut.timed { try sandbox.run(["check"]) }
    #expect(result.status == 6, "\(result)")
    #expect(seconds < 5, "took \(seconds) s")
    #expect(try server.requests(path: "/v1/me").count == 1)
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: 5xx and retries

  @Test(
    "A 5xx answer to a POST (a login) is not retried: exit 5 after exactly one request",
    arguments: [500, 502, 503])
  func serverErrorOnPostIsNotRetried(status: Int) throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.embermind()
    try CrossCut.loginEmbermind(sandbox, server, profile: "existing")
    let before = sandbox.keystoreBytes()
    try server.resetRequests()
    try server.fault(["path": "/api/v1/client/auth/login", "status": status, "times": 3])
    let result = try sandbox.run(
      [
        "login", "-p", "second", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin",
        "--password-stdin",
      ],
      stdin: CrossCut.embermindPassword)
    #expect(result.status == 5, "\(result)")
    #expect(result.stderr.contains("\(status)"), "\(result)")
    #expect(try server.requests().count == 1)
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test(
    "A GET is sent at most three times after 5xx answers: exit 5 after a storm, success after two",
    arguments: [(5, 5), (2, 0)] as [(Int, Int32)])
  func serverErrorOnGetIsRetriedTwice(failures: Int, status: Int32) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    try server.fault(["path": "/v1/me", "status": 500, "times": failures])
    let (result, seconds) = try CrossCut.timed { try sandbox.run(["check"]) }
    #expect(result.status == status, "\(result)")
    #expect(try server.requests(path: "/v1/me").count == 3)
    #expect(seconds < 10)
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: redirects

  @Test(
    "A redirect to another host exits 5 and the credential is never sent there",
    arguments: [301, 302, 307, 308])
  func redirectIsNotFollowed(status: Int) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    let elsewhere = try CrossCut.craft()
    let location = "http://localhost:\(elsewhere.port)/v1/me"
    try server.fault(["path": "/v1/me", "status": status, "headers": ["Location": location], "times": 10])
    let check = try sandbox.run(["check"])
    #expect(check.status == 5, "\(check)")
    let login = try sandbox.run(Self.newProfileLogin(server), stdin: "another-key-value")
    #expect(login.status == 5, "\(login)")
    for result in [check, login] {
      #expect(!result.stderr.contains(CrossCut.craftKey))
      #expect(!result.stderr.contains("another-key-value"))
    }
    #expect(try elsewhere.requests().isEmpty, "a request followed the redirect")
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: hostile and slow answers

  /// Answers to `GET /v1/me` that craft's document does not promise.
  enum HostileAnswer: String, CaseIterable, Sendable {
    case htmlPage, bodyOverOneMiB, jsonOfTwoMegabytes, brokenJSON, wrongShape, emptyBody

    var fault: [String: Any] {
      switch self {
      case .htmlPage:
        ["status": 200, "body": "<html><body>Sign in</body></html>", "content_type": "text/html"]
      case .bodyOverOneMiB: ["status": 200, "body_size": 1_048_576 + 4096]
      case .jsonOfTwoMegabytes:
        [
          "status": 200,
          "body": #"{"success": true, "data": {"x": ""# + String(repeating: "a", count: 2_000_000) + "\"}}",
        ]
      case .brokenJSON: ["status": 200, "body": #"{"success": tru"#]
      case .wrongShape: ["status": 200, "body": #"{"success": true, "data": "nope"}"#]
      case .emptyBody: ["status": 200, "body": ""]
      }
    }
  }

  @Test(
    "An answer that is not what the document promises exits 5 and changes nothing",
    arguments: HostileAnswer.allCases)
  func hostileAnswerExits5(answer: HostileAnswer) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    var fault = answer.fault
    fault["path"] = "/v1/me"
    try server.fault(fault)
    let check = try sandbox.run(["check"])
    #expect(check.status == 5, "\(answer): \(check)")
    #expect(check.stderr.count < 4096, "the answer should not be dumped on stderr")
    try server.fault(fault)
    let login = try sandbox.run(Self.newProfileLogin(server), stdin: "another-key-value")
    #expect(login.status == 5, "\(answer): \(login)")
    #expect(sandbox.keystoreBytes() == before)
  }

  /// Answers that never finish within a second.
  enum SlowAnswer: String, CaseIterable, Sendable {
    case delay, drip

    var fault: [String: Any] {
      switch self {
      case .delay: ["path": "/v1/me", "delay": 8, "times": 3]
      case .drip: ["path": "/v1/me", "drip": 0.3, "times": 3]
      }
    }
  }

  @Test("An answer slower than --timeout 1 exits 5 within a few seconds", arguments: SlowAnswer.allCases)
  func slowAnswerTimesOut(answer: SlowAnswer) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    try server.fault(answer.fault)
    let (result, seconds) = try CrossCut.timed { try sandbox.run(["--timeout", "1", "check"], timeout: 30) }
    #expect(result.status == 5, "\(answer): \(result)")
    #expect(seconds < 5, "\(answer) took \(seconds) s")
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test("A connection reset during a GET is retried twice, then exits 5")
  func connectionResetOnGet() throws {
    let (sandbox, server, before) = try Self.craftProfile()
    try server.fault(["path": "/v1/me", "reset": true, "times": 3])
    let result = try sandbox.run(["check"])
    #expect(result.status == 5, "\(result)")
    #expect(try server.requests(path: "/v1/me").count == 3)
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test("A connection reset during a login POST exits 5 after one request")
  func connectionResetOnPost() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.embermind()
    try server.fault(["path": "/api/v1/client/auth/login", "reset": true, "times": 3])
    let result = try sandbox.run(
      [
        "login", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin",
        "--password-stdin",
      ],
      stdin: CrossCut.embermindPassword)
    #expect(result.status == 5, "\(result)")
    #expect(try server.requests().count == 1)
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath))
  }

  @Test("A closed port exits 5 quickly and stores nothing")
  func closedPortIsUnreachable() throws {
    let sandbox = try Sandbox()
    let base = "http://127.0.0.1:\(try CrossCut.closedPort())"
    let (login, seconds) = try CrossCut.timed {
      try sandbox.run(
        ["login", "--provider", "craft", "--base-url", base, "--api-key-stdin"], stdin: CrossCut.craftKey)
    }
    #expect(login.status == 5, "\(login)")
    #expect(seconds < 10)
    #expect(!FileManager.default.fileExists(atPath: sandbox.keystorePath))
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText(baseURL: base).utf8))
    let before = sandbox.keystoreBytes()
    let check = try sandbox.run(["check"])
    #expect(check.status == 5, "\(check)")
    #expect(!check.stderr.contains(CrossCut.craftKey))
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: what answers mean

  static let providerAnswers: [(Int, String?, Int32)] = [
    (401, "UNAUTHORIZED", 3), (403, "FORBIDDEN", 4), (400, "BAD_REQUEST", 1), (404, "NOT_FOUND", 1),
    (429, nil, 6),
    (503, nil, 5),
  ]

  @Test(
    "Each provider answer maps to its SPEC §6 exit code and names the provider's code",
    arguments: providerAnswers)
  func providerAnswerExitCode(status: Int, code: String?, exit: Int32) throws {
    let (sandbox, server, before) = try Self.craftProfile()
    var fault: [String: Any] = ["path": "/v1/me", "status": status, "times": 3]
    if let code {
      fault["body"] = ["success": false, "error": ["code": code, "message": "Fake \(code.lowercased())"]]
    }
    if status == 429 { fault["headers"] = ["Retry-After": "3600"] }
    try server.fault(fault)
    let result = try sandbox.run(["check"])
    #expect(result.status == exit, "\(result)")
    if let code { #expect(result.stderr.contains(code), "\(result)") }
    #expect(result.stderr.contains("work"), "the message names the profile: \(result)")
    #expect(sandbox.keystoreBytes() == before)
  }

  // MARK: --verbose

  @Test("--verbose traces method, URL and status on stderr, never the password or token")
  func verboseTraceOfPasswordLogin() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.embermind()
    let login = try sandbox.run(
      [
        "-v", "login", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin",
        "--password-stdin",
      ],
      stdin: CrossCut.embermindPassword)
    #expect(login.status == 0, "\(login)")
    #expect(login.stderr.contains("POST \(server.baseURL)/api/v1/client/auth/login"), "\(login)")
    #expect(login.stderr.contains("200"), "\(login)")
    #expect(login.stdout == "")
    let token = try sandbox.run(["token"]).stdout.trimmingCharacters(in: .newlines)
    #expect(token.count > 20)
    let check = try sandbox.run(["check", "--verbose"])
    #expect(check.status == 0, "\(check)")
    #expect(check.stderr.contains(server.baseURL + "/api/v1/client/"), "\(check)")
    try server.fault(["path": "/api/v1/client/auth/check-token", "status": 500])
    let failed = try sandbox.run(["check", "-v"])
    #expect(failed.stderr.contains("500"), "\(failed)")
    for result in [login, check, failed] {
      #expect(!result.stderr.contains(CrossCut.embermindPassword))
      #expect(!result.stderr.contains(token))
      for part in token.split(separator: ".") where part.count > 16 {
        #expect(!result.stderr.contains(part), "a piece of the token is in the trace")
      }
    }
  }

  @Test("--verbose never shows the API key, sent or stored")
  func verboseTraceOfAPIKey() throws {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft()
    let login = try CrossCut.loginCraft(sandbox, server, extra: ["--verbose"])
    #expect(login.stderr.contains("GET \(server.baseURL)/v1/me"), "\(login)")
    let check = try sandbox.run(["-v", "check"])
    #expect(check.status == 0, "\(check)")
    #expect(check.stderr.contains("GET \(server.baseURL)/v1/me"), "\(check)")
    #expect(check.stderr.contains("200"), "\(check)")
    let header = try #require(try server.requests(path: "/v1/me").last?.headers["authorization"])
    #expect(header == "Bearer \(CrossCut.craftKey)")
    for result in [login, check] { #expect(!result.stderr.contains(CrossCut.craftKey), "\(result)") }
  }
}
