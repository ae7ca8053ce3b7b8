/// The provider's own error code and message, when its answer carried them.
package struct ProviderErrorDetail: Sendable, Equatable {
  package var code: String?
  package var message: String?

  package init(code: String? = nil, message: String? = nil) {
    self.code = code
    self.message = message
  }
}

/// What went wrong at a provider, classified for SPEC §6 exit codes.
package enum ProviderError: Error, Equatable {
  /// The provider rejected the credential (HTTP 401, embermind token_incorrect): exit 3.
  case rejected(ProviderErrorDetail)
  /// The credential lacks permission (HTTP 403, embermind require_more_perm): exit 4.
  case forbidden(ProviderErrorDetail)
  /// Rate limited beyond the Retry-After budget: exit 6.
  case rateLimited(ProviderErrorDetail)
  /// A 5xx answer: exit 5.
  case unavailable(status: Int, ProviderErrorDetail)
  /// Any other error answer (404, 400 ...): exit 1.
  case refused(status: Int, ProviderErrorDetail)
  /// An answer that is not what the provider's document promises: exit 5.
  case malformedAnswer(String)
  /// The request could not be made or completed.
  case http(HTTPError)
  /// The provider does not offer this operation: exit 8.
  case unsupported(String)
}

/// A provider error with the context a message needs: which provider, doing what, where.
package struct ProviderFailure: Error, Equatable {
  package var provider: String
  /// What authctl was doing, as a verb phrase: "sign in", "check the API key".
  package var operation: String
  package var host: String
  package var error: ProviderError

  package init(provider: String, operation: String, host: String, error: ProviderError) {
    self.provider = provider
    self.operation = operation
    self.host = host
    self.error = error
  }

  /// True when the provider said the credential is not (or no longer) good.
  package var isRejection: Bool {
    if case .rejected = error { return true }
    return false
  }

  /// True when the provider could not be reached or answered with a server error, so a still-valid token may serve.
  package var isUnreachable: Bool {
    switch error {
    case .unavailable, .rateLimited: return true
    case .http(let http):
      switch http {
      case .transport, .serverError, .rateLimited: return true
      default: return false
      }
    default: return false
    }
  }
}

extension ProviderError {
  /// SPEC §6 by HTTP status alone: 401 → exit 3, 403 → 4, 429 → 6, 5xx → 5, other → 1.
  package static func byStatus(_ status: Int, _ detail: ProviderErrorDetail) -> ProviderError {
    switch status {
    case 401: .rejected(detail)
    case 403: .forbidden(detail)
    case 429: .rateLimited(detail)
    case 500...599: .unavailable(status: status, detail)
    default: .refused(status: status, detail)
    }
  }
}

extension ProviderFailure {
  /// The failure with `secrets` masked wherever the server supplied the text (its error code and message,
  /// a redirect's location, a Retry-After): a server that echoes the credential it was sent must not put it
  /// in an error message (SPEC §7; issue 6's fuzzing found echoes in token_type and Location).
  package func redacting(_ secrets: [String]) -> ProviderFailure {
    var copy = self
    copy.error = error.redacting(secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count })
    return copy
  }
}

extension ProviderError {
  fileprivate func redacting(_ secrets: [String]) -> ProviderError {
    guard !secrets.isEmpty else { return self }
    // Control characters go first, as the message will drop them: a secret split by one must not reappear.
    let mask = { (text: String) in
      let printable = String.UnicodeScalarView(
        text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F..<0xA0).contains($0.value) })
      return secrets.reduce(String(printable)) { $0.replacing($1, with: TraceRedactor.mask) }
    }
    let masked = { (detail: ProviderErrorDetail) in
      ProviderErrorDetail(code: detail.code.map(mask), message: detail.message.map(mask))
    }
    switch self {
    case .rejected(let detail): return .rejected(masked(detail))
    case .forbidden(let detail): return .forbidden(masked(detail))
    case .rateLimited(let detail): return .rateLimited(masked(detail))
    case .unavailable(let status, let detail): return .unavailable(status: status, masked(detail))
    case .refused(let status, let detail): return .refused(status: status, masked(detail))
    case .malformedAnswer(let text): return .malformedAnswer(mask(text))
    case .http(.redirected(let host, let status, let location)):
      return .http(.redirected(host: host, status: status, location: mask(location)))
    case .http(.rateLimited(let host, let retryAfter, let response)):
      return .http(.rateLimited(host: host, retryAfter: retryAfter.map(mask), response: response))
    case .http, .unsupported: return self
    }
  }
}
