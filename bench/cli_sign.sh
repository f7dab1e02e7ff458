#!/usr/bin/env bash
# Times `signet sign` on a 1 GiB file against `openssl dgst -sha256` on the same file
# (issue "signet: the command-line client": target <= 1.1x). Starts its own signetd on
# 127.0.0.1:0 in a temporary directory, logs in, creates a CA, an EC P-256 code-signing
# certificate and a signer, then runs both commands ROUNDS times, alternating, after one
# warm-up each, and reports the median wall time of each, the ratio and the CLI's peak RSS.
#
# Usage: bench/cli_sign.sh [BUILD_DIR]          (default: build)
# Environment: ROUNDS (default 5), SIZE (default 1G, anything `truncate -s` takes),
#              BENCH_FILE (an existing file to use instead of a sparse one),
#              ALGORITHM (default ECDSA_SHA256).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
SIGNETD=$BUILD_DIR/bin/signetd
SIGNET=$(realpath "$BUILD_DIR/bin/signet")
ROUNDS=${ROUNDS:-5}
SIZE=${SIZE:-1G}
ALGORITHM=${ALGORITHM:-ECDSA_SHA256}
for bin in "$SIGNETD" "$SIGNET"; do
  [[ -x $bin ]] || { echo "cli_sign: $bin is not built (make build)" >&2; exit 1; }
done
command -v openssl >/dev/null || { echo "cli_sign: openssl not found" >&2; exit 1; }

WORK=$(mktemp -d /tmp/signet-bench-cli.XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/data" "$WORK/home"
export HOME=$WORK/home
unset SIGNET_SERVER_URL SIGNET_TOKEN SIGNET_CA_CERT XDG_CONFIG_HOME
PASSWORD="bench password $(date +%s%N)"
SIGNET_BOOTSTRAP_ADMIN_EMAIL=bench@signet.test SIGNET_BOOTSTRAP_ADMIN_PASSWORD=$PASSWORD \
  "$SIGNETD" --listen 127.0.0.1:0 --data-dir "$WORK/data" --dev --port-file "$WORK/port" \
  >"$WORK/signetd.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do [[ -s $WORK/port ]] && break; sleep 0.05; done
[[ -s $WORK/port ]] || { echo "cli_sign: signetd did not start:" >&2; cat "$WORK/signetd.log" >&2; exit 1; }
URL=http://127.0.0.1:$(cat "$WORK/port")

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
printf '%s' "$PASSWORD" | "$SIGNET" login --server "$URL" --email bench@signet.test --password-stdin >/dev/null
CA=$("$SIGNET" ca create --common-name "Bench CA" --json | json_field id)
CERT=$("$SIGNET" certificates issue --ca "$CA" --common-name bench --key-algorithm EC_prime256v1 --json | json_field certificateId)
"$SIGNET" signers create --name bench --certificate "$CERT" >/dev/null

if [[ -n ${BENCH_FILE:-} ]]; then
  FILE=$BENCH_FILE
else
  FILE=$WORK/input.bin
  truncate -s "$SIZE" "$FILE"
fi
SIG=$WORK/input.sig

now() { date +%s%N; }  # nanoseconds
run_signet() { "$SIGNET" sign --signer bench --algorithm "$ALGORITHM" --in "$FILE" --out "$SIG" --no-progress >/dev/null; }
run_openssl() { openssl dgst -sha256 "$FILE" >/dev/null; }

run_signet; run_openssl  # warm-up: page cache, TLS-free keep-alive paths, key cache
signet_times=()
openssl_times=()
for _ in $(seq "$ROUNDS"); do
  t0=$(now); run_openssl; t1=$(now); openssl_times+=($((t1 - t0)))
  t0=$(now); run_signet; t1=$(now); signet_times+=($((t1 - t0)))
done
PEAK=$("$SIGNET" --print-peak-rss sign --signer bench --algorithm "$ALGORITHM" --in "$FILE" --out "$SIG" --no-progress 2>&1 >/dev/null | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
PUB=$WORK/pub.pem
"$SIGNET" signers public-key bench >"$PUB"
openssl dgst -sha256 -verify "$PUB" -signature "$SIG" "$FILE" >/dev/null || { echo "cli_sign: the signature does not verify" >&2; exit 1; }

python3 - "$ROUNDS" "$(du -h --apparent-size "$FILE" | cut -f1)" "$PEAK" "$ALGORITHM" \
  "${openssl_times[*]}" "${signet_times[*]}" <<'PY'
import statistics, sys
rounds, size, peak, algorithm = sys.argv[1:5]
o = [int(x) / 1e9 for x in sys.argv[5].split()]
s = [int(x) / 1e9 for x in sys.argv[6].split()]
mo, ms = statistics.median(o), statistics.median(s)
print("cli_sign: %s file, %s rounds (median wall time; min in parentheses)" % (size, rounds))
print("  openssl dgst -sha256      %7.3f s  (%.3f)" % (mo, min(o)))
print("  signet sign %-13s %7.3f s  (%.3f)" % (algorithm, ms, min(s)))
print("  ratio signet/openssl      %7.3f x  (target <= 1.1x: %s)"
      % (ms / mo, "met" if ms / mo <= 1.1 else "NOT met"))
print("  signet peak RSS           %7s KiB" % peak)
PY
