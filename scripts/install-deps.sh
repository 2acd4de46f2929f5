#!/usr/bin/env bash
# Installs, with apt-get, whatever Touchpoint needs to build and test that is missing.
# Debian bookworm, as root. Safe to run again: installed packages are skipped.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (DESIGN.md §2)
  libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
  libhowardhinnant-date-dev tzdata libkainjow-mustache-dev libexpected-dev libvmime-dev libssl-dev
  # tests: Catch2, Python's email package as an independent MIME parser, a real SMTP server, a real IMAP server
  catch2 python3 python3-aiosmtpd openssl dovecot-imapd
  # browser tests (headless Chromium driven by playwright-core) and benchmarks (postfix's
  # smtp-sink and smtp-source, wrk; a Korean font for the screenshots); GMime 3 encodes bodies
  chromium fonts-nanum postfix wrk libgmime-3.0-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js runs playwright-core and the benchmark peers (nodemailer, jsforce); Debian's is enough
# where the machine has none of its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
