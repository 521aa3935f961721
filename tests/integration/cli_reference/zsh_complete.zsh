# What zsh offers for a command line, through a real interactive zsh (zpty) with compinit and
# the completion file in fpath: prints the matches, space-separated.
#   zsh -f zsh_complete.zsh FOLDER_WITH__certagent-cli "certagent-cli certs --fo"
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''"
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -d ${TMPDIR:-/tmp}/zcompdump-\$\$"
zpty -w z 'compadd() { builtin compadd -O __hits "$@"; local h; for h in $__hits; do print -r -- "<<$h>>"; done; builtin compadd "$@" }'
zpty -w z 'bindkey "^I" complete-word; print -r -- "READY"'
zpty -r z line '*READY*'
zpty -w -n z "$2"$'\t'
sleep 1
zpty -w z $'\C-c'
zpty -w z 'print -r -- END'
out=""
while zpty -r z line; do out+="$line"; [[ $line == *END* ]] && break; done
print -r -- "$out" | grep -o '<<[^>]*>>' | sed 's/^<<//; s/>>$//' | sort -u | tr '\n' ' '
print
zpty -d z
