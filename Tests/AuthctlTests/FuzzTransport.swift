import Foundation
import Synchronization

@testable import AuthctlCore

/// A hostile server in-process: answers each request with a mutated variant of what the seed promises for
/// its path (or an error envelope), odd statuses and headers, or a transport failure. It echoes back, in
/// bodies and headers, whichever of `echoes` the request carried, as a server quoting a bad token would.
final class FuzzTransport: HTTPTransport {
  /// One endpoint: a piece of the URL that selects it, its success status and sample bodies.
  struct Endpoint: Sendable {
    var path: String
    var status: Int
    var bodies: [String]
  }

  static let errorBodies = [
    #"{"error": "error.auth.token_incorrect", "message": "Access token is missing, invalid, or expired"}"#,
    #"{"detail": "Could not validate credentials"}"#,
    #"{"detail": [{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]}"#,
    #"{"name": "NotAuthenticated", "message": "jwt expired", "code": 401, "className": "not-authenticated"}"#,
    #"{"success": false, "error": {"code": "UNAUTHORIZED", "message": "Invalid or missing authentication"}}"#,
    #"{"error": "invalid_grant", "error_description": "Token is not active"}"#,
    #"{"error": "authorization_pending"}"#, #"{"error": "slow_down"}"#, #"{"error": "expired_token"}"#,
    #"{"error": {"code": "TOKEN_EXPIRED", "message": "expired"}}"#,
    "<html><body>502 Bad Gateway</body></html>",
  ]
  static let statuses = [
    200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 0, 99, 600,
  ]
  static let headerValues = [
    "0", "1", "-1", "1e400", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT", "garbage", "", " 5 ", "Mon, 32 Foo 2025 25:61:61 GMT",
    "https://evil.example/steal", "http://127.0.0.1:1/x", "text/html", "application/json; charset=utf-8",
  ]

  private struct State {
    var generator: SplitMix64
    var sent = 0
  }

  private let endpoints: [Endpoint]
  /// Member names worth adding to bodies, strings worth putting in them, and secrets to echo when sent.
  private let keys: [String]
  private let extra: [String]
  private let echoes: [String]
  private let limit: Int
  private let state: Mutex<State>

  init(
    endpoints: [Endpoint], keys: [String], extra: [String], echoes: [String] = [], generator: SplitMix64,
    limit: Int = 12
  ) {
    self.endpoints = endpoints
    self.keys = keys
    self.extra = extra
    self.echoes = echoes
    self.limit = limit
    state = Mutex(State(generator: generator))
  }

  var requestsSent: Int { state.withLock { $0.sent } }

  func send(_ request: HTTPRequest, timeout: Double) throws(TransportFailure) -> HTTPResponse {
    let outcome: Result<HTTPResponse, TransportFailure> = state.withLock { state in
      state.sent += 1
      // What the request carried: URL, header values (Basic credentials decoded) and body.
      var carried = request.url + "\n" + String(decoding: request.body ?? [], as: UTF8.self)
      for header in request.headers {
        carried += "\n" + header.value
        if header.value.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.value.dropFirst(6)))
        {
          carried += "\n" + String(decoding: data, as: UTF8.self)
        }
      }
      let echoed = echoes.filter { carried.contains($0) }
      return answer(request, &state.generator, echoed: echoed, exhausted: state.sent > limit)
    }
    return try outcome.get()
  }

  private func answer(_ request: HTTPRequest, _ rng: inout SplitMix64, echoed: [String], exhausted: Bool)
    -> Result<HTTPResponse, TransportFailure>
  {
    let host = (try? HTTPURL(parsing: request.url))?.host ?? "fuzz"
    if exhausted || rng.chance(0.04) {
      return .failure(
        rng.pick([
          .unreachable(host: host, reason: "refused"), .dropped(host: host, reason: "reset"),
          .timedOut(host: host, seconds: timeout(&rng)), .tooLarge(host: host, limit: 1_048_576),
          .untrusted(host: host, reason: "self-signed certificate"),
        ]))
    }
    let endpoint = endpoints.first { request.url.contains($0.path) }
    let success = endpoint.map { $0.status } ?? 200
    let status = rng.chance(0.6) ? success : rng.pick(Self.statuses)
    let samples = (200...299).contains(status) ? (endpoint?.bodies ?? Self.errorBodies) : Self.errorBodies
    var headers = [
      HTTPHeader("content-type", rng.chance(0.8) ? "application/json" : rng.pick(Self.headerValues))
    ]
    for name in ["retry-after", "location", "www-authenticate"] where rng.chance(0.3) {
      headers.append(HTTPHeader(name, rng.pick(Self.headerValues + extra + echoed)))
    }
    let body = FuzzMutator.body(from: samples, &rng, keys: keys, extra: extra + echoed)
    return .success(HTTPResponse(status: status, headers: headers, body: body))
  }

  private func timeout(_ rng: inout SplitMix64) -> Double { rng.pick([1, 30, 0.001]) }
}

/// A clock that never sleeps: sleeping moves it forward, and every reading moves it a little, so any
/// wait (Retry-After, backoff, device polling) ends at once.
final class FuzzClock: Sendable {
  private let time = Mutex(1_767_225_000.0)

  var clock: Clock {
    Clock(
      now: {
        self.time.withLock { now in
          now += 0.5
          return now
        }
      },
      sleep: { seconds in self.time.withLock { $0 += max(0, seconds.isFinite ? seconds : 1e9) } })
  }
}
