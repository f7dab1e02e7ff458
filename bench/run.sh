#!/usr/bin/env bash
# `make bench`: end-to-end signing throughput of a fresh signetd next to the bounds of this
# machine (openssl speed, nginx fixed reply), then the micro-benchmarks. Prints a table and
# writes bench/results/<time>-<commit>.json. Needs wrk and nginx (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
python3 bench/bench.py --build-dir "$BUILD_DIR" "$@"
# HSM-backed signing next to SoftHSM2's own C_Sign speed (docs/hsm.md).
if command -v softhsm2-util >/dev/null 2>&1 && [[ -x "$BUILD_DIR/bin/signet_csign_loop" ]]; then
  echo
  python3 bench/hsm_bench.py --build-dir "$BUILD_DIR" "$@"
fi
if [[ -x "$BUILD_DIR/bin/signet_micro_bench" ]]; then
  echo
  echo "Micro-benchmarks (Google Benchmark):"
  "$BUILD_DIR/bin/signet_micro_bench" --benchmark_min_time=0.5
fi
