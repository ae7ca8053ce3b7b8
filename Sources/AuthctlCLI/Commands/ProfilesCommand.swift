import AuthctlCore

/// `profiles list | show | use | remove`.
enum ProfilesCommand {
  struct SummaryJSON: Encodable {
    var name: String
    var provider: String?
    var isDefault: Bool
    var location: String
    var credential: String
    var expiresAt: String?

    enum CodingKeys: String, CodingKey {
      case name, provider
      case isDefault = "default"
      case location, credential
      case expiresAt = "expires_at"
    }

    init(_ summary: ProfileSummary) {
      name = summary.name
      provider = summary.provider
      isDefault = summary.isDefault
      location = summary.location
      credential = summary.credential
      expiresAt = summary.expiresAt.map(TimeText.timestamp)
    }
  }

  struct SettingJSON: Encodable {
    var value: String
    var source: String
  }

  /// `profiles show --json`: the summary and every setting with its source.
  struct ShowJSON: Encodable {
    var profile: SummaryJSON
    var settings: [String: SettingJSON]
  }

  /// `profiles remove --json`; `default` is the new default profile when the removed one was it.
  struct RemovedJSON: Encodable {
    var removed: String
    var `default`: String?
  }

  static func list(_ environment: CommandEnvironment) throws -> Int32 {
    let profiles = try ProfileService(workspace: environment.workspace).list()
    if environment.globals.json {
      environment.output.json(profiles.map(SummaryJSON.init))
      return 0
    }
    guard !profiles.isEmpty else {
      environment.output.info(
        "No profiles yet. Create one with: authctl login --provider NAME (see 'authctl providers').")
      return 0
    }
    var rows = [["", "NAME", "PROVIDER", "CREDENTIAL", "EXPIRES", "STORED IN"]]
    for profile in profiles {
      rows.append([
        profile.isDefault ? "*" : "", profile.name, profile.provider ?? "-", profile.credential,
        profile.expiresAt.map(TimeText.timestamp) ?? "-", profile.location,
      ])
    }
    environment.output.product(Table.render(rows))
    return 0
  }

  static func show(_ environment: CommandEnvironment) throws -> Int32 {
    let name = environment.invocation.arguments.first ?? environment.globals.profile
    let (profile, summary) = try ProfileService(workspace: environment.workspace).show(name: name)
    var settings: [(String, SettingJSON)] = []
    for field in ProfileField.allCases {
      guard let value = profile.value(field), let source = profile.source(field) else { continue }
      settings.append(
        (field.displayName, SettingJSON(value: field.isSecret ? "(set)" : value, source: source.description)))
    }
    if environment.globals.json {
      // One JSON document, so `profiles show --json` can be piped to a JSON parser.
      environment.output.json(
        ShowJSON(profile: SummaryJSON(summary), settings: Dictionary(settings) { first, _ in first }))
      return 0
    }
    var rows: [[String]] = [
      ["profile:", profile.name + (summary.isDefault ? " (default)" : "")],
      [
        "credential:",
        summary.credential + (summary.expiresAt.map { ", expires \(TimeText.timestamp($0))" } ?? ""),
      ],
    ]
    rows += settings.map { ["\($0.0):", $0.1.value, "from \($0.1.source)"] }
    environment.output.product(Table.render(rows))
    return 0
  }

  static func use(_ environment: CommandEnvironment) throws -> Int32 {
    let name = environment.invocation.arguments[0]
    try ProfileService(workspace: environment.workspace).use(name: name)
    if environment.globals.json { environment.output.json(["default": name]) }
    environment.output.info("Profile '\(name)' is now the default.")
    return 0
  }

  static func remove(_ environment: CommandEnvironment) throws -> Int32 {
    let name = environment.invocation.arguments[0]
    let newDefault = try ProfileService(workspace: environment.workspace).remove(name: name)
    if environment.globals.json { environment.output.json(RemovedJSON(removed: name, default: newDefault)) }
    environment.output.info(
      "Removed profile '\(name)' and its secrets from the keystore (the provider was not contacted; use 'logout' to end a session)."
        + (newDefault.map { " The default profile is now '\($0)'." } ?? ""))
    return 0
  }
}
