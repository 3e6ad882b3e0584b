#!/usr/bin/env bash
# Installs exactly the Debian packages the build and the tests use. Idempotent: a package that is
# already installed is skipped, and apt-get is not touched at all when nothing is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang-14 libclang-rt-14-dev clang-format
  libboost-dev libboost-system-dev
  librocksdb-dev
  libsodium-dev
  nlohmann-json3-dev
  libtomlplusplus-dev
  libspdlog-dev libfmt-dev
  libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libsecp256k1-dev libcrypto++-dev
  curl procps python3 openssl
  litecoind
)
# Node.js + npm (for the test hostchains): the machine's own install when there is one (it may
# come from outside Debian, whose npm package would conflict with it), else Debian's.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test hostchains and the Solidity compiler from npm, pinned by tools/package-lock.json, into the
# git-ignored tools/node_modules. Re-installed only when the lockfile changed since the last install.
TOOLS_DIR="$(cd "$(dirname "$0")/.." && pwd)/tools"
if [ -f "$TOOLS_DIR/package-lock.json" ]; then
  stamp="$TOOLS_DIR/node_modules/.klyn-lock-installed"
  if [ ! -f "$stamp" ] || ! cmp -s "$TOOLS_DIR/package-lock.json" "$stamp"; then
    echo "install-deps: npm ci in tools/"
    (cd "$TOOLS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$TOOLS_DIR/package-lock.json" "$stamp"
  else
    echo "install-deps: tools/node_modules up to date"
  fi
fi
