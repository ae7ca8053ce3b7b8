/// Decodes a keystore in the plain shape authctl writes, without JSONDecoder: one strict pass over the text
/// finds the members, then only the profiles asked for are decoded.
// Issue 5: `token` runs in every script; JSONDecoder spends most of its time looking up generic types at run
// time, and decoding all of 1,000 profiles to print one token cost five times the rest of the run.
enum PlainKeystoreDecoder {
  /// The document with only the profile `select` names given the default profile, or with every profile when
  /// it names none; nil when the text is not in the plain shape (broken, or unusual: an escaped or repeated
  /// name, a field of the wrong type, `1.0` for a version), so that `KeystoreCodec` decodes it with
  /// JSONDecoder, which has the last word. Throws only for a version this build does not know.
  static func decode(_ bytes: [UInt8], path: String, selecting select: (_ defaultProfile: String?) -> String?)
    throws(KeystoreError) -> KeystoreDocument?
  {
    guard JSONSourceLocation.firstInvalidUTF8(in: bytes) == nil, let header = Header(bytes) else {
      return nil
    }
    guard header.version == KeystoreDocument.currentVersion else {
      throw .unknownVersion(path: path, version: header.version)
    }
    let wanted = select(header.defaultProfile)
    let decoder = StoredProfileDecoder(bytes)
    var profiles: [String: StoredProfile] = [:]
    for member in header.profiles {
      if let wanted, !bytes[member.name].elementsEqual(wanted.utf8) { continue }
      let name = String(decoding: bytes[member.name], as: UTF8.self)
      guard let record = decoder.profile(at: member.value), profiles.updateValue(record, forKey: name) == nil
      else { return nil }
    }
    return KeystoreDocument(
      version: header.version, defaultProfile: header.defaultProfile, profiles: profiles)
  }

  /// The top level of a valid JSON text, when its members have the shapes a keystore written by authctl has.
  private struct Header {
    let version: Int
    let defaultProfile: String?
    /// The members of `profiles`: each profile's name and the bytes of its record.
    let profiles: [JSONMember]

    init?(_ bytes: [UInt8]) {
      var scanner = JSONScanner(bytes)
      var members: [JSONMember] = []
      var profiles: [JSONMember] = []
      scanner.skipWhitespace()
      guard scanner.peek() == UInt8(ascii: "{") else { return nil }
      do {
        // One strict pass over the whole text finds the members of the top level and of `profiles`.
        try scanner.scanObject(depth: 0) { scanner, name throws(JSONSyntaxError) in
          let start = scanner.offset
          if bytes[name].elementsEqual("profiles".utf8), scanner.peek() == UInt8(ascii: "{") {
            profiles = try scanner.objectMembers(depth: 1)
          } else {
            try scanner.skipValue(depth: 1)
          }
          members.append(JSONMember(name: name, value: start..<scanner.offset))
        }
      } catch {
        return nil
      }
      scanner.skipWhitespace()
      // An escaped name might spell `version`, a repeat or the selected profile: JSONDecoder sorts those out.
      guard scanner.offset == bytes.count, !JSONMember.hasEscapedOrRepeatedName(members, in: bytes),
        !profiles.contains(where: { bytes[$0.name].contains(UInt8(ascii: "\\")) })
      else { return nil }
      func value(_ name: String) -> Range<Int>? {
        members.first { bytes[$0.name].elementsEqual(name.utf8) }?.value
      }
      guard let version = value("version").flatMap({ Self.integer(bytes[$0]) }),
        let profilesValue = value("profiles"), bytes[profilesValue.lowerBound] == UInt8(ascii: "{"),
        let defaultProfile = Self.optionalString(value("default_profile"), scanner)
      else { return nil }
      self.version = version
      self.defaultProfile = defaultProfile
      self.profiles = profiles
    }

    /// A plain run of digits (what authctl writes); anything else is left to JSONDecoder.
    private static func integer(_ token: ArraySlice<UInt8>) -> Int? {
      guard token.count <= 18, token.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
      else { return nil }
      return Int(String(decoding: token, as: UTF8.self))
    }

    /// `.some(nil)` when the value is absent or null, `.some(text)` for a string, nil for anything else.
    private static func optionalString(_ value: Range<Int>?, _ scanner: JSONScanner) -> String?? {
      guard let value, scanner.bytes[value.lowerBound] != UInt8(ascii: "n") else { return .some(nil) }
      guard scanner.bytes[value.lowerBound] == UInt8(ascii: "\""),
        let text = scanner.string(at: (value.lowerBound + 1)..<(value.upperBound - 1))
      else { return nil }
      return .some(text)
    }
  }
}
