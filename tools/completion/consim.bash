# bash completion for consim (installed as share/bash-completion/completions/consim).
_consim() {
  local cur prev sub
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  sub="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "run sweep merge validate schema check bench predict compare serve load --help --version" -- "$cur"))
    return
  fi
  case "$prev" in
    --format) if [ "$sub" = predict ]; then COMPREPLY=($(compgen -W "text json csv" -- "$cur")); else COMPREPLY=($(compgen -W "text json" -- "$cur")); fi; return ;;
    --quorums) COMPREPLY=($(compgen -W "all scenario" -- "$cur")); return ;;
    --progress) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --replication) COMPREPLY=($(compgen -W "leader leaderless" -- "$cur")); return ;;
    --mermaid-client) COMPREPLY=($(compgen -W "client-1 client-2 client-3 client-4 workload-1 workload-2 probe" -- "$cur")); return ;;
    --target|--duration-ms|--request-timeout-ms|--max-connections) COMPREPLY=(); return ;;
    --mermaid-key|--mermaid-from-ms|--mermaid-to-ms|--html-from-ms|--html-to-ms) COMPREPLY=(); return ;;
    --output|-o|--trace|--mermaid|--html|--history|--window-output|--probe-output|--writes-output|--seeds-output|--meta-output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    # The options of the subcommand, from its own --help.
    COMPREPLY=($(compgen -W "$(consim "$sub" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -X '!*.@(json|csv)' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _consim consim
