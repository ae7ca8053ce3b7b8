import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Tests of the end-to-end harness itself: the fake provider servers and the Sandbox runner.
/// None of them needs the authctl binary.
@Suite struct HarnessTests {
  // MARK: embermind (seed 002)

  @Test func embermindLoginProfileLogout() throws {
    let server = try FakeServer.start("embermind")
    try server.control("users", ["login": "admin", "email": "admin@example.ch", "password": "pw"])
    let login = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/login",
      json: ["loginOrEmail": "admin@example.ch", "password": "pw"])
    #expect(login.status == 200)
    #expect(login.headers["content-type"] == "application/json")
    let token = try #require(login.json?["xAccessToken"] as? String)
    #expect(JWT.header(token)?["alg"] as? String == "HS256")

    let me = try HTTP.send(
      "GET", server.baseURL + "/api/v1/client/profile/me", headers: ["x-access-token": token])
    #expect(me.status == 200)
    let profile = try #require(me.json)
    #expect(Set(profile.keys) == ["id", "email", "login", "companyId"])
    #expect(profile["login"] as? String == "admin")

    let check = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/check-token", headers: ["x-access-token": token])
    #expect(check.json?["valid"] as? Bool == true)
    #expect(check.json?["companyId"] as? String == profile["companyId"] as? String)

    let logout = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/logout", headers: ["x-access-token": token])
    #expect(logout.status == 200)
    let after = try HTTP.send(
      "GET", server.baseURL + "/api/v1/client/profile/me", headers: ["x-access-token": token])
    #expect(after.status == 400)
    #expect(after.json?["error"] as? String == "error.auth.token_incorrect")
  }

  @Test func embermindErrorsAsTheSeedShows() throws {
    let server = try FakeServer.start("embermind")
    try server.control("users", ["login": "admin", "email": "admin@example.ch", "password": "pw"])
    try server.control("api-keys", ["key": "good-key"])
    try server.control("api-keys", ["key": "weak-key", "permission": "none"])
    let url = server.baseURL + "/api/v1/client/profile/me"

    let bad = try HTTP.send("GET", url, headers: ["x-api-key": "nope"])
    #expect(bad.status == 400)
    #expect(
      bad.text == #"{"error": "error.auth.api_key_incorrect", "message": "API key is missing or invalid"}"#)
    let none = try HTTP.send("GET", url)
    #expect(none.json?["error"] as? String == "error.auth.require_api_key_or_token")
    let weak = try HTTP.send("GET", url, headers: ["x-api-key": "weak-key"])
    #expect(weak.json?["error"] as? String == "error.auth.require_more_perm")
    let good = try HTTP.send("GET", url, headers: ["x-api-key": "good-key"])
    #expect(good.status == 200)
    let checkKey = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/check-api-key", headers: ["x-api-key": "good-key"])
    #expect(checkKey.json?["valid"] as? Bool == true)
    let wrong = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/login", json: ["loginOrEmail": "admin", "password": "x"])
    #expect(wrong.status == 400)
    #expect(wrong.json?["error"] as? String == "error.auth.login_or_password_incorrect")

    let token = try #require(
      try HTTP.send(
        "POST", server.baseURL + "/api/v1/client/auth/login",
        json: ["loginOrEmail": "admin", "password": "pw"]
      ).json?["xAccessToken"] as? String)
    try server.control("expire-tokens")
    let expired = try HTTP.send("GET", url, headers: ["x-access-token": token])
    #expect(expired.json?["error"] as? String == "error.auth.token_incorrect")
  }

  // MARK: knowledge-stack (seed 003)

  @Test func knowledgeStackSignInAndKeys() throws {
    let server = try FakeServer.start("knowledge-stack")
    try server.control("users", ["email": "user@example.com", "password": "pw", "name": "User"])
    let signin = try HTTP.send(
      "POST", server.baseURL + "/v1/auth/pw/signin", json: ["email": "user@example.com", "password": "pw"])
    #expect(signin.status == 200)
    #expect(signin.json?["token_type"] as? String == "bearer")
    let uat = try #require(signin.json?["access_token"] as? String)
    let claims = try #require(JWT.payload(uat))
    #expect(claims["email"] as? String == "user@example.com")
    for claim in ["sub", "iat", "exp"] { #expect(claims[claim] != nil) }
    let auth = ["Authorization": "Bearer \(uat)"]

    let me = try HTTP.send("GET", server.baseURL + "/v1/users/me", headers: auth)
    #expect(me.json?["email"] as? String == "user@example.com")
    #expect(me.json?["tenant_id"] is String)

    let created = try HTTP.send("POST", server.baseURL + "/v1/api-keys", headers: auth, json: ["name": "svc"])
    #expect(created.status == 201)
    let key = try #require(created.json?["key"] as? String)
    let keyID = try #require(created.json?["id"] as? String)
    #expect(key.hasPrefix("ks_live_"))
    #expect(created.json?["created_at"] is String)

    let viaKey = try HTTP.send(
      "GET", server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(key)"])
    #expect(viaKey.status == 200)
    let list = try HTTP.send("GET", server.baseURL + "/v1/api-keys", headers: auth)
    #expect(!list.text.contains(key))
    let items = try #require(list.json?["items"] as? [[String: Any]])
    #expect(items.count == 1)
    #expect(items.first?["id"] as? String == keyID)
    #expect(items.first?["key_prefix"] as? String == String(key.prefix(12)))

    let deleted = try HTTP.send("DELETE", server.baseURL + "/v1/api-keys/\(keyID)", headers: auth)
    #expect(deleted.status == 204)
    let gone = try HTTP.send(
      "GET", server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(key)"])
    #expect(gone.status == 401)
    let again = try HTTP.send("DELETE", server.baseURL + "/v1/api-keys/\(keyID)", headers: auth)
    #expect(again.status == 404)
  }

  @Test func knowledgeStackRefreshAndExpiry() throws {
    let server = try FakeServer.start("knowledge-stack")
    try server.control("users", ["email": "user@example.com", "password": "pw"])
    try server.control("token-lifetime", ["seconds": 3600, "iat_offset": -3000])
    let signin = try HTTP.send(
      "POST", server.baseURL + "/v1/auth/pw/signin", json: ["email": "user@example.com", "password": "pw"])
    let old = try #require(signin.json?["access_token"] as? String)
    let oldExp = try #require(JWT.payload(old)?["exp"] as? Int)
    #expect(abs(Double(oldExp) - Date().timeIntervalSince1970 - 600) < 30)

    try server.control("token-lifetime", ["seconds": 3600])
    let renewed = try HTTP.send(
      "POST", server.baseURL + "/v1/auth/uat", headers: ["Authorization": "Bearer \(old)"])
    let fresh = try #require(renewed.json?["access_token"] as? String)
    let freshExp = try #require(JWT.payload(fresh)?["exp"] as? Int)
    #expect(freshExp > oldExp + 2000)

    let missing = try HTTP.send("GET", server.baseURL + "/v1/users/me")
    #expect(missing.status == 401)
    #expect(missing.json?["detail"] as? String == "Not authenticated")
    try server.control("expire-tokens")
    let expired = try HTTP.send(
      "GET", server.baseURL + "/v1/users/me", headers: ["Authorization": "Bearer \(fresh)"])
    #expect(expired.status == 401)
    #expect(expired.json?["detail"] as? String == "Token has expired")
  }

  // MARK: metakraftwerk (seed 004)

  @Test func metakraftwerkAuthenticationAndProjects() throws {
    let server = try FakeServer.start("metakraftwerk")
    try server.control("users", ["email": "me@example.com", "password": "pw"])
    let url = server.baseURL + "/authentication"
    let ok = try HTTP.send(
      "POST", url, json: ["strategy": "local", "email": "me@example.com", "password": "pw"])
    #expect(ok.status == 201)
    let token = try #require(ok.json?["accessToken"] as? String)
    let authentication = try #require(ok.json?["authentication"] as? [String: Any])
    #expect(authentication["strategy"] as? String == "local")
    #expect(authentication["accessToken"] as? String == token)
    #expect((ok.json?["user"] as? [String: Any])?["email"] as? String == "me@example.com")
    #expect(JWT.header(token)?["typ"] as? String == "access")
    #expect(JWT.payload(token)?["exp"] is Int)

    let missing = try HTTP.send("POST", url, json: ["strategy": "local", "password": "pw"])
    #expect(missing.status == 400)
    #expect(missing.json?["message"] as? String == "'email' is required")
    let wrong = try HTTP.send(
      "POST", url, json: ["strategy": "local", "email": "me@example.com", "password": "x"])
    #expect(wrong.status == 401)
    #expect(wrong.json?["message"] as? String == "Invalid login")
    #expect(wrong.json?["name"] as? String == "NotAuthenticated")

    let projects = try HTTP.send(
      "GET", server.baseURL + "/api/v1/projects", headers: ["Authorization": "Bearer \(token)"])
    let first = try #require(projects.jsonArray?.first as? [String: Any])
    #expect((first["permissions"] as? [String])?.contains("write_instances") == true)

    try server.control("token-lifetime", ["seconds": 3600, "iat_offset": -3601])
    let stale = try HTTP.send(
      "POST", url, json: ["strategy": "local", "email": "me@example.com", "password": "pw"])
    let staleToken = try #require(stale.json?["accessToken"] as? String)
    let expired = try HTTP.send(
      "GET", server.baseURL + "/api/v1/projects", headers: ["Authorization": "Bearer \(staleToken)"])
    #expect(expired.status == 401)
    #expect(expired.json?["message"] as? String == "jwt expired")
  }

  // MARK: craft (seed 001)

  @Test func craftKeysAndEnvelopes() throws {
    let server = try FakeServer.start("craft")
    try server.control("users", ["email": "user@example.com", "name": "John Doe"])
    try server.control("api-keys", ["key": "ro-key", "permission": "read-only"])
    let me = try HTTP.send("GET", server.baseURL + "/v1/me", headers: ["Authorization": "Bearer ro-key"])
    #expect(me.status == 200)
    #expect(me.json?["success"] as? Bool == true)
    #expect((me.json?["data"] as? [String: Any])?["email"] as? String == "user@example.com")

    let bad = try HTTP.send("GET", server.baseURL + "/v1/me", headers: ["Authorization": "Bearer nope"])
    #expect(bad.status == 401)
    #expect(bad.json?["success"] as? Bool == false)
    let error = try #require(bad.json?["error"] as? [String: Any])
    #expect(error["code"] as? String == "UNAUTHORIZED")
    #expect(error["message"] as? String == "Invalid or missing authentication")

    let list = try HTTP.send(
      "GET", server.baseURL + "/v1/projects", headers: ["Authorization": "Bearer ro-key"])
    #expect(list.status == 200)
    let write = try HTTP.send(
      "POST", server.baseURL + "/v1/projects", headers: ["Authorization": "Bearer ro-key"],
      json: ["name": "x"])
    #expect(write.status == 403)
    #expect((write.json?["error"] as? [String: Any])?["code"] as? String == "FORBIDDEN")
  }

  // MARK: faults and the request log

  @Test func faultsAreConsumedInOrder() throws {
    let server = try FakeServer.start("craft")
    try server.control("api-keys", ["key": "k"])
    let url = server.baseURL + "/v1/me"
    let auth = ["Authorization": "Bearer k"]
    try server.fault(["path": "/v1/me", "times": 2, "status": 429, "headers": ["Retry-After": "1"]])
    try server.fault([
      "path": "/v1/me", "status": 502, "body": "<html>bad gateway</html>", "content_type": "text/html",
    ])
    try server.fault(["path": "/v1/me", "delay": 1.0])
    try server.fault(["path": "/v1/me", "method": "GET", "body_size": 2_000_000])

    for _ in 0..<2 {
      let limited = try HTTP.send("GET", url, headers: auth)
      #expect(limited.status == 429)
      #expect(limited.headers["retry-after"] == "1")
    }
    let html = try HTTP.send("GET", url, headers: auth)
    #expect(html.status == 502)
    #expect(html.headers["content-type"] == "text/html")
    #expect(html.text == "<html>bad gateway</html>")
    let started = Date()
    let slow = try HTTP.send("GET", url, headers: auth)
    #expect(Date().timeIntervalSince(started) >= 0.9)
    #expect(slow.status == 200)
    let big = try HTTP.send("GET", url, headers: auth)
    #expect(big.body.count == 2_000_000)
    #expect(big.json == nil)
    let normal = try HTTP.send("GET", url, headers: auth)
    #expect(normal.status == 200)
    #expect(normal.json?["success"] as? Bool == true)

    try server.fault(["path": "/v1/me", "reset": true])
    #expect(throws: (any Error).self) { try HTTP.send("GET", url, headers: auth) }
  }

  @Test func requestLogRecordsEverythingButControl() throws {
    let server = try FakeServer.start("embermind")
    _ = try HTTP.send(
      "POST", server.baseURL + "/api/v1/client/auth/login?x=1", headers: ["X-Custom": "Yes"],
      json: ["loginOrEmail": "a", "password": "b"])
    let log = try server.requests()
    #expect(log.count == 1)
    let request = try #require(log.first)
    #expect(request.method == "POST")
    #expect(request.path == "/api/v1/client/auth/login")
    #expect(request.query == "x=1")
    #expect(request.headers["x-custom"] == "Yes")
    #expect(request.json?["loginOrEmail"] as? String == "a")
    #expect(abs(request.time - Date().timeIntervalSince1970) < 30)
    try server.resetRequests()
    #expect(try server.requests().isEmpty)
  }

  @Test func serverStopsWhenItsParentDies() throws {
    let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fake-\(UUID().uuidString).pid")
    defer { try? FileManager.default.removeItem(at: pidFile) }
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = [
      "-c",
      "python3 '\(HarnessPaths.fakeProvidersScript.path)' --provider craft >/dev/null 2>&1 </dev/null & "
        + "echo $! > '\(pidFile.path)'; sleep 1",
    ]
    try Spawn.run(shell)
    shell.waitUntilExit()
    let pid = try #require(
      Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    var alive = true
    for _ in 0..<50 where alive {
      usleep(100_000)
      let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
        .split(separator: ")").last?.split(separator: " ").first
      alive = state != nil && state != "Z"
    }
    #expect(!alive)
    if alive { kill(pid, SIGKILL) }
  }

  // MARK: Sandbox

  @Test func sandboxRunsWithACleanEnvironment() throws {
    let sandbox = try Sandbox(binary: URL(fileURLWithPath: "/bin/sh"))
    let script = "echo out; echo err >&2; env | sort; if [ -t 0 ]; then echo TTY; fi; cat; exit 7"
    let result = try sandbox.run(["-c", script], stdin: "from-stdin", env: ["AUTHCTL_X": "1"])
    #expect(result.status == 7)
    #expect(result.stderr == "err\n")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "out")
    #expect(lines.last == "from-stdin")
    let names = Set(lines.compactMap { $0.split(separator: "=").first.map(String.init) })
    #expect(names.isSuperset(of: ["PATH", "HOME", "LANG", "AUTHCTL_X"]))
    #expect(!names.contains("XDG_CONFIG_HOME"))
    #expect(lines.contains("HOME=\(sandbox.home.path)"))
    #expect(lines.contains("LANG=C"))
    #expect(!lines.contains("TTY"))

    let noStdin = try sandbox.run(["-c", "cat; echo done"])
    #expect(noStdin.stdout == "done\n")
    #expect(throws: HarnessError.self) { try sandbox.run(["-c", "sleep 5"], timeout: 0.5) }

    // Signals reach the child (Swift Testing's threads block them; the harness unblocks).
    let killed = try sandbox.launch(["-c", "exec sleep 30"])
    killed.signal(SIGTERM)
    let terminated = try killed.wait(timeout: 10)
    #expect(terminated.uncaughtSignal == SIGTERM)
    #expect(terminated.status == 128 + SIGTERM)
    let trapped = try sandbox.launch(["-c", "trap 'exit 130' INT; echo ready; while :; do sleep 0.05; done"])
    usleep(300_000)
    trapped.signal(SIGINT)
    #expect(try trapped.wait(timeout: 10).status == 130)

    // A grandchild left running does not hide the exit.
    let started = Date()
    let orphaning = try sandbox.run(["-c", "sleep 8 >/dev/null 2>&1 & echo left; exit 3"], timeout: 10)
    #expect(orphaning.status == 3)
    #expect(orphaning.stdout == "left\n")
    #expect(Date().timeIntervalSince(started) < 5)
  }

  @Test func sandboxKeystoreHelpers() throws {
    let sandbox = try Sandbox(binary: URL(fileURLWithPath: "/bin/sh"))
    #expect(sandbox.keystorePath == sandbox.home.path + "/.config/authctl/keystore.json")
    #expect(sandbox.keystoreBytes() == nil)
    #expect(sandbox.keystoreMode() == nil)
    let script = """
      umask 077; mkdir -p "$HOME/.config/authctl"
      echo '{"version": 1}' > "$HOME/.config/authctl/keystore.json"
      """
    #expect(try sandbox.run(["-c", script]).status == 0)
    #expect(sandbox.keystoreMode() == 0o600)
    #expect(sandbox.directoryMode() == 0o700)
    #expect(sandbox.keystoreJSON()?["version"] as? Int == 1)
  }

  @Test func binaryLookupExplainsWhatToDo() {
    do {
      let binary = try HarnessPaths.authctlBinary()
      #expect(FileManager.default.isExecutableFile(atPath: binary.path))
    } catch {
      #expect("\(error)".contains("swift build"))
    }
  }
}
