import Foundation
import Testing

/// End-to-end tests of the knowledge-stack provider (seed 003): API keys, password sign-in, UAT renewal,
/// `check`, `logout` and the `keys` commands, against the fake server.
struct KnowledgeStackTests {
  // MARK: login

  @Test("An API key is verified with GET /v1/users/me, stored, and then printed by token and header")
  func apiKeyLoginVerifiesAndStoresTheKey() throws {
    let account = try KSAccount()
    let key = try account.addKey(name: "svc")
    let login = try account.loginWithKey(key.value)
    #expect(login.status == 0, "\(login)")
    #expect(login.stdout == "")
    let requests = try account.server.requests()
    #expect(requests.map(\.method) == ["GET"])
    #expect(requests.map(\.path) == ["/v1/users/me"])
    #expect(requests.first?.headers["authorization"] == "Bearer \(key.value)")
    #expect(account.credentials()?["api_key"] as? String == key.value)
    #expect(account.credentials()?["access_token"] == nil)
    #expect(account.sandbox.keystoreMode() == 0o600)

    let token = try account.run(["token", "-p", "ks"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == key.value + "\n")
    let header = try account.run(["header", "-p", "ks"])
    #expect(header.status == 0, "\(header)")
    #expect(header.stdout == "Authorization: Bearer \(key.value)\n")
  }

  @Test("A key the provider rejects exits 3 and is not stored")
  func rejectedAPIKeyIsNotStored() throws {
    let account = try KSAccount()
    let login = try account.loginWithKey("ks_live_" + String(repeating: "0", count: 40))
    #expect(login.status == 3, "\(login)")
    #expect(login.stdout == "")
    #expect(login.stderr.contains("Could not validate credentials"))
    #expect(login.stderr.contains("authctl login -p ks"))
    #expect(account.sandbox.keystoreBytes() == nil)
  }

  @Test("Password login signs in with email and password; token and header print the UAT")
  func passwordLoginStoresTheUserAccessToken() throws {
    let account = try KSAccount()
    let login = try account.loginWithPassword()
    #expect(login.status == 0, "\(login)")
    #expect(login.stdout == "")
    let signins = try account.server.requests()
    #expect(signins.map(\.path) == ["/v1/auth/pw/signin"])
    let body = try #require(signins.first?.json)
    #expect(Set(body.keys) == ["email", "password"])
    #expect(body["email"] as? String == KSAccount.email)
    #expect(body["password"] as? String == KSAccount.password)

    let stored = try #require(account.credentials()?["access_token"] as? String)
    #expect(JWT.payload(stored)?["email"] as? String == KSAccount.email)
    #expect(account.credentials()?["password"] == nil)
    try account.server.resetRequests()
    let token = try account.run(["token", "-p", "ks"])
    #expect(token.status == 0, "\(token)")
    #expect(token.stdout == stored + "\n")
    let header = try account.run(["header", "-p", "ks"])
    #expect(header.stdout == "Authorization: Bearer \(stored)\n")
    // A token far from its expiry is printed without asking the provider.
    #expect(try account.server.requests().isEmpty)
  }

  @Test("A wrong password exits 3 with the provider's message and stores nothing")
  func wrongPasswordIsRefused() throws {
    let account = try KSAccount()
    let login = try account.loginWithPassword("not-the-password")
    #expect(login.status == 3, "\(login)")
    #expect(login.stderr.contains("Invalid email or password"))
    #expect(!login.stderr.contains("not-the-password"))
    #expect(account.sandbox.keystoreBytes() == nil)
  }

  // MARK: renewal

  @Test("A UAT past 75% of its lifetime is renewed once at /v1/auth/uat, printed and stored")
  func tokenPastThreeQuartersOfItsLifetimeIsRenewedOnce() throws {
    let account = try KSAccount()
    // Issued 3000 s ago with a one-hour lifetime: 83% spent, still valid for 10 minutes.
    try account.server.control("token-lifetime", ["seconds": 3600, "iat_offset": -3000])
    #expect(try account.loginWithPassword().status == 0)
    let old = try #require(account.credentials()?["access_token"] as? String)
    try account.server.control("token-lifetime", ["seconds": 3600])
    try account.server.resetRequests()

    let token = try account.run(["token", "-p", "ks"])
    #expect(token.status == 0, "\(token)")
    let requests = try account.server.requests()
    #expect(requests.map(\.path) == ["/v1/auth/uat"])
    #expect(requests.first?.method == "POST")
    #expect(requests.first?.headers["authorization"] == "Bearer \(old)")
    let renewed = try #require(account.credentials()?["access_token"] as? String)
    #expect(renewed != old)
    #expect(token.stdout == renewed + "\n")

    // The renewed token is fresh: the next call asks nobody.
    try account.server.resetRequests()
    let again = try account.run(["token", "-p", "ks"])
    #expect(again.stdout == renewed + "\n")
    #expect(try account.server.requests().isEmpty)
  }

  @Test("An expired UAT that /v1/auth/uat rejects is replaced by one sign-in with AUTHCTL_PASSWORD")
  func expiredTokenIsReplacedByPasswordSignIn() throws {
    let account = try KSAccount()
    try account.server.control("token-lifetime", ["seconds": 3600, "iat_offset": -3601])
    #expect(try account.loginWithPassword().status == 0)
    let expired = try #require(account.credentials()?["access_token"] as? String)
    try account.server.control("token-lifetime", ["seconds": 3600])
    try account.server.resetRequests()

    let token = try account.run(["token", "-p", "ks"], env: ["AUTHCTL_PASSWORD": KSAccount.password])
    #expect(token.status == 0, "\(token)")
    let requests = try account.server.requests()
    #expect(requests.map(\.path) == ["/v1/auth/uat", "/v1/auth/pw/signin"])
    #expect(requests.last?.json?["email"] as? String == KSAccount.email)
    let fresh = try #require(account.credentials()?["access_token"] as? String)
    #expect(fresh != expired)
    #expect(token.stdout == fresh + "\n")
    // A password from the environment is never written to disk.
    #expect(account.credentials()?["password"] == nil)
    let bytes = try #require(account.sandbox.keystoreBytes())
    #expect(!String(decoding: bytes, as: UTF8.self).contains(KSAccount.password))
  }

  @Test("An expired UAT that /v1/auth/uat rejects exits 3 when no password is available")
  func expiredTokenWithoutPasswordNeedsLogin() throws {
    let account = try KSAccount()
    try account.server.control("token-lifetime", ["seconds": 3600, "iat_offset": -3601])
    #expect(try account.loginWithPassword().status == 0)
    let before = account.sandbox.keystoreBytes()
    try account.server.resetRequests()

    let token = try account.run(["token", "-p", "ks"])
    #expect(token.status == 3, "\(token)")
    #expect(token.stdout == "")
    #expect(token.stderr.contains("authctl login -p ks"))
    #expect(try account.server.requests(path: "/v1/auth/pw/signin").isEmpty)
    #expect(account.sandbox.keystoreBytes() == before)
  }

  // MARK: check and logout

  @Test("check shows the identity and the tenant from /v1/users/me")
  func checkShowsIdentityAndTenant() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let check = try account.run(["check", "-p", "ks"])
    #expect(check.status == 0, "\(check)")
    let lines = check.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "identity:       subject \(account.userID), email \(KSAccount.email), login \(KSAccount.email), "
          + "name User, company \(account.tenantID)"))
    #expect(lines.contains("organization:   \(account.tenantID)"))
    #expect(lines.contains("credential:     access token, from the keystore"))
    #expect(lines.contains("provider says:  valid (GET /v1/users/me)"))
    #expect(lines.contains { $0.hasPrefix("validity:       valid, expires in ") })
    #expect(try account.server.requests(path: "/v1/users/me").count == 1)
  }

  @Test("logout signs out at /v1/auth/signout and removes the profile's secrets")
  func logoutSignsOutAndRemovesSecrets() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let token = try #require(account.credentials()?["access_token"] as? String)
    try account.server.resetRequests()

    let logout = try account.run(["logout", "-p", "ks"])
    #expect(logout.status == 0, "\(logout)")
    #expect(logout.stdout == "")
    let requests = try account.server.requests()
    #expect(requests.map(\.path) == ["/v1/auth/signout"])
    #expect(requests.first?.method == "POST")
    #expect(requests.first?.headers["authorization"] == "Bearer \(token)")
    let profile = try #require(account.profile())
    #expect(profile["credentials"] == nil)
    #expect(!String(decoding: account.sandbox.keystoreBytes() ?? Data(), as: UTF8.self).contains(token))
    let afterwards = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(token)"])
    #expect(afterwards.status == 401)
    #expect(try account.run(["token", "-p", "ks"]).status == 3)
  }

  // MARK: keys create, list, delete

  @Test("keys create prints the new key once on stdout and does not store it")
  func keysCreatePrintsTheKeyWithoutStoringIt() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let uat = try #require(account.credentials()?["access_token"] as? String)
    let before = account.sandbox.keystoreBytes()
    try account.server.resetRequests()

    let create = try account.run(["keys", "create", "-p", "ks", "--name", "ci-deploy"])
    #expect(create.status == 0, "\(create)")
    let key = try #require(KSAccount.singleKeyLine(create.stdout))
    let requests = try account.server.requests()
    #expect(requests.map(\.method) == ["POST"])
    #expect(requests.map(\.path) == ["/v1/api-keys"])
    #expect(requests.first?.json?["name"] as? String == "ci-deploy")
    #expect(requests.first?.headers["authorization"] == "Bearer \(uat)")
    #expect(!create.stderr.contains(key))
    #expect(account.sandbox.keystoreBytes() == before)
    let works = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(key)"])
    #expect(works.status == 200)
  }

  @Test("keys create --store makes the new key the profile's credential")
  func keysCreateWithStoreMakesTheKeyTheCredential() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)

    let create = try account.run(["keys", "create", "-p", "ks", "--name", "ci-deploy", "--store"])
    #expect(create.status == 0, "\(create)")
    let key = try #require(KSAccount.singleKeyLine(create.stdout))
    let listed = try account.listAtServer(with: key)
    let id = try #require(listed.first { $0["name"] as? String == "ci-deploy" }?["id"] as? String)
    let credentials = try #require(account.credentials())
    #expect(credentials["api_key"] as? String == key)
    #expect(credentials["api_key_id"] as? String == id)
    #expect(credentials["access_token"] == nil)

    let token = try account.run(["token", "-p", "ks"])
    #expect(token.stdout == key + "\n")
    let check = try account.run(["check", "-p", "ks"])
    #expect(check.status == 0, "\(check)")
    #expect(check.stdout.contains("credential:     API key, from the keystore\n"))
    #expect(check.stdout.contains("refresh:        not needed (API keys do not expire)\n"))
    #expect(!check.stdout.contains(key))
  }

  @Test("keys create --store that cannot save still prints the key and exits 7")
  func keysCreateWithStoreThatCannotSaveStillPrintsTheKey() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let before = account.sandbox.keystoreBytes()
    // Root ignores permission bits, so break the save another way: the lock file, needed only for
    // writing, becomes a symbolic link, which authctl refuses to open.
    let lock = account.sandbox.keystorePath + ".lock"
    let elsewhere = account.sandbox.root.appendingPathComponent("elsewhere").path
    #expect(FileManager.default.createFile(atPath: elsewhere, contents: Data()))
    try? FileManager.default.removeItem(atPath: lock)
    try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: elsewhere)

    let create = try account.run(["keys", "create", "-p", "ks", "--name", "ci-deploy", "--store"])
    #expect(create.status == 7, "\(create)")
    let key = try #require(KSAccount.singleKeyLine(create.stdout))
    #expect(create.stderr.contains("could not be stored"))
    #expect(!create.stderr.contains(key))
    #expect(try account.server.requests(path: "/v1/api-keys", method: "POST").count == 1)
    #expect(account.sandbox.keystoreBytes() == before)
  }

  @Test("keys list shows id, name and a masked key, never a full key")
  func keysListNeverShowsAFullKey() throws {
    let account = try KSAccount()
    let first = try account.addKey(id: "key_01jalpha01", name: "ci-deploy", createdAt: "2025-01-15T10:00:00Z")
    let second = try account.addKey(id: "key_01jbravo02", name: "laptop", createdAt: "2025-02-01T08:30:00Z")
    #expect(try account.loginWithKey(first.value).status == 0)

    let list = try account.run(["keys", "list", "-p", "ks"])
    #expect(list.status == 0, "\(list)")
    func row(_ cells: [String]) -> String {
      zip(cells, [16, 11, 15]).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined()
        + cells[3]
    }
    let expected = [
      row(["ID", "NAME", "KEY", "CREATED"]),
      row(["key_01jalpha01", "ci-deploy", String(first.value.prefix(12)) + "…", "2025-01-15T10:00:00Z"]),
      row(["key_01jbravo02", "laptop", String(second.value.prefix(12)) + "…", "2025-02-01T08:30:00Z"]),
    ]
    #expect(list.stdout == expected.joined(separator: "\n") + "\n")
    for key in [first.value, second.value] {
      #expect(!list.stdout.contains(key))
      #expect(!list.stdout.contains(key.prefix(13)))
    }
    let requests = try account.server.requests(path: "/v1/api-keys")
    #expect(requests.map(\.method) == ["GET"])
  }

  @Test("keys delete sends DELETE /v1/api-keys/ID and the key stops working")
  func keysDeleteRemovesTheKeyAtTheProvider() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let victim = try account.addKey(name: "old")
    try account.server.resetRequests()

    let delete = try account.run(["keys", "delete", "-p", "ks", victim.id])
    #expect(delete.status == 0, "\(delete)")
    #expect(delete.stdout == "")
    let requests = try account.server.requests()
    #expect(requests.map(\.method) == ["DELETE"])
    #expect(requests.map(\.path) == ["/v1/api-keys/\(victim.id)"])
    let gone = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(victim.value)"])
    #expect(gone.status == 401)
  }

  @Test("keys delete of an unknown id fails with the provider's message")
  func keysDeleteOfAnUnknownIDFails() throws {
    let account = try KSAccount()
    #expect(try account.loginWithPassword().status == 0)
    let delete = try account.run(["keys", "delete", "-p", "ks", "key_01jnosuchkey"])
    #expect(delete.status != 0, "\(delete)")
    #expect(delete.status == 1)
    #expect(delete.stdout == "")
    #expect(delete.stderr.contains("API key not found"))
    #expect(delete.stderr.contains("key_01jnosuchkey"))
    // A 404 is an answer, not a failure to retry.
    #expect(try account.server.requests(path: "/v1/api-keys/key_01jnosuchkey").count == 1)
  }

  // MARK: keys rotate

  /// How the profile came to hold the key that is rotated.
  enum KeyOrigin: String, CaseIterable, Sendable {
    /// `login --api-key-stdin`: no id stored, so rotate finds it by its prefix in `keys list`.
    case loginWithKey = "login --api-key-stdin"
    /// `keys create --store`: the id is stored with the key.
    case createdAndStored = "keys create --store"
  }

  @Test(
    "keys rotate creates, verifies with the new key, stores it, then deletes the old key with the new one",
    arguments: KeyOrigin.allCases)
  func keysRotateReplacesTheStoredKey(origin: KeyOrigin) throws {
    let account = try KSAccount()
    let old: KSKey
    switch origin {
    case .loginWithKey:
      old = try account.addKey(name: "svc")
      #expect(try account.loginWithKey(old.value).status == 0)
    case .createdAndStored:
      #expect(try account.loginWithPassword().status == 0)
      let value = try #require(
        KSAccount.singleKeyLine(
          try account.run(["keys", "create", "-p", "ks", "--name", "svc", "--store"]).stdout))
      let id = try #require(account.credentials()?["api_key_id"] as? String)
      old = KSKey(id: id, value: value)
    }
    try account.server.resetRequests()

    let rotate = try account.run(["keys", "rotate", "-p", "ks"])
    #expect(rotate.status == 0, "\(rotate)")
    let new = try #require(KSAccount.singleKeyLine(rotate.stdout))
    #expect(new != old.value)
    let requests = try account.server.requests()
    #expect(
      requests.map { "\($0.method) \($0.path)" } == [
        "GET /v1/api-keys", "POST /v1/api-keys", "GET /v1/users/me", "DELETE /v1/api-keys/\(old.id)",
      ])
    #expect(
      requests.map { $0.headers["authorization"] }
        == ["Bearer \(old.value)", "Bearer \(old.value)", "Bearer \(new)", "Bearer \(new)"])
    #expect(requests[1].json?["name"] as? String == "svc-rotated")

    let listed = try account.listAtServer(with: new)
    #expect(listed.map { $0["name"] as? String } == ["svc-rotated"])
    let credentials = try #require(account.credentials())
    #expect(credentials["api_key"] as? String == new)
    #expect(credentials["api_key_id"] as? String == listed.first?["id"] as? String)
    #expect(credentials["previous_api_key_id"] == nil)
    let oldWorks = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(old.value)"])
    #expect(oldWorks.status == 401)
  }

  @Test("keys rotate whose old key cannot be deleted keeps the new key stored and exits 5")
  func keysRotateKeepsTheNewKeyWhenTheOldOneCannotBeDeleted() throws {
    let account = try KSAccount()
    let old = try account.addKey(name: "svc")
    #expect(try account.loginWithKey(old.value).status == 0)
    // GET and DELETE are sent three times in all before giving up.
    try account.server.fault([
      "path": "/v1/api-keys/\(old.id)", "method": "DELETE", "status": 500, "times": 3,
    ])
    try account.server.resetRequests()

    let rotate = try account.run(["keys", "rotate", "-p", "ks"])
    #expect(rotate.status == 5, "\(rotate)")
    let new = try #require(KSAccount.singleKeyLine(rotate.stdout))
    #expect(rotate.stderr.contains("the new key is stored and in use"))
    #expect(rotate.stderr.contains(old.id))
    #expect(rotate.stderr.contains("authctl keys delete \(old.id) -p ks"))
    #expect(!rotate.stderr.contains(new))
    #expect(try account.server.requests(path: "/v1/api-keys/\(old.id)", method: "DELETE").count == 3)
    let credentials = try #require(account.credentials())
    #expect(credentials["api_key"] as? String == new)
    #expect(credentials["previous_api_key_id"] as? String == old.id)
    let oldWorks = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(old.value)"])
    #expect(oldWorks.status == 200)

    // The command the message names finishes the job and forgets the previous id.
    let finish = try account.run(["keys", "delete", old.id, "-p", "ks"])
    #expect(finish.status == 0, "\(finish)")
    #expect(account.credentials()?["previous_api_key_id"] == nil)
    #expect(account.credentials()?["api_key"] as? String == new)
  }

  @Test("keys rotate whose new key fails verification deletes it and keeps the old key")
  func keysRotateDeletesANewKeyThatFailsVerification() throws {
    let account = try KSAccount()
    let old = try account.addKey(name: "svc")
    #expect(try account.loginWithKey(old.value).status == 0)
    let before = account.sandbox.keystoreBytes()
    // rotate's only GET /v1/users/me is the verification of the new key.
    try account.server.fault([
      "path": "/v1/users/me", "method": "GET", "status": 401,
      "body": ["detail": "Could not validate credentials"],
    ])
    try account.server.resetRequests()

    let rotate = try account.run(["keys", "rotate", "-p", "ks"])
    #expect(rotate.status != 0, "\(rotate)")
    #expect(rotate.stdout == "")
    #expect(rotate.stderr.contains("failed verification"))
    let requests = try account.server.requests()
    let created = try #require(requests.first { $0.method == "POST" && $0.path == "/v1/api-keys" })
    #expect(created.headers["authorization"] == "Bearer \(old.value)")
    let deletes = requests.filter { $0.method == "DELETE" }
    #expect(deletes.count == 1)
    #expect(deletes.first?.path != "/v1/api-keys/\(old.id)")
    #expect(deletes.first?.headers["authorization"] == "Bearer \(old.value)")
    #expect(account.sandbox.keystoreBytes() == before)
    let listed = try account.listAtServer(with: old.value)
    #expect(listed.map { $0["id"] as? String } == [old.id])
  }

  @Test("keys rotate of a key from AUTHCTL_API_KEY prints the new key, writes nothing, and says to update it")
  func keysRotateOfAnEnvironmentKeyWritesNothing() throws {
    let account = try KSAccount()
    let old = try account.addKey(name: "svc")
    let env = [
      "AUTHCTL_PROVIDER": "knowledge-stack", "AUTHCTL_BASE_URL": account.server.baseURL,
      "AUTHCTL_API_KEY": old.value,
    ]

    let rotate = try account.run(["keys", "rotate"], env: env)
    #expect(rotate.status == 0, "\(rotate)")
    let new = try #require(KSAccount.singleKeyLine(rotate.stdout))
    #expect(rotate.stderr.contains("warning:"))
    #expect(rotate.stderr.contains("update AUTHCTL_API_KEY"))
    #expect(!rotate.stderr.contains(new))
    #expect(!FileManager.default.fileExists(atPath: account.sandbox.configDirectory))
    let listed = try account.listAtServer(with: new)
    #expect(listed.map { $0["name"] as? String } == ["svc-rotated"])
    #expect(try account.server.requests(path: "/v1/api-keys/\(old.id)", method: "DELETE").count == 1)
  }

  @Test("keys rotate of an environment key whose old key cannot be deleted still prints the new key")
  func keysRotateOfAnEnvironmentKeyPrintsTheNewKeyWhenDeletingFails() throws {
    let account = try KSAccount()
    let old = try account.addKey(name: "svc")
    let env = [
      "AUTHCTL_PROVIDER": "knowledge-stack", "AUTHCTL_BASE_URL": account.server.baseURL,
      "AUTHCTL_API_KEY": old.value,
    ]
    try account.server.fault([
      "path": "/v1/api-keys/\(old.id)", "method": "DELETE", "status": 500, "times": 3,
    ])

    let rotate = try account.run(["keys", "rotate"], env: env)
    #expect(rotate.status == 5, "\(rotate)")
    // Not stored anywhere: stdout is the only place the new key can be read from.
    let new = try #require(KSAccount.singleKeyLine(rotate.stdout))
    #expect(rotate.stderr.contains("update AUTHCTL_API_KEY"))
    #expect(rotate.stderr.contains("authctl keys delete \(old.id)"))
    #expect(!rotate.stderr.contains(new))
    #expect(!FileManager.default.fileExists(atPath: account.sandbox.configDirectory))
    let works = try HTTP.send(
      "GET", account.server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(new)"])
    #expect(works.status == 200)
  }

  // MARK: retries

  /// One fault and what the user sees when it happens.
  struct FaultCase: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var command: [String]
    var method: String
    var path: String
    var status: Int
    var times: Int
    var retryAfter: String?
    var exitCode: Int32
    var requestsSent: Int
    var stderrPhrase: String?
  }

  static let faultCases = [
    FaultCase(
      testDescription: "429 with Retry-After: 1 is retried and succeeds", command: ["check", "-p", "ks"],
      method: "GET", path: "/v1/users/me", status: 429, times: 1, retryAfter: "1", exitCode: 0,
      requestsSent: 2),
    FaultCase(
      testDescription: "429 with Retry-After: 120 exits 6 at once", command: ["check", "-p", "ks"],
      method: "GET", path: "/v1/users/me", status: 429, times: 1, retryAfter: "120", exitCode: 6,
      requestsSent: 1, stderrPhrase: "rate limiting"),
    FaultCase(
      testDescription: "500 on every GET exits 5 after three attempts", command: ["check", "-p", "ks"],
      method: "GET", path: "/v1/users/me", status: 500, times: 3, exitCode: 5, requestsSent: 3,
      stderrPhrase: "HTTP 500"),
    FaultCase(
      testDescription: "500 on POST /v1/api-keys exits 5 and is never sent again",
      command: ["keys", "create", "-p", "ks", "--name", "once"], method: "POST", path: "/v1/api-keys",
      status: 500, times: 3, exitCode: 5, requestsSent: 1, stderrPhrase: "HTTP 500"),
  ]

  @Test("Provider faults give the documented retries and exit codes", arguments: faultCases)
  func providerFaults(_ fault: FaultCase) throws {
    let account = try KSAccount()
    let key = try account.addKey(name: "svc")
    #expect(try account.loginWithKey(key.value).status == 0)
    var spec: [String: Any] = [
      "path": fault.path, "method": fault.method, "status": fault.status, "times": fault.times,
    ]
    if let retryAfter = fault.retryAfter { spec["headers"] = ["Retry-After": retryAfter] }
    try account.server.fault(spec)
    try account.server.resetRequests()

    let started = Date()
    let result = try account.run(fault.command)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == fault.exitCode, "\(result)")
    #expect(try account.server.requests(path: fault.path, method: fault.method).count == fault.requestsSent)
    if let phrase = fault.stderrPhrase { #expect(result.stderr.contains(phrase), "\(result)") }
    if let retryAfter = fault.retryAfter.flatMap(Double.init) {
      #expect(elapsed < 30)
      if fault.exitCode == 0 { #expect(elapsed >= retryAfter) }
    }
    if fault.exitCode != 0 { #expect(!result.stderr.contains(key.value)) }
  }
}

/// A key the fake server holds.
private struct KSKey {
  var id: String
  var value: String
}

/// A fake knowledge-stack server with one user, and a sandbox to run authctl in.
private struct KSAccount {
  static let email = "user@example.com"
  static let password = "correct horse battery staple"

  let server: FakeServer
  let sandbox: Sandbox
  let userID: String
  let tenantID: String

  init() throws {
    server = try FakeServer.start("knowledge-stack")
    sandbox = try Sandbox()
    let user = try server.control("users", ["email": Self.email, "password": Self.password, "name": "User"])
    userID = try #require(user["id"] as? String)
    tenantID = try #require(user["tenant_id"] as? String)
  }

  func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> RunResult {
    try sandbox.run(args, stdin: stdin, env: env)
  }

  /// Registers a key for the user directly at the server.
  func addKey(id: String? = nil, name: String, createdAt: String? = nil) throws -> KSKey {
    var spec: [String: Any] = ["user": Self.email, "name": name]
    if let id { spec["id"] = id }
    if let createdAt { spec["created_at"] = createdAt }
    let key = try server.control("api-keys", spec)
    return KSKey(id: try #require(key["id"] as? String), value: try #require(key["key"] as? String))
  }

  func loginWithKey(_ key: String) throws -> RunResult {
    try run(
      [
        "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", server.baseURL, "--api-key-stdin",
      ],
      stdin: key)
  }

  func loginWithPassword(_ password: String = KSAccount.password) throws -> RunResult {
    try run(
      [
        "login", "-p", "ks", "--provider", "knowledge-stack", "--base-url", server.baseURL, "--flow",
        "password",
        "--login", Self.email, "--password-stdin",
      ], stdin: password)
  }

  func profile() -> [String: Any]? {
    (sandbox.keystoreJSON()?["profiles"] as? [String: Any])?["ks"] as? [String: Any]
  }

  func credentials() -> [String: Any]? {
    profile()?["credentials"] as? [String: Any]
  }

  /// The user's keys as the server lists them (asked directly, not through authctl).
  func listAtServer(with credential: String) throws -> [[String: Any]] {
    let answer = try HTTP.send(
      "GET", server.baseURL + "/v1/api-keys", headers: ["Authorization": "Bearer \(credential)"])
    return try #require(answer.json?["items"] as? [[String: Any]], "\(answer.status) \(answer.text)")
  }

  /// The key when `stdout` is exactly one knowledge-stack key and a newline.
  static func singleKeyLine(_ stdout: String) -> String? {
    guard stdout.hasSuffix("\n") else { return nil }
    let key = String(stdout.dropLast())
    let hex = key.dropFirst("ks_live_".count)
    guard key.hasPrefix("ks_live_"), hex.count == 40, hex.allSatisfy(\.isHexDigit) else { return nil }
    return key
  }
}
