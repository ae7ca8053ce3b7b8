#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why the operating system's random number generator could not be read.
package enum SecureRandomError: Error, Equatable {
  /// getentropy(3), that is getrandom(2), failed with this errno.
  case unavailable(errno: Int32)
}

/// Bytes from the operating system's cryptographically secure random number generator.
package enum SecureRandom {
  /// `count` random bytes, for PKCE verifiers (RFC 7636 §4.1) and `state` and `nonce` values.
  package static func bytes(_ count: Int) throws(SecureRandomError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: max(count, 0))
    #if canImport(Glibc)
      let failure = bytes.withUnsafeMutableBytes { buffer -> Int32? in
        var filled = 0
        while filled < buffer.count {
          // Swift's Glibc module leaves out <sys/random.h>, so getrandom(2) is reached through
          // getentropy(3), which glibc implements with it; getentropy(3) takes at most 256 bytes a call.
          let length = min(buffer.count - filled, 256)
          if getentropy(buffer.baseAddress.map { $0 + filled }, length) == 0 {
            filled += length
          } else if errno != EINTR {
            return errno
          }
        }
        return nil
      }
      if let failure { throw .unavailable(errno: failure) }
    #elseif canImport(Darwin)
      // arc4random_buf(3) draws from the kernel CSPRNG and cannot fail.
      bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { arc4random_buf(base, buffer.count) }
      }
    #endif
    return bytes
  }
}
