import FoundationEssentials

/// Any JSON value, for answers whose shape a seed leaves open (error envelopes, lists).
package enum JSONValue: Decodable, Sendable, Equatable {
  case string(String)
  case number(Double)
  case bool(Bool)
  case object([String: JSONValue])
  case array([JSONValue])
  case null

  /// Provider answers are a few levels deep. Each level here costs a cascade of failed decodes, so the time
  /// grows with the cube of the depth: a hostile 400 KiB answer nested 500 deep took minutes (issue 6).
  static let maximumDepth = 32

  package init(from decoder: any Decoder) throws {
    guard decoder.codingPath.count < Self.maximumDepth else {
      let reason = "nested deeper than \(Self.maximumDepth) levels"
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: reason))
    }
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  package static func parse(_ bytes: [UInt8]) -> JSONValue? {
    try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
  }

  package subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// The value as text: strings as they are, numbers without a needless `.0`.
  package var text: String? {
    switch self {
    case .string(let value): return value
    case .number(let value):
      return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    case .bool(let value): return String(value)
    default: return nil
    }
  }

  package var array: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }

  package var strings: [String]? {
    array?.compactMap(\.text)
  }
}
