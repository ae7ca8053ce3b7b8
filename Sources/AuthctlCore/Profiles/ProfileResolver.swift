/// Where a profile's setting came from, as `profiles show` reports it.
package enum SettingSource: Sendable, Equatable {
  case option
  case environment(variable: String)
  case keystore

  package var description: String {
    switch self {
    case .option: "command-line option"
    case .environment(let variable): "environment (\(variable))"
    case .keystore: "keystore"
    }
  }
}

/// A profile with every field merged from options, environment and keystore (SPEC §5 precedence).
package struct ResolvedProfile: Sendable {
  package var name: String
  package var values: ProfileValues
  /// The keystore's record of this profile, if it has one.
  package var stored: StoredProfile?
  package var existsInEnvironment: Bool

  package func value(_ field: ProfileField) -> String? { values[field]?.value }
  package func source(_ field: ProfileField) -> SettingSource? { values[field]?.source }
  package var provider: String? { value(.provider) }
  package var exists: Bool { stored != nil || existsInEnvironment }

  /// True when a secret of this field came from the environment: it is never written to disk.
  package func isFromEnvironment(_ field: ProfileField) -> Bool {
    if case .environment = source(field) { return true }
    return false
  }
}

/// Each field's value and where it came from.
package struct ProfileValues: Sendable {
  // Keyed by the field's name: a first Dictionary keyed by ProfileField costs each start 0.2 M instructions
  // of run-time conformance lookup (issue 5), where String keys are already looked up for the environment.
  private var byName: [String: (value: String, source: SettingSource)] = [:]

  package subscript(field: ProfileField) -> (value: String, source: SettingSource)? {
    get { byName[field.rawValue] }
    set { byName[field.rawValue] = newValue }
  }
}

/// Merges options, `AUTHCTL_PROFILE_<NAME>_<FIELD>`, `AUTHCTL_<FIELD>` and the keystore into a profile.
package struct ProfileResolver: Sendable {
  package var environment: [String: String]

  package init(environment: [String: String]) {
    self.environment = environment
  }

  /// The profile a command acts on: `-p`, then `AUTHCTL_PROFILE`, then the keystore default, then `default`.
  package func selectedName(option: String?, document: KeystoreDocument?) -> String {
    selectedName(option: option, defaultProfile: document?.defaultProfile)
  }

  /// The same choice, given the keystore's `default_profile` alone.
  package func selectedName(option: String?, defaultProfile: String?) -> String {
    if let option { return option }
    if let named = environment["AUTHCTL_PROFILE"], !named.isEmpty { return named }
    return defaultProfile ?? "default"
  }

  /// Resolves one profile; plain `AUTHCTL_<FIELD>` variables apply only to the selected profile.
  package func resolve(
    name: String, document: KeystoreDocument?, options: [ProfileField: String] = [:], isSelected: Bool = true
  ) -> ResolvedProfile {
    let stored = document?.profiles[name]
    var values = ProfileValues()
    var inEnvironment = false
    let prefix = "AUTHCTL_PROFILE_\(ProfileName.environmentForm(name))_"
    for field in ProfileField.allCases {
      if let value = options[field] {
        values[field] = (value, .option)
      } else if let value = nonEmpty(prefix + field.rawValue) {
        values[field] = (value, .environment(variable: prefix + field.rawValue))
        inEnvironment = true
      } else if isSelected, let value = nonEmpty("AUTHCTL_" + field.rawValue) {
        values[field] = (value, .environment(variable: "AUTHCTL_" + field.rawValue))
        inEnvironment = true
      } else if let stored, let value = field.stored(in: stored) {
        values[field] = (value, .keystore)
      }
    }
    return ResolvedProfile(name: name, values: values, stored: stored, existsInEnvironment: inEnvironment)
  }

  /// Every profile a command could name: the keystore's, the environment's, and the selected one when plain
  /// `AUTHCTL_<FIELD>` variables make it (SPEC §5); sorted.
  package func knownProfileNames(document: KeystoreDocument?) -> [String] {
    var names = Set(document?.profiles.keys.map { $0 } ?? [])
    names.formUnion(environmentProfileNames())
    let selected = selectedName(option: nil, document: document)
    if resolve(name: selected, document: nil, isSelected: true).existsInEnvironment { names.insert(selected) }
    return names.sorted()
  }

  /// Names of profiles that live in `AUTHCTL_PROFILE_<NAME>_<FIELD>` variables.
  package func environmentProfileNames() -> [String] {
    var names: Set<String> = []
    let fields = ProfileField.allCases.map(\.rawValue).sorted { $0.count > $1.count }
    for (key, value) in environment where key.hasPrefix("AUTHCTL_PROFILE_") && !value.isEmpty {
      let rest = key.dropFirst("AUTHCTL_PROFILE_".count)
      guard let field = fields.first(where: { rest.hasSuffix("_" + $0) }) else { continue }
      let upper = rest.dropLast(field.count + 1)
      let name = upper.lowercased().replacing("_", with: "-")
      if ProfileName.isValid(name) { names.insert(name) }
    }
    return names.sorted()
  }

  private func nonEmpty(_ key: String) -> String? {
    guard let value = environment[key], !value.isEmpty else { return nil }
    return value
  }
}
