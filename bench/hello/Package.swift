// swift-tools-version: 6.0
// The floor for any Swift process: bench/run builds it with the same flags as authctl.
import PackageDescription

let package = Package(
  name: "hello",
  targets: [.executableTarget(name: "hello")],
  swiftLanguageModes: [.v6]
)
