/// Reads the usual shapes of JSON error bodies, for providers whose seed shows none.
package enum ErrorEnvelope {
  /// `{"error": {"code", "message"}}`, `{"error": "code", "message"}`, `{"detail": ...}`, `{"code", "message"}`.
  package static func common(_ body: [UInt8]) -> ProviderErrorDetail {
    guard let json = JSONValue.parse(body) else { return ProviderErrorDetail() }
    if let error = json["error"], case .object = error {
      return ProviderErrorDetail(code: error["code"]?.text, message: error["message"]?.text)
    }
    let detail = json["detail"]
    let detailText = detail?.text ?? detail?.array?.first?["msg"]?.text ?? detail?["message"]?.text
    // FeathersJS (seed 004) puts the HTTP status in `code` and the error's name in `name`.
    let textCode: String? = if case .string(let code)? = json["code"] { code } else { nil }
    return ProviderErrorDetail(
      code: json["error"]?.text ?? textCode ?? json["name"]?.text ?? detail?["code"]?.text,
      message: json["message"]?.text ?? detailText ?? json["error_description"]?.text)
  }
}
