import Testing

@testable import AuthctlCLI

@Suite("Argument parsing")
struct ArgumentParserTests {
  @Test("global options are accepted before and after the command")
  func globalOptionsAnywhere() throws {
    let before = try ArgumentParser.parse(["-p", "work", "--json", "token"])
    let after = try ArgumentParser.parse(["token", "--profile", "work", "--json"])
    for invocation in [before, after] {
      #expect(invocation.command?.name == "token")
      #expect(invocation.value("profile") == "work")
      #expect(invocation.flag("json"))
    }
  }

  @Test("subcommands, inline values, short clusters and positional arguments")
  func subcommandsAndArguments() throws {
    let invocation = try ArgumentParser.parse(["keys", "delete", "-qv", "--timeout=5", "key_1"])
    #expect(invocation.command?.name == "keys delete")
    #expect(invocation.arguments == ["key_1"])
    #expect(invocation.flag("quiet") && invocation.flag("verbose"))
    #expect(invocation.value("timeout") == "5")
    #expect(try ArgumentParser.parse(["-pwork", "token"]).value("profile") == "work")
  }

  @Test(
    "secret-carrying options are refused and point to the -stdin form",
    arguments: [
      (["login", "--password", "hunter2"], "--password-stdin"),
      (["login", "--api-key=abc"], "--api-key-stdin"),
      (["login", "--client-secret", "s"], "AUTHCTL_CLIENT_SECRET"),
      (["--token", "t", "token"], "AUTHCTL_ACCESS_TOKEN"),
    ])
  func secretOptionsRefused(argv: [String], alternative: String) {
    #expect {
      try ArgumentParser.parse(argv)
    } throws: { error in
      guard let usage = error as? UsageError else { return false }
      return usage.message.contains(alternative) && usage.message.contains("ps")
        && !usage.message.contains("hunter2")
    }
  }

  @Test(
    "usage errors name the offending word and suggest the nearest one",
    arguments: [
      (["tokn"], "unknown command 'tokn'", "token"),
      (["token", "--jsn"], "unknown option '--jsn'", "--json"),
      (["keys", "lst"], "unknown command 'keys lst'", "keys list"),
      (["profiles", "sho"], "unknown command 'profiles sho'", "profiles show"),
    ])
  func usageErrors(argv: [String], message: String, suggestion: String) {
    #expect {
      try ArgumentParser.parse(argv)
    } throws: { error in
      guard let usage = error as? UsageError else { return false }
      return usage.message.contains(message) && usage.suggestion == suggestion
    }
  }

  @Test(
    "missing values and arguments, extra arguments, values given to flags",
    arguments: [
      ["token", "--profile"], ["keys", "delete"], ["token", "extra"], ["token", "--json=yes"],
      ["profiles", "use", "a", "b"],
    ])
  func malformedArgv(argv: [String]) {
    #expect(throws: UsageError.self) { try ArgumentParser.parse(argv) }
  }

  @Test("an option of another command is named as such")
  func optionOfAnotherCommand() {
    #expect {
      try ArgumentParser.parse(["token", "--offline"])
    } throws: { error in
      (error as? UsageError)?.message.contains("it belongs to 'check'") == true
    }
  }

  @Test("help and version need no command; everything after -- is an argument")
  func helpVersionAndDoubleDash() throws {
    #expect(try ArgumentParser.parse(["--version"]).wantsVersion)
    #expect(try ArgumentParser.parse(["--help"]).command == nil)
    #expect(try ArgumentParser.parse(["keys", "--help"]).group == "keys")
    #expect(try ArgumentParser.parse(["keys", "delete", "--", "-odd-id"]).arguments == ["-odd-id"])
  }
}

@Suite("The option table")
struct OptionTableTests {
  @Test("every command has a summary, and every option a help line and a unique name")
  func tableIsWellFormed() {
    for command in CommandCatalog.all {
      #expect(!command.summary.isEmpty)
      let options = GlobalOptions.all + command.options
      #expect(Set(options.map(\.long)).count == options.count, "duplicate long option in \(command.name)")
      let shorts = options.compactMap(\.short)
      #expect(Set(shorts).count == shorts.count, "duplicate short option in \(command.name)")
      for option in options { #expect(!option.help.isEmpty, "no help for --\(option.long)") }
    }
    #expect(Set(CommandCatalog.all.map(\.name)).count == CommandCatalog.all.count)
  }

  @Test("no declared option is one the parser refuses as a secret")
  func noSecretOptionDeclared() {
    let declared = Set((GlobalOptions.all + CommandCatalog.all.flatMap(\.options)).map(\.long))
    for refused in RefusedSecretOption.all { #expect(!declared.contains(refused.long)) }
  }
}

@Suite("Short option clusters")
struct ShortClusterTests {
  @Test(
    "a value-taking short option may end a cluster, its value attached or next",
    arguments: [
      ["-qp", "work", "token"], ["token", "-qp", "work"], ["-qpwork", "token"], ["-vqpwork", "token"],
    ])
  func clusterEndsWithValue(argv: [String]) throws {
    let invocation = try ArgumentParser.parse(argv)
    #expect(invocation.command?.name == "token")
    #expect(invocation.value("profile") == "work")
    #expect(invocation.flag("quiet"))
  }
}
