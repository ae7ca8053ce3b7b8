#!/usr/bin/env bash
# Prints what bash, with bash-completion, offers for each command line given, as
#   == LINE
#   candidate...
# Usage: bash --norc --noprofile complete.bash COMPLETION_FILE LINE... (a LINE ending in a space completes a
# new word). Sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as readline would, splitting words at
# `=` as bash's default COMP_WORDBREAKS does, calls the function the file registered, prints COMPREPLY.
set -u
source "${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}" || exit 3
source "$1" || exit 3
shift
registration=$(complete -p authctl) || exit 3
function=${registration#*-F }
function=${function%% *}

for line in "$@"; do
    printf '== %s\n' "$line"
    COMP_WORDS=()
    read -ra typed <<<"$line"
    for word in "${typed[@]}"; do
        while [[ $word == *=* ]]; do
            [[ -n ${word%%=*} ]] && COMP_WORDS+=("${word%%=*}")
            COMP_WORDS+=("=")
            word=${word#*=}
        done
        [[ -n $word ]] && COMP_WORDS+=("$word")
    done
    if [[ $line == *" " || $line == *= ]]; then COMP_WORDS+=(""); fi
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    "$function" authctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    for candidate in "${COMPREPLY[@]}"; do printf '%s\n' "$candidate"; done
done
