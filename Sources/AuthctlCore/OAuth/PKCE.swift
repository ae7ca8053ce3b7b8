/// A PKCE code verifier and its S256 challenge for the authorization code flow (RFC 7636).
package struct PKCE: Sendable, Equatable {
  /// The secret sent with the token request (RFC 7636 §4.1).
  package let verifier: String
  /// BASE64URL(SHA256(ASCII(verifier))), sent with the authorization request (RFC 7636 §4.2).
  package let challenge: String
  /// The `code_challenge_method` value (RFC 7636 §4.3).
  package let method = "S256"

  /// The challenge derived from a given verifier.
  package init(verifier: String) {
    self.verifier = verifier
    // RFC 7636 §4.2: the verifier is ASCII (unreserved characters), so its UTF-8 bytes are its ASCII bytes.
    self.challenge = Base64URL.encode(SHA256.hash(Array(verifier.utf8)))
  }

  /// A fresh verifier of 43 characters from 32 random bytes.
  // RFC 7636 §4.1: a base64url-encoded 32-octet sequence makes a 43-octet verifier.
  package static func generate() throws(SecureRandomError) -> PKCE {
    PKCE(verifier: Base64URL.encode(try SecureRandom.bytes(32)))
  }

  /// A base64url random value for `state` (RFC 6749 §10.12) or `nonce` (OpenID Connect Core §3.1.2.1).
  package static func randomToken(bytes: Int = 32) throws(SecureRandomError) -> String {
    Base64URL.encode(try SecureRandom.bytes(bytes))
  }
}
