import Testing

@testable import AuthctlCLI

@Suite("exec, curl and token formats: parsing and the pure parts")
struct ExecParsingTests {
  @Test("words after -- belong to the program, authctl's own options included")
  func passthroughAfterDoubleDash() throws {
    let invocation = try ArgumentParser.parse([
      "-p", "work", "exec", "--env", "T", "--", "sh", "-c", "x", "-p", "--json",
    ])
    #expect(invocation.command?.name == "exec")
    #expect(invocation.value("profile") == "work")
    #expect(invocation.value("env") == "T")
    #expect(!invocation.flag("json"))
    #expect(invocation.passthrough == ["sh", "-c", "x", "-p", "--json"])
    #expect(
      try ArgumentParser.parse(["curl", "--", "-sS", "https://x"]).passthrough == ["-sS", "https://x"])
  }

  @Test(
    "exec and curl without -- and a program are usage errors",
    arguments: [["exec"], ["exec", "--"], ["curl", "--"]])
  func missingProgram(argv: [String]) {
    #expect(
      throws: UsageError("missing '-- \(argv[0] == "exec" ? "COMMAND" : "CURL-ARGS")...'", command: argv[0])
    ) {
      try ArgumentParser.parse(argv)
    }
  }

  @Test("a program named before -- is refused, pointing to the -- form")
  func programBeforeDoubleDash() {
    #expect(throws: UsageError.self) { try ArgumentParser.parse(["exec", "env"]) }
    #expect((try? ArgumentParser.parse(["exec", "--help"]))?.wantsHelp == true)
  }

  @Test(
    "durations: 90s, 5m, 1h, 2d and plain seconds",
    arguments: [
      ("90s", 90.0), ("5m", 300), ("1h", 3600), ("2d", 172_800), ("600", 600), ("0", 0), ("1.5m", 90),
    ])
  func durations(text: String, seconds: Double) {
    #expect(DurationValue.seconds(text) == seconds)
  }

  @Test("not durations", arguments: ["", "m", "-5", "5x", "1h30m", "five", "inf", "nan", "1e3"])
  func notDurations(text: String) {
    #expect(DurationValue.seconds(text) == nil)
  }

  @Test("env lines are single-quoted for any shell; exec-credential is kubectl's shape")
  func tokenText() {
    #expect(
      TokenText.env(token: "a'b", expiresAt: 17)
        == "export AUTHCTL_TOKEN='a'\\''b'\nexport AUTHCTL_TOKEN_EXPIRES_AT=17\n")
    #expect(
      TokenText.env(token: "t", expiresAt: nil)
        == "export AUTHCTL_TOKEN='t'\nunset AUTHCTL_TOKEN_EXPIRES_AT\n")
    #expect(
      TokenText.execCredential(token: "t/1", expiresAt: 0)
        == #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"expirationTimestamp":"1970-01-01T00:00:00Z","token":"t/1"}}"#
        + "\n")
  }

  @Test("the secret variables of every profile are withheld from children; header names become variables")
  func childEnvironment() {
    for name in [
      "AUTHCTL_PASSWORD", "AUTHCTL_API_KEY", "AUTHCTL_CLIENT_SECRET", "AUTHCTL_ACCESS_TOKEN",
      "AUTHCTL_PROFILE_CI_BOT_API_KEY", "AUTHCTL_PROFILE_X_PASSWORD", "AUTHCTL_PROFILE_X_ACCESS_TOKEN",
    ] {
      #expect(ChildEnvironment.isSecretVariable(name), "\(name)")
    }
    for name in [
      "AUTHCTL_PROFILE", "AUTHCTL_BASE_URL", "AUTHCTL_PROFILE_X_LOGIN", "MY_PASSWORD", "AUTHCTL_TOKEN",
    ] {
      #expect(!ChildEnvironment.isSecretVariable(name), "\(name)")
    }
    #expect(ChildEnvironment.headerVariable("X-Project-ID") == "AUTHCTL_HEADER_X_PROJECT_ID")
    #expect(ChildEnvironment.headerVariable("x-api-key") == "AUTHCTL_HEADER_X_API_KEY")
    #expect(
      ChildEnvironment.isValidName("_T1") && !ChildEnvironment.isValidName("1T")
        && !ChildEnvironment.isValidName("A-B"))
  }

  @Test("curl gets the header file first, after a leading -q")
  func curlArguments() {
    #expect(
      CurlCommand.arguments(["-sS", "u"], pipePath: "/dev/fd/5") == ["curl", "-H", "@/dev/fd/5", "-sS", "u"])
    #expect(
      CurlCommand.arguments(["-q", "u"], pipePath: "/dev/fd/5") == ["curl", "-q", "-H", "@/dev/fd/5", "u"])
  }
}
