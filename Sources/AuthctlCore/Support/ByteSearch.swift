/// Searches that test eight bytes per step, for the long plain runs (tokens, keys) a keystore is made of.
// Issue 5: every `token` checks the whole keystore; a byte at a time, 1,000 profiles cost more than the rest.
enum ByteSearch {
  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highBits: UInt64 = 0x8080_8080_8080_8080

  /// The offset of the first byte at or after `start` that ends plain string text: `"`, `\` or a control
  /// character (below 0x20); `bytes.count` when there is none.
  static func stringStop(in bytes: [UInt8], from start: Int) -> Int {
    bytes.withUnsafeBytes { raw in
      var index = start
      while index + 8 <= raw.count {
        let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        if hasByte(below: 1, in: word ^ (ones &* 0x22)) || hasByte(below: 1, in: word ^ (ones &* 0x5C))
          || hasByte(below: 0x20, in: word)
        {
          break
        }
        index += 8
      }
      while index < raw.count {
        let byte = raw[index]
        if byte == 0x22 || byte == 0x5C || byte < 0x20 { break }
        index += 1
      }
      return index
    }
  }

  /// The offset of the first byte at or after `start` that is not ASCII; `bytes.count` when there is none.
  static func nonASCII(in bytes: [UInt8], from start: Int) -> Int {
    bytes.withUnsafeBytes { raw in
      var index = start
      while index + 8 <= raw.count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highBits == 0
      {
        index += 8
      }
      while index < raw.count, raw[index] < 0x80 { index += 1 }
      return index
    }
  }

  /// Whether any byte of `word` is below `limit` (at most 128): exact as a yes or no.
  // Bit Twiddling Hacks, "Determine if a word has a byte less than n": a byte below the limit borrows
  // into its own high bit, and `~word` keeps only bytes that had that bit clear.
  static func hasByte(below limit: UInt64, in word: UInt64) -> Bool {
    (word &- ones &* limit) & ~word & highBits != 0
  }
}
