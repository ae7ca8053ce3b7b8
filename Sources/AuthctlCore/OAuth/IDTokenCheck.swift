/// Checks an ID token's claims as OpenID Connect Core §3.1.3.7 asks of a code-flow client.
// Core §3.1.3.7 item 6: with the token received directly from the token endpoint over TLS, the client may
// rely on TLS server validation instead of the signature; the claims below are still checked.
package enum IDTokenCheck {
  package static func problem(
    _ idToken: String, issuer: String?, clientID: String, nonce: String?, now: Double
  ) -> String? {
    guard let claims = JWTClaims.decode(idToken) else { return "the ID token is not a JWT" }
    if let issuer, claims.iss != issuer {
      return "the ID token's issuer '\(claims.iss ?? "none")' is not '\(issuer)'"
    }
    guard let audience = claims.aud, audience.contains(clientID) else {
      return "the ID token is not meant for client '\(clientID)'"
    }
    if audience.count > 1, let azp = claims.azp, azp != clientID {
      return "the ID token's authorized party is '\(azp)', not '\(clientID)'"
    }
    guard let exp = claims.exp, exp > now - 60 else { return "the ID token has expired" }
    if let nonce, claims.nonce != nonce { return "the ID token's nonce does not match the one sent" }
    return nil
  }
}
