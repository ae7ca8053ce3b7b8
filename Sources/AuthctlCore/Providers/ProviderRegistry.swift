/// The built-in providers, in the order `providers` lists them.
package enum ProviderRegistry {
  package static let all: [any Provider] = [
    OpenIDProvider.emergence, CraftProvider(), EmbermindProvider(), KnowledgeStackProvider(),
    MetakraftwerkProvider(),
    OpenIDProvider.generic,
  ]

  package static func named(_ name: String) -> (any Provider)? {
    all.first { $0.descriptor.name == name }
  }

  package static var names: [String] { all.map(\.descriptor.name) }
}
