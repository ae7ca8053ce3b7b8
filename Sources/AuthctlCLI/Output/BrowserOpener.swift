#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Opens the system browser with `xdg-open` (`open` on macOS), detached from authctl's streams.
package enum BrowserOpener {
  /// Starts the opener; its environment has no `AUTHCTL_*` variable (SPEC §5), its streams are /dev/null.
  package static func open(_ url: String, environment: [String: String]) {
    #if os(macOS)
      let program = "open"
    #else
      let program = "xdg-open"
    #endif
    let childEnvironment = environment.filter { !$0.key.hasPrefix("AUTHCTL_") }.map {
      "\($0.key)=\($0.value)"
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for descriptor: Int32 in [0, 1, 2] {
      posix_spawn_file_actions_addopen(
        &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // The child starts with no blocked signals and default handlers, whatever this process has.
    var empty = sigset_t()
    sigemptyset(&empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGTERM)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let arguments = [program, url]
    var argv = arguments.map { strdup($0) } + [nil]
    var envp = childEnvironment.map { strdup($0) } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var pid = pid_t()
    _ = posix_spawnp(&pid, program, &actions, &attributes, &argv, &envp)
  }

  /// SPEC §3: a browser is opened unless `--no-browser`, `AUTHCTL_NO_BROWSER`, or no display to show it on.
  package static func mayOpen(environment: [String: String], noBrowserOption: Bool) -> Bool {
    if noBrowserOption { return false }
    if let value = environment["AUTHCTL_NO_BROWSER"], !value.isEmpty, value != "0" { return false }
    #if os(macOS)
      return true
    #else
      return environment["DISPLAY"].map { !$0.isEmpty } == true
        || environment["WAYLAND_DISPLAY"].map { !$0.isEmpty } == true
    #endif
  }
}
