#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replaces authctl with another program (`execve`), so its exit code, signals and terminal are the
/// caller's directly. Returns only when that failed.
package enum ProgramExec {
  package static func replace(_ launch: ProgramLaunch) -> ProgramError {
    let name = launch.arguments(nil).first ?? ""
    let path: String
    switch resolve(name, searchPath: launch.environment["PATH"]) {
    case .success(let found): path = found
    case .failure(let error): return error
    }
    var pipePath: String?
    var readEnd: Int32 = -1
    if let input = launch.pipeInput {
      guard let descriptor = makePipe(holding: input) else {
        return .failed(program: name, reason: "cannot hand the header lines over on a pipe: \(error())")
      }
      readEnd = descriptor
      pipePath = "/dev/fd/\(descriptor)"
    }
    defer { if readEnd >= 0 { close(readEnd) } }
    let arguments = launch.arguments(pipePath)
    let environment = launch.environment.map { "\($0.key)=\($0.value)" }
    var argv = arguments.map { strdup($0) } + [nil]
    var envp = environment.map { strdup($0) } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    execve(path, &argv, &envp)
    if errno == ENOEXEC {
      // As execvp does: a file without `#!` is a shell script.
      var shell = [strdup("/bin/sh"), strdup(path)] + argv.dropFirst()
      execve("/bin/sh", &shell, &envp)
      free(shell[0])
      free(shell[1])
    }
    let reason = error()
    return errno == EACCES || errno == ENOEXEC
      ? .notExecutable(program: name, reason: reason) : .failed(program: name, reason: reason)
  }

  /// The file to run: `name` itself when it has a `/`, else the first executable file of that name in PATH.
  static func resolve(_ name: String, searchPath: String?) -> Result<String, ProgramError> {
    if name.contains("/") {
      if access(name, X_OK) == 0 { return .success(name) }
      return errno == ENOENT || errno == ENOTDIR
        ? .failure(.notFound(program: name))
        : .failure(.notExecutable(program: name, reason: String(cString: strerror(errno))))
    }
    guard !name.isEmpty else { return .failure(.notFound(program: name)) }
    var denied = false
    let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
      separator: ":", omittingEmptySubsequences: false)
    for directory in directories {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
      var info = stat()
      guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
      if access(candidate, X_OK) == 0 { return .success(candidate) }
      denied = true
    }
    return .failure(
      denied ? .notExecutable(program: name, reason: "permission denied") : .notFound(program: name))
  }

  private static func error() -> String { String(cString: strerror(errno)) }

  /// A pipe already holding `bytes` with its write end closed; returns the read end, inherited across exec.
  private static func makePipe(holding bytes: [UInt8]) -> Int32? {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    defer { close(ends[1]) }
    // The bytes must fit the pipe's buffer (64 KiB on Linux), since nobody is left to write once the
    // program starts: a write that would block fails instead.
    var rest = bytes[...]
    let flags = fcntl(ends[1], F_GETFL)
    _ = fcntl(ends[1], F_SETFL, flags | O_NONBLOCK)
    while !rest.isEmpty {
      let written = rest.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else {
        close(ends[0])
        return nil
      }
      rest = rest.dropFirst(written)
    }
    return ends[0]
  }
}
