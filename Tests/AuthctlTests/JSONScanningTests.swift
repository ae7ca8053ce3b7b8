import Testing

@testable import AuthctlCore

/// The word-at-a-time searches and the member scanner that the keystore's fast read path is built on.
@Suite struct JSONScanningTests {
  /// What `ByteSearch.stringStop` must find, a byte at a time.
  static func referenceStringStop(_ bytes: [UInt8], from start: Int) -> Int {
    bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 } ?? bytes.count
  }

  @Test("Every byte value at every position of a word stops the string search exactly where a byte loop does")
  func stringStopMatchesAByteLoop() {
    var mismatches: [String] = []
    for length in 0...19 {
      for position in 0..<max(length, 1) {
        for value in 0...255 {
          var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
          if position < length { bytes[position] = UInt8(value) }
          for start in [0, min(1, length), length]
          where ByteSearch.stringStop(in: bytes, from: start) != Self.referenceStringStop(bytes, from: start)
          {
            mismatches.append("length \(length), byte \(value) at \(position), from \(start)")
          }
        }
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
  }

  @Test("The non-ASCII search finds the first byte with its high bit set, or the end")
  func nonASCIIMatchesAByteLoop() {
    var mismatches: [String] = []
    for length in 0...19 {
      for position in 0..<max(length, 1) {
        for value: UInt8 in [0x00, 0x7F, 0x80, 0xC3, 0xFF] {
          var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
          if position < length { bytes[position] = value }
          if ByteSearch.nonASCII(in: bytes, from: 0) != bytes.firstIndex(where: { $0 >= 0x80 }) ?? bytes.count
          {
            mismatches.append("length \(length), \(value) at \(position)")
          }
        }
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
  }

  @Test(
    "A word has a byte below a limit exactly when one of its bytes is",
    arguments: [1, 0x20, 0x80] as [UInt64])
  func hasByteBelowIsExact(limit: UInt64) {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var mismatches: [UInt64] = []
    for _ in 0..<20_000 {
      // xorshift: words with a mix of small, large and borderline bytes.
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      let word = state & (state >> 3 | 0x7F7F_7F7F_7F7F_7F7F)
      let bytes = (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
      if ByteSearch.hasByte(below: limit, in: word) != bytes.contains(where: { UInt64($0) < limit }) {
        mismatches.append(word)
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
  }

  @Test("Object members come with the ranges of their names and values, whatever the whitespace")
  func objectMembersGiveNameAndValueRanges() throws {
    let text = Array(#" { "a" : 1 ,"bc":{"x":[1,{"y":null}]},\#t"d":"q\"r" } "#.utf8)
    var scanner = JSONScanner(text)
    scanner.skipWhitespace()
    let members = try scanner.objectMembers()
    let names = members.map { String(decoding: text[$0.name], as: UTF8.self) }
    let values = members.map { String(decoding: text[$0.value], as: UTF8.self) }
    #expect(names == ["a", "bc", "d"])
    #expect(values == ["1", #"{"x":[1,{"y":null}]}"#, #""q\"r""#])
    #expect(scanner.offset == text.count - 1)
    #expect(scanner.string(at: members[2].value.dropFirst().dropLast()) == "q\"r")
  }

  @Test(
    "A broken object is refused at the same offset the syntax check names",
    arguments: [
      #"{"a" 1}"#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":1"#, #"{a:1}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{01}\"}",
      #"{"a":[1,]}"#, #"{"a":tru}"#, #"{"a":01}"#, #"{"a":"\u12"}"#,
    ])
  func brokenObjectsAreRefusedWhereTheCheckSaysSo(text: String) {
    let bytes = Array(text.utf8)
    var scanner = JSONScanner(bytes)
    let error = #expect(throws: JSONSyntaxError.self) { try scanner.objectMembers() }
    #expect(error?.offset == JSONScanner.firstError(in: bytes)?.offset)
  }

  @Test("Hostile nesting and very long strings are refused or read without exhausting the stack")
  func hostileShapesStayBounded() throws {
    let deep = Array(String(repeating: "[", count: 100_000).utf8)
    #expect(JSONScanner.firstError(in: deep)?.expected.contains("nested levels") == true)
    let deepObject = Array(
      (String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)).utf8)
    var scanner = JSONScanner(deepObject)
    #expect(throws: JSONSyntaxError.self) { try scanner.objectMembers() }
    let long = Array(("{\"k\":\"" + String(repeating: "é", count: 1 << 20) + "\"}").utf8)
    scanner = JSONScanner(long)
    #expect(try scanner.objectMembers().count == 1)
    #expect(JSONSourceLocation.firstInvalidUTF8(in: long) == nil)
    let broken = Array(long.dropLast(3)) + [0xC3, 0x22, 0x7D]  // é cut short, then the closing quote
    #expect(JSONSourceLocation.firstInvalidUTF8(in: broken) == long.count - 4)
  }
}
