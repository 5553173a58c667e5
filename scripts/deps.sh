#!/usr/bin/env bash
# Installs the Debian packages a target needs when they are missing.
#   deps.sh build  - compiler libraries
#   deps.sh test   - plus Redis, cmocka, pytest, python3-redis, promtool
#                    (prometheus) and chromium
#   deps.sh fuzz   - plus clang-14 and its libFuzzer/sanitizer runtimes
set -euo pipefail

want=(libevent-dev libhiredis-dev libssl-dev pkg-config)
if [ "${1:-build}" = test ]; then
  want+=(libcmocka-dev redis-server redis-tools redis-sentinel python3-redis
         python3-pytest iproute2 procps openssl
         prometheus chromium)   # promtool checks /metrics; the status page in a browser
fi
if [ "${1:-build}" = fuzz ]; then
  want+=(clang-14 libclang-rt-14-dev)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
command -v cc >/dev/null 2>&1 || missing+=(gcc make)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: not root; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packages start system-wide Redis and Prometheus services where an
# init system runs; our tests start their own processes, so stop those if
# they came up.
for svc in redis-server redis-sentinel prometheus; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
