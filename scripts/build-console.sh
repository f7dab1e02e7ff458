#!/usr/bin/env bash
# Builds the web console (web/) for embedding in signetd: type-checks it, runs `vite build`
# into OUT_DIR/dist and generates OUT_DIR/console_assets.cc (scripts/embed-console.py).
# `npm ci` runs only when web/package-lock.json differs from what web/node_modules was
# installed from. A lock serializes build trees that share web/node_modules.
# usage: build-console.sh OUT_DIR
set -euo pipefail
out="$(realpath -m "$1")"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo/web"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "console: node and npm are needed to build the web console; run scripts/install-deps.sh" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "console: Node.js $(node --version) is too old; Vite needs 20.19 or newer" >&2
  exit 1
fi

mkdir -p "$out"
exec 9>"$repo/web/.build.lock"
flock 9
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
have="$(cat node_modules/.signet-lock-sha256 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  echo "console: npm ci (web/package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.signet-lock-sha256
fi
node_modules/.bin/tsc --noEmit -p .
node_modules/.bin/vite build --outDir "$out/dist" --emptyOutDir --logLevel warn
python3 "$repo/scripts/embed-console.py" "$out/dist" "$out/console_assets.cc"
touch "$out/console.stamp"
