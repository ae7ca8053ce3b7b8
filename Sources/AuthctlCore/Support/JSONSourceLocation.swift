import FoundationEssentials

/// Turns a problem in a JSON text into the 1-based line and column an editor shows.
enum JSONSourceLocation {
  /// The line and column of the byte at `offset`; columns count characters (UTF-8 lead bytes), not bytes.
  static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for byte in bytes[..<min(offset, bytes.count)] {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return (line, column)
  }

  /// The offset of the first byte that is not part of valid UTF-8 (RFC 8259 §8.1), or nil.
  static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
    // ASCII, most of a keystore, needs no decoding.
    var offset = ByteSearch.nonASCII(in: bytes, from: 0)
    while offset < bytes.count {
      var parser = Unicode.UTF8.ForwardParser()
      var iterator = bytes[offset...].makeIterator()
      guard case .valid(let scalar) = parser.parseScalar(from: &iterator) else { return offset }
      offset = ByteSearch.nonASCII(in: bytes, from: offset + scalar.count)
    }
    return nil
  }

  /// The offset of the first number that is not a whole number within Int64, or nil.
  // JSONDecoder reports such a number, where an integer is expected, without any coding path.
  static func firstNonIntegerNumber(in bytes: [UInt8]) -> Int? {
    var index = 0
    var inString = false
    while index < bytes.count {
      let byte = bytes[index]
      if inString {
        // A backslash escapes the next byte; a quote ends the string.
        index += byte == UInt8(ascii: "\\") ? 2 : 1
        inString = byte != UInt8(ascii: "\"")
      } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        let start = index
        while index < bytes.count, Array("+-.0123456789eE".utf8).contains(bytes[index]) { index += 1 }
        if !isWholeNumber(String(decoding: bytes[start..<index], as: UTF8.self)) { return start }
      } else {
        inString = byte == UInt8(ascii: "\"")
        index += 1
      }
    }
    return nil
  }

  /// Whether JSONDecoder can decode the number token as an Int64 (it accepts `1e3` and `1.0`).
  private static func isWholeNumber(_ token: String) -> Bool {
    if Int64(token) != nil { return true }
    guard let value = Double(token) else { return false }
    return value.rounded() == value && abs(value) < 9.2e18
  }

  /// The offset where the value at `codingPath` starts in valid JSON, or that of its deepest existing parent.
  static func offset(of codingPath: [any CodingKey], in bytes: [UInt8]) -> Int {
    var scanner = JSONScanner(bytes)
    scanner.skipWhitespace()
    for key in codingPath {
      guard scanner.moveToMember(key) else { break }
    }
    return scanner.offset
  }
}

extension JSONScanner {
  /// Moves from the container at `offset` to the value of its member `key`; false (not moved) when absent.
  fileprivate mutating func moveToMember(_ key: any CodingKey) -> Bool {
    let start = offset
    if peek() == UInt8(ascii: "{") {
      let member = (try? objectMembers())?.first { string(at: $0.name) == key.stringValue }
      offset = member?.value.lowerBound ?? start
      return member != nil
    }
    if peek() == UInt8(ascii: "["), let index = key.intValue {
      offset += 1
      do {
        for _ in 0..<index {
          try skipValue(depth: 1)
          skipWhitespace()
          guard peek() == UInt8(ascii: ",") else { break }
          offset += 1
        }
      } catch {
        // Unreachable for text the scanner accepted; the parent's position is still a useful answer.
      }
      skipWhitespace()
      if peek() != UInt8(ascii: "]") { return true }
    }
    offset = start
    return false
  }
}
