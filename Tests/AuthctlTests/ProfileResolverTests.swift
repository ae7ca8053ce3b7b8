import Testing

@testable import AuthctlCore

@Suite("Profile resolution")
struct ProfileResolverTests {
  private func document() -> KeystoreDocument {
    var work = StoredProfile(provider: "embermind")
    work.baseURL = "https://stored.example"
    work.login = "stored-login"
    return KeystoreDocument(defaultProfile: "work", profiles: ["work": work])
  }

  @Test("option beats profile variable beats plain variable beats keystore")
  func precedence() {
    let environment = [
      "AUTHCTL_PROFILE_WORK_BASE_URL": "https://profile-var.example",
      "AUTHCTL_BASE_URL": "https://plain.example",
      "AUTHCTL_LOGIN": "plain-login",
    ]
    let resolver = ProfileResolver(environment: environment)
    let resolved = resolver.resolve(name: "work", document: document())
    #expect(resolved.value(.baseURL) == "https://profile-var.example")
    #expect(resolved.source(.baseURL) == .environment(variable: "AUTHCTL_PROFILE_WORK_BASE_URL"))
    #expect(resolved.value(.login) == "plain-login")
    #expect(resolved.value(.provider) == "embermind")
    #expect(resolved.source(.provider) == .keystore)
    let withOption = resolver.resolve(
      name: "work", document: document(), options: [.baseURL: "https://option.example"])
    #expect(withOption.value(.baseURL) == "https://option.example")
    #expect(withOption.source(.baseURL) == .option)
  }

  @Test("plain variables apply to the selected profile only")
  func plainVariablesOnlyForSelected() {
    let resolver = ProfileResolver(environment: ["AUTHCTL_LOGIN": "x"])
    #expect(
      resolver.resolve(name: "work", document: document(), isSelected: false).value(.login) == "stored-login")
  }

  @Test("selection: -p, then AUTHCTL_PROFILE, then the keystore default, then 'default'")
  func selection() {
    #expect(
      ProfileResolver(environment: ["AUTHCTL_PROFILE": "env"]).selectedName(
        option: "opt", document: document()) == "opt")
    #expect(
      ProfileResolver(environment: ["AUTHCTL_PROFILE": "env"]).selectedName(option: nil, document: document())
        == "env")
    #expect(ProfileResolver(environment: [:]).selectedName(option: nil, document: document()) == "work")
    #expect(ProfileResolver(environment: [:]).selectedName(option: nil, document: nil) == "default")
  }

  @Test("environment-only profiles are found by name, with '-' written as '_'")
  func environmentProfiles() {
    let resolver = ProfileResolver(environment: [
      "AUTHCTL_PROFILE_CI_BOT_PROVIDER": "craft", "AUTHCTL_PROFILE_CI_BOT_API_KEY": "k",
      "AUTHCTL_PROFILE_OTHER_BASE_URL": "https://x", "AUTHCTL_PROFILE_BAD_NOTAFIELD": "y",
    ])
    #expect(resolver.environmentProfileNames() == ["ci-bot", "other"])
    let profile = resolver.resolve(name: "ci-bot", document: nil)
    #expect(profile.exists && profile.stored == nil)
    #expect(profile.isFromEnvironment(.apiKey))
  }

  @Test(
    "profile names",
    arguments: [
      ("work", true), ("ci-2", true), ("9lives", true), ("-x", false), ("Work", false), ("a_b", false),
      ("", false),
    ])
  func names(name: String, valid: Bool) {
    #expect(ProfileName.isValid(name) == valid)
  }
}

@Suite("Token timing")
struct TokenTimingTests {
  @Test(
    "due at 75% of the lifetime or under 60 s left",
    arguments: [
      (0.0, false), (740.0, false), (750.0, true), (999.0, true),
    ])
  func dueAtThreeQuarters(elapsed: Double, due: Bool) {
    let timing = TokenTiming(expiresAt: 1000, issuedAt: 0)
    #expect(timing.isDue(now: elapsed) == due)
  }

  @Test("a short-lived token is due when fewer than 60 seconds remain")
  func shortLived() {
    let timing = TokenTiming(expiresAt: 100, issuedAt: 0)
    #expect(timing.isDue(now: 41))
    #expect(!timing.isExpired(now: 99))
    #expect(timing.isExpired(now: 100))
  }

  @Test("a token with no known lifetime is never due and never expired")
  func unknownLifetime() {
    let timing = TokenTiming(expiresAt: nil, issuedAt: nil)
    #expect(!timing.isDue(now: 1e12))
    #expect(!timing.isExpired(now: 1e12))
  }
}
