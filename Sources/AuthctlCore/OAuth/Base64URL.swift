/// The base64url encoding without padding that OAuth uses (RFC 4648 §5, RFC 7636 Appendix A).
package enum Base64URL {
  // RFC 4648 §5, Table 2: the URL- and filename-safe alphabet.
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  /// The base64url text of `bytes`, with no `=` padding.
  package static func encode(_ bytes: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count * 4 + 2) / 3)
    for start in stride(from: 0, to: bytes.count, by: 3) {
      let chunk = bytes[start..<min(start + 3, bytes.count)]
      let group = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
      // RFC 4648 §4: n input bytes give n + 1 output characters before padding.
      for index in 0...chunk.count {
        output.append(alphabet[Int(group >> (18 - 6 * index) & 0x3F)])
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// The bytes of unpadded base64url `text`, or nil if it holds other characters or is not canonical.
  package static func decode(_ text: String) -> [UInt8]? {
    let characters = Array(text.utf8)
    // RFC 4648 §4: a final group of one character cannot encode a whole byte.
    guard characters.count % 4 != 1 else { return nil }
    var output: [UInt8] = []
    output.reserveCapacity(characters.count * 3 / 4)
    for start in stride(from: 0, to: characters.count, by: 4) {
      let chunk = characters[start..<min(start + 4, characters.count)]
      var group: UInt32 = 0
      for (index, character) in chunk.enumerated() {
        guard let value = value(of: character) else { return nil }
        group |= UInt32(value) << (18 - 6 * index)
      }
      let byteCount = chunk.count - 1
      // RFC 4648 §3.5: refuse non-zero pad bits so each byte string has exactly one encoding.
      guard group & (0x00FF_FFFF >> (8 * byteCount)) == 0 else { return nil }
      for index in 0..<byteCount {
        output.append(UInt8(truncatingIfNeeded: group >> (16 - 8 * index)))
      }
    }
    return output
  }

  private static func value(of character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
    case UInt8(ascii: "-"): 62
    case UInt8(ascii: "_"): 63
    default: nil
    }
  }
}
