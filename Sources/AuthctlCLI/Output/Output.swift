import AuthctlCore
import FoundationEssentials

/// Where a command writes: its product on stdout, everything else on stderr (SPEC §3).
package struct Output {
  let context: Context
  let globals: GlobalSettings

  /// The command's product: a token, header lines, a table, a report.
  func product(_ text: String) {
    context.stdout.write(text.hasSuffix("\n") ? text : text + "\n")
  }

  /// A progress or informational message; `--quiet` silences it.
  func info(_ text: String) {
    if !globals.quiet { context.stderr.write(text + "\n") }
  }

  /// A warning; shown even with `--quiet`.
  func warning(_ text: String) {
    if globals.json {
      context.stderr.write(Self.compactJSON(["warning": ["message": text]]) + "\n")
      return
    }
    context.stderr.write("\(stderrStyle.yellow("warning:")) \(text)\n")
  }

  /// Colours for stderr (`error:`, `warning:`) and for the product on stdout.
  var stderrStyle: Style { Style(isTerminal: context.stderrIsTerminal, environment: context.environment) }
  var stdoutStyle: Style { Style(isTerminal: context.stdoutIsTerminal, environment: context.environment) }

  /// The product as JSON with stable, sorted keys.
  func json(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    product(String(decoding: data, as: UTF8.self))
  }

  /// Writes an error report on stderr, as text or, with `--json`, as JSON (SPEC §6).
  func error(_ report: ErrorReport, profile: String) {
    if globals.json {
      let body = ErrorJSON(
        error: .init(
          exitCode: report.exitCode, message: report.message, hint: report.hint,
          providerCode: report.providerCode,
          profile: profile))
      context.stderr.write(Self.compactJSON(body) + "\n")
      return
    }
    var text = "\(stderrStyle.red("error:")) \(report.message)\n"
    if let usageOf = report.usageOf {
      let spec = CommandCatalog.all.first { $0.name == usageOf }
      text += "Usage: \(spec?.usage ?? "authctl [global options] <command> [options]")\n"
      if let hint = report.hint { text += "hint: \(hint)\n" }
      text += "See 'authctl \(usageOf.isEmpty ? "" : usageOf + " ")--help'.\n"
    } else if let hint = report.hint {
      text += "hint: \(hint)\n"
    }
    context.stderr.write(text)
  }

  /// One line of JSON with sorted keys, for stderr.
  static func compactJSON(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
  }

  struct ErrorJSON: Encodable {
    var error: Body

    struct Body: Encodable {
      var exitCode: Int32
      var message: String
      var hint: String?
      var providerCode: String?
      var profile: String

      enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code"
        case message, hint
        case providerCode = "provider_code"
        case profile
      }
    }
  }
}

/// Formats times for reports.
enum TimeText {
  /// `4m 10s`, `2h 5m`, `3d 4h`.
  static func duration(_ seconds: Int64) -> String {
    let s = max(seconds, 0)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m \(s % 60)s" }
    if s < 86400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
    return "\(s / 86400)d \(s % 86400 / 3600)h"
  }

  /// RFC 3339 in UTC, as `Date.formatted(.iso8601)` writes it (`2026-11-25T12:00:00Z`); before 1583 in the
  /// proleptic Gregorian calendar RFC 3339 uses, where Foundation's turns Julian.
  // Issue 5: the format style set up a calendar, a time zone and the process environment, which cost
  // `check --offline` 1.4 M instructions, a third of its run. Days to a civil date: H. Hinnant's algorithm.
  static func timestamp(_ unix: Int64) -> String {
    let seconds = unix.quotientAndRemainder(dividingBy: 86400)
    let (days, time) = seconds.remainder < 0 ? (seconds.quotient - 1, seconds.remainder + 86400) : seconds
    let shifted = days + 719_468  // days from 0000-03-01
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153  // March is 0
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func padded(_ value: Int64, _ width: Int) -> String {
      let digits = String(value.magnitude)
      return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(time / 3600, 2)):"
      + "\(padded(time % 3600 / 60, 2)):\(padded(time % 60, 2))Z"
  }
}

/// Left-aligned columns for human tables.
enum Table {
  static func render(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = Array(repeating: 0, count: width)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
      }.joined()
    }.joined(separator: "\n") + "\n"
  }
}
