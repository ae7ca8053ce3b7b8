#!/usr/bin/env zsh
# Prints what zsh's completion system offers for each command line given, as
#   == LINE
#   candidate...
# Usage: zsh -f complete.zsh COMPLETION_FILE LINE... (a LINE ending in a space completes a new word).
# Each LINE is typed, followed by TAB, into an interactive zsh on a pseudo-terminal (zsh/zpty) that
# loaded COMPLETION_FILE through compinit; compadd is wrapped to print the matches it adds.
zmodload zsh/zpty || exit 3
setopt extendedglob
completion_file=${1:A}
shift
fdir=$(mktemp -d) || exit 3
cp -- $completion_file $fdir/_authctl
setup=$fdir/setup.zsh
cat >$setup <<SETUP
PS1='' PROMPT='' RPROMPT=''
fpath=($fdir \$fpath)
autoload -Uz compinit && compinit -u -C -d $fdir/zcompdump
bindkey '^I' complete-word
compadd() {
  # Calls that only filter (-O, -A, -D) are internal to the completion functions.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  local __hit
  for __hit in \$__hits; do print -r -- "<match>\$IPREFIX\$__hit"; done
  builtin compadd "\$@"
}
comppostfuncs=(__authctl_done)
__authctl_done() { print -r -- '<done>'; exit }
print -r -- '<ready>'
SETUP
# The dump of every completion function, made once: each session then loads it without scanning fpath.
fpath=($fdir $fpath)
autoload -Uz compinit && compinit -u -d $fdir/zcompdump || exit 3
# One session per line, all started and typed into first so that they run at the same time.
for index in {1..$#}; do
  zpty session$index zsh -f -i
  zpty -w session$index "source ${(q)setup}"
done
for index in {1..$#}; do
  # Wait for the setup before typing, so the typed line is not read by `source`.
  zpty -r session$index out '*<ready>*' || exit 3
  zpty -w -n session$index "${@[index]}"$'\t'
done
for index in {1..$#}; do
  print -r -- "== ${@[index]}"
  while zpty -r session$index out; do
    out=${out%$'\r'}
    out=${out%$'\n'}
    out=${out%$'\r'}
    [[ $out == *'<done>'* ]] && break
    # The match may share a line with the echo of the typed line.
    [[ $out == *'<match>'* ]] && print -r -- ${out##*'<match>'}
  done
  zpty -d session$index
done
rm -rf -- $fdir
