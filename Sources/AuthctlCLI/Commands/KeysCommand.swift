import AuthctlCore

/// `keys create | list | delete | rotate`, where the provider has a key API.
enum KeysCommand {
  struct KeyJSON: Encodable {
    var id: String
    var name: String?
    var key: String?
    var createdAt: String?
    var stored: Bool?
    /// `keys rotate`: the id of the key the new one replaced.
    var previousID: String? = nil

    enum CodingKeys: String, CodingKey {
      case id, name, key
      case createdAt = "created_at"
      case stored
      case previousID = "previous_id"
    }
  }

  static func create(_ environment: CommandEnvironment) throws -> Int32 {
    guard let name = environment.invocation.value("name"), !name.isEmpty else {
      throw UsageError("'keys create' needs --name NAME", command: "keys create")
    }
    let store = environment.invocation.flag("store")
    let service = KeyService(credentials: environment.credentials)
    let (profile, key, storeFailure) = try service.create(name: name, store: store)
    // SPEC §3: the value is printed even when storing failed, since it cannot be shown again.
    if environment.globals.json {
      environment.output.json(
        KeyJSON(
          id: key.id, name: key.name, key: key.value, createdAt: key.createdAt,
          stored: store && storeFailure == nil))
    } else {
      environment.output.product(key.value)
    }
    if let storeFailure {
      let report = ErrorReport.key(storeFailure)
      environment.output.error(report, profile: profile)
      return report.exitCode
    }
    environment.output.info(
      "Created API key \(key.id) for profile '\(profile)'\(store ? "; it is now the profile's credential" : "; it is shown only once")."
    )
    return 0
  }

  static func list(_ environment: CommandEnvironment) throws -> Int32 {
    let (_, keys) = try KeyService(credentials: environment.credentials).list()
    if environment.globals.json {
      environment.output.json(
        keys.map { KeyJSON(id: $0.id, name: $0.name, key: $0.maskedValue, createdAt: $0.createdAt) })
      return 0
    }
    var rows = [["ID", "NAME", "KEY", "CREATED"]]
    for key in keys {
      rows.append(
        [key.id, key.name ?? "-", key.maskedValue ?? "-", key.createdAt ?? "-"].map(ErrorReport.sanitize))
    }
    environment.output.product(Table.render(rows))
    return 0
  }

  static func delete(_ environment: CommandEnvironment) throws -> Int32 {
    let id = environment.invocation.arguments[0]
    let profile = try KeyService(credentials: environment.credentials).delete(id: id)
    if environment.globals.json { environment.output.json(["deleted": id, "profile": profile]) }
    environment.output.info("Deleted API key \(id) (profile '\(profile)').")
    return 0
  }

  static func rotate(_ environment: CommandEnvironment) throws -> Int32 {
    let rotation: Rotation
    do {
      rotation = try KeyService(credentials: environment.credentials).rotate(
        name: environment.invocation.value("name"))
    } catch KeyError.oldKeyNotDeleted(let partial, let failure) {
      // SPEC §3: the new key exists and cannot be shown again, so it is printed before the error.
      printNewKey(partial, environment)
      throw KeyError.oldKeyNotDeleted(partial, failure: failure)
    }
    let key = rotation.newKey
    printNewKey(rotation, environment)
    if let variable = rotation.environmentVariable {
      environment.output.warning(
        "profile '\(rotation.profile)': the key came from \(variable); the new key was not stored and the old key \(rotation.oldKeyID) is deleted: update \(variable) with the new key now"
      )
    } else {
      environment.output.info(
        "Rotated the API key of profile '\(rotation.profile)': new key \(key.id) stored, old key \(rotation.oldKeyID) deleted."
      )
    }
    return 0
  }

  private static func printNewKey(_ rotation: Rotation, _ environment: CommandEnvironment) {
    let key = rotation.newKey
    if environment.globals.json {
      environment.output.json(
        KeyJSON(
          id: key.id, name: key.name, key: key.value, createdAt: key.createdAt,
          stored: rotation.environmentVariable == nil, previousID: rotation.oldKeyID))
    } else {
      environment.output.product(key.value)
    }
  }
}
