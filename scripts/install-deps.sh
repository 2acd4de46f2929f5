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
