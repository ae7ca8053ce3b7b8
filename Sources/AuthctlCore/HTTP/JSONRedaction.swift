/// Masks the values of secret-named keys in JSON text, tolerating broken or truncated JSON.
enum JSONRedaction {
  private static let quote = UInt8(ascii: "\"")
  private static let backslash = UInt8(ascii: "\\")
  private static let colon = UInt8(ascii: ":")
  private static let masked = Array("\"\(TraceRedactor.mask)\"".utf8)

  /// Whether the bytes look like a JSON object or array.
  static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
    let first = bytes.first { !isSpace($0) }
    return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
  }

  /// The text with every `"secret-key": value` pair's value replaced by `"[redacted]"`.
  static func redact(_ input: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(input.count)
    var index = 0
    while index < input.count {
      guard input[index] == quote else {
        output.append(input[index])
        index += 1
        continue
      }
      let keyEnd = stringEnd(input, from: index)
      let key = contents(input[index..<keyEnd])
      output += input[index..<keyEnd]
      index = keyEnd
      let colonIndex = skipSpaces(input, from: keyEnd)
      guard colonIndex < input.count, input[colonIndex] == colon else { continue }
      let valueStart = skipSpaces(input, from: colonIndex + 1)
      output += input[keyEnd..<valueStart]
      index = valueStart
      guard valueStart < input.count, SecretNames.isSecretKey(key) else { continue }
      // Objects and arrays are not masked whole: their own keys are scanned in turn.
      let valueEnd: Int
      switch input[valueStart] {
      case quote: valueEnd = stringEnd(input, from: valueStart)
      case UInt8(ascii: "{"), UInt8(ascii: "["): continue
      default: valueEnd = scalarEnd(input, from: valueStart)
      }
      let value = contents(input[valueStart..<valueEnd])
      guard !["null", "true", "false"].contains(value), SecretNames.shouldRedact(key: key, value: value)
      else {
        continue
      }
      output += masked
      index = valueEnd
    }
    return output
  }

  /// The index just past the string literal starting at `start`, or the end of an unterminated one.
  private static func stringEnd(_ input: [UInt8], from start: Int) -> Int {
    var index = start + 1
    while index < input.count {
      if input[index] == backslash {
        index += 2
      } else if input[index] == quote {
        return index + 1
      } else {
        index += 1
      }
    }
    return input.count
  }

  /// The index just past a number or literal: the next `,`, `}`, `]` or space.
  private static func scalarEnd(_ input: [UInt8], from start: Int) -> Int {
    let stops: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")]
    var index = start
    while index < input.count, !stops.contains(input[index]), !isSpace(input[index]) { index += 1 }
    return index
  }

  private static func skipSpaces(_ input: [UInt8], from start: Int) -> Int {
    var index = start
    while index < input.count, isSpace(input[index]) { index += 1 }
    return index
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }

  /// A literal's text without its quotes (escapes left as they are).
  private static func contents(_ literal: ArraySlice<UInt8>) -> String {
    var text = literal
    if text.first == quote { text = text.dropFirst() }
    if text.last == quote { text = text.dropLast() }
    return String(decoding: text, as: UTF8.self)
  }
}
