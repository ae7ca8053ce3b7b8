/// When a token is due for refresh and when it has expired (SPEC §3 "Proactive refresh").
package struct TokenTiming: Sendable, Equatable {
  package var expiresAt: Int64?
  package var issuedAt: Int64?

  package init(expiresAt: Int64?, issuedAt: Int64?) {
    self.expiresAt = expiresAt
    self.issuedAt = issuedAt
  }

  package init(_ credentials: StoredCredentials?) {
    self.init(expiresAt: credentials?.expiresAt, issuedAt: credentials?.issuedAt)
  }

  /// A token with no known lifetime never expires here; the provider's rejection is the signal.
  package func isExpired(now: Double) -> Bool {
    guard let expiresAt else { return false }
    return now >= Double(expiresAt)
  }

  /// Due once 75% of the lifetime has passed or fewer than 60 seconds remain, whichever comes first.
  package func isDue(now: Double) -> Bool {
    guard let expiresAt else { return false }
    let remaining = Double(expiresAt) - now
    if remaining < 60 { return true }
    guard let issuedAt, issuedAt < expiresAt else { return false }
    return now >= Double(issuedAt) + 0.75 * Double(expiresAt - issuedAt)
  }

  /// Due as above, or when fewer than `minimumValidity` seconds remain (`token --min-valid`).
  package func isDue(now: Double, minimumValidity: Double) -> Bool {
    guard let expiresAt else { return false }
    return isDue(now: now) || Double(expiresAt) - now < minimumValidity
  }

  package func secondsLeft(now: Double) -> Int64? {
    expiresAt.map { $0 - Int64(now) }
  }
}
