import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6 item 6: representative flows of every provider, with distinctive secrets made at run time (so
/// no source file or binary holds them), scanned by LeakScan: 0 leaks.
@Suite struct HardeningLeakTests {
  static func secret(_ kind: String) -> String {
    "LEAK\(kind)-" + String(UInt64.random(in: (1 << 40)..<(1 << 52)), radix: 36)
  }

  @Test("Passwords, API keys and tokens of the password and key providers appear nowhere they must not")
  func passwordAndKeyFlowsLeakNothing() throws {
    let (emberPassword, wrongPassword, emberKey) = (
      Self.secret("pw"), Self.secret("wrong"), Self.secret("key")
    )
    let (ksPassword, ksKey, mkPassword, craftKey) = (
      Self.secret("pw"), "ks_live_" + Self.secret("k"), Self.secret("pw"), Self.secret("key")
    )
    let scan = try LeakScan(secrets: [
      emberPassword, wrongPassword, emberKey, ksPassword, ksKey, mkPassword, craftKey,
    ])
    let ember = try FakeServer.start("embermind")
    try ember.control("users", ["login": "admin", "email": "admin@example.ch", "password": emberPassword])
    try ember.control("api-keys", ["key": emberKey, "user": "admin"])
    let ks = try FakeServer.start("knowledge-stack")
    try ks.control("users", ["email": "ks@example.com", "password": ksPassword])
    try ks.control("api-keys", ["key": ksKey, "user": "ks@example.com"])
    let mk = try FakeServer.start("metakraftwerk")
    try mk.control("users", ["email": "mk@example.com", "password": mkPassword])
    let craft = try CrossCut.craft(keys: [craftKey])
    let token = { (profile: String) in
      { [scan.stored(profile, "access_token"), scan.stored(profile, "api_key")] }
    }

    // embermind: password (remembered), its refresh by signing in again, a wrong password, an echoing
    // server, a profile in the environment, an API key, logout.
    let emberLogin = [
      "--provider", "embermind", "--base-url", ember.baseURL, "--login", "admin", "--password-stdin",
    ]
    try scan.run(["login", "-p", "ember", "-v", "--remember-password"] + emberLogin, stdin: emberPassword)
    try scan.run(["token", "-p", "ember"], product: token("ember"))
    try scan.run(["header", "-p", "ember"], product: token("ember"))
    try scan.run(["check", "-p", "ember", "-v"])
    try scan.run(["refresh", "-p", "ember", "-v"], product: token("ember"))
    try scan.run(["profiles", "show", "ember"])
    try scan.run(["profiles", "list"])
    try scan.run(["login", "-p", "wrong", "-v"] + emberLogin, stdin: wrongPassword, status: 3)
    try ember.fault([
      "path": "/api/v1/client/auth/login", "status": 400,
      "body": [
        "error": "error.auth.login_or_password_incorrect",
        "message": "no user with password \(emberPassword)",
      ],
    ])
    try scan.run(["login", "-p", "echo", "-v"] + emberLogin, stdin: emberPassword, status: 3)
    let environment = [
      "AUTHCTL_PROFILE_EMENV_PROVIDER": "embermind", "AUTHCTL_PROFILE_EMENV_BASE_URL": ember.baseURL,
      "AUTHCTL_PROFILE_EMENV_LOGIN": "admin", "AUTHCTL_PROFILE_EMENV_PASSWORD": emberPassword,
    ]
    try scan.run(["token", "-p", "emenv", "-v"], env: environment, product: token("emenv"))
    try scan.run(["check", "-p", "emenv", "-v"], env: environment)
    #expect(scan.stored("emenv", "password").isEmpty, "a password from the environment was written")
    try scan.run(
      [
        "login", "-p", "emkey", "--provider", "embermind", "--base-url", ember.baseURL, "--api-key-stdin",
        "-v",
      ], stdin: emberKey)
    try scan.run(["check", "-p", "emkey", "-v"])
    try scan.run(["token", "-p", "emkey"], product: { [emberKey] })
    try scan.run(["logout", "-p", "ember", "-v"])

    // knowledge-stack: password sign-in, a stored new key, the key list, a rotation, an API-key profile.
    try scan.run(
      [
        "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", ks.baseURL, "--login",
        "ks@example.com", "--password-stdin", "-v",
      ],
      stdin: ksPassword)
    try scan.run(["keys", "create", "--name", "ci", "--store", "-p", "ks", "-v"], product: token("ks"))
    try scan.run(["keys", "list", "-p", "ks", "-v"])
    try scan.run(["keys", "rotate", "-p", "ks", "-v"], product: token("ks"))
    try scan.run(["check", "-p", "ks", "-v"])
    try scan.run(
      [
        "login", "-p", "ks2", "--provider", "knowledge-stack", "--base-url", ks.baseURL, "--api-key-stdin",
        "-v",
      ], stdin: ksKey)
    try scan.run(["token", "-p", "ks2"], product: { [ksKey] })

    // metakraftwerk and craft.
    try scan.run(
      [
        "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", mk.baseURL, "--login",
        "mk@example.com", "--password-stdin", "-v",
      ],
      stdin: mkPassword)
    try scan.run(["check", "-p", "mk", "-v"])
    try scan.run(["token", "-p", "mk"], product: token("mk"))
    try scan.run(
      ["login", "-p", "craft", "--provider", "craft", "--base-url", craft.baseURL, "--api-key-stdin", "-v"],
      stdin: craftKey)
    try scan.run(["header", "-p", "craft", "-v"], product: { [craftKey] })
    let craftEnvironment = [
      "AUTHCTL_PROFILE_CRENV_PROVIDER": "craft", "AUTHCTL_PROFILE_CRENV_BASE_URL": craft.baseURL,
      "AUTHCTL_PROFILE_CRENV_API_KEY": craftKey,
    ]
    try scan.run(["check", "-p", "crenv", "-v"], env: craftEnvironment)
    try scan.run(["profiles", "show", "crenv"], env: craftEnvironment)

    let leaks = try scan.findings("password and API-key providers")
    #expect(leaks.isEmpty, "\(leaks.count) leaks:\n\(leaks.prefix(20).joined(separator: "\n"))")
  }

  @Test(
    "Client secrets and OAuth tokens appear nowhere they must not, the browser opener's argv and env included"
  )
  func oauthFlowsLeakNothing() throws {
    let realm = try HardeningRealm(config: ["device_interval": 1])
    let craft = try FakeServer.startOIDC(mode: "craft")
    // The fake servers' fixed client secrets (README-oidc.md).
    let scan = try LeakScan(secrets: ["conf-secret", "service-secret", "craft-secret"])
    let token = { (profile: String) in { [scan.stored(profile, "access_token")] } }

    // A browser login that opens the (fake) browser, as a confidential client.
    let browserArgs = [
      "login", "-p", "kc", "--provider", "emergence", "--issuer", realm.issuer, "--client-id",
      "authctl-confidential",
      "--flow", "browser", "--client-secret-stdin", "-v",
    ]
    try Self.interactive(
      scan, browserArgs, stdin: "conf-secret", prefix: realm.issuer + "/protocol/openid-connect/auth?")
    #expect(
      scan.opener.calls().contains { $0.contains("argv: " + realm.issuer) }, "the opener got another URL")
    try scan.run(["token", "-p", "kc"], product: token("kc"))
    try scan.run(["header", "-p", "kc"], product: token("kc"))
    try scan.run(["check", "-p", "kc", "-v"])
    try scan.run(["refresh", "-p", "kc", "-v"], product: token("kc"))
    try scan.run(["profiles", "show", "kc"])

    // The device flow, polled with -v.
    let device = try scan.sandbox.launch(realm.loginArguments("dev") + ["--flow", "device", "-v"])
    _ = try BrowserDriver.devicePrompt(device)
    try realm.server.control("device", ["action": "approve"])
    let deviceResult = try device.wait(timeout: 30)
    #expect(deviceResult.status == 0, "\(deviceResult)")
    scan.record(["login", "-p", "dev", "--flow", "device"], deviceResult)

    // Client credentials from the environment: the token is cached, the secret never written.
    let service = [
      "AUTHCTL_PROFILE_SVC_PROVIDER": "emergence", "AUTHCTL_PROFILE_SVC_ISSUER": realm.issuer,
      "AUTHCTL_PROFILE_SVC_CLIENT_ID": "authctl-service",
      "AUTHCTL_PROFILE_SVC_CLIENT_SECRET": "service-secret",
    ]
    try scan.run(["token", "-p", "svc", "-v"], env: service, product: token("svc"))
    try scan.run(["check", "-p", "svc", "-v"], env: service)
    #expect(scan.stored("svc", "client_secret").isEmpty, "a client secret from the environment was written")

    // craft's OAuth (JSON token endpoint), with the browser opener too.
    let craftArgs = [
      "login", "-p", "co", "--provider", "craft", "--flow", "oauth", "--client-id", "authctl-craft",
      "--base-url",
      craft.baseURL, "--auth-url", craft.baseURL, "--client-secret-stdin", "-v",
    ]
    try Self.interactive(scan, craftArgs, stdin: "craft-secret", prefix: craft.baseURL + "/oauth/authorize?")
    try scan.run(["refresh", "-p", "co", "-v"], product: token("co"))
    try scan.run(["logout", "-p", "kc", "-v"])
    try scan.run(["logout", "-p", "dev", "-v"])

    let leaks = try scan.findings("OAuth flows")
    #expect(leaks.isEmpty, "\(leaks.count) leaks:\n\(leaks.prefix(20).joined(separator: "\n"))")
  }

  /// A login that opens the fake browser; BrowserDriver then follows the printed URL.
  static func interactive(_ scan: LeakScan, _ args: [String], stdin: String, prefix: String) throws {
    let openings = scan.opener.calls().count
    let command = try scan.sandbox.launch(args, stdin: stdin, env: scan.browserEnvironment)
    defer { if command.isRunning { command.signal(SIGKILL) } }
    _ = try BrowserDriver.follow(try BrowserDriver.url(in: command, prefix: prefix))
    let result = try command.wait(timeout: 30)
    #expect(result.status == 0, "\(args.joined(separator: " ")): \(result)")
    scan.record(args, result)
    // authctl does not wait for the opener, whose record may come a moment later.
    #expect(CrossCut.eventually { scan.opener.calls().count > openings }, "the browser opener was not run")
  }
}
