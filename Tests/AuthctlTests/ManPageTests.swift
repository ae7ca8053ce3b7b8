import Foundation
import Testing

@testable import AuthctlCLI
@testable import AuthctlCore

/// `docs/authctl.1`, read from the source tree.
private enum ManPageFile {
  static let path = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("docs/authctl.1").path

  static func text() throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  /// The page with roff's `\-` as the `-` it renders and without font changes, so option names can be
  /// searched for.
  static func plainText() throws -> String {
    try text().replacing("\\-", with: "-").replacing(/\\f[BIRP]/, with: "")
  }

  /// The lines of one section (`.SH NAME` up to the next `.SH`).
  static func section(_ name: String) throws -> [Substring] {
    let lines = try text().split(separator: "\n")
    guard let start = lines.firstIndex(where: { $0 == ".SH \(name)" || $0 == ".SH \"\(name)\"" }) else {
      return []
    }
    let rest = lines[(start + 1)...]
    return Array(rest.prefix { !$0.hasPrefix(".SH ") })
  }
}

@Suite("Man page")
struct ManPageTests {
  @Test("the generated COMMANDS and GLOBAL OPTIONS sections match the option table")
  func generatedSectionsAreCurrent() throws {
    let page = try ManPageFile.text()
    let begin = try #require(page.range(of: ManPage.beginMarker), "docs/authctl.1 has no generated block")
    let end = try #require(page.range(of: ManPage.endMarker + "\n"), "docs/authctl.1 has no end marker")
    let block = String(page[begin.lowerBound..<end.upperBound])
    #expect(
      block == ManPage.generatedSections,
      "docs/authctl.1 is out of date with the option table: run 'make man'")
  }

  @Test("every command and every option the parser knows appears in the page")
  func everyOptionAppears() throws {
    let page = try ManPageFile.plainText()
    for spec in CommandCatalog.all {
      #expect(page.contains(".SS \(spec.name)\n"), "command '\(spec.name)' has no section")
      for option in spec.options {
        #expect(page.contains("--\(option.long)"), "'\(spec.name) --\(option.long)' is missing")
      }
    }
    for option in GlobalOptions.all {
      #expect(page.contains("--\(option.long)"), "global option --\(option.long) is missing")
      if let short = option.short { #expect(page.contains("-\(short), --\(option.long)")) }
    }
    for provider in ProviderRegistry.names {
      #expect(page.contains(provider), "provider \(provider) is missing")
    }
  }

  @Test("ENVIRONMENT names every variable of SPEC §5 and every profile field")
  func everyVariableAppears() throws {
    let environment = try ManPageFile.section("ENVIRONMENT").joined(separator: "\n").replacing(
      "\\-", with: "-")
    let variables = [
      "AUTHCTL_PROFILE", "AUTHCTL_KEYSTORE", "AUTHCTL_NO_CACHE", "AUTHCTL_CA_FILE", "AUTHCTL_NO_BROWSER",
      "NO_COLOR", "https_proxy", "HTTPS_PROXY", "http_proxy", "no_proxy", "NO_PROXY", "XDG_CONFIG_HOME",
      ".BI AUTHCTL_ FIELD", ".BI AUTHCTL_PROFILE_ NAME _ FIELD",
    ]
    for variable in variables {
      #expect(environment.contains(variable), "\(variable) is missing from ENVIRONMENT")
    }
    for field in ProfileField.allCases {
      #expect(environment.contains(".BR \(field.rawValue) "), "FIELD \(field.rawValue) is missing")
    }
  }

  @Test("EXIT STATUS lists every exit code of SPEC §6; FILES names the keystore and its lock")
  func exitCodesAndFiles() throws {
    let lines = try ManPageFile.section("EXIT STATUS")
    let codes = zip(lines, lines.dropFirst()).filter { $0.0 == ".TP" }.map { $0.1.replacing(".B ", with: "") }
    #expect(codes == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "130", "143"])
    let files = try ManPageFile.section("FILES").joined(separator: "\n")
    #expect(files.contains("keystore.json\n") && files.contains("keystore.json.lock"))
  }

  @Test("the page has the sections man(7) readers look for, in order")
  func sections() throws {
    let headings = try ManPageFile.text().split(separator: "\n").filter { $0.hasPrefix(".SH ") }
    #expect(
      headings == [
        ".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH COMMANDS", ".SH GLOBAL OPTIONS",
        ".SH ENVIRONMENT",
        ".SH FILES", ".SH EXIT STATUS", ".SH EXAMPLES", ".SH SECURITY", ".SH SEE ALSO",
      ])
  }

  @Test(
    "text from the table is safe on a roff line",
    arguments: [
      ("see 'authctl providers'.", "see 'authctl providers'."),
      ("'quoted' start", "\\&'quoted' start"),
      (".dot start", "\\&.dot start"),
      ("use --password-stdin or -p", "use \\-\\-password\\-stdin or \\-p"),
      ("back\\slash e-mail", "back\\eslash e-mail"),
    ])
  func roffEscaping(text: String, expected: String) {
    #expect(ManPage.roffText(text) == expected)
  }
}
