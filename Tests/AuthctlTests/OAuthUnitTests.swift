import Foundation
import Testing

@testable import AuthctlCore

@Suite("Loopback redirect receiver")
struct LoopbackReceiverTests {
  @Test(
    "request lines: only a GET with an absolute path is accepted",
    arguments: [
      ("GET /callback?code=a HTTP/1.1\r\nHost: x\r\n\r\n", "/callback?code=a"),
      ("GET /callback HTTP/1.0\n", "/callback"),
      ("POST /callback HTTP/1.1\r\n", nil), ("GET callback HTTP/1.1\r\n", nil), ("GET /x\r\n", nil),
      ("\u{0}\u{1}garbage", nil), ("", nil),
    ] as [(String, String?)])
  func requestLine(text: String, target: String?) {
    #expect(LoopbackReceiver.parseRequestLine(Array(text.utf8)) == target)
  }

  @Test("query parameters are percent-decoded and the first of a repeated name wins")
  func query() {
    let parsed = LoopbackReceiver.parseQuery("code=a%2Fb&state=x+y&state=other&empty=&bad=%zz")
    #expect(parsed["code"] == "a/b")
    #expect(parsed["state"] == "x y")
    #expect(parsed["empty"] == "")
    #expect(parsed["bad"] == nil)
  }

  @Test("a real redirect reaches the listener; other paths get 404 and do not end the wait")
  func liveRedirect() throws {
    let receiver = try LoopbackReceiver(path: "/callback")
    let curl = Process()
    curl.executableURL = URL(fileURLWithPath: "/bin/sh")
    let base = "http://127.0.0.1:\(receiver.port)"
    curl.arguments = [
      "-c", "curl -s -o /dev/null '\(base)/other'; curl -s '\(base)/callback?code=c1&state=s1'",
    ]
    let pipe = Pipe()
    curl.standardOutput = pipe
    try curl.run()
    let query = try receiver.waitForRedirect(timeout: 10, clock: .system) { query in
      (query["state"] == "s1", "checked")
    }
    curl.waitUntilExit()
    let page = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(query == ["code": "c1", "state": "s1"])
    #expect(page.contains("login complete") && page.contains("checked"))
  }

  @Test("no redirect within the timeout is an error")
  func timeout() throws {
    let receiver = try LoopbackReceiver(path: "/callback")
    #expect(throws: LoginFlowError.browserTimedOut(seconds: 0)) {
      try receiver.waitForRedirect(timeout: 0.2, clock: .system) { _ in (true, "") }
    }
  }
}

@Suite("Authorization redirects and ID tokens")
struct AuthorizationChecksTests {
  @Test("a wrong or missing state is refused before an error or a code is looked at")
  func stateChecked() {
    #expect(OAuthFlows.problem(["code": "c", "state": "evil"], state: "s") == .stateMismatch)
    #expect(OAuthFlows.problem(["code": "c"], state: "s") == .stateMismatch)
    #expect(
      OAuthFlows.problem(["error": "access_denied", "state": "s"], state: "s")
        == .denied(code: "access_denied", description: nil))
    #expect(OAuthFlows.problem(["code": "c", "state": "s"], state: "s") == nil)
  }

  private func jwt(_ claims: String) -> String {
    "e30."
      + Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") + ".sig"
  }

  @Test(
    "ID token claims: issuer, audience, authorized party, expiry and nonce",
    arguments: [
      (#"{"iss":"https://i","aud":"c","exp":2000,"nonce":"n"}"#, nil),
      (#"{"iss":"https://i","aud":["c","other"],"azp":"c","exp":2000,"nonce":"n"}"#, nil),
      (#"{"iss":"https://evil","aud":"c","exp":2000,"nonce":"n"}"#, "issuer"),
      (#"{"iss":"https://i","aud":"other","exp":2000,"nonce":"n"}"#, "not meant for client"),
      (#"{"iss":"https://i","aud":["c","x"],"azp":"x","exp":2000,"nonce":"n"}"#, "authorized party"),
      (#"{"iss":"https://i","aud":"c","exp":100,"nonce":"n"}"#, "expired"),
      (#"{"iss":"https://i","aud":"c","exp":2000,"nonce":"other"}"#, "nonce"),
    ] as [(String, String?)])
  func idToken(claims: String, problem: String?) {
    let found = IDTokenCheck.problem(jwt(claims), issuer: "https://i", clientID: "c", nonce: "n", now: 1000)
    if let problem {
      #expect(found?.contains(problem) == true, "\(found ?? "no problem")")
    } else {
      #expect(found == nil)
    }
  }

  @Test("the organization is the Keycloak realm in the issuer URL")
  func realm() {
    #expect(OpenIDProvider.realm(of: "https://kc.example/realms/acme") == "acme")
    #expect(OpenIDProvider.realm(of: "https://kc.example/auth/realms/acme/") == "acme")
    #expect(OpenIDProvider.realm(of: "https://id.example.com") == nil)
  }
}
