/// The first syntax error in a JSON text: its byte offset and what was expected there.
struct JSONSyntaxError: Error, Equatable {
  let offset: Int
  let expected: String
}

/// A strict RFC 8259 scanner that finds where a JSON text breaks, which JSONDecoder does not say.
struct JSONScanner {
  /// Deeper nesting is refused rather than risking the stack on hostile input.
  static let maximumDepth = 512

  let bytes: [UInt8]
  var offset = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The first syntax error in `bytes`, or nil when they are one valid JSON value.
  static func firstError(in bytes: [UInt8]) -> JSONSyntaxError? {
    var scanner = JSONScanner(bytes)
    do {
      try scanner.skipValue(depth: 0)
      scanner.skipWhitespace()
      guard scanner.offset == bytes.count else {
        return JSONSyntaxError(offset: scanner.offset, expected: "the end of the document")
      }
      return nil
    } catch {
      return error
    }
  }

  mutating func skipWhitespace() {
    // RFC 8259 §2: space, tab, line feed, carriage return.
    while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
  }

  /// Skips one value, with the whitespace before it.
  mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
    skipWhitespace()
    guard depth < Self.maximumDepth else { throw failure("at most \(Self.maximumDepth) nested levels") }
    guard let byte = peek() else { throw failure("a value") }
    switch byte {
    case UInt8(ascii: "{"): try skipContainer(close: "}", depth: depth, isObject: true)
    case UInt8(ascii: "["): try skipContainer(close: "]", depth: depth, isObject: false)
    case UInt8(ascii: "\""): _ = try scanString()
    case UInt8(ascii: "t"): try skipLiteral("true")
    case UInt8(ascii: "f"): try skipLiteral("false")
    case UInt8(ascii: "n"): try skipLiteral("null")
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
    default: throw failure("a value")
    }
  }

  /// Scans a string at `offset` and returns the range of its contents, without the quotes.
  mutating func scanString() throws(JSONSyntaxError) -> Range<Int> {
    try expect("\"", "'\"'")
    let start = offset
    while let byte = peek() {
      switch byte {
      case UInt8(ascii: "\""):
        offset += 1
        return start..<(offset - 1)
      case UInt8(ascii: "\\"):
        offset += 1
        if peek() == UInt8(ascii: "u") {
          offset += 1
          for _ in 0..<4 {
            guard let digit = peek(), digit.isHexDigit else { throw failure("four hex digits after \\u") }
            offset += 1
          }
        } else {
          guard let escaped = peek(), Array(#""\/bfnrt"#.utf8).contains(escaped) else {
            throw failure(#"an escape: \" \\ \/ \b \f \n \r \t or \u"#)
          }
          offset += 1
        }
      case 0x00..<0x20: throw failure("'\"' (control characters in strings must be escaped)")
      default: offset += 1
      }
    }
    throw failure("'\"' to end the string")
  }

  private mutating func skipContainer(close: Character, depth: Int, isObject: Bool) throws(JSONSyntaxError) {
    offset += 1
    skipWhitespace()
    if peek() == close.asciiValue {
      offset += 1
      return
    }
    while true {
      if isObject {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw failure("a member name in double quotes") }
        _ = try scanString()
        skipWhitespace()
        try expect(":", "':' after the member name")
      }
      try skipValue(depth: depth + 1)
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        offset += 1
      } else {
        try expect(close, "',' or '\(close)'")
        return
      }
    }
  }

  private mutating func skipLiteral(_ word: String) throws(JSONSyntaxError) {
    for byte in word.utf8 {
      guard peek() == byte else { throw failure("'\(word)'") }
      offset += 1
    }
  }

  // RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  private mutating func skipNumber() throws(JSONSyntaxError) {
    if peek() == UInt8(ascii: "-") { offset += 1 }
    if peek() == UInt8(ascii: "0") {
      offset += 1
    } else {
      try skipDigits()
    }
    if peek() == UInt8(ascii: ".") {
      offset += 1
      try skipDigits()
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      offset += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
      try skipDigits()
    }
  }

  private mutating func skipDigits() throws(JSONSyntaxError) {
    guard let first = peek(), first.isDigit else { throw failure("a digit") }
    while let byte = peek(), byte.isDigit { offset += 1 }
  }

  private mutating func expect(_ character: Character, _ expected: String) throws(JSONSyntaxError) {
    guard peek() == character.asciiValue else { throw failure(expected) }
    offset += 1
  }

  func peek() -> UInt8? {
    offset < bytes.count ? bytes[offset] : nil
  }

  private func failure(_ expected: String) -> JSONSyntaxError {
    JSONSyntaxError(offset: offset, expected: expected)
  }
}

extension UInt8 {
  fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
  fileprivate var isHexDigit: Bool {
    isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
  }
}
