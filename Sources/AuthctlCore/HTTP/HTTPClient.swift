/// The one HTTP client every provider uses: URL policy, no redirects, bounded retries, redacted trace.
package struct HTTPClient: Sendable {
  /// SPEC §6: at most 60 seconds of `Retry-After` waiting for one request.
  static let rateLimitBudget = 60.0
  /// Bounds 429 answers per request, so a storm of `Retry-After: 0` still ends.
  static let maxRateLimitRetries = 10
  /// SPEC §6: GET and DELETE are sent again at most twice, after these pauses.
  static let backoff = [0.2, 0.6]

  package let transport: any HTTPTransport
  /// Seconds allowed for each attempt (`--timeout`).
  package let timeout: Double
  package let clock: Clock
  /// Receives the `--verbose` trace one line at a time; nil when not tracing.
  package let trace: (@Sendable (String) -> Void)?

  package init(
    transport: any HTTPTransport, timeout: Double, clock: Clock, trace: (@Sendable (String) -> Void)?
  ) {
    self.transport = transport
    self.timeout = timeout
    self.clock = clock
    self.trace = trace
  }

  /// Sends `request`, retrying only as SPEC §6 allows; 2xx and 4xx answers are returned as they are.
  package func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
    // SPEC §7: an insecure URL is refused before anything is sent.
    let url = try HTTPURL.checked(request.url)
    let tracer = trace.map {
      HTTPTrace(write: $0, secrets: request.secrets + SecretNames.credentials(in: request.headers))
    }
    var state = RetryState()
    while true {
      state.attempts += 1
      tracer?.request(request)
      let started = clock.now()
      let verdict: Verdict
      do {
        let response = try transport.send(request, timeout: timeout)
        tracer?.response(response, milliseconds: milliseconds(since: started))
        verdict = judge(response, request: request, host: url.host, state: &state)
      } catch {
        tracer?.failure(error, milliseconds: milliseconds(since: started))
        verdict = judge(error, request: request, state: &state)
      }
      switch verdict {
      case .done(let response):
        return response
      case .fail(let error):
        throw error
      case .retry(let delay, let reason):
        tracer?.note("\(reason): retrying in \(delay) s")
        if delay > 0 { clock.sleep(delay) }
      }
    }
  }

  /// What the client does after one attempt.
  private enum Verdict {
    case done(HTTPResponse)
    case retry(after: Double, reason: String)
    case fail(HTTPError)
  }

  /// What one request has used up of its retries.
  private struct RetryState {
    var attempts = 0
    var failureRetries = 0
    var rateLimitRetries = 0
    var rateLimitWaited = 0.0
  }

  private func judge(_ response: HTTPResponse, request: HTTPRequest, host: String, state: inout RetryState)
    -> Verdict
  {
    switch response.status {
    case 300...399:
      // SPEC §7: credentials never follow a redirect; we never follow one at all.
      return .fail(
        .redirected(host: host, status: response.status, location: response.header("location") ?? ""))
    case 429:
      let header = response.header("retry-after")
      let delay = RetryAfter.seconds(header, now: clock.now())
      // SPEC §6: a wait longer than what is left of the budget fails at once, without sleeping.
      guard state.rateLimitRetries < Self.maxRateLimitRetries,
        delay <= Self.rateLimitBudget - state.rateLimitWaited
      else { return .fail(.rateLimited(host: host, retryAfter: header, response: response)) }
      state.rateLimitRetries += 1
      state.rateLimitWaited += delay
      return .retry(after: delay, reason: "429 with Retry-After \(header ?? "missing")")
    case 500...599:
      // SPEC §6: only GET and DELETE, which the server cannot have acted on twice, are sent again.
      guard request.isRetriable, state.failureRetries < Self.backoff.count else {
        return .fail(
          .serverError(host: host, status: response.status, attempts: state.attempts, response: response))
      }
      state.failureRetries += 1
      return .retry(
        after: Self.backoff[state.failureRetries - 1], reason: "\(response.status) on a \(request.method)")
    default:
      return .done(response)
    }
  }

  private func judge(_ failure: TransportFailure, request: HTTPRequest, state: inout RetryState) -> Verdict {
    // SPEC §6: a dropped or refused connection is retried for GET and DELETE only; a timeout never.
    let isRetriable: Bool
    switch failure {
    case .dropped, .unreachable: isRetriable = request.isRetriable
    case .timedOut, .tooLarge, .untrusted, .noHTTPLibrary: isRetriable = false
    }
    guard isRetriable, state.failureRetries < Self.backoff.count else { return .fail(.transport(failure)) }
    state.failureRetries += 1
    return .retry(
      after: Self.backoff[state.failureRetries - 1], reason: "connection failed on a \(request.method)")
  }

  private func milliseconds(since start: Double) -> Int {
    let elapsed = (clock.now() - start) * 1000
    return elapsed.isFinite ? Int(min(max(elapsed, 0), 1e12).rounded()) : 0
  }
}
