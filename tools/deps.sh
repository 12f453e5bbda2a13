#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages bouncekit needs.
#   tools/deps.sh          what the build needs
#   tools/deps.sh --test   also what the whole test suite needs
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail
build_pkgs=(build-essential cmake pkg-config libjansson-dev libvectorscan-dev libpcre2-dev libgmime-3.0-dev zlib1g-dev libsqlite3-dev libpq-dev libidn2-dev libunistring-dev libmicrohttpd-dev libgnutls28-dev)
test_pkgs=(libcmocka-dev jq clang libclang-rt-dev chromium python3 libgpgme-dev postgresql curl wrk postfix)
pkgs=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
    pkgs+=("${test_pkgs[@]}")
    command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# postfix (tests/cli/postfix_enforce.sh runs private instances of its own): no
# questions, and no system-wide configuration or daemon
printf '%s\n' "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
