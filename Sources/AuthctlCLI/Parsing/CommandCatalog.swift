/// Every command authctl knows, with its options: the single source for parsing, help and completions.
package enum CommandCatalog {
  static let passwordStdin = OptionSpec(
    "password-stdin", help: "Read the password from standard input (for a login that a refresh needs).")

  package static let login = CommandSpec(
    ["login"], summary: "Authenticate and store the result in a profile.",
    options: [
      OptionSpec(
        "provider", value: "NAME", help: "Provider of the profile (see 'authctl providers').",
        completion: .provider),
      OptionSpec(
        "flow", value: "FLOW", help: "Login flow; default follows from the -stdin option given.",
        completion: .flow),
      OptionSpec("base-url", value: "URL", help: "API origin, scheme://host[:port]."),
      OptionSpec("auth-url", value: "URL", help: "Origin of the login pages when they are on another host."),
      OptionSpec("issuer", value: "URL", help: "OpenID Connect issuer URL."),
      OptionSpec("client-id", value: "ID", help: "OAuth client id."),
      OptionSpec("scope", value: "SCOPES", help: "Scopes to ask for, or the key permission for craft."),
      OptionSpec("project-id", value: "ID", help: "Project id sent with requests (X-Project-ID)."),
      OptionSpec("tenant-id", value: "ID", help: "Tenant id for single sign-on."),
      OptionSpec("login", value: "NAME", help: "Login name or e-mail address."),
      passwordStdin,
      OptionSpec("api-key-stdin", help: "Read the API key from standard input."),
      OptionSpec("client-secret-stdin", help: "Read the OAuth client secret from standard input."),
      OptionSpec("token-stdin", help: "Read an access token (development token) from standard input."),
      OptionSpec("remember-password", help: "Keep the password in the keystore so refreshes need no prompt."),
      OptionSpec("print-token", help: "Print the new token (or key) on stdout."),
      OptionSpec("no-browser", help: "Print the login URL but do not open a browser."),
      OptionSpec(
        "login-timeout", value: "SECONDS",
        help: "How long to wait for the browser or device approval (default 300)."),
    ],
    discussion: """
      Examples:
        authctl login -p work --provider embermind --login admin --password-stdin < pw.txt
        printf %s "$KEY" | authctl login -p ks --provider knowledge-stack --api-key-stdin
        authctl login -p mk --provider metakraftwerk --login me@example.com
      """)

  package static let refresh = CommandSpec(
    ["refresh"], summary: "Get a new access token now and print it on stdout.", options: [passwordStdin])
  package static let check = CommandSpec(
    ["check"], summary: "Verify the profile's credentials, locally and at the provider.",
    options: [
      OptionSpec("offline", help: "Judge from the stored expiry alone; no network."), passwordStdin,
    ])
  static let minValid = OptionSpec(
    "min-valid", value: "DURATION",
    help: "Renew the token unless it stays valid this long (90s, 5m, 1h, or seconds).")

  package static let token = CommandSpec(
    ["token"], summary: "Print a valid access token on stdout, refreshing first if needed.",
    options: [
      passwordStdin, minValid,
      OptionSpec(
        "format", value: "FORMAT",
        help: "raw (default), json (as --json), env (export lines) or exec-credential (kubectl).",
        completion: .choices(TokenFormat.allCases.map(\.rawValue))),
    ],
    discussion: """
      Examples:
        TOKEN=$(authctl token -p work)
        eval "$(authctl token -p work --format env --min-valid 10m)"
      """)
  package static let header = CommandSpec(
    ["header"], summary: "Print the HTTP header line(s) that authenticate a request.",
    options: [passwordStdin, minValid],
    discussion: """
      Example:
        curl -H @<(authctl header -p work) https://api.example.com/v1/me
      """)
  package static let exec = CommandSpec(
    ["exec"], summary: "Run a command with the credential in its environment, refreshing first.",
    options: [
      minValid,
      OptionSpec("env", value: "NAME", help: "Variable that carries the token (default AUTHCTL_TOKEN)."),
    ],
    passthrough: ArgumentSpec("COMMAND", help: "The program to run, and its arguments."),
    discussion: """
      The command also gets AUTHCTL_HEADER_<NAME> for each header line (AUTHCTL_HEADER_AUTHORIZATION,
      AUTHCTL_HEADER_X_PROJECT_ID, ...) and none of the AUTHCTL_* secret variables authctl read. It replaces
      authctl, so its exit code is authctl's; a command not found exits 127.

      Example:
        authctl exec -p work -- sh -c 'curl -H "Authorization: Bearer $AUTHCTL_TOKEN" https://api.example.com'
      """)
  package static let curl = CommandSpec(
    ["curl"], summary: "Run curl with the profile's header lines, passed on a file descriptor, not argv.",
    options: [minValid],
    passthrough: ArgumentSpec("CURL-ARGS", help: "curl's arguments: the URL and any curl options."),
    discussion: """
      The header lines reach curl as '-H @/dev/fd/N' (a pipe), so stdin stays free for '--data @-'. curl
      replaces authctl, so its exit code is authctl's.

      Example:
        authctl curl -p work -- -sS https://api.example.com/v1/me
      """)
  package static let keysCreate = CommandSpec(
    ["keys", "create"], summary: "Create an API key at the provider; prints the new key once on stdout.",
    options: [
      OptionSpec("name", value: "NAME", help: "Name of the new key."),
      OptionSpec("store", help: "Save the new key in the profile; it becomes the profile's credential."),
    ])
  package static let keysList = CommandSpec(
    ["keys", "list"], summary: "List the provider's API keys (values masked).")
  package static let keysDelete = CommandSpec(
    ["keys", "delete"], summary: "Delete an API key at the provider by id.",
    arguments: [ArgumentSpec("ID", help: "Id of the key, as 'keys list' shows it.")])
  package static let keysRotate = CommandSpec(
    ["keys", "rotate"], summary: "Create a new key, verify it, store it, delete the old one.",
    options: [OptionSpec("name", value: "NAME", help: "Name of the new key (default: the old key's name).")])
  package static let logout = CommandSpec(
    ["logout"], summary: "End the session at the provider and remove the profile's secrets.",
    options: [OptionSpec("all", help: "Log out of every profile in the keystore.")])
  package static let profilesList = CommandSpec(
    ["profiles", "list"], summary: "List profiles from the keystore and the environment.")
  package static let profilesShow = CommandSpec(
    ["profiles", "show"], summary: "Show a profile's settings and credential state (never secrets).",
    arguments: [
      ArgumentSpec(
        "NAME", help: "Profile name (default: the selected profile).", optional: true, completion: .profile)
    ])
  package static let profilesUse = CommandSpec(
    ["profiles", "use"], summary: "Make a profile the default.",
    arguments: [ArgumentSpec("NAME", help: "Profile name.", completion: .profile)])
  package static let profilesRemove = CommandSpec(
    ["profiles", "remove"], summary: "Remove a profile and its secrets from the keystore.",
    arguments: [ArgumentSpec("NAME", help: "Profile name.", completion: .profile)])
  package static let providers = CommandSpec(
    ["providers"], summary: "List the built-in providers and what each supports.")

  /// Every runnable command, in the order help lists them.
  package static let all: [CommandSpec] = [
    login, refresh, check, token, header, exec, curl, keysCreate, keysList, keysDelete, keysRotate, logout,
    profilesList, profilesShow, profilesUse, profilesRemove, providers,
  ]

  /// Words that group subcommands (`keys`, `profiles`).
  package static var groups: [String] {
    var seen: [String] = []
    for spec in all where spec.path.count > 1 && !seen.contains(spec.path[0]) { seen.append(spec.path[0]) }
    return seen
  }
}
