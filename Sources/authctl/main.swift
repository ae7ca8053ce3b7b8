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
  // Split at the first '=' byte: searching Characters costs every start a measurable share (issue 5).
  if let equals = strchr(entry, Int32(UInt8(ascii: "="))) {
    let name = UnsafeRawBufferPointer(start: entry, count: equals - entry)
    environment[String(decoding: name, as: UTF8.self)] = String(cString: equals + 1)
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
  openBrowser: { [environment] url in BrowserOpener.open(url, environment: environment) }, version: version,
  stdoutIsTerminal: Terminal.isTerminal(1), replaceProcess: ProgramExec.replace)
let status = CLI.run(Array(CommandLine.arguments.dropFirst()), context: context)
// Output goes straight to the file descriptors; leaving without the exit handlers spares a command that made
// a request OpenSSL's freeing of memory the kernel is about to reclaim (0.65 M instructions, issue 5). The
// other handlers skipped are instrumentation's: a build with code coverage writes no profile for a run.
fflush(nil)
_exit(status)
