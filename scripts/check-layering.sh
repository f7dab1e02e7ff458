#!/usr/bin/env bash
# Checks the module dependency table of ARCHITECTURE.md against the #include lines in src/,
# and the house rules a grep can see: OpenSSL only in crypto/, Beast/Asio only in the .cc files
# of http/ and client/ (and app/, which wires the server), libcurl only in notify/'s .cc files. Exits non-zero on the first breach.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [common]=""
  [domain]="common"
  [crypto]="common domain"
  [store]="common domain"
  [keystore]="common domain crypto store"
  [auth]="common domain crypto store"
  [audit]="common domain crypto store"
  [policy]="common domain"
  [notify]="common domain crypto store"
  [service]="common domain crypto store keystore auth audit policy notify"
  [api]="common domain"
  [http]="common api service auth domain"
  [client]="common api"
  [pkcs11]="common domain api client crypto"
  [cli]="common domain api client crypto"
  [app]="common domain crypto store keystore auth audit policy notify service api http"
)

status=0
for dir in src/*/; do
  module=$(basename "$dir")
  [[ -v allowed[$module] ]] || { echo "layering: src/$module is not a module of ARCHITECTURE.md"; status=1; continue; }
  while IFS=: read -r file _ line; do
    dep=$(sed -E 's/^#include "([a-z0-9_]+)\/.*/\1/' <<<"$line")
    [[ "$dep" == "$module" ]] && continue
    if [[ " ${allowed[$module]} " != *" $dep "* ]]; then
      echo "layering: $file includes $dep/ but $module may depend only on: ${allowed[$module]:-nothing}"
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z0-9_]+/' "$dir" || true)
done

if grep -rlE '#include <openssl/' src --include='*.h' --include='*.cc' | grep -v '^src/crypto/'; then
  echo "layering: OpenSSL is included outside src/crypto/ (above)"
  status=1
fi
if grep -rlE '#include <boost/(beast|asio)' src --include='*.h' ; then
  echo "layering: Beast/Asio appear in a header (above); keep them in .cc files"
  status=1
fi
if grep -rlE '#include <boost/(beast|asio)' src --include='*.cc' | grep -vE '^src/(http|client|app)/'; then
  echo "layering: Beast/Asio used outside http/, client/ and app/ (above)"
  status=1
fi
# libcurl (notifications: webhooks and SMTP) only in the .cc files of notify/.
if grep -rlE '#include <curl/' src --include='*.h'; then
  echo "layering: libcurl appears in a header (above); keep it in notify/'s .cc files"
  status=1
fi
if grep -rlE '#include <curl/' src --include='*.cc' | grep -vE '^src/notify/'; then
  echo "layering: libcurl used outside notify/ (above)"
  status=1
fi
[[ $status -eq 0 ]] && echo "layering: ok"
exit $status
