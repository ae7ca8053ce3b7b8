import Foundation
import Testing

@testable import AuthctlCLI

/// `TimeText.timestamp` writes what `Date.formatted(.iso8601)` writes, without its calendar set-up.
@Suite struct TimeTextTests {
  // Foundation's calendar turns Julian before October 1582; RFC 3339 and ISO 8601 stay Gregorian.
  static let first: Int64 = -12_212_553_600  // 1583-01-01T00:00:00Z
  static let last: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z

  @Test("Timestamps from 1583 to 9999 match Date.formatted(.iso8601)")
  func matchesFoundation() {
    var rng = SplitMix64(seed: 0x7469_6D65)
    let edges: [Int64] = [
      0, -1, 1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_102_444_800, 1_767_225_600,
      Self.first, Self.last,
    ]
    let random = (0..<5_000).map { _ in Int64.random(in: Self.first...Self.last, using: &rng) }
    for unix in edges + random {
      #expect(
        TimeText.timestamp(unix) == Date(timeIntervalSince1970: Double(unix)).formatted(.iso8601), "\(unix)")
    }
  }

  @Test("Any Int64 a keystore may hold gives a timestamp, never a trap")
  func extremesDoNotTrap() {
    #expect(TimeText.timestamp(.max) == "292277026596-12-04T15:30:07Z")
    #expect(TimeText.timestamp(.min).hasSuffix("T08:29:52Z"))
    #expect(TimeText.timestamp(Self.last + 1) == "10000-01-01T00:00:00Z")
    #expect(TimeText.timestamp(-62_135_596_800) == "0001-01-01T00:00:00Z")  // proleptic Gregorian
  }
}
