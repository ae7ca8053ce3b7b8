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

  struct HeaderJSON: Encodable {
    var profile: String
    var headers: [String: String]
  }

  static func token(_ environment: CommandEnvironment) throws -> Int32 {
    let format = try TokenFormat.from(environment.invocation, json: environment.globals.json)
    let obtained = try obtain(environment)
    let expiresAt = obtained.timing.expiresAt
    switch format {
    case .raw, .json: return print(obtained, environment, json: format == .json)
    case .env:
      warn(obtained, environment)
      environment.output.product(TokenText.env(token: obtained.credential.secret, expiresAt: expiresAt))
    case .execCredential:
      warn(obtained, environment)
      environment.output.product(
        TokenText.execCredential(token: obtained.credential.secret, expiresAt: expiresAt))
    }
    return 0
  }

  /// A credential valid for at least `--min-valid` (renewed first when it is not), with a warning when even
  /// a renewed one is not (the provider issues shorter-lived tokens).
  static func obtain(_ environment: CommandEnvironment) throws -> Obtained {
    let minimum = try DurationValue.minimumValidity(environment.invocation)
    var obtained = try environment.credentials(minimumValidity: minimum).obtain()
    let now = environment.context.clock.now()
    if minimum > 0, obtained.warnings.isEmpty, let left = obtained.timing.secondsLeft(now: now),
      Double(left) < minimum
    {
      obtained.warnings.append(
        "the token is valid for \(TimeText.duration(left)) only, less than --min-valid \(TimeText.duration(Int64(minimum)))"
      )
    }
    return obtained
  }

  // SPEC §3: `refresh` gets a new token now; an API key cannot be refreshed (exit 8).
  static func refresh(_ environment: CommandEnvironment) throws -> Int32 {
    let obtained = try environment.credentials.obtain(forceRenewal: true)
    return print(obtained, environment, json: environment.globals.json)
  }

  static func header(_ environment: CommandEnvironment) throws -> Int32 {
    let obtained = try obtain(environment)
    warn(obtained, environment)
    let headers = obtained.context.provider.headers(
      for: obtained.credential, profile: obtained.context.profile)
    if environment.globals.json {
      environment.output.json(
        HeaderJSON(
          profile: obtained.context.name,
          headers: Dictionary(headers.map { ($0.name, $0.value) }) { first, _ in first }))
    } else {
      environment.output.product(headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
    }
    return 0
  }

  private static func print(_ obtained: Obtained, _ environment: CommandEnvironment, json: Bool) -> Int32 {
    warn(obtained, environment)
    if json {
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
