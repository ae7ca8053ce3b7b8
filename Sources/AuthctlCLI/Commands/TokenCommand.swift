import AuthctlCore

/// `token`, `refresh` and `header`: a valid credential on stdout, renewed first when due.
enum TokenCommand {
  struct TokenJSON: Encodable {
    var profile: String
    var provider: String
    var token: String
    var kind: String
    var expiresAt: String?
    var expiresIn: Int64?

    enum CodingKeys: String, CodingKey {
      case profile, provider, token, kind
      case expiresAt = "expires_at"
      case expiresIn = "expires_in"
    }
  }

  static func token(_ environment: CommandEnvironment) throws -> Int32 {
    print(try environment.credentials.obtain(), environment)
  }

  // SPEC §3: `refresh` gets a new token now; an API key cannot be refreshed (exit 8).
  static func refresh(_ environment: CommandEnvironment) throws -> Int32 {
    let obtained = try environment.credentials.obtain(forceRenewal: true)
    return print(obtained, environment)
  }

  static func header(_ environment: CommandEnvironment) throws -> Int32 {
    let obtained = try environment.credentials.obtain()
    warn(obtained, environment)
    let headers = obtained.context.provider.headers(
      for: obtained.credential, profile: obtained.context.profile)
    if environment.globals.json {
      environment.output.json(Dictionary(headers.map { ($0.name, $0.value) }) { first, _ in first })
    } else {
      environment.output.product(headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
    }
    return 0
  }

  private static func print(_ obtained: Obtained, _ environment: CommandEnvironment) -> Int32 {
    warn(obtained, environment)
    if environment.globals.json {
      let now = Int64(environment.context.clock.now())
      environment.output.json(
        TokenJSON(
          profile: obtained.context.name, provider: obtained.context.provider.descriptor.name,
          token: obtained.credential.secret, kind: ProfileKind.name(obtained.credential),
          expiresAt: obtained.timing.expiresAt.map(TimeText.timestamp),
          expiresIn: obtained.timing.expiresAt.map { $0 - now }))
    } else {
      environment.output.product(obtained.credential.secret)
    }
    return 0
  }

  static func warn(_ obtained: Obtained, _ environment: CommandEnvironment) {
    for warning in obtained.warnings {
      environment.output.warning("profile '\(obtained.context.name)': \(warning)")
    }
  }
}

/// The JSON names of credential kinds.
enum ProfileKind {
  static func name(_ credential: Credential?) -> String {
    switch credential {
    case .apiKey?: "api_key"
    case .accessToken?: "access_token"
    case nil: "none"
    }
  }
}
