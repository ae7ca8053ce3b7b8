# fish completion for authctl. A thin wrapper: every candidate comes from
# `authctl __complete WORD...`, which reads the same option table as the
# parser, so this file never lists a command, an option, a provider or a
# profile itself. Installed as share/fish/vendor_completions.d/authctl.fish.

function __authctl_complete
    # The words before the cursor (unquoted), then the word being typed.
    set -l typed (commandline -opc)[2..-1]
    set -l current (commandline -ct)
    set -l lines (authctl __complete $typed "$current" 2>/dev/null)
    if test (count $lines) -eq 1 -a "$lines[1]" = :file
        __fish_complete_path "$current"
        return
    end
    # Each line is `word<TAB>description`, which fish shows as it is.
    printf '%s\n' $lines
end

complete -c authctl -f -a '(__authctl_complete)'
