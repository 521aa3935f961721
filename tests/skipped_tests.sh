#!/usr/bin/env bash
# Lists the tests CTest skipped, from the JUnit files `ctest --output-junit` wrote:
#   bash tests/skipped_tests.sh build/default/ctest-junit.xml [more.xml ...]
# Exits 1 when any test was skipped and CI=true: a test whose lab is missing fails under CI
# (tests/fixtures/lab.hpp), and this catches any other way a test could avoid running.
set -euo pipefail
skipped=()
for f in "$@"; do
  [ -f "$f" ] || { echo "skipped_tests: no JUnit file $f" >&2; exit 2; }
  # CTest writes <testcase name="..." ... status="notrun"> with a <skipped> child for a skip.
  while IFS= read -r name; do
    [ -n "$name" ] && skipped+=("$name")
  done < <(python3 - "$f" <<'PY'
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    skip = case.find("skipped")
    if skip is not None or case.get("status") in ("notrun", "disabled"):
        why = (skip.get("message", "") if skip is not None else "") or case.get("status")
        # GoogleTest prints "file:line: Skipped" and then the reason on the next line.
        out = (case.findtext("system-out") or "").splitlines()
        for i, line in enumerate(out[:-1]):
            if line.endswith(": Skipped") and out[i + 1].strip():
                why = out[i + 1].strip()
                break
        print(f"{case.get('name')}: {why}")
PY
)
done
if [ ${#skipped[@]} -eq 0 ]; then
  echo "skipped tests: none"
  exit 0
fi
echo "skipped tests (${#skipped[@]}):"
printf '  %s\n' "${skipped[@]}"
if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
  echo "CI=true: skipped tests are failures; install what they name (tests/deps.sh)" >&2
  exit 1
fi
