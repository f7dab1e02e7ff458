#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, build-fuzz/) and runs each for FUZZ_SECONDS
# (default 60). Each run starts from a working corpus build-fuzz/corpus/<name>/ holding the
# committed seeds of tests/fuzz/corpus/<name>/ (copied in; libFuzzer never writes into the
# repository) plus what earlier runs found; new inputs go there. A crash stops that target,
# leaves its input in build-fuzz/crashes/<name>/ and makes the script fail after the remaining
# targets have run.
# Usage: scripts/fuzz.sh [target ...]   (default: every tests/fuzz/*_fuzz.cc)
# Environment: FUZZ_SECONDS; FUZZ_SEED (libFuzzer's -seed; default 0 = a random seed, CI sets
# 1); FUZZ_FRESH=1 (start from the committed seeds only, as CI does, so a run with a fixed seed
# replays the same inputs); JOBS (build parallelism, and how many targets run at once: each
# libFuzzer run is one process on one core, so on JOBS cores each still gets a core to itself);
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
seed=${FUZZ_SEED:-0}

# The longest input each target is given: a little above its largest seed, so mutations stay
# in the sizes the code under test really sees (certificates and PKCS#12 files are larger).
max_len() {
  case $1 in
    x509 | pkcs12 | csr | pkcs11) echo 16384 ;;
    http_request) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$f" _fuzz.cc)
    targets+=("$name")
  done
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]/%/_fuzz}"

# Runs one target; its outcome goes to build-fuzz/<name>.status, what it prints to
# build-fuzz/<name>.summary (shown once every target has run, in order).
run_target() {
  local name=$1 corpus=build-fuzz/corpus/$1 crashes=build-fuzz/crashes/$1
  if [[ "${FUZZ_FRESH:-0}" == 1 ]]; then rm -rf "$corpus" "$crashes"; fi
  mkdir -p "$corpus" "$crashes"
  if [[ -d tests/fuzz/corpus/$name ]]; then cp -p tests/fuzz/corpus/"$name"/* "$corpus"/; fi
  # -timeout: one input taking over 10 s is a finding (a hang); -rss_limit_mb: memory blowups.
  if ! build-fuzz/bin/${name}_fuzz "$corpus" \
        -seed="$seed" -max_total_time="$seconds" -max_len="$(max_len "$name")" \
        -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 ${FUZZ_ARGS:-} \
        >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; the input is in $crashes/, the log in build-fuzz/$name.log:"
    grep -E "ERROR|SUMMARY|invariant|Test unit written" "build-fuzz/$name.log" | head -20 || true
    echo failed >"build-fuzz/$name.status"
  else
    echo "fuzz: $name ok"
    grep -E "^stat::number_of_executed_units|^cov:|#[0-9]+ *DONE" "build-fuzz/$name.log" | tail -2 || true
    echo ok >"build-fuzz/$name.status"
  fi
}

echo "fuzz: ${#targets[@]} targets for ${seconds}s each (seed $seed), $jobs at a time"
for name in "${targets[@]}"; do
  rm -f "build-fuzz/$name.status"
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_target "$name" >"build-fuzz/$name.summary" 2>&1 &
done
wait

failed=()
for name in "${targets[@]}"; do
  cat "build-fuzz/$name.summary"
  if [[ "$(cat "build-fuzz/$name.status" 2>/dev/null)" != ok ]]; then failed+=("$name"); fi
  rm -f "build-fuzz/$name.summary" "build-fuzz/$name.status"
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ok (${#targets[@]} targets, ${seconds}s each)"
