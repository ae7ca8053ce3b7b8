import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 6 item 4: bad local state the cross-cutting suite leaves out (KeystoreSafetyTests covers modes,
/// writable directories, a symlinked keystore, truncated, empty, not UTF-8, unknown version and a sparse
/// 64 MiB file): another user's file or directory, a real 100 MB file, a FIFO, a directory, a symlinked lock.
/// Each exits 7 naming the fix, and nothing on disk changes: not a byte, mode, owner or time, no new file.
@Suite struct HardeningLocalStateTests {
  enum BadState: String, CaseIterable, Sendable {
    case fileOwnedByAnotherUser, directoryOwnedByAnotherUser, hundredMegabytes, fifo, directoryAsKeystore
    case symlinkedLockFile

    /// What the message must contain: the command or the words that tell the user what to do.
    var fix: String {
      switch self {
      case .fileOwnedByAnotherUser, .directoryOwnedByAnotherUser: "chown "
      case .hundredMegabytes: "64 MiB"
      case .fifo, .directoryAsKeystore: "not a regular file"
      case .symlinkedLockFile: "rm "
      }
    }

    var needsRoot: Bool { self == .fileOwnedByAnotherUser || self == .directoryOwnedByAnotherUser }

    /// Only writers take the lock, so only they meet a symlinked lock file (a login first verifies its key
    /// at the closed port 9 and stops there).
    var commands: [[String]] {
      let writers = [["profiles", "use", "work"], ["logout", "--all"]]
      return self == .symlinkedLockFile
        ? writers : [["token"], ["profiles", "list"], HardeningLocalStateTests.login] + writers
    }
  }

  static let login = [
    "login", "-p", "new", "--provider", "craft", "--base-url", "http://127.0.0.1:9", "--api-key-stdin",
  ]
  static let nobody: uid_t = 65_534

  @Test("Bad local state exits 7 with the fix and changes nothing on disk", arguments: BadState.allCases)
  func badLocalState(state: BadState) throws {
    guard !state.needsRoot || geteuid() == 0 else { return }  // chown to another user needs root
    let sandbox = try Sandbox()
    try Self.arrange(state, sandbox)
    let before = DiskSnapshot(sandbox.home.path)
    for args in state.commands {
      let (result, seconds) = try CrossCut.timed {
        try sandbox.run(args, stdin: args.first == "login" ? "some-key" : nil, timeout: 30)
      }
      #expect(result.status == 7, "\(state), \(args): \(result)")
      #expect(result.stderr.contains(state.fix), "\(state), \(args): \(result.stderr)")
      #expect(result.stdout.isEmpty)
      #expect(seconds < 10, "\(state), \(args) took \(seconds) s")
      let after = DiskSnapshot(sandbox.home.path)
      #expect(after == before, "\(state), \(args) changed the disk:\n\(before.difference(after))")
    }
    Hardening.report(
      "local state \(state): \(state.commands.count) commands exit 7 naming the fix; disk unchanged")
  }

  static func arrange(_ state: BadState, _ sandbox: Sandbox) throws {
    let text = Data(CrossCut.keystoreText().utf8)
    switch state {
    case .fileOwnedByAnotherUser:
      try CrossCut.writeKeystore(sandbox, text)
      try #require(chown(sandbox.keystorePath, nobody, nobody) == 0)
    case .directoryOwnedByAnotherUser:
      try CrossCut.writeKeystore(sandbox, text)
      try #require(chown(sandbox.configDirectory, nobody, nobody) == 0)
    case .hundredMegabytes:
      // A real one, not sparse: valid JSON whose one string is 100 MB, so only the size check can stop it.
      let padding = Data(repeating: UInt8(ascii: "a"), count: 100 * 1_000_000)
      try CrossCut.writeKeystore(
        sandbox, Data(#"{"version": 1, "profiles": {}, "x": ""#.utf8) + padding + Data("\"}".utf8))
    case .fifo:
      try CrossCut.writeKeystore(sandbox, text)
      try FileManager.default.removeItem(atPath: sandbox.keystorePath)
      try #require(mkfifo(sandbox.keystorePath, 0o600) == 0)
    case .directoryAsKeystore:
      try CrossCut.writeKeystore(sandbox, text)
      try FileManager.default.removeItem(atPath: sandbox.keystorePath)
      try #require(mkdir(sandbox.keystorePath, 0o700) == 0)
    case .symlinkedLockFile:
      try CrossCut.writeKeystore(sandbox, text)
      let elsewhere = sandbox.root.appendingPathComponent("elsewhere.lock").path
      try CrossCut.writeFile(elsewhere, Data())
      try FileManager.default.createSymbolicLink(
        atPath: sandbox.keystorePath + ".lock", withDestinationPath: elsewhere)
    }
  }
}

/// Every entry under a directory with its type, mode, owner, size, modification time and, for small files,
/// content: two snapshots are equal only if nothing at all changed.
struct DiskSnapshot: Equatable {
  private var entries: [String: String] = [:]

  init(_ root: String) {
    var paths = [root]
    while let path = paths.popLast() {
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      var line =
        "mode \(String(info.st_mode, radix: 8)) uid \(info.st_uid) size \(info.st_size) "
        + "mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
      if info.st_mode & S_IFMT == S_IFREG, info.st_size < 1_000_000 {
        line += " bytes \(FileManager.default.contents(atPath: path)?.hashValue ?? 0)"
      }
      entries[path] = line
      if info.st_mode & S_IFMT == S_IFDIR {
        paths += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 }
      }
    }
  }

  func difference(_ other: DiskSnapshot) -> String {
    Set(entries.keys).union(other.entries.keys).sorted().compactMap { path in
      entries[path] == other.entries[path]
        ? nil : "\(path): \(entries[path] ?? "absent") → \(other.entries[path] ?? "absent")"
    }.joined(separator: "\n")
  }
}
