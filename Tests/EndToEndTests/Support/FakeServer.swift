import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One request the fake server received (from `GET /__control/requests`).
struct RecordedRequest: Decodable, Sendable {
  var method: String
  var path: String
  /// The raw query string, without `?` ("" when none).
  var query: String
  /// Header names in lower case.
  var headers: [String: String]
  var body: String
  /// Seconds since 1970 when the server received it.
  var time: Double

  /// The body parsed as a JSON object, if it is one.
  var json: [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
  }
}

/// A running `Tests/Servers/fake_providers.py` for one provider. It stops on `stop()`, on deinit,
/// when this process dies, and after its lifetime (300 s by default).
final class FakeServer: Sendable {
  let provider: String
  let port: Int
  /// "http://127.0.0.1:<port>"
  let baseURL: String
  private let server: ServerProcess
  private let logURL: URL

  private init(provider: String, server: ServerProcess, logURL: URL) {
    self.provider = provider
    self.port = server.port
    self.baseURL = "http://127.0.0.1:\(server.port)"
    self.server = server
    self.logURL = logURL
  }

  deinit { stop() }

  /// Launches the fake server for `provider` (embermind, knowledge-stack, metakraftwerk, craft);
  /// `arguments` adds options such as `--tls-cert` and `--tls-key`.
  static func start(
    _ provider: String, arguments: [String] = [], lifetime: Double = 300, timeout: Double = 15
  ) throws -> FakeServer {
    try launch(
      name: provider, script: HarnessPaths.fakeProvidersScript,
      arguments: ["--provider", provider] + arguments, lifetime: lifetime, timeout: timeout)
  }

  /// Launches `Tests/Servers/fake_oidc.py --mode keycloak|craft` (README-oidc.md): a Keycloak realm
  /// with the emergence API, or craft's OAuth endpoints. `provider` is "oidc-<mode>".
  static func startOIDC(
    mode: String, realm: String = "emergence", lifetime: Double = 300, timeout: Double = 15
  )
    throws -> FakeServer
  {
    try launch(
      name: "oidc-\(mode)", script: HarnessPaths.fakeOIDCScript,
      arguments: ["--mode", mode, "--realm", realm], lifetime: lifetime, timeout: timeout)
  }

  private static func launch(
    name provider: String, script: URL, arguments: [String], lifetime: Double, timeout: Double
  )
    throws -> FakeServer
  {
    let logURL = FileManager.default.temporaryDirectory
      .appendingPathComponent("authctl-fake-\(provider)-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
    let server: ServerProcess
    do {
      let log = try FileHandle(forWritingTo: logURL)  // closed once the server has its own copy
      server = try withExtendedLifetime(log) {
        try ServerProcess.start(
          "fake \(provider) server", script: script, arguments: arguments, lifetime: lifetime,
          stderr: log.fileDescriptor, timeout: timeout
        ) { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
      }
    } catch {
      try? FileManager.default.removeItem(at: logURL)
      throw error
    }
    return FakeServer(provider: provider, server: server, logURL: logURL)
  }

  /// POSTs `json` to `/__control/<path>` ("users", "api-keys", "token-lifetime", "expire-tokens",
  /// "faults", "clear-faults", "reset-requests", "sso"); returns the answer's JSON object.
  @discardableResult
  func control(_ path: String, _ json: [String: Any] = [:]) throws -> [String: Any] {
    let name = path.hasPrefix("/__control/") ? String(path.dropFirst("/__control/".count)) : path
    let response = try HTTP.send("POST", baseURL + "/__control/" + name, json: json)
    guard response.status == 200 else {
      throw HarnessError.http("control \(name) answered \(response.status): \(response.text)")
    }
    return response.json ?? [:]
  }

  /// Every request received so far, /__control excluded, oldest first.
  func requests() throws -> [RecordedRequest] {
    let response = try HTTP.send("GET", baseURL + "/__control/requests")
    guard response.status == 200 else {
      throw HarnessError.http("requests answered \(response.status): \(response.text)")
    }
    return try JSONDecoder().decode([RecordedRequest].self, from: response.body)
  }

  /// Requests received for one path (optionally one method).
  func requests(path: String, method: String? = nil) throws -> [RecordedRequest] {
    try requests().filter { $0.path == path && (method == nil || $0.method == method) }
  }

  func resetRequests() throws {
    try control("reset-requests")
  }

  /// Queues a fault (see fake_providers.py): path, method, times, status, headers, body, body_size,
  /// delay, drip, reset, content_type.
  func fault(_ spec: [String: Any]) throws {
    try control("faults", spec)
  }

  /// The server's stderr so far (for failure messages).
  func log() -> String {
    (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
  }

  func stop() {
    server.stop()
    try? FileManager.default.removeItem(at: logURL)
  }
}
