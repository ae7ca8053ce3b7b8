# Prints what fish offers for each command line given, as
#   == LINE
#   candidate...
# Usage: fish --no-config complete.fish COMPLETION_FILE LINE... (a LINE ending in a space completes a new
# word). Loads COMPLETION_FILE and asks `complete -C LINE`; descriptions after a tab are dropped.
source $argv[1]; or exit 3
for line in $argv[2..-1]
    printf '== %s\n' $line
    complete -C"$line" | string replace -r '\t.*' ''
end
