import Foundation
import Testing

/// End-to-end tests of `token --format` (raw, json, env, exec-credential) and `token --min-valid`.
struct TokenFormatTests {
  /// RFC 3339 in UTC, as kubectl reads `expirationTimestamp`.
  static func timestamp(_ unix: Int) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(unix)))
  }

  @Test("every --format prints exactly its shape, with the token's expiry")
  func formatsAreExact() throws {
    let setup = try MetakraftwerkAccount()
    let token = try setup.login()
    let expiresAt = try #require(JWT.payload(token)?["exp"] as? Int)

    let raw = try setup.sandbox.run(["token", "-p", "mk", "--format", "raw"])
    #expect(raw.status == 0 && raw.stdout == token + "\n" && raw.stderr == "", "\(raw)")
    #expect(try setup.sandbox.run(["token", "-p", "mk"]).stdout == raw.stdout)

    let env = try setup.sandbox.run(["token", "-p", "mk", "--format", "env"])
    #expect(env.status == 0, "\(env)")
    #expect(env.stdout == "export AUTHCTL_TOKEN='\(token)'\nexport AUTHCTL_TOKEN_EXPIRES_AT=\(expiresAt)\n")

    let credential = try setup.sandbox.run(["token", "-p", "mk", "--format", "exec-credential"])
    #expect(credential.status == 0, "\(credential)")
    #expect(
      credential.stdout
        == #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"expirationTimestamp":""#
        + Self.timestamp(expiresAt) + #"","token":""# + token + "\"}}\n")

    for args in [["--format", "json"], ["--json"]] {
      let json = try setup.sandbox.run(["token", "-p", "mk"] + args)
      #expect(json.status == 0, "\(json)")
      let object = try #require(
        (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any], "\(json)")
      #expect(Set(object.keys) == ["profile", "provider", "token", "kind", "expires_at", "expires_in"])
      #expect(object["token"] as? String == token)
      #expect(object["profile"] as? String == "mk")
      #expect(object["provider"] as? String == "metakraftwerk")
      #expect(object["kind"] as? String == "access_token")
      #expect(object["expires_at"] as? String == Self.timestamp(expiresAt))
    }
    #expect(try setup.signIns() == 1)
  }

  @Test("--format env quotes for the shell: eval gives back the exact key; an unknown expiry is unset")
  func envFormatQuotesForTheShell() throws {
    let sandbox = try Sandbox()
    let key = "it's a $key `with` \"quotes\""
    let env = ["AUTHCTL_PROVIDER": "craft", "AUTHCTL_API_KEY": key]
    let result = try sandbox.run(["token", "--format", "env"], env: env)
    #expect(result.status == 0, "\(result)")
    #expect(
      result.stdout
        == "export AUTHCTL_TOKEN='it'\\''s a $key `with` \"quotes\"'\nunset AUTHCTL_TOKEN_EXPIRES_AT\n")
    let script =
      "AUTHCTL_TOKEN_EXPIRES_AT=stale\n" + result.stdout
      + "printf '%s|%s' \"$AUTHCTL_TOKEN\" \"${AUTHCTL_TOKEN_EXPIRES_AT-unset}\""
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = ["-c", script]
    let out = Pipe()
    shell.standardOutput = out
    try Spawn.run(shell)
    shell.waitUntilExit()
    #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == key + "|unset")

    let credential = try sandbox.run(["token", "--format", "exec-credential"], env: env)
    let object = try #require(
      (try? JSONSerialization.jsonObject(with: Data(credential.stdout.utf8))) as? [String: Any])
    #expect((object["status"] as? [String: Any])?["token"] as? String == key)
    #expect((object["status"] as? [String: Any])?["expirationTimestamp"] == nil)
  }

  @Test("a bad --format or --min-valid, or --json with another format, is a usage error")
  func usageErrors() throws {
    let sandbox = try Sandbox()
    let env = ["AUTHCTL_PROVIDER": "craft", "AUTHCTL_API_KEY": "k"]
    let typo = try sandbox.run(["token", "--format", "jsn"], env: env)
    #expect(typo.status == 2 && typo.stderr.contains("did you mean 'json'?"), "\(typo)")
    let both = try sandbox.run(["token", "--json", "--format", "env"], env: env)
    #expect(both.status == 2 && both.stdout == "", "\(both)")
    #expect(both.stderr.hasPrefix("{\"error\":"), "with --json the usage error is JSON: \(both)")
    for bad in ["5x", "-1", "", "m", "1h30m"] {
      let result = try sandbox.run(["token", "--min-valid", bad], env: env)
      #expect(result.status == 2, "\(bad): \(result)")
    }
    for good in ["90s", "5m", "1h", "2d", "600", "0"] {
      let result = try sandbox.run(["token", "--min-valid", good], env: env)
      #expect(result.status == 0 && result.stdout == "k\n", "\(good): \(result)")
    }
  }

  @Test("--min-valid renews a token with less validity left, once, and only then")
  func minValidRenewsOnce() throws {
    let setup = try MetakraftwerkAccount()
    try setup.tokenLifetime(1200)  // 20 minutes: not due by the 75% rule for 15 minutes
    let first = try setup.login()
    try setup.tokenLifetime(7200)

    let enough = try setup.sandbox.run(["token", "-p", "mk", "--min-valid", "10m"])
    #expect(enough.status == 0 && enough.stdout == first + "\n", "\(enough)")
    #expect(try setup.signIns() == 1)

    // Five processes at once need 30 minutes: exactly one renews, every one prints the new token.
    let commands = try (0..<5).map { _ in
      try setup.sandbox.launch(["token", "-p", "mk", "--min-valid", "30m"])
    }
    let results = try commands.map { try $0.wait(timeout: 60) }
    let second = try #require(setup.storedToken())
    #expect(second != first)
    for result in results { #expect(result.status == 0 && result.stdout == second + "\n", "\(result)") }
    #expect(try setup.signIns() == 2)

    let again = try setup.sandbox.run(["token", "-p", "mk", "--min-valid", "1h"])
    #expect(again.stdout == second + "\n" && again.stderr == "", "\(again)")
    #expect(try setup.signIns() == 2)

    // More than any token the provider issues: one renewal, then the token with a warning.
    let tooMuch = try setup.sandbox.run(["token", "-p", "mk", "--min-valid", "3h"])
    #expect(tooMuch.status == 0, "\(tooMuch)")
    #expect(tooMuch.stderr.contains("less than --min-valid 3h"), "\(tooMuch)")
    #expect(try setup.signIns() == 3)
    #expect(tooMuch.stdout == (setup.storedToken() ?? "") + "\n")
  }
}
