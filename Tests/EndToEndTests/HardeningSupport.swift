import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6's counts: quick in every `swift test`, full with `AUTHCTL_HARDENING=full` (scripts/hardening).
enum Hardening {
  static var isFull: Bool { ProcessInfo.processInfo.environment["AUTHCTL_HARDENING"] == "full" }

  static func count(quick: Int, full: Int) -> Int { isFull ? full : quick }

  /// Prints a figure line, and appends it to `$AUTHCTL_HARDENING_REPORT` when set.
  static func report(_ line: String) {
    print("hardening: " + line)
    guard let path = ProcessInfo.processInfo.environment["AUTHCTL_HARDENING_REPORT"], !path.isEmpty else {
      return
    }
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
    guard let handle = FileHandle(forWritingAtPath: path) else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data(("hardening: " + line + "\n").utf8))
  }
}

/// SplitMix64: seeded, so a failing iteration can be replayed.
struct Seeded: RandomNumberGenerator {
  private var state: UInt64

  init(_ seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
  }
}

/// What lies beside a keystore: the writer's temporary files and the lock.
enum KeystoreDirectory {
  /// `.keystore.json.tmp-*` files (docs/keystore.md: only a writer holding the lock creates them).
  static func temporaryFiles(_ directory: String) -> [String] {
    CrossCut.entries(directory).filter { $0.hasPrefix(".keystore.json.tmp-") }
  }

  /// True when the POSIX record lock on `path` can be taken at once (it is released again at once).
  static func lockIsFree(_ path: String) -> Bool {
    let descriptor = open(path, O_RDWR | O_CLOEXEC)
    guard descriptor >= 0 else { return errno == ENOENT }
    defer { close(descriptor) }
    var request = flock()
    request.l_type = Int16(F_WRLCK)
    request.l_whence = Int16(SEEK_SET)
    guard fcntl(descriptor, F_SETLK, &request) == 0 else { return false }
    request.l_type = Int16(F_UNLCK)
    _ = fcntl(descriptor, F_SETLK, &request)
    return true
  }

  /// Writes `bytes` as the sandbox's keystore (0600 in a 0700 directory), in place: no authctl runs now.
  static func restore(_ sandbox: Sandbox, _ bytes: Data) throws {
    try CrossCut.writeKeystore(sandbox, bytes)
  }
}

/// JSON helpers for keystores built or checked by the tests.
enum KeystoreJSON {
  static func parse(_ data: Data?) -> [String: Any]? {
    data.flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
  }

  static func encode(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
  }

  static func profiles(_ object: [String: Any]?) -> [String: [String: Any]] {
    (object?["profiles"] as? [String: [String: Any]]) ?? [:]
  }

  /// A craft API-key profile that is never contacted (the keystore's bystanders).
  static func bystander(_ key: String) -> [String: Any] {
    [
      "provider": "craft", "flow": "api-key", "base_url": "http://127.0.0.1:9",
      "credentials": ["api_key": key],
    ]
  }
}

/// A fake Keycloak realm (`fake_oidc.py --mode keycloak`) for profiles that refresh.
struct HardeningRealm {
  let server: FakeServer
  let issuer: String

  init(config: [String: Any] = [:]) throws {
    // Full mode runs for many minutes: the realm must outlive the default 300 s.
    server = try FakeServer.startOIDC(mode: "keycloak", lifetime: 3_600)
    issuer = server.baseURL + "/realms/emergence"
    if !config.isEmpty { try server.control("config", config) }
  }

  var tokenPath: String { "/realms/emergence/protocol/openid-connect/token" }

  func loginArguments(_ profile: String, clientID: String = "authctl") -> [String] {
    [
      "login", "-p", profile, "--provider", "emergence", "--issuer", issuer, "--client-id", clientID,
      "--project-id", "11111111-1111-4111-8111-111111111111", "--no-browser",
    ]
  }

  /// A browser login of `profile`: BrowserDriver follows the printed URL to authctl's listener.
  @discardableResult
  func browserLogin(
    _ sandbox: Sandbox, profile: String, extra: [String] = [], stdin: String? = nil,
    env: [String: String] = [:]
  ) throws -> RunResult {
    let command = try sandbox.launch(loginArguments(profile) + extra, stdin: stdin, env: env)
    defer { if command.isRunning { command.signal(SIGKILL) } }
    let url = try BrowserDriver.url(in: command, prefix: issuer + "/protocol/openid-connect/auth?")
    _ = try BrowserDriver.follow(url)
    let result = try command.wait(timeout: 30)
    try #require(result.status == 0, "browser login failed: \(result)")
    return result
  }

  /// POSTs to the token endpoint with this grant_type.
  func tokenRequests(_ grant: String) throws -> [RecordedRequest] {
    try server.requests(path: tokenPath, method: "POST").filter {
      BrowserDriver.form($0.body)["grant_type"] == grant
    }
  }
}
