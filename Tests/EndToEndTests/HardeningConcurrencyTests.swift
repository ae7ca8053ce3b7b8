import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6 item 2: over a hundred processes at once (login, token, refresh, profiles use/remove, logout)
/// over many profiles against local servers. No update is lost, the file is never torn, nothing deadlocks,
/// and every profile ends in a state some serial order of the commands produces.
@Suite struct HardeningConcurrencyTests {
  /// Profiles per group; each group's commands are listed in `commands(scale:)`. Quick: 104 processes over
  /// 20 profiles; full mode: 312 processes over 52 profiles.
  static let scale = Hardening.count(quick: 1, full: 3)

  struct Launch {
    var profile: String
    var args: [String]
    var stdin: String?
  }

  @Test("A hundred concurrent processes lose no update, tear no file and all finish")
  func concurrentProcessesLoseNothing() async throws {
    let sandbox = try Sandbox()
    let realm = try HardeningRealm()
    let craft = try FakeServer.start("craft", lifetime: 3_600)
    for index in 0..<(6 * Self.scale) {
      for attempt in 0..<3 { try craft.control("api-keys", ["key": Self.key(index, attempt)]) }
    }
    let refreshers = (0..<(4 * Self.scale)).map { "kc-\($0)" }
    let leavers = (0..<(2 * Self.scale)).map { "out-\($0)" }
    for profile in refreshers + leavers { try realm.browserLogin(sandbox, profile: profile) }
    let removed = (0..<(4 * Self.scale)).map { "rm-\($0)" }
    let used = (0..<3).map { "use-\($0)" }
    try Self.prepare(sandbox, due: refreshers + leavers, bystanders: removed + used + ["keep"])
    let before = KeystoreJSON.profiles(sandbox.keystoreJSON())
    try realm.server.resetRequests()

    var launches: [Launch] = []
    for profile in refreshers {
      launches += Array(repeating: Launch(profile: profile, args: ["token", "-p", profile]), count: 10)
      launches += Array(repeating: Launch(profile: profile, args: ["refresh", "-p", profile]), count: 4)
    }
    for profile in leavers {
      launches.append(Launch(profile: profile, args: ["logout", "-p", profile]))
      launches += Array(repeating: Launch(profile: profile, args: ["token", "-p", profile]), count: 3)
      launches.append(Launch(profile: profile, args: ["refresh", "-p", profile]))
    }
    for index in 0..<(6 * Self.scale) {
      for attempt in 0..<3 {
        launches.append(
          Launch(
            profile: "ck-\(index)",
            args: [
              "login", "-p", "ck-\(index)", "--provider", "craft", "--base-url", craft.baseURL,
              "--api-key-stdin",
            ],
            stdin: Self.key(index, attempt)))
      }
    }
    for profile in removed {
      launches.append(Launch(profile: profile, args: ["profiles", "remove", profile]))
      launches.append(Launch(profile: profile, args: ["token", "-p", profile]))
    }
    for index in 0..<12 { launches.append(Launch(profile: "", args: ["profiles", "use", used[index % 3]])) }
    var generator = Seeded(0xC0C0_0002)
    launches.shuffle(using: &generator)

    let watcher = TornFileWatcher(sandbox.keystorePath)
    let started = Date()
    let commands = try launches.map { try sandbox.launch($0.args, stdin: $0.stdin) }
    let results = try await CrossCut.onOwnThread { try commands.map { try $0.wait(timeout: 90) } }
    let elapsed = Date().timeIntervalSince(started)
    let (samples, torn) = watcher.stop()

    var statuses: [String: [Int32]] = [:]
    for (launch, result) in zip(launches, results) {
      let allowed: Set<Int32> =
        switch (launch.args[0], launch.profile.prefix(3)) {
        case ("token", "out"), ("refresh", "out"), ("token", "rm-"): [0, 3]
        default: [0]
        }
      #expect(allowed.contains(result.status), "\(launch.args.joined(separator: " ")): \(result)")
      statuses[launch.args[0], default: []].append(result.status)
    }
    #expect(torn.isEmpty, "torn keystore reads: \(torn.prefix(3))")
    #expect(KeystoreDirectory.temporaryFiles(sandbox.configDirectory).isEmpty)
    #expect(KeystoreDirectory.lockIsFree(sandbox.keystorePath + ".lock"))

    // Each profile ends as some serial order leaves it.
    let document = try #require(sandbox.keystoreJSON(), "the keystore does not parse")
    let after = KeystoreJSON.profiles(document)
    #expect(
      NSDictionary(dictionary: after["keep"] ?? [:]).isEqual(to: before["keep"] ?? [:]), "bystander changed")
    for profile in removed { #expect(after[profile] == nil, "\(profile) was removed and came back") }
    #expect(
      used.contains(document["default_profile"] as? String ?? ""),
      "default \(document["default_profile"] ?? "none")")
    for index in 0..<(6 * Self.scale) {
      let key = (after["ck-\(index)"]?["credentials"] as? [String: Any])?["api_key"] as? String
      #expect(
        (0..<3).map { Self.key(index, $0) }.contains(key ?? ""), "ck-\(index) holds \(key ?? "nothing")")
    }
    for profile in leavers {
      #expect(
        after[profile] != nil && (after[profile]?["credentials"] as? [String: Any])?["access_token"] == nil)
    }
    // One refresh per `refresh` command, plus at most one for the due token: `token` callers share it.
    // (A leaver's session is revoked before its secrets are removed, so callers in between may try its
    // revoked refresh token once each and fail with exit 3; only its successful refreshes are bounded.)
    let (grants, issued) = try Self.refreshGrants(realm, before: before)
    for profile in refreshers {
      #expect(grants[profile, default: 0] <= 5, "\(profile): \(grants[profile, default: 0]) refresh grants")
    }
    for profile in leavers {
      #expect(
        issued[profile, default: 0] <= 2, "\(profile): \(issued[profile, default: 0]) successful refreshes")
    }
    // The stored refresh token is the newest of its rotation: refreshing once more works.
    for profile in refreshers {
      let again = try sandbox.run(["refresh", "-p", profile])
      #expect(again.status == 0, "\(profile): the stored refresh token is stale: \(again)")
    }
    Hardening.report(
      "concurrency: \(launches.count) processes over \(refreshers.count + leavers.count + removed.count + used.count + 6 * Self.scale + 1) profiles in \(String(format: "%.1f", elapsed)) s; "
        + "\(grants.values.reduce(0, +)) refresh grants; \(samples) concurrent reads, \(torn.count) torn; 0 lost updates"
    )
  }

  /// Refresh grants asked for, and refresh tokens issued by them, per profile: each profile is one login
  /// session at the realm, and every token names its session (`/__control/state`).
  static func refreshGrants(_ realm: HardeningRealm, before: [String: [String: Any]]) throws
    -> (asked: [String: Int], issued: [String: Int])
  {
    let state = try HTTP.send("GET", realm.server.baseURL + "/__control/state").json
    var session: [String: String] = [:]
    var issued: [String: Int] = [:]
    for token in state?["tokens"] as? [[String: Any]] ?? [] {
      guard let value = token["token"] as? String, let sid = token["sid"] as? String else { continue }
      session[value] = sid
      if token["kind"] as? String == "refresh" { issued[sid, default: -1] += 1 }
    }
    var profileOfSession: [String: String] = [:]
    for (name, profile) in before {
      let refresh = (profile["credentials"] as? [String: Any])?["refresh_token"] as? String
      if let sid = refresh.flatMap({ session[$0] }) { profileOfSession[sid] = name }
    }
    var asked: [String: Int] = [:]
    for request in try realm.tokenRequests("refresh_token") {
      let sid = BrowserDriver.form(request.body)["refresh_token"].flatMap { session[$0] }
      asked[sid.flatMap { profileOfSession[$0] } ?? "?", default: 0] += 1
    }
    let issuedByProfile = Dictionary(
      issued.compactMap { sid, count in profileOfSession[sid].map { ($0, count) } }, uniquingKeysWith: +)
    return (asked, issuedByProfile)
  }

  static func key(_ profile: Int, _ attempt: Int) -> String { "sk-concurrent-\(profile)-\(attempt)" }

  /// Adds the bystander profiles, makes `due` profiles' tokens due for refresh, and sets the default.
  static func prepare(_ sandbox: Sandbox, due: [String], bystanders: [String]) throws {
    var document = try #require(sandbox.keystoreJSON())
    var profiles = KeystoreJSON.profiles(document)
    let now = Int(Date().timeIntervalSince1970)
    for name in due {
      var credentials = profiles[name]?["credentials"] as? [String: Any] ?? [:]
      credentials["issued_at"] = now - 1_000
      credentials["expires_at"] = now + 40
      profiles[name]?["credentials"] = credentials
    }
    for name in bystanders { profiles[name] = KeystoreJSON.bystander("sk-\(name)") }
    document["profiles"] = profiles
    document["default_profile"] = "use-0"
    try KeystoreDirectory.restore(sandbox, try KeystoreJSON.encode(document))
  }
}

/// Reads the keystore over and over while other processes write it: every read must parse.
private final class TornFileWatcher: @unchecked Sendable {
  private let lock = NSLock()
  private var running = true
  private var samples = 0
  private var torn: [String] = []
  private let done = DispatchSemaphore(value: 0)

  init(_ path: String) {
    Thread { [self] in
      while lock.withLock({ running }) {
        if let data = FileManager.default.contents(atPath: path) {
          let parses = (try? JSONSerialization.jsonObject(with: data)) != nil
          lock.withLock {
            samples += 1
            if !parses { torn.append(String(decoding: data.prefix(200), as: UTF8.self)) }
          }
        }
        usleep(1_000)
      }
      done.signal()
    }.start()
  }

  /// Stops watching; returns the number of reads and the ones that did not parse.
  func stop() -> (Int, [String]) {
    lock.withLock { running = false }
    done.wait()
    return lock.withLock { (samples, torn) }
  }
}
