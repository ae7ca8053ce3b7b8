/// A JSON value whose numbers keep their text and whose objects keep order and repeated names, so a
/// mutation can produce any JSON a hostile peer could send (`1e400`, `{"a": 1, "a": "x"}`).
indirect enum FuzzJSON: Sendable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([FuzzJSON])
  case object([(String, FuzzJSON)])

  /// Parses well-formed sample JSON (the samples are written by hand; anything else is nil).
  static func parse(_ text: String) -> FuzzJSON? {
    var reader = Reader(bytes: Array(text.utf8))
    guard let value = reader.value() else { return nil }
    reader.skipSpace()
    return reader.offset == reader.bytes.count ? value : nil
  }

  var text: String {
    switch self {
    case .null: "null"
    case .bool(let value): value ? "true" : "false"
    case .number(let text): text
    case .string(let value): Self.quoted(value)
    case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
    case .object(let members):
      "{" + members.map { Self.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
    }
  }

  static func quoted(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  private struct Reader {
    let bytes: [UInt8]
    var offset = 0

    mutating func skipSpace() {
      while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    mutating func value() -> FuzzJSON? {
      skipSpace()
      guard offset < bytes.count else { return nil }
      switch bytes[offset] {
      case UInt8(ascii: "{"): return object()
      case UInt8(ascii: "["): return array()
      case UInt8(ascii: "\""): return string().map { .string($0) }
      case UInt8(ascii: "t"): return literal("true", .bool(true))
      case UInt8(ascii: "f"): return literal("false", .bool(false))
      case UInt8(ascii: "n"): return literal("null", .null)
      default: return number()
      }
    }

    private mutating func literal(_ word: String, _ value: FuzzJSON) -> FuzzJSON? {
      guard bytes[offset...].starts(with: word.utf8) else { return nil }
      offset += word.utf8.count
      return value
    }

    private mutating func number() -> FuzzJSON? {
      let start = offset
      while offset < bytes.count, "+-0123456789.eE".utf8.contains(bytes[offset]) { offset += 1 }
      return offset > start ? .number(String(decoding: bytes[start..<offset], as: UTF8.self)) : nil
    }

    private mutating func string() -> String? {
      offset += 1
      var raw: [UInt8] = []
      while offset < bytes.count {
        let byte = bytes[offset]
        offset += 1
        if byte == UInt8(ascii: "\"") {
          return String(decoding: raw, as: UTF8.self)
        }
        guard byte == UInt8(ascii: "\\"), offset < bytes.count else {
          raw.append(byte)
          continue
        }
        let escape = bytes[offset]
        offset += 1
        let plain: [UInt8: String] = [
          UInt8(ascii: "n"): "\n", UInt8(ascii: "t"): "\t", UInt8(ascii: "r"): "\r",
          UInt8(ascii: "b"): "\u{8}",
          UInt8(ascii: "f"): "\u{C}",
        ]
        if let text = plain[escape] {
          raw += Array(text.utf8)
        } else if escape == UInt8(ascii: "u"), offset + 4 <= bytes.count,
          let code = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
        {
          offset += 4
          raw += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
        } else {
          raw.append(escape)
        }
      }
      return nil
    }

    private mutating func array() -> FuzzJSON? {
      offset += 1
      var items: [FuzzJSON] = []
      skipSpace()
      if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
        offset += 1
        return .array(items)
      }
      while let item = value() {
        items.append(item)
        skipSpace()
        guard offset < bytes.count else { return nil }
        offset += 1
        if bytes[offset - 1] == UInt8(ascii: "]") { return .array(items) }
      }
      return nil
    }

    private mutating func object() -> FuzzJSON? {
      offset += 1
      var members: [(String, FuzzJSON)] = []
      skipSpace()
      if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
        offset += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\""), let name = string() else {
          return nil
        }
        skipSpace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { return nil }
        offset += 1
        guard let item = value() else { return nil }
        members.append((name, item))
        skipSpace()
        guard offset < bytes.count else { return nil }
        offset += 1
        if bytes[offset - 1] == UInt8(ascii: "}") { return .object(members) }
      }
    }
  }
}
