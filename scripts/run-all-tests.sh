#!/usr/bin/env bash
# `make test`: builds, runs the unit tests, the simulator's fixed seeds and
# the integration tests, and
# closes with one "total: N passed, N failed, N skipped" line.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/sentineld-test.XXXXXX)
status=0
make -s bin/sentineld bin/sentineld-asan >/dev/null || { echo "build failed"; echo "total: 0 passed, 1 failed"; exit 1; }
make -s unit 2>&1 | tee "$log" || status=1
tests/sim/run-ci.sh 2>&1 | tee -a "$log" || status=1
make -s integration 2>&1 | tee -a "$log" || status=1
read -r p f s < <(awk '
  /^(unit|sim|integration): [0-9]+ passed, [0-9]+ failed/ {
    p += $2; f += $4; if ($6 != "") s += $6 }
  END { print p+0, f+0, s+0 }' "$log")
rm -f "$log"
[ "$f" -ne 0 ] && status=1
echo "total: $p passed, $f failed, $s skipped"
exit $status
