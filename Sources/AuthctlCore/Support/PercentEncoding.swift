/// RFC 3986 percent-encoding, for ids put into a URL path and for form bodies.
package enum PercentEncoding {
  /// Encodes every byte except the unreserved characters `A-Z a-z 0-9 - . _ ~`.
  package static func pathSegment(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
      let isUnreserved =
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
        || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
      if isUnreserved {
        result.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = Array("0123456789ABCDEF")
        result += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
      }
    }
    return result
  }
}
