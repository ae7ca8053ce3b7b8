import Foundation

/// Locations derived from this file's path: `<root>/Tests/EndToEndTests/Support/Paths.swift`.
enum HarnessPaths {
  static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // EndToEndTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

  static let fakeProvidersScript: URL = packageRoot.appendingPathComponent("Tests/Servers/fake_providers.py")

  /// The authctl binary: `$AUTHCTL_BIN`, else `<root>/.build/debug/authctl`, else the one built
  /// next to the running test bundle (for example `.build-e2e/debug/authctl`).
  static func authctlBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["AUTHCTL_BIN"], !path.isEmpty {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw HarnessError.binaryMissing("AUTHCTL_BIN=\(path) is not an executable file")
      }
      return URL(fileURLWithPath: path)
    }
    let standard = packageRoot.appendingPathComponent(".build/debug/authctl")
    if FileManager.default.isExecutableFile(atPath: standard.path) { return standard }
    if let testBinary = Bundle.main.executableURL {
      let sibling = testBinary.deletingLastPathComponent().appendingPathComponent("authctl")
      if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
    }
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
