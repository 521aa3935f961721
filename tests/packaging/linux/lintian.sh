#!/usr/bin/env bash
# lintian reports no errors on the packages (warnings are printed, and listed in the report).
source "$(dirname "$0")/common.sh"
need_tool lintian
status=0
for deb in "$(runtime_deb current)" "$(dev_deb current)"; do
  step "lintian $(basename "$deb")"
  # --fail-on error: warnings and infos are shown but do not fail the test.
  lintian --fail-on error -I --tag-display-limit 0 "$deb" || status=1
done
[ $status -eq 0 ] || fail "lintian reports errors"
echo "lintian: no errors"
