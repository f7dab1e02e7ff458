#!/usr/bin/env bash
# CI's check that its gates can fail (.ci/run runs it after the gates; docs/development.md,
# "CI"). Each check plants a fault and expects the gate to report it:
#  1. format: scripts/lint.sh format fails on a misformatted file, and passes once
#     clang-format (the repository's style) has formatted it;
#  2. tidy: scripts/lint.sh tidy fails on a file with a clang-tidy finding (`0` as a pointer);
#  3. warnings: every compile command of build/ carries -Werror -Wshadow (CI's build is
#     `make test WERROR=ON`), and the compiler with those flags rejects a shadowing local;
#  4. sanitizers: every compile command of build-asan/ carries -fsanitize=address,undefined;
#  5. fuzz: scripts/fuzz.sh fails on tests/fuzz/planted_crash.cc (a heap-buffer-overflow),
#     names AddressSanitizer's report and leaves the crashing input.
# Usage: scripts/check-gates.sh   (after `make test WERROR=ON`, `make asan-test`, the fuzz step)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "check-gates: $1: ok"; }
bad() { echo "check-gates: $1: FAILED ($2)"; failed=1; }

# 1. format
printf 'int  Answer( ){return 42;}\n' >"$tmp/misformatted.cc"
if JOBS=1 scripts/lint.sh format "$tmp/misformatted.cc" >"$tmp/format.log" 2>&1; then
  bad format "lint.sh accepted a misformatted file"
elif ! grep -q "misformatted.cc" "$tmp/format.log"; then
  bad format "lint.sh failed without naming the file"
else
  clang-format --style=file:"$PWD/.clang-format" -i "$tmp/misformatted.cc"
  if JOBS=1 scripts/lint.sh format "$tmp/misformatted.cc" >/dev/null 2>&1; then
    ok format
  else
    bad format "lint.sh rejected the file clang-format had formatted"
  fi
fi

# 2. tidy
printf '#include <cstddef>\nint* NoObject() { return 0; }\n' >"$tmp/finding.cc"
if JOBS=1 scripts/lint.sh tidy "$tmp/finding.cc" >"$tmp/tidy.log" 2>&1; then
  bad tidy "lint.sh accepted a clang-tidy finding"
elif ! grep -q "modernize-use-nullptr" "$tmp/tidy.log"; then
  bad tidy "lint.sh failed without the finding: $(head -3 "$tmp/tidy.log")"
else
  ok tidy
fi

# 3. warnings
if [[ ! -f build/compile_commands.json ]]; then
  bad warnings "no build/compile_commands.json (run make test WERROR=ON first)"
elif [[ $(jq '[.[] | select(.command | (contains("-Werror") and contains("-Wshadow")) | not)] | length' \
            build/compile_commands.json) != 0 ]]; then
  bad warnings "build/ was not configured with SIGNET_WERROR=ON"
else
  printf 'int Twice(int n) {\n  for (int n = 0; n < 1; ++n) {\n  }\n  return 2 * n;\n}\n' \
    >"$tmp/shadow.cc"
  if c++ -Wall -Wextra -Werror -Wshadow -c "$tmp/shadow.cc" -o "$tmp/shadow.o" 2>/dev/null; then
    bad warnings "a shadowing local compiled"
  else
    ok warnings
  fi
fi

# 4. sanitizers
if [[ ! -f build-asan/compile_commands.json ]]; then
  bad sanitizers "no build-asan/compile_commands.json (run make asan-test first)"
elif [[ $(jq '[.[] | select(.command | contains("-fsanitize=address,undefined") | not)] | length' \
            build-asan/compile_commands.json) != 0 ]]; then
  bad sanitizers "build-asan/ has sources built without the sanitizers"
else
  ok sanitizers
fi

# 5. fuzz
if FUZZ_SECONDS=20 FUZZ_SEED=1 FUZZ_FRESH=1 JOBS=${JOBS:-2} scripts/fuzz.sh planted_crash \
    >"$tmp/fuzz.log" 2>&1; then
  bad fuzz "scripts/fuzz.sh passed a crashing target"
elif ! grep -q "heap-buffer-overflow" build-fuzz/planted_crash.log ||
     [[ -z $(ls build-fuzz/crashes/planted_crash/) ]]; then
  bad fuzz "no sanitizer report or no crashing input: $(tail -5 "$tmp/fuzz.log")"
else
  ok fuzz
fi
rm -rf build-fuzz/corpus/planted_crash build-fuzz/crashes/planted_crash build-fuzz/planted_crash.log

exit $failed
