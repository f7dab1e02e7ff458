#!/usr/bin/env bash
# `make run`: starts signetd in development mode on 127.0.0.1:8080 with its data under ./var.
# On the first start it creates the org admin (from SIGNET_BOOTSTRAP_ADMIN_EMAIL and
# SIGNET_BOOTSTRAP_ADMIN_PASSWORD, or admin@signet.local with a generated password that is
# printed once) and shows how to log in and sign with curl.
set -euo pipefail
cd "$(dirname "$0")/.."
addr="${1:-127.0.0.1:8080}"
data_dir="${SIGNET_DATA_DIR:-./var}"
mkdir -p "$data_dir"
chmod 700 "$data_dir"

first_start=0
[[ -f "$data_dir/signet.db" ]] || first_start=1
if [[ $first_start -eq 1 ]]; then
  export SIGNET_BOOTSTRAP_ADMIN_EMAIL="${SIGNET_BOOTSTRAP_ADMIN_EMAIL:-admin@signet.local}"
  if [[ -z "${SIGNET_BOOTSTRAP_ADMIN_PASSWORD:-}" ]]; then
    SIGNET_BOOTSTRAP_ADMIN_PASSWORD="$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-20)"
    export SIGNET_BOOTSTRAP_ADMIN_PASSWORD
    generated=1
  fi
fi

base="http://$addr"
cat <<MSG
Signet (development mode): data in $data_dir, listening on $base
MSG
if [[ $first_start -eq 1 ]]; then
  echo "First start: org admin $SIGNET_BOOTSTRAP_ADMIN_EMAIL"
  if [[ "${generated:-0}" -eq 1 ]]; then
    echo "  generated password (shown only now): $SIGNET_BOOTSTRAP_ADMIN_PASSWORD"
  fi
fi
cat <<MSG

Web console: open $base/ and log in with that email and password (docs/console.md).

Or log in and sign with curl (see README.md for the whole flow):
  TOKEN=\$(curl -s $base/api/v1/auth/login -H 'Content-Type: application/json' \\
    -d '{"email":"${SIGNET_BOOTSTRAP_ADMIN_EMAIL:-admin@signet.local}","password":"<password>"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  curl -s $base/api/v1/pki/signers -H "Authorization: Bearer \$TOKEN"

Stop with Ctrl-C.
MSG
exec build/bin/signetd --dev --data-dir "$data_dir" --listen "$addr"
