// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "authctl",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "authctl", targets: ["authctl"])
  ],
  targets: [
    // libcurl (loaded with dlopen only when a request is made), signals, terminal.
    .target(name: "CAuthctlSystem", linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "AuthctlCore", dependencies: ["CAuthctlSystem"]),
    .target(name: "AuthctlCLI", dependencies: ["AuthctlCore"]),
    .executableTarget(
      name: "authctl", dependencies: ["AuthctlCLI"],
      // The C++ runtime from libstdc++.a rather than libstdc++.so.6: see link/libstdc++.so.
      linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/link"])]),
    .testTarget(name: "AuthctlTests", dependencies: ["AuthctlCLI", "AuthctlCore"]),
    .testTarget(name: "EndToEndTests", dependencies: []),
  ],
  swiftLanguageModes: [.v6]
)
