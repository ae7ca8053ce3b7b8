/// Reads a `Retry-After` header as the number of seconds to wait (RFC 9110 §10.2.3, SPEC §6).
enum RetryAfter {
  /// Delta seconds, or an HTTP date relative to `now`; a missing or unreadable value counts as 1 second.
  static func seconds(_ value: String?, now: Double) -> Double {
    guard let value else { return 1 }
    let text = value.trimmingSpaces
    if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
      return Double(text) ?? 1
    }
    guard let date = httpDate(text) else { return 1 }
    return max(0, date - now)
  }

  private static let months = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  ]

  /// Unix seconds of an HTTP date in any of RFC 9110 §5.6.7's three forms, IMF-fixdate
  /// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
  /// (`Sun Nov  6 08:49:37 1994`): the first number is the day, the second the year.
  static func httpDate(_ text: String) -> Double? {
    let tokens = text.split { $0 == " " || $0 == "," || $0 == "-" }
    var month: Int?
    var clock: [Int]?
    var numbers: [Int] = []
    for token in tokens {
      if let index = months.firstIndex(of: token.lowercased()) {
        month = index + 1
      } else if token.contains(":") {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        clock = parts.compactMap { $0 }
      } else if token.allSatisfy({ $0.isASCII && $0.isNumber }) {
        guard let number = Int(token) else { return nil }
        numbers.append(number)
      }
    }
    guard let month, let clock, numbers.count == 2, (1...31).contains(numbers[0]),
      (0...9999).contains(numbers[1]), clock.allSatisfy({ $0 >= 0 }), clock[0] < 24, clock[1] < 60,
      clock[2] <= 60
    else { return nil }
    // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past.
    let year = numbers[1] < 100 ? (numbers[1] < 70 ? 2000 : 1900) + numbers[1] : numbers[1]
    let days = daysSinceEpoch(year: year, month: month, day: numbers[0])
    return Double(days * 86_400 + clock[0] * 3_600 + clock[1] * 60 + clock[2])
  }

  /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
  private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }
}

extension String {
  /// The text without leading and trailing spaces and tabs.
  fileprivate var trimmingSpaces: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
