import FoundationEssentials

/// Knowledge Stack's key API (seed 003): `POST`, `GET` and `DELETE /v1/api-keys`.
struct KnowledgeStackKeys: KeyAPI {
  let provider: KnowledgeStackProvider

  struct CreateRequest: Encodable {
    var name: String
  }

  /// seed 003: `{"id", "name", "key", "created_at"}`; the full key is only returned here.
  struct CreateResponse: Decodable {
    var id: String
    var name: String?
    var key: String
    var createdAt: String?

    enum CodingKeys: String, CodingKey {
      case id, name, key
      case createdAt = "created_at"
    }
  }

  func create(name: String, credential: Credential, api: ProviderAPI) throws(ProviderFailure) -> CreatedKey {
    let operation = "create the API key '\(name)'"
    let response = try api.call(
      operation, "POST", "/v1/api-keys", headers: provider.headers(for: credential, profile: nil),
      json: CreateRequest(name: name))
    let answer = try api.decode(CreateResponse.self, from: response, operation)
    guard !answer.key.isEmpty, !answer.id.isEmpty else {
      throw api.failure(operation, .malformedAnswer("the answer has an empty key or id"))
    }
    return CreatedKey(id: answer.id, name: answer.name, value: answer.key, createdAt: answer.createdAt)
  }

  // The seed shows no list answer: accept a bare array or one under items/data/api_keys/keys.
  func list(credential: Credential, api: ProviderAPI) throws(ProviderFailure) -> [KeySummary] {
    let operation = "list the API keys"
    let response = try api.call(
      operation, "GET", "/v1/api-keys", headers: provider.headers(for: credential, profile: nil))
    let json = JSONValue.parse(response.body)
    let items =
      json?.array ?? ["items", "data", "api_keys", "keys"].lazy.compactMap { json?[$0]?.array }.first
    guard let items else {
      throw api.failure(operation, .malformedAnswer("the answer is not a list of keys"))
    }
    return try items.map { item throws(ProviderFailure) in
      guard let id = item["id"]?.text else {
        throw api.failure(operation, .malformedAnswer("a listed key has no id"))
      }
      let visible = ["prefix", "key_prefix", "masked_key", "key_preview", "key"].lazy.compactMap {
        item[$0]?.text
      }.first
      return KeySummary(
        id: id, name: item["name"]?.text, maskedValue: visible.map(KeyMask.mask),
        createdAt: item["created_at"]?.text)
    }
  }

  func delete(id: String, credential: Credential, api: ProviderAPI) throws(ProviderFailure) {
    let escaped = PercentEncoding.pathSegment(id)
    _ = try api.call(
      "delete the API key \(id)", "DELETE", "/v1/api-keys/\(escaped)",
      headers: provider.headers(for: credential, profile: nil))
  }
}

/// Masks a key for display: never more than its first 12 characters (SPEC §3: `keys list` never shows a key).
package enum KeyMask {
  package static func mask(_ value: String) -> String {
    let visible = value.prefix { $0 != "…" && $0 != "*" }.prefix(12)
    return visible + "…"
  }

  /// Whether a masked prefix as listed could belong to `key`.
  package static func matches(_ masked: String, key: String) -> Bool {
    let visible = masked.prefix { $0 != "…" && $0 != "*" && $0 != "." }
    return visible.count >= 4 && key.hasPrefix(visible)
  }
}
