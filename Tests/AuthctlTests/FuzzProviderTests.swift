import Foundation
import Synchronization
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

/// Issue 6 item 5: every provider response decoder against a hostile in-process server. Each operation
/// returns or fails with a ProviderFailure (exit 5 and friends), never traps; and neither its error message
/// nor the `--verbose` trace repeats a secret the request carried, even when the server echoes it back.
@Suite struct FuzzProviderTests {
  static let jwt = FuzzMutator.jwt(
    payload: #"{"sub":"u1","email":"a@example.com","iat":1767224700,"exp":1767228300,"aud":"authctl","#
      + #""iss":"https://sso.fuzz.example/realms/acme","groups":["/dev"],"scope":"openid email"}"#)
  static let issuer = "https://sso.fuzz.example/realms/acme"

  static let endpoints: [FuzzTransport.Endpoint] = [
    .init(path: "/api/v1/client/auth/login", status: 200, bodies: [#"{"xAccessToken": "\#(jwt)"}"#]),
    .init(path: "/auth/check-", status: 200, bodies: [#"{"valid": true, "companyId": "c-1"}"#]),
    .init(
      path: "/profile/me", status: 200,
      bodies: [#"{"id": "u1", "email": "a@example.com", "login": "a", "companyId": "c-1"}"#]),
    .init(path: "/api/v1/client/auth/logout", status: 200, bodies: [#"{"success": true}"#]),
    .init(
      path: "/v1/auth/", status: 200,
      bodies: [
        #"{"access_token": "\#(jwt)", "token_type": "bearer", "expires_in": 3600}"#,
        #"{"redirect_url": "https://idp.fuzz.example/authorize?session=s1"}"#, #"{"detail": "Signed out"}"#,
      ]),
    .init(
      path: "/v1/users/me", status: 200,
      bodies: [#"{"id": "u1", "email": "a@example.com", "name": "A", "tenant_id": "t1", "roles": ["admin"]}"#]
    ),
    .init(path: "/v1/api-keys/", status: 204, bodies: [""]),
    .init(
      path: "/v1/api-keys", status: 201,
      bodies: [
        #"{"id": "key_01", "name": "ci", "key": "ks_live_0123456789abcdef", "created_at": "2026-01-01T00:00:00Z"}"#,
        #"{"items": [{"id": "key_01", "name": "ci", "key_prefix": "ks_live_0123", "masked_key": "ks_live_0123…"}], "total": 1}"#,
        #"[{"id": "key_02", "prefix": "ks_live_9"}]"#,
      ]),
    .init(
      path: "/authentication", status: 201,
      bodies: [
        #"{"accessToken": "\#(jwt)", "authentication": {"strategy": "local"}, "user": {"id": 1, "email": "a@x"}}"#
      ]),
    .init(
      path: "/api/v1/projects", status: 200,
      bodies: [#"[{"id": 1, "name": "Demo", "permissions": ["write_instances"]}]"#, #"{"data": []}"#]),
    .init(
      path: "/v1/me", status: 200,
      bodies: [#"{"success": true, "data": {"id": "user_123", "email": "user@example.com", "name": "J"}}"#]),
    .init(
      path: "/.well-known/openid-configuration", status: 200,
      bodies: [
        #"{"issuer": "\#(issuer)", "authorization_endpoint": "\#(issuer)/auth", "token_endpoint": "\#(issuer)/token", "#
          + #""device_authorization_endpoint": "\#(issuer)/auth/device", "revocation_endpoint": "\#(issuer)/revoke", "#
          + #""userinfo_endpoint": "\#(issuer)/userinfo", "end_session_endpoint": "\#(issuer)/logout"}"#
      ]),
    .init(
      path: "/auth/device", status: 200,
      bodies: [
        #"{"device_code": "dc", "user_code": "BCDF-GHJK", "verification_uri": "\#(issuer)/device", "#
          + #""verification_uri_complete": "\#(issuer)/device?user_code=BCDF-GHJK", "expires_in": 600, "interval": 5}"#
      ]),
    .init(
      path: "/token", status: 200,
      bodies: [
        #"{"access_token": "\#(jwt)", "token_type": "Bearer", "expires_in": 300, "refresh_token": "rt-2", "#
          + #""id_token": "\#(jwt)", "scope": "openid email"}"#,
        #"{"access_token": "craft_at_1", "token_type": "Bearer", "expires_in": 3600, "scope": "read write"}"#,
      ]),
    .init(path: "/revoke", status: 200, bodies: [""]),
    .init(
      path: "/userinfo", status: 200,
      bodies: [#"{"sub": "u1", "email": "a@example.com", "groups": ["/dev"]}"#]),
    .init(path: "/logout", status: 200, bodies: [""]),
  ]

  static let keys = [
    "xAccessToken", "valid", "companyId", "id", "email", "login", "access_token", "token_type", "expires_in",
    "refresh_token", "id_token", "scope", "redirect_url", "detail", "key", "name", "items", "data",
    "accessToken",
    "success", "issuer", "token_endpoint", "authorization_endpoint", "device_code", "user_code", "interval",
    "verification_uri", "error", "error_description", "message", "code", "sub", "groups", "exp", "iat",
  ]

  /// Secrets the requests carry; the fuzzing server echoes them back in bodies and headers.
  static let canaries = [
    "PW-canary-7f3e", "KEY-canary-91ab", "TOK-canary-55cd", "RT-canary-0d1f", "CS-canary-a2b4",
    "ID-canary-e6f0",
  ]

  @Test("Every provider decoder survives hostile answers, and no secret reaches its error or trace")
  func providerDecodersNeverCrash() throws {
    var outcomes = [0, 0]
    var leaks: [String] = []
    let run = FuzzRun(name: "provider response decoders", seed: 0x7072_6F76_6964_6572)
    let (_, slow) = run.run { rng, index in
      let operation = rng.pick(ProviderOperation.allCases)
      let transport = FuzzTransport(
        endpoints: Self.endpoints, keys: Self.keys, extra: [Self.jwt], echoes: Self.canaries, generator: rng)
      let trace = Mutex<[String]>([])
      let client = HTTPClient(
        transport: transport, timeout: 30, clock: FuzzClock().clock,
        trace: { line in trace.withLock { $0.append(line) } })
      let failure = operation.run(client: client, rng: &rng)
      outcomes[failure == nil ? 0 : 1] += 1
      var shown = trace.withLock { $0 }
      if let failure {
        let report = ErrorReport.make(failure, profile: "p")
        shown += [report.message, report.hint ?? ""]
      }
      for canary in Self.canaries where shown.contains(where: { $0.contains(canary) }) {
        leaks.append("input \(index) \(operation): \(canary)")
      }
    }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(leaks.isEmpty, "secrets shown: \(leaks.prefix(10))")
    #expect(
      !FuzzBudget.isWholeRun || (outcomes[0] > 0 && outcomes[1] > 0), "successes and failures: \(outcomes)")
  }
}
