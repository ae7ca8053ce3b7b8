import Foundation

/// Test-only JWT helpers: decode, never verify.
enum JWT {
  /// The decoded payload (second segment) of a compact JWT, or nil when it is not one.
  static func payload(_ token: String) -> [String: Any]? {
    segment(token, 1)
  }

  /// The decoded header (first segment).
  static func header(_ token: String) -> [String: Any]? {
    segment(token, 0)
  }

  private static func segment(_ token: String, _ index: Int) -> [String: Any]? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let data = base64URLDecode(String(parts[index])) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
  }

  static func base64URLDecode(_ text: String) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64)
  }
}
