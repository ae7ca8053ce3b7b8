/// Help pages, generated from the command and option declarations.
enum HelpText {
  static func overview(version: String) -> String {
    var text = """
      authctl \(version): log in to HTTP APIs, keep their credentials safe, print valid tokens.

      Usage: authctl [global options] <command> [options]

      Commands:

      """
    let rows = CommandCatalog.all.map { ["  " + $0.name, $0.summary] }
    text += Table.render(rows)
    text += "\nGlobal options (before or after the command):\n"
    text += Table.render(GlobalOptions.all.map { ["  " + $0.synopsis, $0.help] })
    text += """

      Secrets are never taken as arguments: use the -stdin options, AUTHCTL_* variables or the prompt.
      See 'authctl <command> --help' for a command's options.

      """
    return text
  }

  static func command(_ spec: CommandSpec) -> String {
    var text = "\(spec.summary)\n\nUsage: \(spec.usage)\n"
    var arguments = spec.arguments.map { ["  " + $0.name, $0.help] }
    if let passthrough = spec.passthrough {
      arguments.append(["  -- \(passthrough.name)...", passthrough.help])
    }
    if !arguments.isEmpty { text += "\nArguments:\n" + Table.render(arguments) }
    if !spec.options.isEmpty {
      text += "\nOptions:\n" + Table.render(spec.options.map { ["  " + $0.synopsis, $0.help] })
    }
    text += "\nGlobal options:\n" + Table.render(GlobalOptions.all.map { ["  " + $0.synopsis, $0.help] })
    if !spec.discussion.isEmpty { text += "\n" + spec.discussion + "\n" }
    return text
  }

  static func group(_ word: String) -> String {
    let specs = CommandCatalog.all.filter { $0.path[0] == word }
    return "Usage: authctl \(word) <subcommand> [options]\n\nSubcommands:\n"
      + Table.render(specs.map { ["  " + $0.path[1], $0.summary] })
      + "\nSee 'authctl \(word) <subcommand> --help'.\n"
  }
}
