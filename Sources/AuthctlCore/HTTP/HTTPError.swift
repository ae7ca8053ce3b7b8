/// Why the HTTP client gave up on a request, after its retries (SPEC §6, §7).
package enum HTTPError: Error, Equatable {
  /// An `http://` URL to a host other than loopback, or a scheme other than http(s) (exit 2).
  case insecureURL(String)
  /// A URL that cannot be parsed (exit 2).
  case invalidURL(String)
  /// The exchange itself failed (exit 5).
  case transport(TransportFailure)
  /// A 5xx answer: at once for requests that are not retriable, else after the retries (exit 5).
  case serverError(host: String, status: Int, attempts: Int, response: HTTPResponse)
  /// A 3xx answer: credentials never follow a redirect (exit 5).
  case redirected(host: String, status: Int, location: String)
  /// 429 answers beyond the 60-second Retry-After budget (exit 6).
  case rateLimited(host: String, retryAfter: String?, response: HTTPResponse)
}
