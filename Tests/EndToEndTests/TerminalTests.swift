import Foundation
import Testing

/// Terminal behaviour under a real pseudo-terminal (python3's `pty`): the waiting indicator, colour, and the
/// echo-off password prompt, and their absence when the stream is piped or `NO_COLOR` is set.
struct TerminalTests {
  static let escape = "\u{1B}["
  static let spinnerFrames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

  // MARK: colour

  @Test("error: is red on a terminal; plain with NO_COLOR, with TERM=dumb, and when stderr is piped")
  func errorColour() throws {
    let sandbox = try Sandbox()
    let tty = try PseudoTerminal.run(sandbox, ["tokn"], terminal: [.stdin, .stdout, .stderr])
    #expect(tty.status == 2, "\(tty)")
    #expect(
      tty.transcript.contains("\(Self.escape)31merror:\(Self.escape)0m unknown command 'tokn'"), "\(tty)")

    for env in [["NO_COLOR": "1"], ["TERM": "dumb"]] {
      let plain = try PseudoTerminal.run(sandbox, ["tokn"], env: env, terminal: [.stdin, .stdout, .stderr])
      #expect(plain.status == 2)
      #expect(plain.transcript.contains("error: unknown command 'tokn'"), "\(plain)")
      #expect(!plain.transcript.contains(Self.escape), "\(env): \(plain)")
    }
    let piped = try PseudoTerminal.run(sandbox, ["tokn"], terminal: [.stdin, .stdout])
    #expect(piped.stderr.hasPrefix("error: unknown command 'tokn'"), "\(piped)")
    #expect(!piped.stderr.contains(Self.escape) && !piped.transcript.contains(Self.escape))
  }

  @Test("check's verdict is green on a terminal, plain when stdout is piped or NO_COLOR is set")
  func checkColour() throws {
    let server = try FakeServer.start("craft")
    let key = "craft_sk_" + String(repeating: "c", count: 40)
    try server.control("api-keys", ["key": key])
    let sandbox = try Sandbox()
    let env = ["AUTHCTL_PROVIDER": "craft", "AUTHCTL_API_KEY": key, "AUTHCTL_BASE_URL": server.baseURL]
    let tty = try PseudoTerminal.run(sandbox, ["check"], env: env, terminal: [.stdout])
    #expect(tty.status == 0, "\(tty)")
    #expect(tty.transcript.contains("\(Self.escape)32mvalid, no known expiry\(Self.escape)0m"), "\(tty)")
    #expect(tty.transcript.contains("\(Self.escape)32mvalid (GET /v1/me)\(Self.escape)0m"), "\(tty)")

    let noColor = try PseudoTerminal.run(
      sandbox, ["check"], env: env.merging(["NO_COLOR": "1"]) { a, _ in a }, terminal: [.stdout])
    #expect(noColor.transcript.contains("validity:        valid, no known expiry"), "\(noColor)")
    #expect(!noColor.transcript.contains(Self.escape))
    let piped = try sandbox.run(["check"], env: env)
    #expect(
      piped.stdout.contains("validity:        valid, no known expiry\n")
        && !piped.stdout.contains(Self.escape))
  }

  // MARK: waiting indicator

  @Test("a spinner runs on stderr while the device approval is awaited, only when stderr is a terminal")
  func spinnerWhileWaitingForDeviceApproval() throws {
    let cases: [(Set<PseudoTerminal.Stream>, [String: String], Bool)] = [
      ([.stdin, .stdout, .stderr], [:], true),
      ([.stdin, .stdout, .stderr], ["NO_COLOR": "1"], true),
      ([.stdin, .stdout], [:], false),
    ]
    for (terminal, env, expectSpinner) in cases {
      let server = try FakeServer.startOIDC(mode: "keycloak")
      try server.control("config", ["device_interval": 1])
      let sandbox = try Sandbox()
      let issuer = server.baseURL + "/realms/emergence"
      let login = [
        "login", "-p", "em", "--provider", "emergence", "--issuer", issuer, "--client-id", "authctl",
        "--flow", "device",
      ]
      let result = try PseudoTerminal.run(
        sandbox, login, env: env, terminal: terminal,
        steps: [
          .init(
            waitFor: "enter the code", sleep: 1.5,
            post: server.baseURL + "/__control/device", json: ["action": "approve"])
        ])
      #expect(result.status == 0, "\(result)")
      let stderr = terminal.contains(.stderr) ? result.transcript : result.stderr
      #expect(stderr.contains("Waiting for approval"), "\(result)")
      let frames = Self.spinnerFrames.filter { stderr.contains("\r\($0) waiting… ") }
      if expectSpinner {
        #expect(frames.count >= 3, "\(result)")
        #expect(stderr.contains("\r\(Self.escape)K"), "the spinner erases its line: \(result)")
        #expect(!stderr.contains(Self.escape + "3"), "no colour in the spinner: \(result)")
      } else {
        #expect(frames.isEmpty && !stderr.contains("\r"), "\(result)")
      }
      #expect(stderr.contains("Logged in to emergence"), "\(result)")
    }
  }

  // MARK: password prompt

  @Test("the password prompt turns echo off: what is typed never appears on the terminal")
  func passwordPromptDoesNotEcho() throws {
    let setup = try MetakraftwerkAccount()
    let args = [
      "login", "-p", "mk", "--provider", "metakraftwerk", "--base-url", setup.server.baseURL, "--login",
      MetakraftwerkAccount.email,
    ]
    let result = try PseudoTerminal.run(
      setup.sandbox, args, terminal: [.stdin, .stdout, .stderr],
      steps: [
        .init(
          waitFor: "Password for \(MetakraftwerkAccount.email): ", type: MetakraftwerkAccount.password + "\n")
      ])
    #expect(result.status == 0, "\(result)")
    #expect(result.transcript.contains("Password for \(MetakraftwerkAccount.email): "), "\(result)")
    #expect(!result.transcript.contains(MetakraftwerkAccount.password), "the password was echoed: \(result)")
    #expect(result.transcript.contains("Logged in to metakraftwerk"), "\(result)")
    #expect(setup.storedToken() != nil)

    // The same login with stdin not a terminal fails at once, naming the -stdin option.
    let piped = try setup.sandbox.run(args)
    #expect(piped.status == 2, "\(piped)")
    #expect(piped.stderr.contains("--password-stdin"), "\(piped)")
  }
}

/// Runs authctl with some of its standard streams on a pseudo-terminal (python3's `pty` module); the others
/// are pipes (stdin: /dev/null). `steps` wait for text on the terminal or stderr, then type or POST.
enum PseudoTerminal {
  enum Stream: String, Sendable {
    case stdin, stdout, stderr
  }

  struct Step: Encodable {
    var waitFor: String
    var sleep: Double = 0
    var type: String? = nil
    var post: String? = nil
    var json: [String: String]? = nil

    enum CodingKeys: String, CodingKey {
      case waitFor = "wait_for"
      case sleep, type, post, json
    }
  }

  struct Result: CustomStringConvertible {
    var status: Int32
    /// Everything written to the terminal (by authctl, and the terminal's own echo).
    var transcript: String
    var stdout: String
    var stderr: String

    var description: String {
      "status \(status)\n--- terminal\n\(transcript.debugDescription)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
  }

  struct Configuration: Encodable {
    var argv: [String]
    var env: [String: String]
    var tty: [String]
    var steps: [Step]
    var timeout: Double
  }

  static func run(
    _ sandbox: Sandbox, _ args: [String], env: [String: String] = [:], terminal: Set<Stream>,
    steps: [Step] = [], timeout: Double = 60
  ) throws -> Result {
    let binary = try HarnessPaths.authctlBinary()
    var environment = sandbox.environment(env)
    environment["TERM"] = env["TERM"] ?? "xterm"
    let configuration = Configuration(
      argv: [binary.path] + args, env: environment, tty: terminal.map(\.rawValue), steps: steps,
      timeout: timeout)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-c", script, String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self),
    ]
    process.currentDirectoryURL = sandbox.root
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    process.standardInput = FileHandle.nullDevice
    try Spawn.run(process)
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw HarnessError.serverFailed("pty runner failed: \(String(decoding: data, as: UTF8.self))")
    }
    return Result(
      status: Int32((object["status"] as? Int) ?? -1), transcript: object["tty"] as? String ?? "",
      stdout: object["stdout"] as? String ?? "", stderr: object["stderr"] as? String ?? "")
  }

  static let script = #"""
    import json, os, pty, select, subprocess, sys, time, urllib.request
    cfg = json.loads(sys.argv[1])
    master, slave = pty.openpty()
    tty = set(cfg["tty"])
    p = subprocess.Popen(
        cfg["argv"], env=cfg["env"], start_new_session=True,
        stdin=slave if "stdin" in tty else subprocess.DEVNULL,
        stdout=slave if "stdout" in tty else subprocess.PIPE,
        stderr=slave if "stderr" in tty else subprocess.PIPE)
    os.close(slave)
    buffers = {"tty": b"", "stdout": b"", "stderr": b""}
    sources = {master: "tty"}
    if p.stdout: sources[p.stdout.fileno()] = "stdout"
    if p.stderr: sources[p.stderr.fileno()] = "stderr"
    steps = list(cfg["steps"])
    deadline = time.time() + cfg["timeout"]
    while sources and time.time() < deadline:
        ready, _, _ = select.select(list(sources), [], [], 0.05)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if chunk:
                buffers[sources[fd]] += chunk
            else:
                del sources[fd]
        seen = (buffers["tty"] + buffers["stderr"]).decode("utf-8", "replace")
        if steps and steps[0]["wait_for"] in seen:
            step = steps.pop(0)
            time.sleep(step.get("sleep") or 0)
            if step.get("type") is not None:
                os.write(master, step["type"].encode())
            if step.get("post"):
                request = urllib.request.Request(
                    step["post"], data=json.dumps(step.get("json") or {}).encode(),
                    headers={"Content-Type": "application/json"}, method="POST")
                urllib.request.urlopen(request, timeout=10).read()
        if p.poll() is not None and master not in sources and len(sources) == 0:
            break
        if p.poll() is not None and not ready:
            break
    if p.poll() is None:
        p.kill()
    status = p.wait()
    print(json.dumps({k: v.decode("utf-8", "replace") for k, v in buffers.items()} | {"status": status}))
    """#
}
