/// How a provider speaks OAuth 2: where its endpoints are and what its token endpoint expects.
package struct OAuthSupport: Sendable {
  package var style: TokenRequestStyle
  /// Send a PKCE S256 challenge with the authorization request (RFC 7636).
  package var usesPKCE: Bool
  /// OpenID Connect: discovery from the issuer, `nonce`, ID token checks, userinfo.
  package var isOpenIDConnect: Bool
  package var defaultScope: String?
  /// Endpoints that follow from the profile's settings (craft); nil means discovery from the issuer.
  package var fixedEndpoints: (@Sendable (ResolvedProfile) -> OAuthEndpoints)?

  package init(
    style: TokenRequestStyle, usesPKCE: Bool, isOpenIDConnect: Bool, defaultScope: String?,
    fixedEndpoints: (@Sendable (ResolvedProfile) -> OAuthEndpoints)? = nil
  ) {
    self.style = style
    self.usesPKCE = usesPKCE
    self.isOpenIDConnect = isOpenIDConnect
    self.defaultScope = defaultScope
    self.fixedEndpoints = fixedEndpoints
  }

  /// OAuth errors at a token endpoint (RFC 6749 §5.2, RFC 8628 §3.5) classified for SPEC §6.
  package static func classify(status: Int, detail: ProviderErrorDetail) -> ProviderError {
    switch detail.code {
    case "invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "expired_token",
      "invalid_token":
      .rejected(detail)
    case "authorization_pending", "slow_down":
      .refused(status: status, detail)
    default:
      .byStatus(status, detail)
    }
  }
}
