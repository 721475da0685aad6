#!/usr/bin/env bash
# Installs every Debian package that building and testing Latchkey needs.
# Idempotent: packages already present are skipped, so `make run` and `make test`
# can call it every time at almost no cost.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev
  libsoci-dev libsoci-postgresql4.0 libsoci-sqlite3-4.0 libpq-dev libsqlite3-dev sqlite3
  libsodium-dev libfido2-dev libcbor-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libqrencode-dev libzxcvbn-dev libphonenumber-dev libprotobuf-dev libicu-dev
  libldap-dev libcurl4-openssl-dev zlib1g-dev
  postgresql slapd ldap-utils python3-aiosmtpd oathtool wrk curl ca-certificates openssl xxd
  kannel kannel-extras
  zbar-tools librsvg2-bin
  chromium
  samba-ad-dc samba-ad-provision
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The build needs Node.js and npm: npm fetches the word-list source (tools/wordlist,
# cmake/banned_terms.cmake) and the portal's packages, and Vite builds the portal
# (web/, cmake/portal.cmake; Node.js 18 or later, as in Debian 12). Debian's nodejs and
# npm only when no npm is installed (a Node.js from elsewhere brings its own npm).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root (or: sudo $0)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser tests (tests/browser) drive Debian's Chromium with playwright-core, at
# the version package-lock.json pins (no browser download). `npm ci` only when
# node_modules is missing or older than the manifest or the lock file.
BROWSER_TESTS="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
installed="$BROWSER_TESTS/node_modules/.package-lock.json"
if [ -f "$BROWSER_TESTS/package-lock.json" ] &&
   { [ ! -f "$installed" ] || [ "$BROWSER_TESTS/package-lock.json" -nt "$installed" ] ||
     [ "$BROWSER_TESTS/package.json" -nt "$installed" ]; }; then
  echo "install-deps: npm ci in tests/browser"
  npm ci --prefix "$BROWSER_TESTS" --no-audit --no-fund --loglevel=error
fi
