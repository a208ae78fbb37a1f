#!/usr/bin/env bash
# Runs the lit suite of the build in $Q8_BUILD_DIR (default build/) and ends
# with a line "tests: N passed, N failed". Shared by scripts/test.sh and
# scripts/test-sanitized.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${Q8_BUILD_DIR:-$root/build}

results=$build/test/results.json
status=0
/usr/lib/llvm-22/bin/lit -sv --time-tests -o "$results" "$build/test" || status=$?

/usr/bin/python3 - "$results" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
ok = {"PASS", "XFAIL"}
skip = {"UNSUPPORTED"}
passed = sum(t["code"] in ok for t in tests)
skipped = sum(t["code"] in skip for t in tests)
failed = len(tests) - passed - skipped
for t in tests:
    if t["code"] not in ok | skip:
        print(f"{t['code']}: {t['name']}")
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
