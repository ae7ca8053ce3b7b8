/// Writes what a command obtained into the keystore document, keeping environment secrets out of it.
package enum ProfileRecord {
  /// A record for a profile the keystore does not have yet: its non-secret settings only.
  static func newRecord(for profile: ResolvedProfile, provider: any Provider) -> StoredProfile {
    var record = StoredProfile(provider: provider.descriptor.name)
    for field in ProfileField.settings where field != .provider {
      field.store(profile.value(field), in: &record)
    }
    return record
  }

  /// Stores a renewed access token (and a rotated refresh token); the other credentials stay as they were.
  static func storeToken(
    _ issued: IssuedToken, timing: TokenTiming, context: ProfileContext, in document: inout KeystoreDocument
  ) {
    var record =
      document.profiles[context.name] ?? newRecord(for: context.profile, provider: context.provider)
    var credentials =
      context.storedCredentialsApply ? (record.credentials ?? StoredCredentials()) : StoredCredentials()
    credentials.accessToken = issued.accessToken
    credentials.expiresAt = timing.expiresAt
    credentials.issuedAt = timing.issuedAt
    if let refreshToken = issued.refreshToken { credentials.refreshToken = refreshToken }
    if let idToken = issued.idToken { credentials.idToken = idToken }
    if let scope = issued.scope { credentials.grantedScope = scope }
    record.credentials = credentials
    if !context.storedCredentialsApply {
      context.provider.descriptor.locator.store(
        context.profile.value(context.provider.descriptor.locator), in: &record)
    }
    document.profiles[context.name] = record
    if document.defaultProfile == nil { document.defaultProfile = context.name }
  }
}
