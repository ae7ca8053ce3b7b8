import Foundation

/// Structure-aware and byte-level mutations of valid samples, with the values that break naive decoders:
/// numbers past Int64 and Double, type confusion, missing and repeated members, deep nesting, hostile JWTs.
enum FuzzMutator {
  static let numbers = [
    "0", "-0", "1", "-1", "0.5", "-0.5", "1e400", "-1e400", "1e308", "1.7976931348623157e308", "-1e308",
    "4.9e-324", "1e-400", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "2147483648", "3600",
    "1700000000", "99999999999", "1e19", "-1e19", "9.3e18", "1E+2", "0.0000001", "60", "5", "86400",
  ]

  static let strings: [String] =
    [
      "", " ", "null", "true", "0", "-1", "1e400", "inf", "-inf", "nan", "NaN", "Infinity",
      "9223372036854775808",
      "\u{0}", "\u{1B}[31mred\u{1B}[0m", "\r\n", "line\nbreak", "é", "😀", "\u{202E}rtl", "\u{FEFF}",
      String(repeating: "A", count: 70_000), String(repeating: "é", count: 3_000), "Bearer x", "%00%ff%",
      "../../etc/passwd", "http://evil.example/", "https://", "javascript:alert(1)", "a.b.c", "..", ".",
      "a..b", "eyJ", "eyJ.eyJ.", "Wed, 21 Oct 2015 07:28:00 GMT", "bearer", "BEARER", "mac", "S256",
    ] + hostileJWTs

  /// JWT-shaped tokens whose claims overflow or confuse: `exp` past Int64, negative, not numbers.
  static let hostileJWTs: [String] = [
    #"{"exp":1e300,"iat":1}"#, #"{"exp":-1e300,"iat":-1e300}"#, #"{"exp":9.3e18,"iat":-9.3e18}"#,
    #"{"exp":9223372036854775807,"iat":-9223372036854775808}"#, #"{"exp":"soon","iat":[]}"#,
    #"{"exp":1e400}"#, #"{"iat":1e400,"exp":1e401}"#, #"{"exp":1.5,"iat":0.5,"aud":{"x":1}}"#,
    #"{"sub":1e400,"email":["a"],"groups":"g","aud":[1,2],"scope":{}}"#, #"[]"#, #""x""#, "{}",
  ].map { jwt(payload: $0) }

  static func jwt(payload: String, header: String = #"{"alg":"RS256","typ":"JWT"}"#) -> String {
    base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8)) + ".c2lnbmF0dXJl"
  }

  static func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  /// A random value of any type, mostly from the tables above and `extra` (canaries, field values).
  static func value(_ rng: inout SplitMix64, extra: [String] = [], depth: Int = 0) -> FuzzJSON {
    switch rng.below(depth > 2 ? 5 : 8) {
    case 0: return .null
    case 1: return .bool(rng.chance(0.5))
    case 2: return .number(rng.pick(numbers))
    case 3, 4: return .string(rng.pick(extra.isEmpty || rng.chance(0.5) ? strings : extra))
    case 5: return .array((0..<rng.below(4)).map { _ in value(&rng, extra: extra, depth: depth + 1) })
    case 6:
      return .object(
        (0..<rng.below(4)).map { _ in
          (rng.pick(strings.prefix(20) + extra), value(&rng, extra: extra, depth: depth + 1))
        })
    default: return nested(.number("1"), depth: 1 + rng.below(rng.chance(0.9) ? 40 : 5_000))
    }
  }

  static func nested(_ inner: FuzzJSON, depth: Int) -> FuzzJSON {
    var value = inner
    for level in 0..<depth { value = level % 2 == 0 ? .array([value]) : .object([("a", value)]) }
    return value
  }

  /// 1–4 structural mutations; `keys` are member names worth adding (the decoder's own fields).
  static func mutate(_ json: FuzzJSON, _ rng: inout SplitMix64, keys: [String], extra: [String]) -> FuzzJSON {
    var result = json
    for _ in 0...rng.below(4) { result = mutateNode(result, &rng, keys: keys, extra: extra) }
    return result
  }

  private static func mutateNode(_ node: FuzzJSON, _ rng: inout SplitMix64, keys: [String], extra: [String])
    -> FuzzJSON
  {
    switch node {
    case .object(var members):
      if !members.isEmpty, rng.chance(0.6) {
        let index = rng.below(members.count)
        members[index].1 = mutateNode(members[index].1, &rng, keys: keys, extra: extra)
        return .object(members)
      }
      switch rng.below(7) {
      case 0 where !members.isEmpty: members.remove(at: rng.below(members.count))
      case 1 where !members.isEmpty:
        let member = rng.pick(members)
        members.append((member.0, value(&rng, extra: extra)))
      case 2 where !members.isEmpty: members[rng.below(members.count)].0 = rng.pick(keys + ["", "\u{0}"])
      case 3: members = []
      case 4: return value(&rng, extra: extra)
      default: members.insert((rng.pick(keys), value(&rng, extra: extra)), at: rng.below(members.count + 1))
      }
      return .object(members)
    case .array(var items):
      if !items.isEmpty, rng.chance(0.6) {
        let index = rng.below(items.count)
        items[index] = mutateNode(items[index], &rng, keys: keys, extra: extra)
        return .array(items)
      }
      switch rng.below(5) {
      case 0 where !items.isEmpty: items.remove(at: rng.below(items.count))
      case 1 where !items.isEmpty: items += Array(repeating: rng.pick(items), count: 1 + rng.below(8))
      case 2: items = []
      case 3: return value(&rng, extra: extra)
      default: items.insert(value(&rng, extra: extra), at: rng.below(items.count + 1))
      }
      return .array(items)
    default:
      return rng.chance(0.1) ? nested(node, depth: 1 + rng.below(600)) : value(&rng, extra: extra)
    }
  }

  static let interestingBytes: [UInt8] = [
    0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0xFF, 0xC3, 0xE2, 0x80, 0x0A, 0x0D, 0x2E, 0x2D,
    0x30,
    0x65, 0x75, 0xED, 0xA0, 0xF4, 0x90,
  ]

  /// 1–3 byte-level mutations: flips, interesting bytes, deletions, duplications, insertions, truncation.
  static func mutateBytes(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var bytes = input
    for _ in 0...rng.below(3) {
      let at = rng.below(bytes.count + 1)
      switch rng.below(7) {
      case 0 where at < bytes.count: bytes[at] ^= UInt8(1 << rng.below(8))
      case 1 where at < bytes.count: bytes[at] = rng.pick(interestingBytes)
      case 2 where at < bytes.count: bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.below(16)))
      case 3 where at < bytes.count:
        bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 1 + rng.below(32))], at: at)
      case 4: bytes = Array(bytes.prefix(at))
      case 5: bytes.insert(contentsOf: (0..<1 + rng.below(8)).map { _ in UInt8(rng.below(256)) }, at: at)
      default: bytes.insert(rng.pick(interestingBytes), at: at)
      }
    }
    return bytes
  }

  /// A hostile variant of one of `samples`: mostly structural, sometimes byte-level on top, sometimes noise.
  static func body(from samples: [String], _ rng: inout SplitMix64, keys: [String], extra: [String] = [])
    -> [UInt8]
  {
    let roll = rng.below(20)
    if roll == 0 { return (0..<rng.below(64)).map { _ in UInt8(rng.below(256)) } }
    let sample = rng.pick(samples)
    if roll == 1 { return Array(sample.utf8) }
    guard let json = FuzzJSON.parse(sample) else { return mutateBytes(Array(sample.utf8), &rng) }
    // Answers are capped at 1 MiB (SPEC §7), and bigger inputs only slow the run.
    let text = Array(mutate(json, &rng, keys: keys, extra: extra).text.utf8.prefix(1_048_576))
    return rng.chance(0.25) ? mutateBytes(text, &rng) : text
  }
}
