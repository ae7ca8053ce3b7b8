import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Listens on 127.0.0.1 on a free port for the browser's redirect (RFC 8252 §7.3).
package final class LoopbackReceiver {
  private let descriptor: Int32
  package let port: Int
  /// The only path accepted; anything else is answered 404.
  package let path: String

  package init(path: String) throws(LoginFlowError) {
    self.path = path
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw .listenerFailed("socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    guard bound == 0, named == 0, listen(socket, 8) == 0 else {
      let reason = String(cString: strerror(errno))
      close(socket)
      throw .listenerFailed("cannot listen on 127.0.0.1: \(reason)")
    }
    _ = fcntl(socket, F_SETFD, FD_CLOEXEC)
    descriptor = socket
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  deinit { close(descriptor) }

  package var redirectURI: String { "http://127.0.0.1:\(port)\(path)" }

  /// Waits for a GET of `path` and returns its query parameters; `answer` decides the page the browser sees.
  /// `tick` runs about ten times a second while nothing arrives.
  package func waitForRedirect(
    timeout: Double, clock: Clock, tick: () -> Void = {},
    answer: ([String: String]) -> (ok: Bool, message: String)
  ) throws(LoginFlowError) -> [String: String] {
    let deadline = clock.now() + timeout
    while true {
      let remaining = deadline - clock.now()
      guard remaining > 0 else { throw .browserTimedOut(seconds: Int(timeout.rounded())) }
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(min(remaining, 0.1) * 1000))
      guard ready > 0 else {
        tick()
        continue
      }
      let client = accept(descriptor, nil, nil)
      guard client >= 0 else { continue }
      defer { close(client) }
      guard let target = Self.readRequestTarget(client) else {
        Self.respond(
          client, status: "400 Bad Request", ok: false, message: "This is authctl's login listener.")
        continue
      }
      let (requestPath, query) = Self.split(target)
      guard requestPath == path else {
        Self.respond(client, status: "404 Not Found", ok: false, message: "Not found.")
        continue
      }
      let parameters = Self.parseQuery(query)
      let (ok, message) = answer(parameters)
      Self.respond(client, status: "200 OK", ok: ok, message: message)
      return parameters
    }
  }

  /// The request target of a GET, from a request line of at most 16 KiB read within 5 seconds; nil otherwise.
  static func readRequestTarget(_ client: Int32) -> String? {
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 2048)
    while bytes.count < 16384 {
      let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
      // Only the request line matters; the rest of the request is not read.
      if buffer[0..<count].contains(10) { break }
    }
    return parseRequestLine(bytes)
  }

  /// `GET /callback?code=x HTTP/1.1` → `/callback?code=x`.
  static func parseRequestLine(_ bytes: [UInt8]) -> String? {
    guard let end = bytes.firstIndex(of: 13) ?? bytes.firstIndex(of: 10) else { return nil }
    let words = String(decoding: bytes[..<end], as: UTF8.self).split(
      separator: " ", omittingEmptySubsequences: false)
    guard words.count == 3, words[0] == "GET", words[1].hasPrefix("/"), words[2].hasPrefix("HTTP/1.") else {
      return nil
    }
    return String(words[1])
  }

  static func split(_ target: String) -> (String, String) {
    guard let mark = target.firstIndex(of: "?") else { return (target, "") }
    return (String(target[..<mark]), String(target[target.index(after: mark)...]))
  }

  /// `a=1&b=x%20y` → ["a": "1", "b": "x y"]; the first of repeated names wins.
  static func parseQuery(_ query: String) -> [String: String] {
    var result: [String: String] = [:]
    for pair in query.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard let name = percentDecode(String(parts[0])), result[name] == nil else { continue }
      result[name] = parts.count > 1 ? percentDecode(String(parts[1])) : ""
    }
    return result
  }

  static func percentDecode(_ text: String) -> String? {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == UInt8(ascii: "+") {
        bytes.append(UInt8(ascii: " "))
      } else if byte == UInt8(ascii: "%") {
        guard let high = iterator.next(), let low = iterator.next(),
          let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
        else { return nil }
        bytes.append(value)
      } else {
        bytes.append(byte)
      }
    }
    return String(validating: bytes, as: UTF8.self)
  }

  private static func respond(_ client: Int32, status: String, ok: Bool, message: String) {
    let title = ok ? "authctl: login complete" : "authctl: login failed"
    let body =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head><body><h1>\(title)</h1><p>\(escapeHTML(message))</p></body></html>\n"
    let head =
      "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    let bytes = Array((head + body).utf8)
    _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  static func escapeHTML(_ text: String) -> String {
    text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
      .replacing("\"", with: "&quot;")
  }
}
