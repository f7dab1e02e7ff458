#!/usr/bin/env bash
# make lint: the formatting and static-analysis gate of CI.
#  1. clang-format --dry-run --Werror over every C/C++ file of src/, tests/ and bench/
#     (.clang-format; `make format` applies it);
#  2. clang-tidy over src/ with the repository's .clang-tidy, every finding an error, run in
#     parallel (JOBS) on the compile commands of the release build (build/, which it configures
#     if needed; generated headers need `make build` first).
# Usage: scripts/lint.sh [format|tidy|fix] [file ...]   (default: format and tidy over the
# tree; `fix` applies clang-format to what `format` checks — `make format`). Exits non-zero on
# any finding. Files given on the command line replace the tree's list (scripts/check-gates.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}
what=${1:-all}
shift || true
explicit=("$@")
status=0
# The repository's style file, named explicitly so a file outside the tree gets it too.
style=--style=file:$root/.clang-format

# The files `make format` formats and `make lint` checks: every C/C++ file of src/, tests/,
# bench/ that git tracks (or the files given).
cxx_files() {
  if [[ ${#explicit[@]} -gt 0 ]]; then
    printf '%s\n' "${explicit[@]}"
  else
    git ls-files -- "$@" | grep -E '\.(cc|h|cpp|hpp|c)$' || true
  fi
}

if [[ $what == fix ]]; then
  cxx_files src tests bench | xargs -r clang-format "$style" -i
  exit 0
fi

if [[ $what == all || $what == format ]]; then
  start=$SECONDS
  if cxx_files src tests bench | xargs -r clang-format "$style" --dry-run --Werror 2>/tmp/signet-format.$$; then
    echo "lint: clang-format ok ($((SECONDS - start))s)"
  else
    # One line per file that is not formatted; the details (first 40 lines) after.
    files=$(grep -oE '^[^:]+\.(cc|h|cpp|hpp|c):' /tmp/signet-format.$$ | sort -u | tr -d ':')
    echo "lint: clang-format: $(wc -w <<<"$files") files are not formatted (make format fixes them):"
    sed 's/^/  /' <<<"$files"
    head -40 /tmp/signet-format.$$
    status=1
  fi
  rm -f /tmp/signet-format.$$
fi

if [[ $what == all || $what == tidy ]]; then
  start=$SECONDS
  if [[ ! -f build/compile_commands.json ]]; then cmake --preset release >/dev/null; fi
  # Each file in its own clang-tidy; only the diagnostics are printed (not the per-file
  # "N warnings generated" chatter).
  if cxx_files src | grep -E '\.cc$' |
      xargs -r -P "$jobs" -n 1 clang-tidy -p build --config-file="$root/.clang-tidy" --quiet --warnings-as-errors='*' \
        >/tmp/signet-tidy.$$ 2>&1; then
    echo "lint: clang-tidy ok ($(cxx_files src | grep -cE '\.cc$') files, $((SECONDS - start))s)"
  else
    grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed [0-9]+ warnings|^Use -header-filter|^Error while processing' \
      /tmp/signet-tidy.$$ || true
    echo "lint: clang-tidy found problems ($((SECONDS - start))s)"
    status=1
  fi
  rm -f /tmp/signet-tidy.$$
fi
exit $status
