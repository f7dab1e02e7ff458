#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, build-fuzz/) and runs each for FUZZ_SECONDS
# (default 60) on its seed corpus tests/fuzz/corpus/<name>/. New interesting inputs go to
# build-fuzz/corpus/<name>/ (not committed); a crash stops that target, leaves its input in
# build-fuzz/crashes/<name>/ and makes the script fail after the remaining targets have run.
# Usage: scripts/fuzz.sh [target ...]   (default: every tests/fuzz/*_fuzz.cc)
# Environment: FUZZ_SECONDS, JOBS (build parallelism), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$f" _fuzz.cc)
    targets+=("$name")
  done
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]/%/_fuzz}"

failed=()
for name in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$name
  crashes=build-fuzz/crashes/$name
  mkdir -p "$corpus" "$crashes"
  echo "fuzz: $name for ${seconds}s"
  # -timeout: one input taking over 10 s is a finding (a hang); -rss_limit_mb: memory blowups.
  # Seeds are read from the committed corpus; new inputs are written to the first directory.
  if ! build-fuzz/bin/${name}_fuzz "$corpus" "tests/fuzz/corpus/$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 ${FUZZ_ARGS:-} \
        >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; the input is in $crashes/, the log in build-fuzz/$name.log:"
    grep -E "ERROR|SUMMARY|invariant|Test unit written" "build-fuzz/$name.log" | head -20 || true
    failed+=("$name")
  else
    grep -E "^stat::number_of_executed_units|^cov:|#[0-9]+ *DONE" "build-fuzz/$name.log" | tail -2 || true
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ok (${#targets[@]} targets, ${seconds}s each)"
