import FoundationEssentials

/// A member of a JSON object: the byte range of its name (between the quotes) and of its value.
struct JSONMember: Equatable {
  let name: Range<Int>
  let value: Range<Int>

  /// Whether a name has an escape or appears twice (byte for byte).
  static func hasEscapedOrRepeatedName(_ members: [JSONMember], in bytes: [UInt8]) -> Bool {
    if members.contains(where: { bytes[$0.name].contains(UInt8(ascii: "\\")) }) { return true }
    // Pairs for the few members of a record, which needs no hashing; a set beyond, so that a hostile
    // text with thousands of members (a JWT's payload, a keystore record) stays linear.
    guard members.count > 16 else {
      return members.indices.contains { index in
        members[..<index].contains { bytes[$0.name].elementsEqual(bytes[members[index].name]) }
      }
    }
    var seen = Set<ArraySlice<UInt8>>()
    return !members.allSatisfy { seen.insert(bytes[$0.name]).inserted }
  }
}

extension JSONScanner {
  /// The members of the object whose `{` is at `offset`, in order, leaving `offset` after its `}`.
  mutating func objectMembers(depth: Int = 0) throws(JSONSyntaxError) -> [JSONMember] {
    guard peek() == UInt8(ascii: "{") else { throw failure("'{'") }
    var members: [JSONMember] = []
    try scanObject(depth: depth) { scanner, name throws(JSONSyntaxError) in
      let start = scanner.offset
      try scanner.skipValue(depth: depth + 1)
      members.append(JSONMember(name: name, value: start..<scanner.offset))
    }
    return members
  }

  /// The elements of the array whose `[` is at `offset`, in order, leaving `offset` after its `]`.
  mutating func arrayElements(depth: Int = 0) throws(JSONSyntaxError) -> [Range<Int>] {
    guard peek() == UInt8(ascii: "[") else { throw failure("'['") }
    var elements: [Range<Int>] = []
    try scanArray(depth: depth) { scanner throws(JSONSyntaxError) in
      let start = scanner.offset
      try scanner.skipValue(depth: depth + 1)
      elements.append(start..<scanner.offset)
    }
    return elements
  }

  /// The text of the string whose contents are `range`, escapes undone; nil if it is not a valid string.
  func string(at range: Range<Int>) -> String? {
    guard range.lowerBound >= 1, range.upperBound < bytes.count else { return nil }
    let contents = bytes[range]
    guard contents.contains(UInt8(ascii: "\\")) else { return String(decoding: contents, as: UTF8.self) }
    // Escaped text is rare in a keystore; let the decoder undo the escapes of the quoted string.
    return try? JSONDecoder().decode(
      String.self, from: Data(bytes[(range.lowerBound - 1)...range.upperBound]))
  }
}
