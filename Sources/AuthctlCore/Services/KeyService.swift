/// Why a key command stopped part-way; each case says exactly what was done.
package enum KeyError: Error, Equatable {
  /// `--store` failed after the key was created: the value was printed anyway (exit 7).
  case storeFailed(profile: String, keyID: String, underlying: KeystoreError)
  /// The profile's current key could not be identified, so rotation created nothing.
  case oldKeyUnknown(profile: String)
  /// The new key did not pass verification; it was deleted (or, when `deleted` is false, could not be).
  case newKeyRejected(profile: String, newKeyID: String, deleted: Bool, failure: ProviderFailure)
  /// The new key exists (stored, or only printed for an environment key), but deleting the old key failed (exit 5).
  case oldKeyNotDeleted(Rotation, failure: ProviderFailure)
}

/// The result of `keys rotate`.
package struct Rotation: Equatable {
  package var profile: String
  package var newKey: CreatedKey
  package var oldKeyID: String
  /// Set when the key came from the environment: it was not stored; the variable must be updated.
  package var environmentVariable: String?
}

/// `keys create | list | delete | rotate` where the provider has a key API (SPEC §3 "keys").
package struct KeyService {
  package let credentials: CredentialService

  package init(credentials: CredentialService) {
    self.credentials = credentials
  }

  private func keyAPI(_ obtained: Obtained) throws -> (any KeyAPI, ProviderAPI) {
    let provider = obtained.context.provider
    guard let keys = provider.keys else {
      throw ProviderFailure(
        provider: provider.descriptor.name, operation: "manage API keys", host: "",
        error: .unsupported(provider.descriptor.keysManagedAt))
    }
    return (keys, credentials.workspace.api(for: provider, profile: obtained.context.profile))
  }

  package func list() throws -> (String, [KeySummary]) {
    let obtained = try credentials.obtain()
    let (keys, api) = try keyAPI(obtained)
    let (list, _) = try credentials.withRetry(obtained) { try keys.list(credential: $0, api: api) }
    return (obtained.context.name, list)
  }

  package func delete(id: String) throws -> String {
    let obtained = try credentials.obtain()
    let (keys, api) = try keyAPI(obtained)
    _ = try credentials.withRetry(obtained) { try keys.delete(id: id, credential: $0, api: api) }
    if obtained.context.profile.stored?.credentials?.previousAPIKeyID == id {
      try forgetDeleted(id: id, profile: obtained.context.name)
    }
    return obtained.context.name
  }

  /// Creates a key; with `store`, saves it as the profile's credential. A failed save still returns the key.
  package func create(name: String, store: Bool) throws -> (String, CreatedKey, KeyError?) {
    let obtained = try credentials.obtain()
    let (keys, api) = try keyAPI(obtained)
    let (key, _) = try credentials.withRetry(obtained) {
      try keys.create(name: name, credential: $0, api: api)
    }
    let profile = obtained.context.name
    guard store else { return (profile, key, nil) }
    do {
      try storeKey(key, previousID: nil, context: obtained.context)
      return (profile, key, nil)
    } catch let error as KeystoreError {
      return (profile, key, .storeFailed(profile: profile, keyID: key.id, underlying: error))
    }
  }

  /// SPEC §3: create → verify the new key → store it (old id kept as previous) → delete the old key.
  package func rotate(name: String?) throws -> Rotation {
    let obtained = try credentials.obtain()
    let context = obtained.context
    // SPEC §3: a provider without a key API answers exit 8 whatever the profile holds.
    let (keys, api) = try keyAPI(obtained)
    guard case .apiKey(let oldKey) = obtained.credential else {
      throw CredentialError.conflictingInput(
        "profile '\(context.name)' holds no API key to rotate; create one with 'authctl keys create --store -p \(context.name)'"
      )
    }
    let listed = try keys.list(credential: obtained.credential, api: api)
    let storedID = context.credentialVariable == nil ? context.profile.stored?.credentials?.apiKeyID : nil
    let old = listed.first { $0.id == storedID } ?? uniqueMatch(listed, key: oldKey)
    guard let old else { throw KeyError.oldKeyUnknown(profile: context.name) }
    let newName = name ?? old.name.map { "\($0)-rotated" } ?? "authctl-rotated"
    let newKey = try keys.create(name: newName, credential: obtained.credential, api: api)
    do throws(ProviderFailure) {
      let verdict = try context.provider.verify(.apiKey(newKey.value), profile: context.profile, api: api)
      guard verdict.valid else {
        throw api.failure(
          "verify the new key",
          .rejected(ProviderErrorDetail(message: "the provider says the key is not valid")))
      }
    } catch let failure {
      let deleted = (try? keys.delete(id: newKey.id, credential: obtained.credential, api: api)) != nil
      throw KeyError.newKeyRejected(
        profile: context.name, newKeyID: newKey.id, deleted: deleted, failure: failure)
    }
    if context.credentialVariable == nil {
      try storeKey(newKey, previousID: old.id, context: context)
    }
    let rotation = Rotation(
      profile: context.name, newKey: newKey, oldKeyID: old.id, environmentVariable: context.credentialVariable
    )
    do {
      try keys.delete(id: old.id, credential: .apiKey(newKey.value), api: api)
    } catch let failure {
      throw KeyError.oldKeyNotDeleted(rotation, failure: failure)
    }
    if context.credentialVariable == nil { try forgetDeleted(id: old.id, profile: context.name) }
    return rotation
  }

  /// The listed key whose visible prefix matches the key in use, when exactly one does.
  private func uniqueMatch(_ listed: [KeySummary], key: String) -> KeySummary? {
    let matches = listed.filter { summary in
      summary.maskedValue.map { KeyMask.matches($0, key: key) } ?? false
    }
    return matches.count == 1 ? matches[0] : nil
  }

  /// A stored key becomes the profile's credential, replacing any token (SPEC §3 "keys").
  private func storeKey(_ key: CreatedKey, previousID: String?, context: ProfileContext) throws {
    try credentials.workspace.keystore.update { document in
      var record =
        document.profiles[context.name]
        ?? ProfileRecord.newRecord(for: context.profile, provider: context.provider)
      var stored = StoredCredentials()
      stored.apiKey = key.value
      stored.apiKeyID = key.id
      stored.previousAPIKeyID = previousID
      stored.password = record.credentials?.password
      record.credentials = stored
      record.flow = Flow.apiKey.rawValue
      document.profiles[context.name] = record
      if document.defaultProfile == nil { document.defaultProfile = context.name }
    }
  }

  /// Clears `previous_api_key_id` once that key is deleted.
  private func forgetDeleted(id: String, profile: String) throws {
    try credentials.workspace.keystore.update { document in
      if document.profiles[profile]?.credentials?.previousAPIKeyID == id {
        document.profiles[profile]?.credentials?.previousAPIKeyID = nil
      }
    }
  }
}
