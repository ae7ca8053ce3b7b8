import FoundationEssentials

/// One provider at one base URL: sends requests through the shared HTTP client and classifies answers.
package struct ProviderAPI {
  package let provider: any Provider
  package let baseURL: String
  package let client: HTTPClient

  package init(provider: any Provider, baseURL: String, client: HTTPClient) {
    self.provider = provider
    self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    self.client = client
  }

  package var host: String {
    let afterScheme = baseURL.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first
    return afterScheme.map(String.init) ?? baseURL
  }

  package func failure(_ operation: String, _ error: ProviderError, host: String? = nil) -> ProviderFailure {
    ProviderFailure(
      provider: provider.descriptor.name, operation: operation, host: host ?? self.host, error: error)
  }

  /// Sends a request to `path` (appended to the base URL exactly as the seed writes it); returns only 2xx answers.
  package func call(
    _ operation: String, _ method: String, _ path: String, headers: [HTTPHeader] = [],
    body: [UInt8]? = nil, secrets: [String] = []
  ) throws(ProviderFailure) -> HTTPResponse {
    try send(operation, method, url: baseURL + path, headers: headers, body: body, secrets: secrets)
  }

  /// Sends a request to an absolute URL (an OAuth endpoint on another host); returns only 2xx answers.
  package func send(
    _ operation: String, _ method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
    contentType: String = "application/json", secrets: [String] = []
  ) throws(ProviderFailure) -> HTTPResponse {
    var allHeaders = [HTTPHeader("Accept", "application/json")]
    if body != nil { allHeaders.append(HTTPHeader("Content-Type", contentType)) }
    allHeaders += headers
    let request = HTTPRequest(method: method, url: url, headers: allHeaders, body: body, secrets: secrets)
    let host = (try? HTTPURL(parsing: url))?.host ?? self.host
    // What this request carried, masked in whatever the answer makes authctl show (an echoing server).
    // Worked out only for a failure: on the way to a token it would cost every refresh 0.3 M instructions.
    func carried() -> [String] { secrets + SecretNames.credentials(in: allHeaders) }
    let response: HTTPResponse
    do {
      response = try client.send(request)
    } catch {
      switch error {
      case .rateLimited(_, _, let answer):
        throw failure(
          operation, .rateLimited(provider.errorDetail(status: 429, body: answer.body)), host: host
        ).redacting(carried())
      case .serverError(_, let status, _, let answer):
        let detail = provider.errorDetail(status: status, body: answer.body)
        throw failure(operation, .unavailable(status: status, detail), host: host).redacting(carried())
      default:
        throw failure(operation, .http(error), host: host).redacting(carried())
      }
    }
    guard (200...299).contains(response.status) else {
      let detail = provider.errorDetail(status: response.status, body: response.body)
      throw failure(operation, provider.classify(status: response.status, detail: detail), host: host)
        .redacting(carried())
    }
    return response
  }

  /// Sends a JSON body encoded from `payload`.
  package func call(
    _ operation: String, _ method: String, _ path: String, headers: [HTTPHeader] = [],
    json payload: some Encodable, secrets: [String] = []
  ) throws(ProviderFailure) -> HTTPResponse {
    let body: [UInt8]
    do {
      body = Array(try JSONEncoder().encode(payload))
    } catch {
      throw failure(operation, .malformedAnswer("could not encode the request: \(error)"))
    }
    return try call(operation, method, path, headers: headers, body: body, secrets: secrets)
  }

  /// Decodes a JSON answer; anything else (HTML, wrong types, missing fields) is a malformed answer (exit 5).
  package func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, _ operation: String)
    throws(ProviderFailure) -> T
  {
    do {
      return try JSONDecoder().decode(T.self, from: Data(response.body))
    } catch {
      throw failure(operation, .malformedAnswer(AnswerDescription.describe(response, error: error)))
    }
  }
}

/// Says in a few words why an answer could not be used, without quoting it (it may hold secrets).
package enum AnswerDescription {
  package static func describe(_ response: HTTPResponse, error: any Error) -> String {
    let type = response.header("content-type") ?? "no content type"
    if response.body.isEmpty { return "the answer (HTTP \(response.status)) had an empty body" }
    if !type.lowercased().contains("json") && response.body.first != UInt8(ascii: "{")
      && response.body.first != UInt8(ascii: "[")
    {
      return "the answer (HTTP \(response.status)) was not JSON (\(type))"
    }
    switch error {
    case DecodingError.keyNotFound(let key, _):
      return "the answer (HTTP \(response.status)) lacks the field '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "the answer (HTTP \(response.status)) has a field of the wrong type at '\(path)'"
    default:
      return "the answer (HTTP \(response.status)) is not valid JSON"
    }
  }
}
