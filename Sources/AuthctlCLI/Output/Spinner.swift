import AuthctlCore

/// The waiting indicator on stderr while a person approves a login in the browser or on another device:
/// drawn on its own line, only when stderr is a terminal (and not with `--quiet`), erased before any other
/// text is written.
final class Spinner {
  private static let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
  private let sink: any TextSink
  private let clock: Clock
  private let enabled: Bool
  private var started: Double?
  private var lastDrawn = 0.0
  private var frame = 0
  private var shown = false

  init(sink: any TextSink, clock: Clock, enabled: Bool) {
    self.sink = sink
    self.clock = clock
    self.enabled = enabled
  }

  /// Draws the next frame, at most ten times a second.
  func tick() {
    guard enabled else { return }
    let now = clock.now()
    let start = started ?? now
    started = start
    guard now - lastDrawn >= 0.1 else { return }
    lastDrawn = now
    frame = (frame + 1) % Self.frames.count
    sink.write("\r\(Self.frames[frame]) waiting… \(TimeText.duration(Int64(now - start)))\u{1B}[K")
    shown = true
  }

  /// Erases the indicator's line, so the next text starts on a clean line.
  func clear() {
    guard shown else { return }
    sink.write("\r\u{1B}[K")
    shown = false
  }
}
