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

  /// Stores a renewed access token; the rest of the profile's credentials stay as they were.
  static func storeToken(_ obtained: Obtained, in document: inout KeystoreDocument) {
    let context = obtained.context
    var record =
      document.profiles[context.name] ?? newRecord(for: context.profile, provider: context.provider)
    var credentials =
      context.storedCredentialsApply ? (record.credentials ?? StoredCredentials()) : StoredCredentials()
    credentials.accessToken = obtained.credential.secret
    credentials.expiresAt = obtained.timing.expiresAt
    credentials.issuedAt = obtained.timing.issuedAt
    record.credentials = credentials
    if !context.storedCredentialsApply { record.baseURL = context.profile.value(.baseURL) }
    document.profiles[context.name] = record
    if document.defaultProfile == nil { document.defaultProfile = context.name }
  }
}
