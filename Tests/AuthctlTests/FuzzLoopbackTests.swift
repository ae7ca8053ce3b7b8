import Foundation
import Testing

@testable import AuthctlCore

/// Issue 6 item 5: the loopback redirect receiver reads whatever any local process sends to its port, and
/// `Retry-After` is whatever a server says; both parse or refuse, never trap.
@Suite struct FuzzLoopbackTests {
  static let requests = [
    "GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=http%3A%2F%2F127.0.0.1%3A8080 HTTP/1.1\r\n"
      + "Host: 127.0.0.1:53127\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
    "GET /callback?error=access_denied&error_description=The+user+said+no&state=x HTTP/1.1\r\n\r\n",
    "GET /sso-3f9a/callback?token=eyJhbGciOiJIUzI1NiJ9.e30.c2ln HTTP/1.0\n\n",
    "GET /favicon.ico HTTP/1.1\r\n\r\n",
  ]
  static let pieces = [
    "%", "%0", "%zz", "%00", "%ff", "%c3%a9", "%ed%a0%80", "+", "&", "&&", "=", "==", "?", "#", " ", "\t",
    "\r",
    "\n", "/", "//", "..", "code", "state", "error", "é", "\u{0}",
  ]

  static func request(_ rng: inout SplitMix64) -> [UInt8] {
    var bytes = Array(rng.pick(requests).utf8)
    for _ in 0..<rng.below(6) {
      bytes.insert(contentsOf: Array(rng.pick(pieces).utf8), at: rng.below(bytes.count + 1))
    }
    if rng.chance(0.5) { bytes = FuzzMutator.mutateBytes(bytes, &rng) }
    if rng.chance(0.02) { bytes = Array("GET /callback?".utf8) + Array(repeating: 0x41, count: 20_000) }
    return bytes
  }

  @Test("Any bytes on the loopback port give a request target or nothing, and any query parses")
  func loopbackParsingNeverCrashes() throws {
    var targets = 0
    let (_, slow) = FuzzRun(name: "loopback request parsing", seed: 0x6C6F_6F70_6261_636B).run { rng, _ in
      let bytes = Self.request(&rng)
      guard let target = LoopbackReceiver.parseRequestLine(bytes) else { return }
      targets += 1
      let (path, query) = LoopbackReceiver.split(target)
      #expect(path.hasPrefix("/"))
      let parameters = LoopbackReceiver.parseQuery(query)
      _ = OAuthFlows.judge(parameters, state: rng.chance(0.5) ? "af0ifjsldkj" : nil)
      _ = LoopbackReceiver.escapeHTML(parameters["error_description"] ?? query)
      _ = LoopbackReceiver.percentDecode(query)
    }
    #expect(slow.isEmpty, "inputs over the time bound: \(slow.prefix(10))")
    #expect(!FuzzBudget.isWholeRun || targets > 0)
  }

  static let dates = [
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    "Fri, 31 Dec 9999 23:59:59 GMT", "120", "0",
  ]

  @Test("Any Retry-After value is a number of seconds, never a trap")
  func retryAfterNeverCrashes() throws {
    let (_, slow) = FuzzRun(name: "Retry-After values", seed: 0x7265_7472_7961_6674).run { rng, _ in
      var text: String
      switch rng.below(4) {
      case 0: text = rng.pick(FuzzMutator.numbers)
      case 1: text = rng.pick(FuzzMutator.strings)
      default:
        text = String(
          decoding: FuzzMutator.mutateBytes(Array(rng.pick(Self.dates).utf8), &rng), as: UTF8.self)
      }
      if rng.chance(0.05) { text = String(repeating: "9", count: 1 + rng.below(400)) }
      let seconds = RetryAfter.seconds(text, now: 1_767_225_000)
      #expect(!seconds.isNaN && seconds >= 0, "\(text.debugDescription) gave \(seconds)")
    }
    #expect(slow.isEmpty)
  }
}
