import Foundation
import Testing

/// `profiles list | show | use | remove`, profiles that live in the environment, which profile a
/// command acts on, the SPEC §5 precedence of settings, and `logout --all`.
@Suite struct ProfilesTests {
  static let workKey = "sk-work-profile-31d0"
  static let homeKey = "sk-home-profile-8e4b"

  /// A sandbox with craft profiles `work` (created first, so the default) and `home`.
  private static func twoProfiles() throws -> (Sandbox, FakeServer) {
    let sandbox = try Sandbox()
    let server = try CrossCut.craft(keys: [workKey, homeKey])
    try CrossCut.loginCraft(sandbox, server, key: workKey, profile: "work")
    try CrossCut.loginCraft(sandbox, server, key: homeKey, profile: "home")
    return (sandbox, server)
  }

  /// The `profiles list` line of `name`.
  private static func line(_ name: String, in stdout: String) -> Substring? {
    stdout.split(separator: "\n").first { $0.split(separator: " ").contains(Substring(name)) }
  }

  @Test("profiles list shows every profile and marks the default one")
  func listMarksTheDefault() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let result = try sandbox.run(["profiles", "list"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "")
    let work = try #require(Self.line("work", in: result.stdout), "\(result)")
    let home = try #require(Self.line("home", in: result.stdout), "\(result)")
    #expect(work.hasPrefix("*"), "\(result)")
    #expect(!home.hasPrefix("*"), "\(result)")
    #expect(work.contains("craft") && home.contains("craft"))
    #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("*") }.count == 1)
    #expect(!result.stdout.contains(Self.workKey) && !result.stdout.contains(Self.homeKey))
  }

  @Test("profiles list --json is one JSON array naming the default")
  func listAsJSON() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let result = try sandbox.run(["profiles", "list", "--json"])
    #expect(result.status == 0, "\(result)")
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result)")
    let byName = Dictionary(entries.compactMap { entry in (entry["name"] as? String).map { ($0, entry) } }) {
      a, _ in a
    }
    #expect(Set(byName.keys) == ["work", "home"])
    #expect(byName["work"]?["default"] as? Bool == true)
    #expect(byName["home"]?["default"] as? Bool == false)
    #expect(byName["home"]?["provider"] as? String == "craft")
    #expect(!result.stdout.contains(Self.workKey) && !result.stdout.contains(Self.homeKey))
  }

  @Test("profiles list with no keystore and no environment profile succeeds and creates nothing")
  func listWithNothing() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["profiles", "list"])
    #expect(result.status == 0, "\(result)")
    #expect(!result.stdout.contains("*"))
    #expect(CrossCut.entries(sandbox.home.path).isEmpty)
  }

  @Test("profiles show names where each setting came from and never shows a secret")
  func showNamesSourcesWithoutSecrets() throws {
    let (sandbox, server) = try Self.twoProfiles()
    let envKey = "sk-from-environment-77aa"
    let env = ["AUTHCTL_PROFILE_WORK_SCOPE": "read-only", "AUTHCTL_API_KEY": envKey]
    let text = try sandbox.run(["profiles", "show", "work"], env: env)
    #expect(text.status == 0, "\(text)")
    #expect(text.stderr == "")
    for needle in [
      "work", "craft", server.baseURL, "read-only", "keystore", "AUTHCTL_PROFILE_WORK_SCOPE",
      "AUTHCTL_API_KEY",
    ] {
      #expect(text.stdout.contains(needle), "show lacks \(needle): \(text)")
    }
    let json = try sandbox.run(["profiles", "show", "work", "--json"], env: env)
    #expect(json.status == 0, "\(json)")
    #expect(
      (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) is [String: Any],
      "profiles show --json must print one JSON object: \(json)")
    let plain = try sandbox.run(["profiles", "show"])
    #expect(plain.status == 0, "\(plain)")
    #expect(plain.stdout.contains("work"), "without a name it shows the default profile: \(plain)")
    for result in [text, json, plain] {
      for secret in [Self.workKey, Self.homeKey, envKey] { #expect(!result.stdout.contains(secret)) }
      #expect(!result.stderr.contains(envKey))
    }
  }

  @Test("profiles use changes the default; token without -p then uses it")
  func useChangesTheDefault() throws {
    let (sandbox, _) = try Self.twoProfiles()
    #expect(try sandbox.run(["token"]).stdout == Self.workKey + "\n")
    let use = try sandbox.run(["profiles", "use", "home"])
    #expect(use.status == 0, "\(use)")
    #expect(use.stdout == "")
    #expect(sandbox.keystoreJSON()?["default_profile"] as? String == "home")
    #expect(sandbox.keystoreMode() == 0o600)
    let token = try sandbox.run(["token"])
    #expect(token.stdout == Self.homeKey + "\n", "\(token)")
    let list = try sandbox.run(["profiles", "list"])
    #expect(Self.line("home", in: list.stdout)?.hasPrefix("*") == true, "\(list)")
    #expect(Self.line("work", in: list.stdout)?.hasPrefix("*") == false, "\(list)")
  }

  @Test("profiles use of an unknown profile exits 3 with the login hint and changes nothing")
  func useUnknownProfile() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let before = sandbox.keystoreBytes()
    let result = try sandbox.run(["profiles", "use", "nope"])
    #expect(result.status == 3, "\(result)")
    #expect(result.stderr.contains("authctl login -p nope"), "\(result)")
    #expect(result.stdout == "")
    #expect(sandbox.keystoreBytes() == before)
  }

  @Test("profiles remove deletes the profile and its secrets, and the default moves")
  func removeMovesTheDefault() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let result = try sandbox.run(["profiles", "remove", "work"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    let document = try #require(sandbox.keystoreJSON())
    #expect((document["profiles"] as? [String: Any]).map { Set($0.keys) } == ["home"])
    #expect(document["default_profile"] as? String == "home")
    #expect(!String(decoding: sandbox.keystoreBytes() ?? Data(), as: UTF8.self).contains(Self.workKey))
    #expect(try sandbox.run(["token"]).stdout == Self.homeKey + "\n")
    let gone = try sandbox.run(["token", "-p", "work"])
    #expect(gone.status == 3, "\(gone)")
    #expect(gone.stderr.contains("authctl login -p work"), "\(gone)")
    let again = try sandbox.run(["profiles", "remove", "work"])
    #expect(again.status == 3, "\(again)")
  }

  @Test("Removing a profile that is not the default keeps the default")
  func removeOtherKeepsTheDefault() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let result = try sandbox.run(["profiles", "remove", "home"])
    #expect(result.status == 0, "\(result)")
    #expect(sandbox.keystoreJSON()?["default_profile"] as? String == "work")
    #expect(try sandbox.run(["token"]).stdout == Self.workKey + "\n")
  }

  @Test("Profiles that live in AUTHCTL_PROFILE_<NAME>_<FIELD> variables appear in the list")
  func environmentProfilesAreListed() throws {
    let (sandbox, server) = try Self.twoProfiles()
    let env = [
      "AUTHCTL_PROFILE_CI_BOT_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_BOT_API_KEY": Self.homeKey,
      "AUTHCTL_PROFILE_CI_BOT_BASE_URL": server.baseURL, "AUTHCTL_PROFILE_NIGHTLY_PROVIDER": "craft",
    ]
    let list = try sandbox.run(["profiles", "list"], env: env)
    #expect(list.status == 0, "\(list)")
    let bot = try #require(Self.line("ci-bot", in: list.stdout), "\(list)")
    #expect(bot.contains("environment"))
    #expect(Self.line("nightly", in: list.stdout) != nil, "\(list)")
    #expect(Self.line("work", in: list.stdout)?.hasPrefix("*") == true)
    let json = try sandbox.run(["profiles", "list", "--json"], env: env)
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
    #expect(Set(entries.compactMap { $0["name"] as? String }) == ["work", "home", "ci-bot", "nightly"])
    let token = try sandbox.run(["token", "-p", "ci-bot"], env: env)
    #expect(token.stdout == Self.homeKey + "\n", "\(token)")
    #expect(!list.stdout.contains(Self.homeKey))
  }

  @Test("AUTHCTL_PROFILE selects the profile; -p beats it")
  func profileVariableSelects() throws {
    let (sandbox, _) = try Self.twoProfiles()
    let selected = try sandbox.run(["token"], env: ["AUTHCTL_PROFILE": "home"])
    #expect(selected.stdout == Self.homeKey + "\n", "\(selected)")
    let option = try sandbox.run(["token", "-p", "work"], env: ["AUTHCTL_PROFILE": "home"])
    #expect(option.stdout == Self.workKey + "\n", "\(option)")
    let unknown = try sandbox.run(["token"], env: ["AUTHCTL_PROFILE": "nope"])
    #expect(unknown.status == 3, "\(unknown)")
    #expect(unknown.stderr.contains("authctl login -p nope"), "\(unknown)")
  }

  @Test("Option beats AUTHCTL_PROFILE_X_BASE_URL beats AUTHCTL_BASE_URL beats the keystore")
  func settingPrecedence() throws {
    let sandbox = try Sandbox()
    let stored = try CrossCut.craft()
    let plain = try CrossCut.craft()
    let named = try CrossCut.craft()
    try CrossCut.loginCraft(sandbox, stored, profile: "x")
    let servers = [stored, plain, named]
    func check(_ env: [String: String]) throws -> [Int] {
      for server in servers { try server.resetRequests() }
      let result = try sandbox.run(["check", "-p", "x"], env: env)
      #expect(result.status == 0, "\(result)")
      return try servers.map { try $0.requests(path: "/v1/me").count }
    }
    #expect(try check([:]) == [1, 0, 0])
    let plainEnv = ["AUTHCTL_BASE_URL": plain.baseURL, "AUTHCTL_API_KEY": CrossCut.craftKey]
    #expect(try check(plainEnv) == [0, 1, 0])
    var namedEnv = plainEnv
    namedEnv["AUTHCTL_PROFILE_X_BASE_URL"] = named.baseURL
    #expect(try check(namedEnv) == [0, 0, 1])

    let show = try sandbox.run(["profiles", "show", "x"], env: namedEnv)
    let baseLine = try #require(
      show.stdout.split(separator: "\n").first { $0.contains("127.0.0.1") }, "\(show)")
    #expect(baseLine.contains(named.baseURL) && baseLine.contains("AUTHCTL_PROFILE_X_BASE_URL"), "\(show)")

    for server in servers { try server.resetRequests() }
    let login = try sandbox.run(
      ["login", "-p", "x", "--provider", "craft", "--base-url", stored.baseURL, "--api-key-stdin"],
      stdin: CrossCut.craftKey, env: ["AUTHCTL_PROFILE_X_BASE_URL": named.baseURL])
    #expect(login.status == 0, "\(login)")
    #expect(try servers.map { try $0.requests(path: "/v1/me").count } == [1, 0, 0])
  }

  @Test("logout --all logs out of every profile and exits with the first non-zero code")
  func logoutAllReportsTheFirstFailure() throws {
    let sandbox = try Sandbox()
    let craft = try CrossCut.craft()
    let embermind = try CrossCut.embermind()
    try CrossCut.loginEmbermind(sandbox, embermind, profile: "b-ember")
    try CrossCut.loginCraft(sandbox, craft, profile: "c-craft")
    try CrossCut.loginEmbermind(sandbox, embermind, profile: "d-ember")
    // A profile naming a provider this authctl does not know: its secrets are removed all the same.
    var document = try #require(sandbox.keystoreJSON())
    var profiles = try #require(document["profiles"] as? [String: Any])
    profiles["a-unknown"] = ["provider": "nope", "credentials": ["api_key": "unknown-provider-key"]]
    document["profiles"] = profiles
    try CrossCut.writeKeystore(
      sandbox, try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]))
    try embermind.fault(["path": "/api/v1/client/auth/logout", "status": 500])

    let result = try sandbox.run(["logout", "--all"])
    #expect(result.status == 5, "a-unknown (0) comes before b-ember (5): \(result)")
    #expect(result.stderr.contains("b-ember"), "\(result)")
    #expect(try embermind.requests(path: "/api/v1/client/auth/logout").count == 2)
    let stored = try #require(sandbox.keystoreJSON()?["profiles"] as? [String: [String: Any]])
    #expect(stored["a-unknown"]?["credentials"] == nil, "a-unknown kept its secrets")
    for name in ["b-ember", "c-craft", "d-ember"] {
      #expect(stored[name]?["credentials"] == nil, "\(name) kept its secrets")
      #expect(stored[name]?["provider"] != nil, "\(name) lost its settings")
    }
    #expect(!String(decoding: sandbox.keystoreBytes() ?? Data(), as: UTF8.self).contains(CrossCut.craftKey))
  }

  @Test("logout --all exits 5 when only a provider's sign-out fails, after removing every secret")
  func logoutAllWithAProviderFailure() throws {
    let sandbox = try Sandbox()
    let craft = try CrossCut.craft()
    let embermind = try CrossCut.embermind()
    try CrossCut.loginCraft(sandbox, craft, profile: "a-craft")
    try CrossCut.loginEmbermind(sandbox, embermind, profile: "b-ember")
    try CrossCut.loginCraft(sandbox, craft, profile: "c-craft")
    try embermind.fault(["path": "/api/v1/client/auth/logout", "status": 503])
    let result = try sandbox.run(["logout", "--all", "--json"])
    #expect(result.status == 5, "\(result)")
    #expect(result.stderr.contains("b-ember"), "\(result)")
    // One entry per profile; the failed one names the endpoint it tried.
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result)")
    #expect(
      entries.map { "\($0["profile"] ?? "?") \($0["provider_logout"] ?? "?") \($0["exit_code"] ?? "?")" } == [
        "a-craft none 0", "b-ember POST /api/v1/client/auth/logout 5", "c-craft none 0",
      ])
    let stored = try #require(sandbox.keystoreJSON()?["profiles"] as? [String: [String: Any]])
    #expect(Set(stored.keys) == ["a-craft", "b-ember", "c-craft"])
    for (name, profile) in stored { #expect(profile["credentials"] == nil, "\(name) kept its secrets") }
    let clean = try sandbox.run(["logout", "--all"])
    #expect(clean.status == 0, "\(clean)")
  }
}
