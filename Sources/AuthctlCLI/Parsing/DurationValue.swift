/// Durations as options take them: `90s`, `5m`, `1h`, `2d`, or plain seconds (`--min-valid`).
enum DurationValue {
  /// The number of seconds `text` names, or nil when it is not a duration.
  static func seconds(_ text: String) -> Double? {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    var number = Substring(text)
    var unit = 1.0
    if let last = text.last, let factor = units[last] {
      number = number.dropLast()
      unit = factor
    }
    guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
      let value = Double(number), value.isFinite
    else { return nil }
    return value * unit
  }

  /// `--min-valid DURATION` of the invocation, in seconds; 0 when it is not given.
  static func minimumValidity(_ invocation: Invocation) throws(UsageError) -> Double {
    guard let text = invocation.value("min-valid") else { return 0 }
    guard let seconds = seconds(text), seconds <= 366 * 86400 else {
      throw UsageError(
        "option '--min-valid' needs a duration such as 90s, 5m, 1h or a number of seconds, not '\(text)'",
        command: invocation.command?.name)
    }
    return seconds
  }
}
