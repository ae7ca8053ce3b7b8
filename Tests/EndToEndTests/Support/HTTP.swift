import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// An answer from `HTTP.send`.
struct HTTPResponse: Sendable {
  var status: Int
  /// Header names in lower case.
  var headers: [String: String]
  var body: Data

  var text: String { String(decoding: body, as: UTF8.self) }
  var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
  var jsonArray: [Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [Any] }
}

/// A tiny synchronous HTTP client for the harness and its tests (never used by authctl).
/// Redirects are not followed, so a 302 comes back as it is.
enum HTTP {
  static func send(
    _ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
    json: [String: Any]? = nil, timeout: Double = 15
  ) throws -> HTTPResponse {
    guard let target = URL(string: url) else { throw HarnessError.http("bad URL \(url)") }
    var request = URLRequest(
      url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let json {
      request.httpBody = try JSONSerialization.data(withJSONObject: json)
      if headers.keys.contains(where: { $0.lowercased() == "content-type" }) == false {
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
      }
    } else if let body {
      request.httpBody = Data(body.utf8)
    }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.connectionProxyDictionary = [:]
    configuration.urlCache = nil
    let delegate = NoRedirects()
    let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    let box = ResultBox()
    let done = DispatchSemaphore(value: 0)
    let task = session.dataTask(with: request) { data, response, error in
      box.set(data: data, response: response, error: error)
      done.signal()
    }
    task.resume()
    if done.wait(timeout: .now() + timeout + 5) == .timedOut {
      task.cancel()
      throw HarnessError.timeout("\(method) \(url) did not finish within \(timeout) s")
    }
    let (data, response, error) = box.get()
    if let error { throw HarnessError.http("\(method) \(url): \(error)") }
    guard let http = response as? HTTPURLResponse else {
      throw HarnessError.http("\(method) \(url): no response")
    }
    var lowered: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
      if let name = name as? String, let value = value as? String { lowered[name.lowercased()] = value }
    }
    return HTTPResponse(status: http.statusCode, headers: lowered, body: data ?? Data())
  }
}

private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  private var response: URLResponse?
  private var error: (any Error)?

  func set(data: Data?, response: URLResponse?, error: (any Error)?) {
    lock.lock()
    defer { lock.unlock() }
    (self.data, self.response, self.error) = (data, response, error)
  }

  func get() -> (Data?, URLResponse?, (any Error)?) {
    lock.lock()
    defer { lock.unlock() }
    return (data, response, error)
  }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }
}
