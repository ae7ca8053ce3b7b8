/// ANSI colours, used only on a terminal and never with `NO_COLOR` (no-color.org) or `TERM=dumb`.
struct Style {
  let enabled: Bool

  init(isTerminal: Bool, environment: [String: String]) {
    let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    enabled = isTerminal && !noColor && environment["TERM"] != "dumb"
  }

  func red(_ text: String) -> String { paint(text, "31") }
  func yellow(_ text: String) -> String { paint(text, "33") }
  func green(_ text: String) -> String { paint(text, "32") }
  func dim(_ text: String) -> String { paint(text, "2") }

  private func paint(_ text: String, _ code: String) -> String {
    enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
