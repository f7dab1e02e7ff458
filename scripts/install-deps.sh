#!/usr/bin/env bash
# Installs the Debian 12 packages Signet needs to build, test and run.
# Idempotent: only missing packages are installed. As root it runs apt-get;
# otherwise it prints the command to run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev
  libboost1.81-dev libexpected-dev libargon2-dev libspdlog-dev libcli11-dev
  libtomlplusplus-dev  # signetd --config
  libsystemd-dev       # sd_notify: Type=notify readiness and the watchdog
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev  # notifications: webhooks (HTTPS) and e-mail (SMTP)
  libp11-kit-dev
  clang libclang-rt-14-dev  # the libFuzzer targets (tests/fuzz, `make fuzz`, CI's fuzz step)
  clang-format clang-tidy   # make lint (CI's format and tidy steps) and make format
  curl python3 jq  # jq: the docs' examples (tests/integration/test_docs.py)
  python3-cryptography  # the OIDC tests' issuer mints RS256/ES256 tokens (tests/integration/test_oidc.py)
  nodejs  # the web console (web/) is built with Vite: Node.js 20.19 or newer, with npm
)
# Extra packages for the integration tests and benchmarks (real tools and services).
if [[ "${SIGNET_DEPS:-all}" == "all" ]]; then
  packages+=(opensc gnutls-bin libengine-pkcs11-openssl osslsigncode openjdk-17-jdk-headless
             postgresql wrk nginx-light
             softhsm2  # a PKCS#11 token for the HSM key source tests (tests/integration/test_hsm.py)
             chromium  # the console's browser tests (web/e2e) drive Debian's Chromium
             dpkg-dev lintian systemd groff-base  # make deb and the install tests
             python3-aiosmtpd)  # the SMTP server the notification tests start on loopback
fi

# npm comes with NodeSource's nodejs package; Debian's own nodejs needs the npm package too.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: missing packages; run:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
