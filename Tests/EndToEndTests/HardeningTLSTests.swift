import Foundation
import Testing

/// Issue 6 item 3, TLS: certificates made with openssl at test time and served by
/// `fake_providers.py --tls-cert/--tls-key`. TLS is always verified (SPEC §7); `AUTHCTL_CA_FILE` adds a CA.
@Suite struct HardeningTLSTests {
  /// A test CA, a certificate for 127.0.0.1 and localhost signed by it, and one for another host.
  struct Certificates {
    let ca: String
    let cert: String
    let key: String
    let otherHostCert: String
    let otherHostKey: String

    init(in directory: URL) throws {
      let dir = directory.path
      ca = dir + "/ca.pem"
      cert = dir + "/server.pem"
      key = dir + "/server.key"
      otherHostCert = dir + "/other.pem"
      otherHostKey = dir + "/other.key"
      let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
      try Self.openssl(
        ["req", "-x509"] + curve + [
          "-keyout", dir + "/ca.key", "-out", ca, "-days", "2", "-subj", "/CN=authctl hardening test CA",
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
      for (pem, secret, names) in [
        (cert, key, "DNS:localhost,IP:127.0.0.1"), (otherHostCert, otherHostKey, "DNS:other.example"),
      ] {
        let extensions = pem + ".ext"
        try Data("subjectAltName=\(names)\nextendedKeyUsage=serverAuth\n".utf8).write(
          to: URL(fileURLWithPath: extensions))
        try Self.openssl(
          ["req"] + curve + ["-keyout", secret, "-out", pem + ".csr", "-subj", "/CN=authctl test server"])
        try Self.openssl([
          "x509", "-req", "-in", pem + ".csr", "-CA", ca, "-CAkey", dir + "/ca.key", "-CAcreateserial",
          "-out", pem,
          "-days", "2", "-extfile", extensions,
        ])
      }
    }

    private static func openssl(_ arguments: [String]) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["openssl"] + arguments
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try Spawn.run(process)
      process.waitUntilExit()
      try #require(process.terminationStatus == 0, "openssl \(arguments.prefix(2)) failed")
    }
  }

  /// The https fake craft server and the way to reach its control API (curl trusts the test CA).
  struct TLSServer {
    let server: FakeServer
    let certificates: Certificates

    var url: String { "https://127.0.0.1:\(server.port)" }

    init(_ certificates: Certificates, otherHost: Bool = false) throws {
      self.certificates = certificates
      server = try FakeServer.start(
        "craft",
        arguments: [
          "--tls-cert", otherHost ? certificates.otherHostCert : certificates.cert,
          "--tls-key", otherHost ? certificates.otherHostKey : certificates.key,
        ])
    }

    @discardableResult
    func control(_ name: String, _ json: [String: Any]? = nil) throws -> Data {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      var arguments = ["curl", "-sS", "-k", "--max-time", "10", url + "/__control/" + name]
      if let json {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        arguments += ["-X", "POST", "-H", "Content-Type: application/json", "-d", body]
      }
      process.arguments = arguments
      let output = Pipe()
      process.standardOutput = output
      try Spawn.run(process)
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      try #require(process.terminationStatus == 0, "curl \(name) failed")
      return data
    }

    /// Paths of the requests the server's application saw (a refused handshake never gets there).
    func requestPaths() throws -> [String] {
      let log = (try JSONSerialization.jsonObject(with: try control("requests"))) as? [[String: Any]] ?? []
      return log.compactMap { $0["path"] as? String }
    }
  }

  static func login(_ sandbox: Sandbox, _ url: String, env: [String: String] = [:]) throws -> RunResult {
    try sandbox.run(
      ["login", "-p", "tls", "--provider", "craft", "--base-url", url, "--api-key-stdin"],
      stdin: CrossCut.craftKey,
      env: env)
  }

  @Test("A certificate from an unknown CA is refused; with AUTHCTL_CA_FILE naming that CA it is trusted")
  func unknownCertificateAuthority() throws {
    let sandbox = try Sandbox()
    let tls = try TLSServer(try Certificates(in: sandbox.root))
    try tls.control("api-keys", ["key": CrossCut.craftKey])
    try CrossCut.writeKeystore(sandbox, Data(CrossCut.keystoreText().utf8))
    let before = sandbox.keystoreBytes()
    for url in [tls.url, "https://localhost:\(tls.server.port)"] {
      let refused = try Self.login(sandbox, url)
      #expect(refused.status == 5, "\(refused)")
      #expect(refused.stderr.localizedCaseInsensitiveContains("certificate"), "\(refused.stderr)")
      #expect(refused.stderr.contains("AUTHCTL_CA_FILE"), "the message names the fix: \(refused.stderr)")
      #expect(!refused.stderr.contains(CrossCut.craftKey))
      #expect(sandbox.keystoreBytes() == before)
    }
    #expect(try tls.requestPaths().isEmpty, "a request got through an untrusted handshake")

    let trusted = ["AUTHCTL_CA_FILE": tls.certificates.ca]
    let login = try Self.login(sandbox, tls.url, env: trusted)
    #expect(login.status == 0, "\(login)")
    #expect(try sandbox.run(["check", "-p", "tls"], env: trusted).status == 0)
    let untrusted = try sandbox.run(["check", "-p", "tls"])
    #expect(untrusted.status == 5, "without AUTHCTL_CA_FILE the same server is refused again: \(untrusted)")
    Hardening.report(
      "tls unknown CA: refused (exit 5) by IP and by name, nothing sent; trusted with AUTHCTL_CA_FILE")
  }

  @Test("A certificate for another host is refused even when its CA is trusted")
  func certificateForAnotherHost() throws {
    let sandbox = try Sandbox()
    let tls = try TLSServer(try Certificates(in: sandbox.root), otherHost: true)
    let result = try Self.login(sandbox, tls.url, env: ["AUTHCTL_CA_FILE": tls.certificates.ca])
    #expect(result.status == 5, "\(result)")
    #expect(sandbox.keystoreBytes() == nil)
    #expect(try tls.requestPaths().isEmpty)
    Hardening.report("tls certificate for another host: refused (exit 5) with its CA trusted, nothing sent")
  }

  @Test("An AUTHCTL_CA_FILE that is missing or not PEM is an error, never a reason to skip verification")
  func unusableCertificateFile() throws {
    let sandbox = try Sandbox()
    let tls = try TLSServer(try Certificates(in: sandbox.root))
    let garbage = sandbox.root.appendingPathComponent("garbage.pem").path
    try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
    for file in [garbage, sandbox.root.appendingPathComponent("missing.pem").path] {
      let result = try Self.login(sandbox, tls.url, env: ["AUTHCTL_CA_FILE": file])
      #expect(result.status == 5, "\(file): \(result)")
      #expect(sandbox.keystoreBytes() == nil)
    }
    #expect(try tls.requestPaths().isEmpty)
    Hardening.report("tls unusable AUTHCTL_CA_FILE (missing, not PEM): exit 5, nothing sent")
  }

  @Test("A redirect from https to http is refused and the http server receives nothing")
  func downgradeRedirect() throws {
    let sandbox = try Sandbox()
    let tls = try TLSServer(try Certificates(in: sandbox.root))
    let plain = try CrossCut.craft()
    let trusted = ["AUTHCTL_CA_FILE": tls.certificates.ca]
    try tls.control("api-keys", ["key": CrossCut.craftKey])
    #expect(try Self.login(sandbox, tls.url, env: trusted).status == 0)
    let before = sandbox.keystoreBytes()
    try tls.control(
      "faults",
      ["path": "/v1/me", "status": 302, "headers": ["Location": plain.baseURL + "/v1/me"], "times": 5])
    let check = try sandbox.run(["check", "-p", "tls"], env: trusted)
    #expect(check.status == 5, "\(check)")
    #expect(check.stderr.contains("redirected"), "\(check.stderr)")
    #expect(!check.stderr.contains(CrossCut.craftKey))
    #expect(try plain.requests().isEmpty, "the credential followed the downgrade")
    #expect(sandbox.keystoreBytes() == before)
    Hardening.report("tls https→http redirect: exit 5, the http server received nothing, keystore unchanged")
  }
}
