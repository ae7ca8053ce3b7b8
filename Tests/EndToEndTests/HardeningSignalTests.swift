import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6 item 7: SIGINT and SIGTERM while authctl waits on a browser, polls for a device login, waits for
/// the keystore lock or for a slow answer, and at random moments of every writing command: exit 130 / 143,
/// the lock free at once, the keystore as it was (or as the finished command left it), no temporary file.
@Suite struct HardeningSignalTests {
  enum Wait: String, CaseIterable, Sendable {
    case browser, devicePolling, keystoreLock, slowRequest
  }

  static let signals: [(number: Int32, status: Int32)] = [(SIGINT, 130), (SIGTERM, 143)]

  @Test(
    "A signal while waiting exits 130 or 143 and leaves the lock free, the keystore intact, no temp file",
    arguments: Wait.allCases, signals)
  func signalWhileWaiting(wait: Wait, signal: (number: Int32, status: Int32)) throws {
    let sandbox = try Sandbox()
    let realm = try HardeningRealm(config: ["device_interval": 1])
    try realm.browserLogin(sandbox, profile: "em")
    var document = try #require(sandbox.keystoreJSON())
    var profiles = KeystoreJSON.profiles(document)
    profiles["keep"] = KeystoreJSON.bystander("sk-keep")
    document["profiles"] = profiles
    try KeystoreDirectory.restore(sandbox, try KeystoreJSON.encode(document))
    let before = sandbox.keystoreBytes()
    let lockPath = sandbox.keystorePath + ".lock"
    try realm.server.resetRequests()

    var holder: PythonLockHolder?
    let command: RunningCommand
    switch wait {
    case .browser:
      command = try sandbox.launch(realm.loginArguments("em"))
      _ = try BrowserDriver.url(in: command, prefix: realm.issuer + "/protocol/openid-connect/auth?")
    case .devicePolling:
      command = try sandbox.launch(realm.loginArguments("em") + ["--flow", "device"])
      _ = try BrowserDriver.devicePrompt(command)
      #expect(try CrossCut.eventually { try !realm.tokenRequests(Self.deviceGrant).isEmpty }, "no poll")
    case .keystoreLock:
      holder = try PythonLockHolder(lockPath)
      command = try sandbox.launch(["profiles", "use", "keep"])
      usleep(500_000)
      #expect(command.isRunning, "the command did not wait for the lock")
    case .slowRequest:
      try realm.server.fault(["path": realm.tokenPath, "method": "POST", "delay": 10])
      command = try sandbox.launch(["refresh", "-p", "em"])
      #expect(
        try CrossCut.eventually { try !realm.tokenRequests("refresh_token").isEmpty }, "no refresh sent")
    }
    let sent = Date()
    command.signal(signal.number)
    let result = try command.wait(timeout: 15)
    let seconds = Date().timeIntervalSince(sent)
    #expect(result.status == signal.status, "\(wait): \(result)")
    #expect(seconds < 3, "\(wait): the signal did not end the wait at once")
    Hardening.report(
      "signals \(wait): exit \(result.status) \(Int(seconds * 1000)) ms after signal \(signal.number)")
    #expect(result.stdout.isEmpty)
    holder?.stop()
    #expect(KeystoreDirectory.lockIsFree(lockPath), "\(wait): the keystore lock is held")
    let loginLock = sandbox.configDirectory + "/.keystore.json.login-em.lock"
    #expect(KeystoreDirectory.lockIsFree(loginLock), "\(wait): the login lock is held")
    #expect(sandbox.keystoreBytes() == before, "\(wait): the keystore changed")
    #expect(KeystoreDirectory.temporaryFiles(sandbox.configDirectory).isEmpty, "\(wait): temp file left")
  }

  static let deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

  /// Signals at random moments of each writing command (HardeningCrashTests' scenarios): 2 × 2 × 7 = 28
  /// quick, 15 × 2 × 7 = 210 in full mode.
  static let perScenario = Hardening.count(quick: 2, full: 15)

  @Test(
    "A signal at a random moment of a write leaves no temp file at all, and the old or new keystore",
    arguments: HardeningCrashTests.Scenario.allCases)
  func signalDuringWrite(scenario: HardeningCrashTests.Scenario) throws {
    let sandbox = try Sandbox()
    let setup = try CrashSetup.make(scenario, sandbox)
    try KeystoreDirectory.restore(sandbox, setup.before)
    try setup.reset()
    let (reference, duration) = try CrossCut.timed { try sandbox.run(setup.args, stdin: setup.stdin) }
    try #require(reference.status == 0, "\(scenario): \(reference)")
    let after = try #require(sandbox.keystoreBytes())
    var generator = Seeded(
      0x5160_0000 ^ UInt64(HardeningCrashTests.Scenario.allCases.firstIndex(of: scenario) ?? 0))
    var interrupted = 0
    var beforeHandlers = 0
    for iteration in 0..<(Self.perScenario * 2) {
      let (number, status) = Self.signals[iteration % 2]
      try KeystoreDirectory.restore(sandbox, setup.before)
      try setup.reset()
      let command = try sandbox.launch(setup.args, stdin: setup.stdin)
      usleep(useconds_t(Double.random(in: 0...duration, using: &generator) * 1_000_000))
      command.signal(number)
      let result = try command.wait(timeout: 30)
      interrupted += result.status == status ? 1 : 0
      // A signal in the first instants, before main installs the handlers, ends the process by its default
      // action (the same 130/143 to a shell); nothing is written by then.
      beforeHandlers += result.uncaughtSignal == number ? 1 : 0
      let label = "\(scenario) signal \(number) #\(iteration): \(result.status)"
      #expect([nil, number].contains(result.uncaughtSignal), "\(label): died of another signal")
      #expect(
        setup.classify(sandbox.keystoreBytes(), after: after) != nil,
        "\(label): keystore neither before nor after")
      #expect(KeystoreDirectory.temporaryFiles(sandbox.configDirectory).isEmpty, "\(label): temp file left")
      #expect(KeystoreDirectory.lockIsFree(sandbox.keystorePath + ".lock"), "\(label): lock held")
    }
    Hardening.report(
      "signals \(scenario): \(Self.perScenario * 2) SIGINT/SIGTERM at random moments, \(interrupted) interrupted "
        + "the command (130/143; \(beforeHandlers) before its handlers were installed), the rest came after it "
        + "finished; 0 temp files, 0 torn keystores")
  }
}

/// A python process holding the keystore's POSIX record lock, as docs/keystore.md tells scripts to.
final class PythonLockHolder: @unchecked Sendable {
  private let process = Process()
  private let output = Pipe()

  init(_ lockPath: String) throws {
    let script = """
      import fcntl, sys, time
      f = open(sys.argv[1], "a")
      fcntl.lockf(f, fcntl.LOCK_EX)
      print("locked", flush=True)
      time.sleep(120)
      """
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, lockPath]
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try Spawn.run(process)
    let line = output.fileHandleForReading.readData(ofLength: 7)
    try #require(String(decoding: line, as: UTF8.self) == "locked\n", "the lock holder did not start")
  }

  var pid: Int32 { process.processIdentifier }

  func stop() {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit { stop() }
}
