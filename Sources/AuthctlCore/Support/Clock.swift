import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Wall-clock time and sleeping, replaced in tests.
package struct Clock: Sendable {
  /// The current time as Unix seconds with a fraction.
  package var now: @Sendable () -> Double
  /// Blocks the calling thread for the given number of seconds.
  package var sleep: @Sendable (Double) -> Void

  package init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) -> Void) {
    self.now = now
    self.sleep = sleep
  }

  /// The real clock of this machine.
  package static let system = Clock(
    now: {
      var spec = timespec()
      clock_gettime(CLOCK_REALTIME, &spec)
      return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    },
    sleep: { seconds in
      guard seconds > 0 else { return }
      var request = timespec(
        tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
      var remaining = timespec()
      while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
  )
}
