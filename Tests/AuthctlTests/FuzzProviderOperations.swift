import Foundation

@testable import AuthctlCore

/// Every operation that decodes a provider's answer, run with the fuzz canaries as its secrets.
enum ProviderOperation: CaseIterable {
  case embermindSignIn, embermindVerify, embermindSignOut
  case knowledgeStackSignIn, knowledgeStackRenew, knowledgeStackVerify, knowledgeStackSignOut
  case keysCreate, keysList, keysDelete, singleSignOn
  case metakraftwerkSignIn, metakraftwerkVerify, craftVerify
  case discovery, codeExchange, refresh, clientCredentials, deviceAuthorization, devicePoll, revoke, userinfo
  case openIDVerify, openIDSignOut, craftTokenRefresh

  static let password = "PW-canary-7f3e"
  static let apiKey = "KEY-canary-91ab"
  static let token = "TOK-canary-55cd"
  static let refreshToken = "RT-canary-0d1f"
  static let clientSecret = "CS-canary-a2b4"
  static let idToken = "ID-canary-e6f0"
  static let base = "https://api.fuzz.example"

  /// Runs the operation; returns its failure, or nil when it succeeded (and the result was used).
  func run(client: HTTPClient, rng: inout SplitMix64) -> (any Error)? {
    let credential: Credential = rng.chance(0.5) ? .apiKey(Self.apiKey) : .accessToken(Self.token)
    do {
      switch self {
      case .embermindSignIn:
        use(
          try EmbermindProvider().signIn(
            login: "a", password: Self.password, api: api(EmbermindProvider(), client)))
      case .embermindVerify: _ = try verify(EmbermindProvider(), credential, client)
      case .embermindSignOut:
        try EmbermindProvider().sessionEnd(
          credential, profile: profile(), api: api(EmbermindProvider(), client))?.call()
      case .knowledgeStackSignIn:
        use(
          try KnowledgeStackProvider().signIn(
            login: "a@x", password: Self.password, api: api(KnowledgeStackProvider(), client)))
      case .knowledgeStackRenew:
        use(try KnowledgeStackProvider().renew(Self.token, api: api(KnowledgeStackProvider(), client)))
      case .knowledgeStackVerify: _ = try verify(KnowledgeStackProvider(), credential, client)
      case .knowledgeStackSignOut:
        try KnowledgeStackProvider().sessionEnd(
          credential, profile: profile(), api: api(KnowledgeStackProvider(), client))?.call()
      case .keysCreate:
        _ = try keys(client).create(
          name: "ci", credential: credential, api: api(KnowledgeStackProvider(), client))
      case .keysList:
        _ = try keys(client).list(credential: credential, api: api(KnowledgeStackProvider(), client))
      case .keysDelete:
        try keys(client).delete(
          id: "key_01", credential: credential, api: api(KnowledgeStackProvider(), client))
      case .singleSignOn:
        _ = try KnowledgeStackProvider().startSingleSignOn(
          tenantID: "t1", redirectURI: "http://127.0.0.1:1/sso/callback",
          api: api(KnowledgeStackProvider(), client))
      case .metakraftwerkSignIn:
        use(
          try MetakraftwerkProvider().signIn(
            login: "a@x", password: Self.password, api: api(MetakraftwerkProvider(), client)))
      case .metakraftwerkVerify: _ = try verify(MetakraftwerkProvider(), credential, client)
      case .craftVerify: _ = try verify(CraftProvider(), credential, client)
      case .discovery:
        _ = try Discovery.fetch(issuer: FuzzProviderTests.issuer, api: api(OpenIDProvider.generic, client))
      case .codeExchange:
        use(
          try oauth(client, &rng).exchange(
            code: "code-1", redirectURI: "http://127.0.0.1:1/callback", verifier: "v"))
      case .refresh: use(try oauth(client, &rng).refresh(Self.refreshToken))
      case .clientCredentials: use(try oauth(client, &rng).clientCredentials(scope: "openid"))
      case .deviceAuthorization: _ = try oauth(client, &rng).authorizeDevice(scope: nil)
      case .devicePoll:
        if case .token(let answer) = try oauth(client, &rng).pollDevice("DC-canary") { use(answer) }
      case .revoke: try oauth(client, &rng).revoke(Self.refreshToken, hint: "refresh_token")
      case .userinfo: _ = try oauth(client, &rng).userinfo(Self.token)
      case .openIDVerify:
        _ = try verify(
          OpenIDProvider.emergence, .accessToken(Self.token), client, remembered: rng.chance(0.5))
      case .openIDSignOut:
        try OpenIDProvider.generic.sessionEnd(
          .accessToken(Self.token), profile: profile(remembered: true),
          api: api(OpenIDProvider.generic, client))?.call()
      case .craftTokenRefresh:
        let identity = OAuthClientIdentity(
          clientID: "authctl-craft", clientSecret: Self.clientSecret, style: .json)
        let endpoints = OAuthEndpoints(
          authorization: Self.base + "/oauth/authorize", token: Self.base + "/v1/oauth/token")
        use(
          try OAuthClient(api: api(CraftProvider(), client), endpoints: endpoints, identity: identity)
            .refresh(Self.refreshToken))
      }
      return nil
    } catch {
      return error
    }
  }

  private func api(_ provider: any Provider, _ client: HTTPClient) -> ProviderAPI {
    ProviderAPI(provider: provider, baseURL: Self.base, client: client)
  }

  private func keys(_ client: HTTPClient) throws -> any KeyAPI {
    guard let keys = KnowledgeStackProvider().keys else { throw ProviderFailureMissing() }
    return keys
  }

  private func verify(
    _ provider: any Provider, _ credential: Credential, _ client: HTTPClient, remembered: Bool = true
  ) throws(ProviderFailure) -> ProviderVerdict {
    try provider.verify(credential, profile: profile(remembered: remembered), api: api(provider, client))
  }

  private func oauth(_ client: HTTPClient, _ rng: inout SplitMix64) -> OAuthClient {
    let identity = OAuthClientIdentity(
      clientID: "authctl", clientSecret: rng.chance(0.5) ? Self.clientSecret : nil, style: .form)
    return OAuthClient(
      api: api(OpenIDProvider.generic, client), endpoints: Self.endpoints, identity: identity)
  }

  static let endpoints = OAuthEndpoints(
    issuer: FuzzProviderTests.issuer, authorization: FuzzProviderTests.issuer + "/auth",
    token: FuzzProviderTests.issuer + "/token",
    deviceAuthorization: FuzzProviderTests.issuer + "/auth/device",
    revocation: FuzzProviderTests.issuer + "/revoke", endSession: FuzzProviderTests.issuer + "/logout",
    userinfo: FuzzProviderTests.issuer + "/userinfo")

  /// A stored OAuth profile; `remembered` keeps discovery's endpoints, as after a login.
  private func profile(remembered: Bool = true) -> ResolvedProfile {
    var stored = StoredProfile(provider: "emergence")
    stored.issuer = FuzzProviderTests.issuer
    stored.clientID = "authctl"
    stored.baseURL = Self.base
    stored.oauth = remembered ? Self.endpoints : nil
    var credentials = StoredCredentials()
    credentials.accessToken = Self.token
    credentials.refreshToken = Self.refreshToken
    credentials.idToken = Self.idToken
    stored.credentials = credentials
    let document = KeystoreDocument(defaultProfile: "p", profiles: ["p": stored])
    return ProfileResolver(environment: [:]).resolve(name: "p", document: document)
  }

  /// What a command does with a fresh token: work out its lifetime and write it into a keystore.
  private func use(_ issued: IssuedToken) {
    let timing = TokenTiming(expiresAt: issued.expiresAt, issuedAt: issued.issuedAt)
    _ = (
      timing.isDue(now: 1_767_225_000), timing.isExpired(now: 1_767_225_000),
      timing.secondsLeft(now: 1_767_225_000)
    )
    var stored = StoredProfile(provider: "fuzz")
    var credentials = StoredCredentials()
    credentials.accessToken = issued.accessToken
    credentials.expiresAt = issued.expiresAt
    credentials.issuedAt = issued.issuedAt
    credentials.refreshToken = issued.refreshToken
    stored.credentials = credentials
    _ = PlainKeystoreEncoder.encode(KeystoreDocument(profiles: ["p": stored]))
  }

  private func use(_ answer: TokenResponse) {
    use(OAuthSession.issued(answer, now: 1_767_225_000))
  }
}

private struct ProviderFailureMissing: Error {}
