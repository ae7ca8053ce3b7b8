import FoundationEssentials

/// The whole keystore file: `{"version": 1, "default_profile": ..., "profiles": {...}}`.
package struct KeystoreDocument: Codable, Sendable, Equatable {
  /// The only format version this build reads and writes.
  package static let currentVersion = 1

  package var version: Int
  package var defaultProfile: String?
  package var profiles: [String: StoredProfile]

  package init(
    version: Int = KeystoreDocument.currentVersion, defaultProfile: String? = nil,
    profiles: [String: StoredProfile] = [:]
  ) {
    self.version = version
    self.defaultProfile = defaultProfile
    self.profiles = profiles
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case version
    case defaultProfile = "default_profile"
    case profiles
  }
}
