# bash completion for authctl                              -*- shell-script -*-
#
# A thin wrapper: every candidate comes from `authctl __complete WORD...`, which
# reads the same option table as the parser, so this file never lists a command,
# an option, a provider or a profile itself. Installed as
# share/bash-completion/completions/authctl; or `source` it from ~/.bashrc.

_authctl() {
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        # -s: `--provider=em` gives prev=--provider, cur=em.
        _init_completion -s || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local -a typed=("${words[@]:1:cword-1}")
    if [[ $split == true ]]; then typed+=("$prev"); fi
    typed+=("$cur")

    local line
    local -a lines=()
    while IFS= read -r line; do
        lines+=("${line%%$'\t'*}")
    done < <(authctl __complete "${typed[@]}" 2>/dev/null)

    if [[ ${#lines[@]} -eq 1 && ${lines[0]} == :file ]]; then
        if declare -F _filedir >/dev/null; then
            _filedir
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return
    fi
    COMPREPLY=("${lines[@]}")
}

complete -F _authctl authctl
