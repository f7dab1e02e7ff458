# bash completion for signet(1), the Signet command-line client.
_signet() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local globals="--server --token --ca-cert --project --json --timeout --help --version"
  local commands="login logout whoami signers operations ca certificates policies request
                  requests pre-approve grants sign verify users identities projects audit"
  case "$prev" in
    --in|--out|--ca-cert|--sig|--certificate|--ca-file|--tsa-ca-file)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --out-dir)
      COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --algorithm)
      COMPREPLY=($(compgen -W "RSASSA_PKCS1_V1_5_SHA256 RSASSA_PKCS1_V1_5_SHA384
        RSASSA_PKCS1_V1_5_SHA512 RSASSA_PSS_SHA256 RSASSA_PSS_SHA384 RSASSA_PSS_SHA512
        ECDSA_SHA256 ECDSA_SHA384 ECDSA_SHA512" -- "$cur")); return ;;
    --server|--token|--project|--timeout|--signer|--email|--client-id)
      return ;;
  esac
  # The command and subcommand given so far (options skipped).
  local command="" sub="" i w
  for ((i = 1; i < cword; i++)); do
    w="${words[i]}"
    case "$w" in
      --server|--token|--ca-cert|--project|--timeout) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$command" ]]; then command="$w"; elif [[ -z "$sub" ]]; then sub="$w"; fi ;;
    esac
  done
  local subs=""
  case "$command" in
    signers) subs="list show create update delete certificate public-key members" ;;
    ca) subs="create list show" ;;
    certificates) subs="issue import csr list show revoke" ;;
    policies) subs="create list show update delete" ;;
    requests) subs="list show approve reject cancel watch" ;;
    grants) subs="list show revoke" ;;
    users) subs="list create show update delete" ;;
    identities) subs="list create create-secret secrets revoke-secret delete" ;;
    projects) subs="list create members" ;;
    audit) subs="list verify checkpoint" ;;
  esac
  if [[ "$cur" == -* ]]; then
    local opts="$globals"
    case "$command" in
      login) opts+=" --email --password-stdin --client-id --client-secret-stdin" ;;
      sign) opts+=" --signer --algorithm --in --out --out-dir --concurrency --no-progress" ;;
      verify) opts+=" --signer --certificate --in --sig --algorithm --ca-file --tsa-ca-file" ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  elif [[ -n "$subs" && -z "$sub" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
}
complete -F _signet signet
