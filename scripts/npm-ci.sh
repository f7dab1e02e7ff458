#!/usr/bin/env bash
# Installs the npm packages of DIR (its package-lock.json) into DIR/node_modules, at build
# time, so that tests run offline. `npm ci` runs only when the lock file differs from what
# node_modules was installed from; a lock serializes build trees that share DIR.
# usage: npm-ci.sh DIR [STAMP]   (STAMP: a file touched when DIR/node_modules is current)
set -euo pipefail
dir="$(realpath "$1")"
stamp="${2:-}"
if ! command -v npm >/dev/null; then
  echo "npm-ci: npm is needed for $dir; run scripts/install-deps.sh" >&2
  exit 1
fi
cd "$dir"
exec 9>"$dir/.npm-ci.lock"
flock 9
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
have="$(cat node_modules/.signet-lock-sha256 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  echo "npm-ci: npm ci in $dir (package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.signet-lock-sha256
fi
if [[ -n "$stamp" ]]; then
  mkdir -p "$(dirname "$stamp")"
  touch "$stamp"
fi
