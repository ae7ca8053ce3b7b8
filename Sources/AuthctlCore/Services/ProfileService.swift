/// One line of `profiles list`.
package struct ProfileSummary: Sendable, Equatable {
  package var name: String
  package var provider: String?
  package var isDefault: Bool
  /// `keystore`, `environment`, or `keystore+environment`.
  package var location: String
  /// `API key`, `access token`, or `none`.
  package var credential: String
  package var expiresAt: Int64?
}

/// `profiles list | show | use | remove` (SPEC §2).
package struct ProfileService {
  package let workspace: Workspace

  package init(workspace: Workspace) {
    self.workspace = workspace
  }

  package func list() throws -> [ProfileSummary] {
    Self.summaries(document: try workspace.keystore.read(), resolver: workspace.resolver)
  }

  /// A summary of every profile the keystore and the environment know (`profiles list`, completion).
  package static func summaries(document: KeystoreDocument?, resolver: ProfileResolver) -> [ProfileSummary] {
    let selected = resolver.selectedName(option: nil, document: document)
    return resolver.knownProfileNames(document: document).map { name in
      let profile = resolver.resolve(name: name, document: document, isSelected: name == selected)
      let context = try? ProfileContext.from(profile)
      let location = [
        profile.stored != nil ? "keystore" : nil, profile.existsInEnvironment ? "environment" : nil,
      ]
      .compactMap { $0 }.joined(separator: "+")
      return ProfileSummary(
        name: name, provider: profile.provider, isDefault: document?.defaultProfile == name,
        location: location,
        credential: kind(context?.credential), expiresAt: context?.timing.expiresAt)
    }
  }

  /// The profile with every setting and its source; secrets are reported only as present.
  package func show(name: String?) throws -> (ResolvedProfile, ProfileSummary) {
    let document = try workspace.keystore.read()
    let context = try ProfileContext.load(workspace, option: name, document: document)
    let summary = Self.summaries(document: document, resolver: workspace.resolver).first {
      $0.name == context.name
    }
    return (
      context.profile,
      summary
        ?? ProfileSummary(
          name: context.name, provider: context.profile.provider, isDefault: false, location: "environment",
          credential: Self.kind(context.credential), expiresAt: context.timing.expiresAt)
    )
  }

  package func use(name: String) throws {
    guard ProfileName.isValid(name) else { throw CredentialError.invalidProfileName(name) }
    let document = try workspace.keystore.read()
    let profile = workspace.resolver.resolve(name: name, document: document, isSelected: false)
    guard profile.exists else { throw CredentialError.profileNotFound(profile: name) }
    try workspace.keystore.update { document in document.defaultProfile = name }
  }

  /// Removes the profile from the keystore; returns the new default, if the removed one was it.
  package func remove(name: String) throws -> String? {
    guard ProfileName.isValid(name) else { throw CredentialError.invalidProfileName(name) }
    guard try workspace.keystore.read()?.profiles[name] != nil else {
      if workspace.resolver.resolve(name: name, document: nil, isSelected: false).existsInEnvironment {
        throw CredentialError.conflictingInput(
          "profile '\(name)' lives only in environment variables (AUTHCTL_PROFILE_\(ProfileName.environmentForm(name))_*); unset them to remove it"
        )
      }
      throw CredentialError.profileNotFound(profile: name)
    }
    return try workspace.keystore.update { document in
      document.profiles[name] = nil
      if document.defaultProfile == name { document.defaultProfile = document.profiles.keys.sorted().first }
      return document.defaultProfile
    }
  }

  static func kind(_ credential: Credential?) -> String {
    switch credential {
    case .apiKey?: "API key"
    case .accessToken?: "access token"
    case nil: "none"
    }
  }
}
