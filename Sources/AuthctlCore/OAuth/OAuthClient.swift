import FoundationEssentials

/// How a token endpoint wants its requests: RFC 6749 forms, or craft's JSON body (seed 001).
package enum TokenRequestStyle: Sendable {
  case form
  case json
}

/// The client's identity at the authorization server.
package struct OAuthClientIdentity: Sendable {
  package var clientID: String
  package var clientSecret: String?
  package var style: TokenRequestStyle

  package init(clientID: String, clientSecret: String?, style: TokenRequestStyle) {
    self.clientID = clientID
    self.clientSecret = clientSecret
    self.style = style
  }
}

/// What one poll of the token endpoint in the device flow gave (RFC 8628 §3.5).
package enum DevicePoll: Sendable {
  case token(TokenResponse)
  case pending
  case slowDown
}

/// The token, device, revocation and userinfo requests every OAuth provider shares.
package struct OAuthClient {
  package let api: ProviderAPI
  package let endpoints: OAuthEndpoints
  package let identity: OAuthClientIdentity

  package init(api: ProviderAPI, endpoints: OAuthEndpoints, identity: OAuthClientIdentity) {
    self.api = api
    self.endpoints = endpoints
    self.identity = identity
  }

  // RFC 6749 §4.1.3 with RFC 7636 §4.5: the code is sent once; a failed exchange is never retried.
  package func exchange(code: String, redirectURI: String, verifier: String?) throws(ProviderFailure)
    -> TokenResponse
  {
    var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
    if let verifier { fields.append(("code_verifier", verifier)) }
    return try token(
      "exchange the authorization code", fields, secrets: [code] + (verifier.map { [$0] } ?? []))
  }

  // RFC 6749 §6.
  package func refresh(_ refreshToken: String) throws(ProviderFailure) -> TokenResponse {
    try token(
      "refresh the token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
      secrets: [refreshToken])
  }

  // RFC 6749 §4.4.
  package func clientCredentials(scope: String?) throws(ProviderFailure) -> TokenResponse {
    var fields = [("grant_type", "client_credentials")]
    if let scope { fields.append(("scope", scope)) }
    return try token("get a token with client credentials", fields, secrets: [])
  }

  // RFC 8628 §3.1.
  package func authorizeDevice(scope: String?) throws(ProviderFailure) -> DeviceAuthorization {
    let operation = "start the device authorization"
    guard let url = endpoints.deviceAuthorization else {
      throw api.failure(operation, .unsupported("the issuer advertises no device_authorization_endpoint"))
    }
    var fields = [("client_id", identity.clientID)]
    if let scope { fields.append(("scope", scope)) }
    let response = try api.send(
      operation, "POST", url: url, headers: authorizationHeaders, body: Self.form(fields),
      contentType: "application/x-www-form-urlencoded", secrets: secrets)
    return try api.decode(DeviceAuthorization.self, from: response, operation)
  }

  // RFC 8628 §3.4–3.5: pending and slow_down are answers to keep polling, not failures.
  package func pollDevice(_ deviceCode: String) throws(ProviderFailure) -> DevicePoll {
    do {
      return .token(
        try token(
          "poll for the device authorization",
          [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode)],
          secrets: [deviceCode]))
    } catch {
      switch error.error {
      case .refused(_, let detail) where detail.code == "authorization_pending": return .pending
      case .refused(_, let detail) where detail.code == "slow_down": return .slowDown
      default: throw error
      }
    }
  }

  // RFC 7009 §2.1.
  package func revoke(_ token: String, hint: String) throws(ProviderFailure) {
    guard let url = endpoints.revocation else { return }
    var fields = [("token", token), ("token_type_hint", hint)]
    if identity.clientSecret == nil { fields.append(("client_id", identity.clientID)) }
    _ = try api.send(
      "revoke the \(hint.replacing("_", with: " "))", "POST", url: url, headers: authorizationHeaders,
      body: Self.form(fields), contentType: "application/x-www-form-urlencoded", secrets: secrets + [token])
  }

  /// OpenID Connect Core §5.3: the claims the userinfo endpoint returns for the access token.
  package func userinfo(_ accessToken: String) throws(ProviderFailure) -> JSONValue {
    let operation = "read userinfo"
    guard let url = endpoints.userinfo else {
      throw api.failure(operation, .unsupported("the issuer advertises no userinfo_endpoint"))
    }
    let response = try api.send(
      operation, "GET", url: url, headers: [.bearer(accessToken)],
      secrets: [accessToken])
    guard let claims = JSONValue.parse(response.body), case .object = claims else {
      throw api.failure(operation, .malformedAnswer("the userinfo answer is not a JSON object"))
    }
    return claims
  }

  private func token(_ operation: String, _ fields: [(String, String)], secrets extra: [String])
    throws(ProviderFailure)
    -> TokenResponse
  {
    let body: [UInt8]
    let contentType: String
    switch identity.style {
    case .form:
      var all = fields
      if identity.clientSecret == nil { all.append(("client_id", identity.clientID)) }
      body = Self.form(all)
      contentType = "application/x-www-form-urlencoded"
    case .json:
      // seed 001: craft's token endpoint takes client_id and client_secret in a JSON body.
      var object = Dictionary(fields) { first, _ in first }
      object["client_id"] = identity.clientID
      object["client_secret"] = identity.clientSecret
      body = (try? Array(JSONEncoder().encode(object))) ?? []
      contentType = "application/json"
    }
    let response = try api.send(
      operation, "POST", url: endpoints.token, headers: identity.style == .form ? authorizationHeaders : [],
      body: body, contentType: contentType, secrets: secrets + extra)
    let answer = try api.decode(TokenResponse.self, from: response, operation)
    guard !answer.accessToken.isEmpty else {
      throw api.failure(operation, .malformedAnswer("the answer's access_token is empty"))
    }
    if let type = answer.tokenType, type.lowercased() != "bearer" {
      throw api.failure(operation, .malformedAnswer("the token type is '\(type)', not Bearer"))
        .redacting(secrets + extra)
    }
    return answer
  }

  /// RFC 6749 §2.3.1: a confidential client authenticates with HTTP Basic, id and secret form-encoded.
  private var authorizationHeaders: [HTTPHeader] {
    guard let secret = identity.clientSecret else { return [] }
    let pair = Self.formEncode(identity.clientID) + ":" + Self.formEncode(secret)
    return [HTTPHeader("Authorization", "Basic " + Data(pair.utf8).base64EncodedString())]
  }

  private var secrets: [String] { identity.clientSecret.map { [$0] } ?? [] }

  static func form(_ fields: [(String, String)]) -> [UInt8] {
    Array(fields.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&").utf8)
  }

  static func formEncode(_ text: String) -> String { PercentEncoding.pathSegment(text) }
}
