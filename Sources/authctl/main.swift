import AuthctlCLI
import AuthctlCore
import CAuthctlSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Ctrl-C and SIGTERM exit 130 / 143 after removing a half-written keystore temp file.
authctl_install_signal_handlers()

var environment: [String: String] = [:]
var pointer = environ
while let entry = pointer.pointee {
  let text = String(cString: entry)
  if let equals = text.firstIndex(of: "=") {
    environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
  }
  pointer += 1
}

let version = "0.1.0"
let context = Context(
  stdout: FileDescriptorSink(1), stderr: FileDescriptorSink(2), stdinIsTerminal: Terminal.isTerminal(0),
  stderrIsTerminal: Terminal.isTerminal(2), readStdin: { Terminal.readAll() },
  promptSecret: Terminal.promptSecret,
  environment: environment, clock: .system,
  transport: CurlTransport(environment: environment, userAgent: "authctl/\(version)"),
  openBrowser: { [environment] url in BrowserOpener.open(url, environment: environment) }, version: version)
exit(CLI.run(Array(CommandLine.arguments.dropFirst()), context: context))
