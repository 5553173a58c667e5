#!/usr/bin/env bash
# Runs the pytest integration suite against the sanitizer build of the
# daemon, with Debian's python3 (which has python3-redis).  Extra arguments
# go to pytest.  Prints "integration: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
export SENTINELD_BIN=${SENTINELD_BIN:-$PWD/bin/sentineld-asan}
xml=$(mktemp /tmp/sentineld-junit.XXXXXX.xml)
/usr/bin/python3 -m pytest tests/integration -p no:cacheprovider -q \
  --junitxml="$xml" "$@"
rc=$?
/usr/bin/python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("integration: 0 passed, 1 failed"); sys.exit(0)
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(f"integration: {t - f - k} passed, {f} failed, {k} skipped")
PY
rm -f "$xml"
# pytest exits 5 when it collected nothing: that is a failure here too.
[ "$rc" -eq 0 ]
