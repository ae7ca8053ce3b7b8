// swift-tools-version: 6.0
// The floor for any Swift process: bench/run builds it with the same flags as authctl.
import PackageDescription

let package = Package(
  name: "hello",
  targets: [
    // The same link flags as authctl's (see ../../link/libstdc++.so).
    .executableTarget(
      name: "hello", linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/../../link"])])
  ],
  swiftLanguageModes: [.v6]
)
