import FoundationEssentials

/// Turns keystore bytes into a document, naming the line and column of any breakage (`PlainKeystoreEncoder`
/// writes them).
enum KeystoreCodec {
  /// Decodes the file's bytes: the plain decoder reads what authctl writes; JSONDecoder reads anything else
  /// or refuses it, checking the syntax first, then the version, then the fields.
  // SPEC §4: the error names the path and the line and column where the file is broken.
  static func decode(_ bytes: [UInt8], path: String) throws(KeystoreError) -> KeystoreDocument {
    if let document = try PlainKeystoreDecoder.decode(bytes, path: path, selecting: { _ in nil }) {
      return document
    }
    return try decodeWithFoundation(bytes, path: path)
  }

  /// The document with only the profile `select` names given the default profile: `token` and `header` need
  /// no more. The whole text is checked all the same, and a broken one is refused with the same error.
  static func decode(_ bytes: [UInt8], path: String, selecting select: (_ defaultProfile: String?) -> String)
    throws(KeystoreError) -> KeystoreDocument
  {
    if let document = try PlainKeystoreDecoder.decode(bytes, path: path, selecting: select) {
      return document
    }
    var document = try decodeWithFoundation(bytes, path: path)
    let name = select(document.defaultProfile)
    document.profiles = document.profiles.filter { $0.key == name }
    return document
  }

  /// JSONDecoder's reading, which decides every text the plain decoder leaves to it, and names what is wrong.
  private static func decodeWithFoundation(_ bytes: [UInt8], path: String) throws(KeystoreError)
    -> KeystoreDocument
  {
    try checkSyntax(bytes, path: path)
    let data = Data(bytes)
    let decoder = JSONDecoder()
    do {
      // The version first, so a future format with other fields still reads as an unknown version.
      let version = try decoder.decode(VersionField.self, from: data).version
      guard version == KeystoreDocument.currentVersion else {
        throw KeystoreError.unknownVersion(path: path, version: version)
      }
      return try decoder.decode(KeystoreDocument.self, from: data)
    } catch let error as KeystoreError {
      throw error
    } catch let error as DecodingError {
      throw shapeError(error, path: path, bytes: bytes)
    } catch {
      throw .unparsable(path: path, line: 1, column: 1, detail: String(describing: error))
    }
  }

  /// Refuses an empty file, bytes that are not UTF-8 and broken JSON, naming the first bad character.
  static func checkSyntax(_ bytes: [UInt8], path: String) throws(KeystoreError) {
    guard !bytes.isEmpty else {
      throw .unparsable(path: path, line: 1, column: 1, detail: "the file is empty")
    }
    let syntaxError = JSONScanner.firstError(in: bytes)
    if let invalid = JSONSourceLocation.firstInvalidUTF8(in: bytes), invalid <= syntaxError?.offset ?? invalid
    {
      throw unparsable(path, bytes, at: invalid, "invalid UTF-8 (byte \(hex(bytes[invalid])))")
    }
    if let syntaxError {
      throw unparsable(path, bytes, at: syntaxError.offset, describe(syntaxError, in: bytes))
    }
  }

  private struct VersionField: Decodable {
    let version: Int
  }

  private static func shapeError(_ error: DecodingError, path: String, bytes: [UInt8]) -> KeystoreError {
    let context: DecodingError.Context
    var problem: String
    switch error {
    case .keyNotFound(let key, let keyContext):
      context = keyContext
      problem = "the field \"\(key.stringValue)\" is missing"
    case .dataCorrupted(let valueContext) where valueContext.codingPath.isEmpty:
      guard let offset = JSONSourceLocation.firstNonIntegerNumber(in: bytes) else {
        return .unparsable(path: path, line: 1, column: 1, detail: valueContext.debugDescription)
      }
      return unparsable(path, bytes, at: offset, "expected a whole number")
    case .typeMismatch(_, let valueContext), .valueNotFound(_, let valueContext),
      .dataCorrupted(let valueContext):
      context = valueContext
      problem = valueContext.debugDescription
    @unknown default:
      return .unparsable(path: path, line: 1, column: 1, detail: String(describing: error))
    }
    let fieldPath = context.codingPath.map(\.stringValue).joined(separator: ".")
    problem = fieldPath.isEmpty ? "at the top level: \(problem)" : "at \(fieldPath): \(problem)"
    return unparsable(path, bytes, at: JSONSourceLocation.offset(of: context.codingPath, in: bytes), problem)
  }

  private static func unparsable(_ path: String, _ bytes: [UInt8], at offset: Int, _ detail: String)
    -> KeystoreError
  {
    let (line, column) = JSONSourceLocation.lineAndColumn(of: offset, in: bytes)
    return .unparsable(path: path, line: line, column: column, detail: detail)
  }

  private static func describe(_ error: JSONSyntaxError, in bytes: [UInt8]) -> String {
    guard error.offset < bytes.count else { return "unexpected end of file, expected \(error.expected)" }
    let byte = bytes[error.offset]
    let found = (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : hex(byte)
    return "unexpected \(found), expected \(error.expected)"
  }

  private static func hex(_ byte: UInt8) -> String {
    "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
  }
}
