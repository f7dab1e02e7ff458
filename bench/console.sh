#!/usr/bin/env bash
# The web console's performance targets (docs/console.md "Performance"): first-load JS + CSS
# gzip size, and how fast the Signers page of a server with 1,000 signers is interactive in
# headless Chromium on loopback. Needs a build (make build) and Debian's chromium.
# Writes bench/results/console-<commit>.json. SIGNERS=… and RUNS=… change the size.
set -euo pipefail
cd "$(dirname "$0")/../web"
SIGNET_BUILD_DIR="$(realpath "${BUILD_DIR:-../build}")" exec node bench/console.bench.mjs "$@"
