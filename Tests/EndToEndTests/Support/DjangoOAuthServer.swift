import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The request counters of the django-oauth-toolkit test server (`GET /_test/stats`).
struct DjangoOAuthStats: Decodable, Sendable {
  /// "METHOD /path" → count, e.g. "POST /o/token/".
  var requests: [String: Int]
  /// grant type → count, e.g. "refresh_token".
  var tokenRequests: [String: Int]
  /// "grant_type status" → count, e.g. "refresh_token 200".
  var tokenResponses: [String: Int]

  enum CodingKeys: String, CodingKey {
    case requests
    case tokenRequests = "token_requests"
    case tokenResponses = "token_responses"
  }
}

/// What one run of `user_agent.py` (or another helper script) printed.
struct ScriptResult: Sendable, CustomStringConvertible {
  var status: Int32
  var stdout: String
  var stderr: String

  var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// A running `Tests/Servers/dot/serve.py`: django-oauth-toolkit on 127.0.0.1 with a throwaway
/// database (see `Tests/Servers/dot/README.md` for its users and clients). It stops on `stop()`,
/// on deinit, when this process dies, and after its lifetime.
final class DjangoOAuthServer: Sendable {
  let port: Int
  /// "http://127.0.0.1:<port>/o"
  let issuer: String
  /// "http://127.0.0.1:<port>"
  let baseURL: String
  private let server: ServerProcess
  private let stderrLog: ServerLog

  static let directory = HarnessPaths.packageRoot.appendingPathComponent("Tests/Servers/dot")
  static let publicClient = "authctl-public"
  static let confidentialClient = "authctl-confidential"
  static let confidentialSecret = "confidential-secret"
  static let serviceClient = "authctl-service"
  static let serviceSecret = "service-secret"
  static let deviceClient = "authctl-device"

  private init(server: ServerProcess, stderrLog: ServerLog) {
    self.port = server.port
    self.issuer = server.announced[1]
    self.baseURL = "http://127.0.0.1:\(server.port)"
    self.server = server
    self.stderrLog = stderrLog
  }

  deinit { stop() }

  /// Starts a fresh server; `accessTokenSeconds` sets `expires_in`, `jwtAccessTokens` makes access
  /// tokens RS256 JWTs. Throws when it prints no `PORT`/`ISSUER` lines within `timeout` seconds.
  static func start(
    accessTokenSeconds: Int? = nil, jwtAccessTokens: Bool = false, lifetime: Double = 300,
    timeout: Double = 20
  ) throws -> DjangoOAuthServer {
    var arguments: [String] = []
    if let accessTokenSeconds { arguments += ["--access-token-seconds", String(accessTokenSeconds)] }
    if jwtAccessTokens { arguments.append("--jwt-access-tokens") }
    arguments.append("--quiet")
    // stderr goes to an unlinked file, not a pipe: it never fills, and when this process dies the
    // server's watchdog can still write its "parent process gone" line (to a pipe with no reader
    // that write fails with EPIPE, which kills serve.py's watchdog thread and leaves it running).
    let stderrLog = try ServerLog()
    let server = try ServerProcess.start(
      "serve.py", script: directory.appendingPathComponent("serve.py"), arguments: arguments,
      lifetime: lifetime, stderr: stderrLog.writer.fileDescriptor, announcing: ["PORT ", "ISSUER "],
      timeout: timeout, log: stderrLog.text)
    return DjangoOAuthServer(server: server, stderrLog: stderrLog)
  }

  // MARK: endpoints (README "Endpoints")

  var authorizationEndpoint: String { issuer + "/authorize/" }
  var tokenEndpoint: String { issuer + "/token/" }
  var userinfoEndpoint: String { issuer + "/userinfo/" }
  var revocationEndpoint: String { issuer + "/revoke_token/" }
  var introspectionEndpoint: String { issuer + "/introspect/" }
  var deviceAuthorizationEndpoint: String { issuer + "/device-authorization/" }
  var deviceVerificationURI: String { issuer + "/device/" }
  var endSessionEndpoint: String { issuer + "/logout/" }

  // MARK: counters

  func stats() throws -> DjangoOAuthStats {
    let response = try HTTP.send("GET", baseURL + "/_test/stats")
    guard response.status == 200 else {
      throw HarnessError.http("GET /_test/stats answered \(response.status): \(response.text)")
    }
    return try JSONDecoder().decode(DjangoOAuthStats.self, from: response.body)
  }

  func resetStats() throws {
    let response = try HTTP.send("POST", baseURL + "/_test/stats/reset")
    guard response.status == 200 else {
      throw HarnessError.http("POST /_test/stats/reset answered \(response.status): \(response.text)")
    }
  }

  // MARK: playing the user

  /// Runs `user_agent.py approve`: signs in as `username`, answers the consent form (Cancel with
  /// `deny`), prints the redirect's Location on stdout and, unless `deliver` is false, GETs it.
  func approve(
    url: String, deny: Bool = false, deliver: Bool = true, username: String = "alice",
    password: String = "alice-password"
  ) throws -> ScriptResult {
    var arguments = ["approve", "--url", url, "--username", username, "--password", password]
    if deny { arguments.append("--deny") }
    if !deliver { arguments.append("--no-deliver") }
    return try Self.userAgent(arguments)
  }

  /// Runs `user_agent.py device`: signs in and accepts (or denies) `userCode` at `verificationURI`.
  func approveDevice(verificationURI: String, userCode: String?, deny: Bool = false) throws -> ScriptResult {
    var arguments = ["device", "--verification-uri", verificationURI]
    if let userCode { arguments += ["--user-code", userCode] }
    if deny { arguments.append("--deny") }
    return try Self.userAgent(arguments)
  }

  private static func userAgent(_ arguments: [String]) throws -> ScriptResult {
    try runScript(["python3", directory.appendingPathComponent("user_agent.py").path] + arguments)
  }

  // MARK: requests a test makes itself (form-encoded, RFC 6749 / 7009 / 7662)

  /// POSTs `fields` form-encoded to the token endpoint, as a public client would.
  func tokenRequest(_ fields: [(String, String)]) throws -> HTTPResponse {
    try postForm(tokenEndpoint, fields)
  }

  /// RFC 7009 revocation by a public client.
  func revoke(_ token: String, hint: String, clientID: String = publicClient) throws -> HTTPResponse {
    try postForm(revocationEndpoint, [("token", token), ("token_type_hint", hint), ("client_id", clientID)])
  }

  /// RFC 7662 introspection, authenticated as the service client; the answer's `active` field.
  func isActive(_ token: String) throws -> Bool {
    let basic = Data("\(Self.serviceClient):\(Self.serviceSecret)".utf8).base64EncodedString()
    let response = try postForm(
      introspectionEndpoint, [("token", token)], headers: ["Authorization": "Basic \(basic)"])
    guard response.status == 200, let active = response.json?["active"] as? Bool else {
      throw HarnessError.http("introspection answered \(response.status): \(response.text)")
    }
    return active
  }

  /// GET userinfo with a bearer token.
  func userinfo(_ accessToken: String) throws -> HTTPResponse {
    try HTTP.send("GET", userinfoEndpoint, headers: ["Authorization": "Bearer \(accessToken)"])
  }

  private func postForm(_ url: String, _ fields: [(String, String)], headers: [String: String] = [:]) throws
    -> HTTPResponse
  {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let body = fields.map { name, value in
      let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
      return "\(name)=\(encoded)"
    }.joined(separator: "&")
    var all = headers
    all["Content-Type"] = "application/x-www-form-urlencoded"
    return try HTTP.send("POST", url, headers: all, body: body)
  }

  /// The server's stderr so far (for failure messages).
  func log() -> String { stderrLog.text() }

  func stop() { server.stop() }

  /// Runs a command (through `/usr/bin/env`) to its end, collecting stdout and stderr; killed
  /// after `timeout` seconds.
  static func runScript(_ arguments: [String], timeout: Double = 60) throws -> ScriptResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try Spawn.run(process)
    let stdout = PipeDrain(outPipe.fileHandleForReading)
    let stderr = PipeDrain(errPipe.fileHandleForReading)
    if exited.wait(timeout: .now() + timeout) == .timedOut {
      kill(process.processIdentifier, SIGKILL)
      throw HarnessError.timeout(
        "\(arguments.joined(separator: " ")) did not finish within \(timeout) s\n\(stderr.text())")
    }
    stdout.waitForEnd(timeout: 5)
    stderr.waitForEnd(timeout: 5)
    return ScriptResult(status: process.terminationStatus, stdout: stdout.text(), stderr: stderr.text())
  }
}

/// The server's stderr: a temporary file unlinked at once, read back through its own descriptor.
private final class ServerLog: Sendable {
  let writer: FileHandle
  private let reader: FileHandle

  init() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("authctl-dot-log-\(UUID().uuidString)").path
    guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
    else { throw HarnessError.serverFailed("cannot create \(path)") }
    defer { unlink(path) }
    writer = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
  }

  /// Everything written so far, at most the last 256 KiB.
  func text() -> String {
    let size = lseek(reader.fileDescriptor, 0, SEEK_END)
    guard size > 0 else { return "" }
    let start = max(0, size - 262_144)
    var bytes = [UInt8](repeating: 0, count: Int(size - start))
    let count = bytes.withUnsafeMutableBytes { pread(reader.fileDescriptor, $0.baseAddress, $0.count, start) }
    return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
  }
}

/// Reads a pipe to its end on a dedicated thread (Dispatch's pool may start late on 2 cores),
/// keeping at most the last 256 KiB.
private final class PipeDrain: @unchecked Sendable {
  // @unchecked: `data` is only touched under `lock`; `done` is a semaphore.
  private let lock = NSLock()
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    Thread { [self] in
      while true {
        let chunk = Spawn.readChunk(handle)
        if chunk.isEmpty { break }
        append(chunk)
      }
      done.signal()
    }.start()
  }

  private func append(_ chunk: Data) {
    lock.lock()
    defer { lock.unlock() }
    data.append(chunk)
    if data.count > 262_144 { data = data.suffix(262_144) }
  }

  func waitForEnd(timeout: Double) {
    if done.wait(timeout: .now() + timeout) == .success { done.signal() }
  }

  func text() -> String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: data, as: UTF8.self)
  }
}
