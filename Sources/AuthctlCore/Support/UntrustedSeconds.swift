/// Seconds a server states (a JWT's `exp` and `iat`, an answer's `expires_in`): untrusted numbers.
package enum UntrustedSeconds {
  /// ±10^11 s reaches the year 5138; beyond it a value is no time authctl can use.
  static let limit = 1e11

  /// The value when it is finite and within `limit`, else nil (an unknown lifetime): a hostile `1e400` or
  /// `"exp": 1e300` must not trap the `Int64` conversions and sums that follow (SPEC §7: never a crash).
  package static func checked(_ value: Double?) -> Double? {
    guard let value, value.isFinite, abs(value) <= limit else { return nil }
    return value
  }
}
