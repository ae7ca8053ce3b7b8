/// `authctl __man-options`: prints the man page's generated COMMANDS and GLOBAL OPTIONS sections (hidden;
/// `make man` splices them into `docs/authctl.1`).
enum ManOptionsCommand {
  static let name = "__man-options"

  static func run(context: Context) -> Int32 {
    context.stdout.write(ManPage.generatedSections)
    return 0
  }
}
