import Foundation
import Testing

/// Issue 6 item 3: hostile and broken servers, all local, against the requests that change the keystore
/// (an OAuth refresh, a password login, a key creation) and a check. Each answer gives its documented exit
/// code and a short clear message, never a crash, and leaves the keystore byte for byte as it was.
/// (HTTPBehaviourTests covers `check` against HTML, 2 MB JSON, empty bodies and more; this adds the rest.)
@Suite struct HardeningServerTests {
  enum Operation: String, CaseIterable, Sendable {
    case refresh, passwordLogin, keyCreation, check
  }

  enum Answer: String, CaseIterable, Sendable {
    case malformedJSON, wrongTypes, missingFields, fiftyMegabytes, dripPastTimeout, resetMidBody, stormOf500s
    case rateLimitedRetryAfterZero, rateLimitedRetryAfterHuge, rateLimitedUntilYear9999, redirectToAnotherHost

    /// SPEC §6: 5 for answers that are not what the document promises, 6 for rate limiting.
    var exitCode: Int32 {
      switch self {
      case .rateLimitedRetryAfterZero, .rateLimitedRetryAfterHuge, .rateLimitedUntilYear9999: 6
      default: 5
      }
    }

    /// Words the message must contain, so a user knows what happened.
    var phrase: String {
      switch self {
      case .malformedJSON: "not valid JSON"
      case .wrongTypes: "wrong type"
      case .missingFields: "lacks the field"
      case .fiftyMegabytes: "over 1024 KiB"
      case .dripPastTimeout: "did not answer"
      case .resetMidBody: "connection"
      case .stormOf500s: "HTTP 500"
      case .rateLimitedRetryAfterZero, .rateLimitedRetryAfterHuge, .rateLimitedUntilYear9999: "rate limit"
      case .redirectToAnotherHost: "redirected"
      }
    }
  }

  /// Full mode: every answer to every operation (44 cases); quick: every answer once, the operations in turn.
  static let cases: [(Operation, Answer)] = Answer.allCases.enumerated().flatMap { index, answer in
    let operations = Operation.allCases
    return Hardening.isFull
      ? operations.map { ($0, answer) } : [(operations[index % operations.count], answer)]
  }

  @Test("A hostile answer gives its exit code and a clear message, and changes nothing", arguments: cases)
  func hostileAnswer(operation: Operation, answer: Answer) throws {
    let target = try ServerTarget.make(operation)
    let elsewhere = try FakeServer.start("craft")
    let before = target.sandbox.keystoreBytes()
    try target.server.resetRequests()
    try target.server.fault(target.fault(answer, elsewhere: elsewhere))
    let (result, seconds) = try CrossCut.timed {
      try target.sandbox.run(["--timeout", "1"] + target.args, stdin: target.stdin, timeout: 60)
    }
    let label = "\(operation) ← \(answer)"
    #expect(result.status == answer.exitCode, "\(label): \(result)")
    #expect(result.uncaughtSignal == nil, "\(label) crashed: \(result)")
    #expect(result.stderr.localizedCaseInsensitiveContains(answer.phrase), "\(label): \(result.stderr)")
    #expect(result.stderr.contains(target.profile), "\(label): the message names the profile")
    #expect(result.stderr.count < 2_000, "\(label): \(result.stderr.count) bytes of message")
    // `check` reports what it found even when the provider's verdict is missing; nothing else prints.
    #expect(operation == .check || result.stdout.isEmpty, "\(label): \(result.stdout.prefix(200))")
    #expect(target.sandbox.keystoreBytes() == before, "\(label) changed the keystore")
    #expect(seconds < 15, "\(label) took \(seconds) s")
    let sent = try target.server.requests(path: target.path).count
    switch answer {
    case .stormOf500s: #expect(sent == (target.isRetriable ? 3 : 1), "\(label): \(sent) requests")
    case .rateLimitedRetryAfterZero: #expect(sent > 1 && sent <= 11, "\(label): \(sent) requests")
    case .rateLimitedRetryAfterHuge, .rateLimitedUntilYear9999:
      #expect(sent == 1, "\(label): \(sent) requests")
    case .redirectToAnotherHost:
      #expect(try elsewhere.requests().isEmpty, "\(label): a request followed the redirect")
    default: break
    }
    Hardening.report(
      "server \(operation) ← \(answer): exit \(result.status) after \(sent) request(s) in "
        + "\(String(format: "%.1f", seconds)) s, keystore unchanged")
  }

  @Test(
    "429 with a Retry-After in the past is retried at once; with garbage after 1 s",
    arguments: ["Wed, 21 Oct 2015 07:28:00 GMT", "ääh soon", "-7"])
  func rateLimitedRefreshIsRetried(retryAfter: String) throws {
    let target = try ServerTarget.make(.refresh)
    try target.server.resetRequests()
    try target.server.fault(["path": target.path, "status": 429, "headers": ["Retry-After": retryAfter]])
    let (result, seconds) = try CrossCut.timed { try target.sandbox.run(target.args) }
    #expect(result.status == 0, "\(result)")
    let sent = try target.server.requests(path: target.path).count
    #expect(sent == 2, "\(sent) requests: \(result)")
    let waited = retryAfter.hasPrefix("Wed") ? 0.0 : 1.0
    #expect(seconds >= waited * 0.9 && seconds < waited + 4, "Retry-After \(retryAfter): \(seconds) s")
  }

  @Test("Lifetimes past any clock (expires_in 1e400, a JWT exp of 1e300) are unknown lifetimes, not a crash")
  func hostileLifetimesAreIgnored() throws {
    let target = try ServerTarget.make(.refresh)
    try target.server.fault([
      "path": target.path, "status": 200,
      "body": #"{"access_token": "tok-hostile-lifetime", "token_type": "Bearer", "expires_in": 1e400}"#,
    ])
    let refresh = try target.sandbox.run(target.args)
    #expect(refresh.status == 0, "\(refresh)")
    #expect(refresh.stdout == "tok-hostile-lifetime\n")
    let stored = KeystoreJSON.profiles(target.sandbox.keystoreJSON())[target.profile]?["credentials"]
    #expect((stored as? [String: Any])?["expires_at"] == nil, "\(stored ?? "none")")

    let login = try ServerTarget.make(.passwordLogin)
    let token = try BrowserDriver.jwt(["sub": "u1", "exp": 1e300, "iat": -1e300])
    try login.server.fault(["path": login.path, "status": 200, "body": ["xAccessToken": token]])
    let result = try login.sandbox.run(login.args, stdin: login.stdin)
    #expect(result.status == 0 && result.uncaughtSignal == nil, "\(result)")
  }

  @Test("An error answer nested 100,000 levels deep is refused quickly, not a crash or a hang")
  func deeplyNestedAnswer() throws {
    let target = try ServerTarget.make(.passwordLogin)
    let before = target.sandbox.keystoreBytes()
    let body = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    for status in [400, 200] {
      try target.server.fault(["path": target.path, "status": status, "body": body])
      let (result, seconds) = try CrossCut.timed { try target.sandbox.run(target.args, stdin: target.stdin) }
      #expect(result.uncaughtSignal == nil && [1, 5].contains(result.status), "\(result)")
      #expect(seconds < 10)
      #expect(target.sandbox.keystoreBytes() == before)
    }
  }
}
