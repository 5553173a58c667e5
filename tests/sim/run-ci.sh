#!/usr/bin/env bash
# tests/sim/run-ci.sh - the simulator's fixed set of seeds for CI.
#
# Parts: 500 seeds with every parameter chosen by the seed; the start-small
# scenario (3 sentinels, no faults, the master killed: one promotion that
# every sentinel agrees on) on 20 seeds; each fault kind on its own; and a
# slice of seeds under ASan+UBSan, which also checks the core's memory use.
# Runs on 2 processes in well under two minutes.  Prints each part's summary
# and failure reports, then one closing line: "sim: N passed, N failed".
# SIM_CI_ARGS adds options to every part (e.g. --no-announce-check).
set -u
cd "$(dirname "$0")/../.."

if ! make -s build/sim/sim build/sim/sim-asan >/dev/null; then
  echo "sim: build failed"
  echo "sim: 0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
part() {
  local label=$1
  shift
  local out
  out=$("$@" ${SIM_CI_ARGS:-} 2>&1)
  local line
  line=$(printf '%s\n' "$out" | grep -E '^sim: [0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$line" ]; then
    printf '%s\n' "$out"
    echo "sim[$label]: no summary (crashed?)"
    failed=$((failed + 1))
    return
  fi
  local p f
  p=$(echo "$line" | sed -E 's/^sim: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
  # Failure reports in full; of the summary, the lines that say something.
  printf '%s\n' "$out" | grep -vE '^sim: [0-9]+ passed, [0-9]+ failed$' |
    sed -E "s/^sim: (runs|faults|elections|violations|  of which|failed seeds)/sim[$label]: \1/"
}

part all      build/sim/sim --first 1 --runs 500 --jobs 2
part small    build/sim/sim --first 10001 --runs 20 --jobs 2 --sentinels 3 --faults none \
                --kill-master 1
first=20001
for kind in delay loss partition one-way-partition master-minority-partition swizzle \
            sentinel-crash node-crash clock-jump slow-persist; do
  part "$kind" build/sim/sim --first "$first" --runs 12 --jobs 2 --faults "$kind"
  first=$((first + 1000))
done
part asan     build/sim/sim-asan --first 30001 --runs 40 --jobs 2

echo "sim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
