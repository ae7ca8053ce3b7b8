import Foundation

/// Locations derived from this file's path: `<root>/Tests/EndToEndTests/Support/Paths.swift`.
enum HarnessPaths {
  static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // EndToEndTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

  static let fakeProvidersScript: URL = packageRoot.appendingPathComponent("Tests/Servers/fake_providers.py")
  static let fakeOIDCScript: URL = packageRoot.appendingPathComponent("Tests/Servers/fake_oidc.py")

  /// The authctl binary: `$AUTHCTL_BIN`, else the one built next to the running test bundle (so a
  /// `--scratch-path` build tests its own binary), else `<root>/.build/debug/authctl`.
  static func authctlBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["AUTHCTL_BIN"], !path.isEmpty {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw HarnessError.binaryMissing("AUTHCTL_BIN=\(path) is not an executable file")
      }
      return URL(fileURLWithPath: path)
    }
    if let testBinary = Bundle.main.executableURL {
      let sibling = testBinary.deletingLastPathComponent().appendingPathComponent("authctl")
      if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
    }
    let standard = packageRoot.appendingPathComponent(".build/debug/authctl")
    if FileManager.default.isExecutableFile(atPath: standard.path) { return standard }
    throw HarnessError.binaryMissing(
      "authctl binary not found at \(standard.path): run `swift build` first (or set AUTHCTL_BIN)")
  }
}

enum HarnessError: Error, CustomStringConvertible {
  case binaryMissing(String)
  case serverFailed(String)
  case timeout(String)
  case http(String)

  var description: String {
    switch self {
    case .binaryMissing(let text), .serverFailed(let text), .timeout(let text), .http(let text): text
    }
  }
}
