import Foundation
import Testing

/// One scenario of the crash test: the keystore before, the command, and the states it may leave.
struct CrashSetup {
  var before: Data
  var args: [String]
  var stdin: String? = nil
  /// Puts the servers back where `before` expects them.
  var reset: () throws -> Void = {}
  /// Credential fields of profile `target` that the command renews: compared by presence, not value.
  var volatile: Set<String> = []
  /// Of those, the ones whose new value must differ from the old (a fresh token, a new key).
  var fresh: [String] = []
  /// keys rotate: the id of the replaced key, kept as `previous_api_key_id` between storing and deleting.
  var replacedKeyID: String? = nil
  /// The servers the command talks to, kept alive with the setup.
  var servers: [FakeServer] = []

  /// "before", "after", "between" (rotate's documented middle state), or nil for anything else.
  func classify(_ bytes: Data?, after: Data) -> String? {
    guard let bytes, let state = KeystoreJSON.parse(bytes) else { return nil }
    if bytes == before { return "before" }
    if volatile.isEmpty { return bytes == after ? "after" : nil }
    let old = KeystoreJSON.profiles(KeystoreJSON.parse(before))["target"]?["credentials"] as? [String: Any]
    let new = KeystoreJSON.profiles(state)["target"]?["credentials"] as? [String: Any]
    for field in fresh
    where (new?[field] as? String) == nil || (new?[field] as? String) == (old?[field] as? String) {
      return nil
    }
    let expected = normalized(KeystoreJSON.parse(after), dropping: nil)
    if normalized(state, dropping: nil) == expected { return "after" }
    if let replacedKeyID, new?["previous_api_key_id"] as? String == replacedKeyID,
      normalized(state, dropping: "previous_api_key_id") == expected
    {
      return "between"
    }
    return nil
  }

  /// The document as sorted JSON, the volatile credentials of `target` replaced by a placeholder.
  private func normalized(_ object: [String: Any]?, dropping: String?) -> Data? {
    guard var object else { return nil }
    var profiles = KeystoreJSON.profiles(object)
    if var target = profiles["target"], var credentials = target["credentials"] as? [String: Any] {
      for field in volatile where credentials[field] != nil { credentials[field] = "<renewed>" }
      if let dropping { credentials[dropping] = nil }
      target["credentials"] = credentials
      profiles["target"] = target
    }
    object["profiles"] = profiles
    return try? KeystoreJSON.encode(object)
  }

  /// A keystore of the bystanders `keep-a` (the default) and `keep-b`, plus `target` when given.
  static func keystore(target: [String: Any]?) throws -> Data {
    var profiles: [String: Any] = [
      "keep-a": KeystoreJSON.bystander("sk-keep-a"), "keep-b": KeystoreJSON.bystander("sk-keep-b"),
    ]
    profiles["target"] = target
    return try KeystoreJSON.encode(["version": 1, "default_profile": "keep-a", "profiles": profiles])
  }

  /// The profile `target` as authctl stored it in the sandbox.
  static func storedTarget(_ sandbox: Sandbox) throws -> [String: Any] {
    try #require(KeystoreJSON.profiles(sandbox.keystoreJSON())["target"])
  }

  static func make(_ scenario: HardeningCrashTests.Scenario, _ sandbox: Sandbox) throws -> CrashSetup {
    switch scenario {
    case .login:
      let server = try CrossCut.craft()
      return CrashSetup(
        before: try keystore(target: nil),
        args: [
          "login", "-p", "target", "--provider", "craft", "--base-url", server.baseURL, "--api-key-stdin",
        ],
        stdin: CrossCut.craftKey, servers: [server])
    case .profilesUse, .profilesRemove:
      return CrashSetup(
        before: try keystore(target: KeystoreJSON.bystander("sk-target")),
        args: ["profiles", scenario == .profilesUse ? "use" : "remove", "target"])
    case .logout:
      let server = try CrossCut.embermind()
      try CrossCut.loginEmbermind(sandbox, server, profile: "target")
      return CrashSetup(
        before: try keystore(target: try storedTarget(sandbox)), args: ["logout", "-p", "target"],
        servers: [server])
    case .refresh, .dueToken:
      // Without rotation a restored keystore's refresh token stays good for every iteration.
      let realm = try HardeningRealm(config: ["rotate_refresh": false, "refresh_lifetime": 86_400])
      try realm.browserLogin(sandbox, profile: "target")
      var target = try storedTarget(sandbox)
      if scenario == .dueToken, var credentials = target["credentials"] as? [String: Any] {
        let now = Int(Date().timeIntervalSince1970)
        credentials["issued_at"] = now - 1_000
        credentials["expires_at"] = now + 30
        target["credentials"] = credentials
      }
      return CrashSetup(
        before: try keystore(target: target),
        args: [scenario == .refresh ? "refresh" : "token", "-p", "target"],
        volatile: ["access_token", "expires_at", "issued_at", "id_token", "refresh_token", "granted_scope"],
        fresh: ["access_token"], servers: [realm.server])
    case .keysRotate:
      let server = try FakeServer.start("knowledge-stack")
      try server.control("users", ["email": "rotate@example.com", "password": "pw-rotate-crash"])
      let key: [String: Any] = [
        "key": "ks_live_crashrotate0000000001", "id": "key_01crashrotate", "name": "ci",
        "user": "rotate@example.com",
      ]
      let target: [String: Any] = [
        "provider": "knowledge-stack", "flow": "api-key", "base_url": server.baseURL,
        "credentials": ["api_key": key["key"] ?? "", "api_key_id": key["id"] ?? ""],
      ]
      return CrashSetup(
        before: try keystore(target: target), args: ["keys", "rotate", "-p", "target"],
        reset: { try server.control("api-keys", key) }, volatile: ["api_key", "api_key_id"],
        fresh: ["api_key"],
        replacedKeyID: "key_01crashrotate", servers: [server])
    }
  }
}
