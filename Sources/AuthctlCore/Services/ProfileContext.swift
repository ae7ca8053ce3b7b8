/// A resolved profile with its provider and the credential commands use, as found before any refresh.
package struct ProfileContext {
  package var profile: ResolvedProfile
  package var provider: any Provider
  package var credential: Credential?
  package var timing: TokenTiming
  /// Where the credential came from: a variable name, or nil for the keystore.
  package var credentialVariable: String?

  package var name: String { profile.name }

  /// Loads the selected profile, decoding only its record of the keystore (`token`, `header`, `check`).
  package static func load(_ workspace: Workspace, option: String?) throws -> ProfileContext {
    let resolver = workspace.resolver
    let document = try workspace.keystore.read { resolver.selectedName(option: option, defaultProfile: $0) }
    return try load(workspace, option: option, document: document)
  }

  /// Loads the selected profile; one that exists neither in the keystore nor the environment is an error (exit 3).
  package static func load(
    _ workspace: Workspace, option: String?, document: KeystoreDocument?
  ) throws -> ProfileContext {
    let resolver = workspace.resolver
    let name = resolver.selectedName(option: option, document: document)
    guard ProfileName.isValid(name) else { throw CredentialError.invalidProfileName(name) }
    let profile = resolver.resolve(name: name, document: document)
    guard profile.exists else { throw CredentialError.profileNotFound(profile: name) }
    return try from(profile)
  }

  package static func from(_ profile: ResolvedProfile) throws -> ProfileContext {
    guard let providerName = profile.provider, let provider = ProviderRegistry.named(providerName) else {
      throw CredentialError.unknownProvider(profile: profile.name, provider: profile.provider)
    }
    var context = ProfileContext(
      profile: profile, provider: provider, credential: nil, timing: TokenTiming(nil))
    if let key = profile.value(.apiKey), profile.isFromEnvironment(.apiKey) {
      context.credential = .apiKey(key)
      context.credentialVariable = variable(profile, .apiKey)
    } else if let token = profile.value(.accessToken), profile.isFromEnvironment(.accessToken) {
      context.credential = .accessToken(token)
      let claims = JWTClaims.decode(token)
      context.timing = TokenTiming(
        expiresAt: claims?.exp.map { Int64($0) }, issuedAt: claims?.iat.map { Int64($0) })
      context.credentialVariable = variable(profile, .accessToken)
    } else if let stored = profile.stored?.credentials, context.storedCredentialsApply {
      if let token = stored.accessToken {
        context.credential = .accessToken(token)
        context.timing = TokenTiming(stored)
      } else if let key = stored.apiKey {
        context.credential = .apiKey(key)
      }
    }
    return context
  }

  /// Stored credentials serve only the API they came from: an overriding base URL never receives them.
  package var storedCredentialsApply: Bool {
    guard let stored = profile.stored else { return false }
    let locator = provider.descriptor.locator
    let effective = profile.value(locator) ?? provider.descriptor.defaultBaseURL
    return (locator.stored(in: stored) ?? provider.descriptor.defaultBaseURL) == effective
  }

  /// False for an OAuth token with neither a refresh token nor client credentials to get another one.
  package var hasRenewalMaterial: Bool {
    guard provider.descriptor.renewal == .refreshToken else { return true }
    if storedCredentialsApply, profile.stored?.credentials?.refreshToken != nil { return true }
    return profile.value(.clientSecret) != nil && provider.descriptor.flows.contains(.clientCredentials)
  }

  /// A password for a renewal that needs no prompt: from the environment or remembered in the keystore.
  package var availablePassword: String? {
    profile.value(.password)
  }

  private static func variable(_ profile: ResolvedProfile, _ field: ProfileField) -> String? {
    if case .environment(let variable) = profile.source(field) { return variable }
    return nil
  }
}
