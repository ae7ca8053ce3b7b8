import FoundationEssentials

/// The endpoints of an OAuth 2 / OpenID Connect server, as discovery gives them (stored per profile).
package struct OAuthEndpoints: Codable, Sendable, Equatable {
  package var issuer: String?
  package var authorization: String
  package var token: String
  package var deviceAuthorization: String?
  package var revocation: String?
  package var endSession: String?
  package var userinfo: String?

  package init(
    issuer: String? = nil, authorization: String, token: String, deviceAuthorization: String? = nil,
    revocation: String? = nil, endSession: String? = nil, userinfo: String? = nil
  ) {
    self.issuer = issuer
    self.authorization = authorization
    self.token = token
    self.deviceAuthorization = deviceAuthorization
    self.revocation = revocation
    self.endSession = endSession
    self.userinfo = userinfo
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case issuer
    case authorization = "authorization_endpoint"
    case token = "token_endpoint"
    case deviceAuthorization = "device_authorization_endpoint"
    case revocation = "revocation_endpoint"
    case endSession = "end_session_endpoint"
    case userinfo = "userinfo_endpoint"
  }

  /// Every endpoint URL, for the SPEC §7 check.
  var all: [String] {
    [authorization, token] + [deviceAuthorization, revocation, endSession, userinfo].compactMap { $0 }
  }
}

/// RFC 6749 §5.1 token response (plus OpenID Connect's `id_token`).
package struct TokenResponse: Decodable, Sendable {
  package var accessToken: String
  package var tokenType: String?
  package var expiresIn: Double?
  package var refreshToken: String?
  package var idToken: String?
  package var scope: String?

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
    case refreshToken = "refresh_token"
    case idToken = "id_token"
    case scope
  }

  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    accessToken = try c.decode(String.self, forKey: .accessToken)
    tokenType = try c.decodeIfPresent(String.self, forKey: .tokenType)
    // Some servers send expires_in as a string; RFC 6749 says a number.
    if let number = try? c.decodeIfPresent(Double.self, forKey: .expiresIn) {
      expiresIn = number
    } else {
      expiresIn = (try? c.decodeIfPresent(String.self, forKey: .expiresIn)).flatMap {
        $0.flatMap(Double.init)
      }
    }
    expiresIn = UntrustedSeconds.checked(expiresIn)
    refreshToken = try c.decodeIfPresent(String.self, forKey: .refreshToken)
    idToken = try c.decodeIfPresent(String.self, forKey: .idToken)
    scope = try c.decodeIfPresent(String.self, forKey: .scope)
  }
}

/// RFC 8628 §3.2 device authorization response.
package struct DeviceAuthorization: Decodable, Sendable, Equatable {
  package var deviceCode: String
  package var userCode: String
  package var verificationURI: String
  package var verificationURIComplete: String?
  package var expiresIn: Double
  package var interval: Double?

  enum CodingKeys: String, CodingKey {
    case deviceCode = "device_code"
    case userCode = "user_code"
    case verificationURI = "verification_uri"
    case verificationURIComplete = "verification_uri_complete"
    case expiresIn = "expires_in"
    case interval
  }
}
