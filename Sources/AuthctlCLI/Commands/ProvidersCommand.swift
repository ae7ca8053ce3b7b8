import AuthctlCore

/// `providers`: the built-in providers and what each supports.
enum ProvidersCommand {
  struct ProviderJSON: Encodable {
    var name: String
    var summary: String
    var flows: [String]
    var defaultBaseURL: String
    var refresh: String
    var keys: Bool
    var logout: String?

    enum CodingKeys: String, CodingKey {
      case name, summary, flows
      case defaultBaseURL = "default_base_url"
      case refresh, keys, logout
    }
  }

  static func run(_ environment: CommandEnvironment) throws -> Int32 {
    let rows = ProviderRegistry.all.map(\.descriptor).map { descriptor in
      ProviderJSON(
        name: descriptor.name, summary: descriptor.summary, flows: descriptor.flows.map(\.rawValue),
        defaultBaseURL: descriptor.defaultBaseURL, refresh: refresh(descriptor.renewal),
        keys: descriptor.hasKeyAPI,
        logout: descriptor.logoutEndpoint)
    }
    if environment.globals.json {
      environment.output.json(rows)
      return 0
    }
    var table = [["PROVIDER", "FLOWS", "REFRESH", "KEYS", "DEFAULT BASE URL"]]
    for row in rows {
      table.append([
        row.name, row.flows.joined(separator: ","), row.refresh, row.keys ? "yes" : "no", row.defaultBaseURL,
      ])
    }
    environment.output.product(Table.render(table))
    return 0
  }

  static func refresh(_ method: RenewalMethod) -> String {
    switch method {
    case .none: "not needed"
    case .passwordLogin: "password sign-in"
    case .renewalEndpointThenPassword: "renewal endpoint, then password"
    case .refreshToken: "refresh token"
    }
  }
}
