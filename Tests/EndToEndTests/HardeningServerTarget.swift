import Foundation
import Testing

/// One request of HardeningServerTests: a sandbox whose keystore is ready for it, the server that
/// answers it, the command that sends it, and samples of what the answer's document promises, broken.
struct ServerTarget {
  let sandbox: Sandbox
  let server: FakeServer
  let args: [String]
  var stdin: String? = nil
  /// The profile the command acts on (its name appears in every message).
  let profile: String
  let path: String
  let method: String
  let malformed: String
  let wrongTypes: String
  let missingField: String
  /// Servers that must live as long as the target.
  var keepAlive: [FakeServer] = []

  var isRetriable: Bool { method == "GET" }

  func fault(_ answer: HardeningServerTests.Answer, elsewhere: FakeServer) -> [String: Any] {
    var fault: [String: Any] = ["path": path, "method": method, "times": 40]
    switch answer {
    case .malformedJSON: fault.merge(["status": 200, "body": malformed]) { $1 }
    case .wrongTypes: fault.merge(["status": 200, "body": wrongTypes]) { $1 }
    case .missingFields: fault.merge(["status": 200, "body": missingField]) { $1 }
    case .fiftyMegabytes: fault.merge(["status": 200, "body_size": 50_000_000]) { $1 }
    case .dripPastTimeout: fault["drip"] = 0.3
    case .resetMidBody: fault["reset"] = true
    case .stormOf500s: fault["status"] = 500
    case .rateLimitedRetryAfterZero: fault.merge(["status": 429, "headers": ["Retry-After": "0"]]) { $1 }
    case .rateLimitedRetryAfterHuge:
      fault.merge(["status": 429, "headers": ["Retry-After": "99999999999999999999"]]) { $1 }
    case .rateLimitedUntilYear9999:
      fault.merge(["status": 429, "headers": ["Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"]]) { $1 }
    case .redirectToAnotherHost:
      fault.merge(["status": 307, "headers": ["Location": elsewhere.baseURL + path]]) { $1 }
    }
    return fault
  }

  static func make(_ operation: HardeningServerTests.Operation) throws -> ServerTarget {
    let sandbox = try Sandbox()
    switch operation {
    case .refresh:
      let realm = try HardeningRealm()
      try realm.browserLogin(sandbox, profile: "em")
      return ServerTarget(
        sandbox: sandbox, server: realm.server, args: ["refresh", "-p", "em"], profile: "em",
        path: realm.tokenPath,
        method: "POST", malformed: #"{"access_token": "abc", "token_type": "Bea"#,
        wrongTypes: #"{"access_token": 12345, "token_type": "Bearer", "expires_in": "soon"}"#,
        missingField: #"{"token_type": "Bearer", "expires_in": 300}"#)
    case .passwordLogin:
      let server = try CrossCut.embermind()
      try CrossCut.loginEmbermind(sandbox, server, profile: "existing")
      return ServerTarget(
        sandbox: sandbox, server: server,
        args: [
          "login", "-p", "fresh", "--provider", "embermind", "--base-url", server.baseURL, "--login", "admin",
          "--password-stdin",
        ],
        stdin: CrossCut.embermindPassword, profile: "fresh", path: "/api/v1/client/auth/login",
        method: "POST",
        malformed: #"{"xAccessToken": "eyJ"#, wrongTypes: #"{"xAccessToken": ["a", "b"]}"#,
        missingField: #"{"accessToken": "x"}"#)
    case .keyCreation:
      let server = try FakeServer.start("knowledge-stack")
      try server.control("users", ["email": "keys@example.com", "password": "pw-keys-hostile"])
      try server.control("api-keys", ["key": "ks_live_hostile0000000000001", "user": "keys@example.com"])
      let login = try sandbox.run(
        [
          "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", server.baseURL,
          "--api-key-stdin",
        ],
        stdin: "ks_live_hostile0000000000001")
      try #require(login.status == 0, "\(login)")
      return ServerTarget(
        sandbox: sandbox, server: server, args: ["keys", "create", "--name", "ci", "--store", "-p", "ks"],
        profile: "ks", path: "/v1/api-keys", method: "POST", malformed: #"{"id": "key_1", "key": "ks_live_"#,
        wrongTypes: #"{"id": 17, "name": "ci", "key": false}"#,
        missingField: #"{"id": "key_1", "name": "ci"}"#)
    case .check:
      let server = try CrossCut.craft()
      try CrossCut.loginCraft(sandbox, server, profile: "work")
      return ServerTarget(
        sandbox: sandbox, server: server, args: ["check", "-p", "work"], profile: "work", path: "/v1/me",
        method: "GET", malformed: #"{"success": true, "data": {"id""#,
        wrongTypes: #"{"success": "yes", "data": []}"#,
        missingField: #"{"success": true}"#)
    }
  }
}
