import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs authctl flows with distinctive secrets and then looks for every secret everywhere it must not be:
/// stderr (the `--verbose` trace included), stdout beyond the command's product, any process's argv
/// (sampled from /proc while the flows run), any file but the keystore, and the browser opener's
/// environment (issue 6 item 6).
final class LeakScan {
  let sandbox: Sandbox
  let opener: FakeBrowserOpener
  private(set) var secrets: Set<String>
  private var outputs: [(label: String, text: String)] = []
  private let sampler = ArgvSampler()
  private let started = Date()

  init(secrets: Set<String>) throws {
    sandbox = try Sandbox()
    opener = try FakeBrowserOpener(in: sandbox.root)
    self.secrets = secrets
    sampler.start()
  }

  /// The environment for a run that may open the browser: a display, and the fake opener first on PATH.
  var browserEnvironment: [String: String] { ["DISPLAY": ":99", "PATH": opener.path] }

  func add(_ secret: String) { secrets.insert(secret) }

  /// Runs authctl and keeps its output for the scan. `product` names the values stdout may carry (the
  /// token of `token`, the new key of `keys create`), read after the run, e.g. from the keystore.
  @discardableResult
  func run(
    _ args: [String], stdin: String? = nil, env: [String: String] = [:], status: Int32 = 0,
    product: () -> [String] = { [] }
  ) throws -> RunResult {
    let result = try sandbox.run(args, stdin: stdin, env: env)
    #expect(result.status == status, "\(args.joined(separator: " ")): \(result)")
    record(args, result, product: product())
    return result
  }

  func record(_ args: [String], _ result: RunResult, product: [String] = []) {
    collectKeystoreSecrets()
    let label = args.joined(separator: " ")
    outputs.append(("stderr of \(label)", result.stderr))
    let rest = product.filter { !$0.isEmpty }.reduce(result.stdout) {
      $0.replacingOccurrences(of: $1, with: "<product>")
    }
    outputs.append(("stdout of \(label)", rest))
  }

  /// Everything the keystore holds is a secret to look for elsewhere (tokens the servers issued too).
  func collectKeystoreSecrets() {
    for profile in KeystoreJSON.profiles(sandbox.keystoreJSON()).values {
      for (field, value) in profile["credentials"] as? [String: Any] ?? [:] {
        if let text = value as? String, !field.hasSuffix("_id"), field != "granted_scope", text.count >= 8 {
          secrets.insert(text)
        }
      }
    }
  }

  /// The value of a credential field of `profile` in the keystore now.
  func stored(_ profile: String, _ field: String) -> String {
    (KeystoreJSON.profiles(sandbox.keystoreJSON())[profile]?["credentials"] as? [String: Any])?[field]
      as? String ?? ""
  }

  /// Every place a secret was found; reports the figures. A decoy put in a file and in a process's argv
  /// first proves the scan sees both places.
  func findings(_ name: String) throws -> [String] {
    let decoy = "DECOY-" + String(UInt64.random(in: (1 << 40)..<(1 << 52)), radix: 36)
    try Data(decoy.utf8).write(to: sandbox.root.appendingPathComponent("decoy.txt"))
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sh")
    sleeper.arguments = ["-c", "sleep 0.3", decoy]
    try Spawn.run(sleeper)
    sleeper.waitUntilExit()
    let commandLines = sampler.stop()
    #expect(commandLines.contains { $0.contains(decoy) }, "the argv sampler missed a process")
    #expect(
      scannedFiles().contains { $0.1.range(of: Data(decoy.utf8)) != nil }, "the file scan missed a file")
    try FileManager.default.removeItem(at: sandbox.root.appendingPathComponent("decoy.txt"))
    var found: [String] = []
    for (label, text) in outputs {
      for secret in secrets where text.contains(secret) { found.append("\(label): \(secret)") }
    }
    for line in commandLines {
      for secret in secrets where line.contains(secret) {
        found.append("argv \(line.prefix(120)): \(secret)")
      }
    }
    let files = scannedFiles()
    for (path, data) in files {
      for secret in secrets where data.range(of: Data(secret.utf8)) != nil {
        found.append("file \(path): \(secret)")
      }
    }
    for call in opener.calls() {
      if call.contains("\nAUTHCTL_") { found.append("the browser opener got AUTHCTL_ variables:\n\(call)") }
      for secret in secrets where call.contains(secret) {
        found.append("the browser opener's argv or env: \(secret)")
      }
    }
    let authctlLines = commandLines.filter { $0.contains("authctl") }.count
    Hardening.report(
      "leaks \(name): \(outputs.count / 2) runs, \(secrets.count) secrets, \(commandLines.count) distinct argv "
        + "(\(authctlLines) of authctl), \(files.count) files, \(opener.calls().count) browser openings: "
        + "\(found.count) leaks")
    return found
  }

  /// Regular files in the sandbox (the keystore excepted), and under the temporary directory in whatever was
  /// created or changed since the scan started (older trees there are other people's).
  private func scannedFiles() -> [(String, Data)] {
    let temporary = FileManager.default.temporaryDirectory.path
    let fresh = CrossCut.entries(temporary).map { temporary + "/" + $0 }.filter { path in
      var info = stat()
      return path != sandbox.root.path && lstat(path, &info) == 0
        && Double(max(info.st_mtim.tv_sec, info.st_ctim.tv_sec)) >= started.timeIntervalSince1970 - 1
    }
    var files: [(String, Data)] = []
    var stack = [sandbox.root.path] + fresh
    while let path = stack.popLast() {
      var info = stat()
      guard path != sandbox.keystorePath, lstat(path, &info) == 0 else { continue }
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        stack += CrossCut.entries(path).map { path + "/" + $0 }
      case S_IFREG where info.st_size < 8_000_000:
        if let data = FileManager.default.contents(atPath: path) { files.append((path, data)) }
      default: continue
      }
    }
    return files
  }
}

/// A fake `xdg-open` first on PATH: each call writes its argv and its whole environment to a file.
struct FakeBrowserOpener {
  let directory: String
  let records: String
  let path: String

  init(in root: URL) throws {
    directory = root.appendingPathComponent("bin").path
    records = root.appendingPathComponent("browser-calls").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
    let script = """
      #!/bin/sh
      { printf 'argv:'; for word in "$@"; do printf ' %s' "$word"; done; printf '\\n'; env; } > '\(records)'/call-$$
      """
    let opener = directory + "/xdg-open"
    try Data(script.utf8).write(to: URL(fileURLWithPath: opener))
    chmod(opener, 0o755)
    path = directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
  }

  /// What each call recorded: `argv: ...` then the environment, one variable a line.
  func calls() -> [String] {
    CrossCut.entries(records).compactMap { name in
      FileManager.default.contents(atPath: records + "/" + name).map {
        "\n" + String(decoding: $0, as: UTF8.self)
      }
    }
  }
}

/// Reads every process's command line from /proc over and over while the flows run.
final class ArgvSampler: @unchecked Sendable {
  private let lock = NSLock()
  private var running = false
  private var seen = Set<String>()
  private let done = DispatchSemaphore(value: 0)

  func start() {
    lock.withLock { running = true }
    Thread { [self] in
      while lock.withLock({ running }) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        where entry.first?.isNumber == true {
          guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
          else { continue }
          let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
          lock.withLock { _ = seen.insert(line) }
        }
        usleep(2_000)
      }
      done.signal()
    }.start()
  }

  /// Stops sampling; returns the distinct command lines seen.
  func stop() -> Set<String> {
    let wasRunning = lock.withLock {
      defer { running = false }
      return running
    }
    if wasRunning { done.wait() }
    return lock.withLock { seen }
  }
}
