/// The first syntax error in a JSON text: its byte offset and what was expected there.
struct JSONSyntaxError: Error, Equatable {
  let offset: Int
  let expected: String
}

/// A strict RFC 8259 scanner that finds where a JSON text breaks, which JSONDecoder does not say.
struct JSONScanner {
  /// Deeper nesting is refused rather than risking the stack on hostile input.
  static var maximumDepth: Int { 512 }

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
    var index = offset
    scan: while index < bytes.count {
      switch bytes[index] {
      // RFC 8259 §2: space, tab, line feed, carriage return.
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: break scan
      }
    }
    offset = index
  }

  /// Skips one value, with the whitespace before it.
  mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
    skipWhitespace()
    guard depth < Self.maximumDepth else { throw failure("at most \(Self.maximumDepth) nested levels") }
    guard let byte = peek() else { throw failure("a value") }
    switch byte {
    case UInt8(ascii: "{"):
      try scanObject(depth: depth) { scanner, _ throws(JSONSyntaxError) in
        try scanner.skipValue(depth: depth + 1)
      }
    case UInt8(ascii: "["): try skipArray(depth: depth)
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
    try expect(UInt8(ascii: "\""), "'\"'")
    let start = offset
    while true {
      offset = ByteSearch.stringStop(in: bytes, from: offset)
      switch peek() {
      case UInt8(ascii: "\""):
        offset += 1
        return start..<(offset - 1)
      case UInt8(ascii: "\\"): try skipEscape()
      case nil: throw failure("'\"' to end the string")
      default: throw failure("'\"' (control characters in strings must be escaped)")
      }
    }
  }

  /// Skips the escape `\x` or `\uXXXX` whose backslash is at `offset`.
  private mutating func skipEscape() throws(JSONSyntaxError) {
    offset += 1
    switch peek() {
    case UInt8(ascii: "u"):
      offset += 1
      for _ in 0..<4 {
        guard let digit = peek(), digit.isHexDigit else { throw failure("four hex digits after \\u") }
        offset += 1
      }
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
      UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      offset += 1
    default:
      throw failure(#"an escape: \" \\ \/ \b \f \n \r \t or \u"#)
    }
  }

  /// Scans the object whose `{` is at `offset`. For each member, `visit` gets the range of its name (between
  /// the quotes) with `offset` at the member's value, which it must move past (as `skipValue` does).
  mutating func scanObject(
    depth: Int, _ visit: (inout JSONScanner, _ name: Range<Int>) throws(JSONSyntaxError) -> Void
  ) throws(JSONSyntaxError) {
    offset += 1
    skipWhitespace()
    if peek() == UInt8(ascii: "}") {
      offset += 1
      return
    }
    repeat {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw failure("a member name in double quotes") }
      let name = try scanString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "':' after the member name")
      skipWhitespace()
      try visit(&self, name)
    } while try nextElement(close: UInt8(ascii: "}"))
  }

  private mutating func skipArray(depth: Int) throws(JSONSyntaxError) {
    try scanArray(depth: depth) { scanner throws(JSONSyntaxError) in try scanner.skipValue(depth: depth + 1) }
  }

  /// Scans the array whose `[` is at `offset`. For each element, `visit` gets `offset` at the element (after
  /// any whitespace), which it must move past (as `skipValue` does).
  mutating func scanArray(depth: Int, _ visit: (inout JSONScanner) throws(JSONSyntaxError) -> Void)
    throws(JSONSyntaxError)
  {
    offset += 1
    skipWhitespace()
    if peek() == UInt8(ascii: "]") {
      offset += 1
      return
    }
    repeat {
      skipWhitespace()
      try visit(&self)
    } while try nextElement(close: UInt8(ascii: "]"))
  }

  /// After an element of a container: true past a `,` (another follows), false past `close` (the end).
  private mutating func nextElement(close: UInt8) throws(JSONSyntaxError) -> Bool {
    skipWhitespace()
    if peek() == UInt8(ascii: ",") {
      offset += 1
      return true
    }
    try expect(close, "',' or '\(Character(Unicode.Scalar(close)))'")
    return false
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

  private mutating func expect(_ byte: UInt8, _ expected: @autoclosure () -> String) throws(JSONSyntaxError) {
    guard peek() == byte else { throw failure(expected()) }
    offset += 1
  }

  func peek() -> UInt8? {
    offset < bytes.count ? bytes[offset] : nil
  }

  func failure(_ expected: String) -> JSONSyntaxError {
    JSONSyntaxError(offset: offset, expected: expected)
  }
}

extension UInt8 {
  fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
  fileprivate var isHexDigit: Bool {
    isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
  }
}
