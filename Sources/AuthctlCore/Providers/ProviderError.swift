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
