#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root):  bash tests/run.sh
#  1. installs the missing Debian packages (tests/deps.sh)
#  2. builds the `default` preset with warnings as errors and runs every test (ctest -j2)
#  3. syntax-checks the Windows sources with mingw-w64
#  4. builds the `asan` preset (clang-14) and runs the unit tests under AddressSanitizer + UBSan, with
#     LeakSanitizer on (tests/lsan.supp names the few process-wide allocations it may ignore);
#     then runs the `gui` tests of step 2 again against the tray app built with ASan + UBSan
#  5. builds the libFuzzer targets (clang) and runs each for CERTAGENT_FUZZ_SECONDS (20 s)
#  6. lists the tests that were skipped; with CI=true any skipped test fails the run (and a test
#     whose lab is missing fails by itself, tests/fixtures/lab.hpp)
# Set CERTAGENT_SKIP_ASAN=1 / CERTAGENT_SKIP_FUZZ=1 to skip step 4 / 5 while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
phase() { echo "== $1   [$(( (SECONDS - started) / 60 ))m$(( (SECONDS - started) % 60 ))s so far]"; }
source tests/deps.sh
certagent_install_packages

jobs=2
phase "build (default preset)"
# -g1 (line tables only, enough for backtraces): a third less compile time than -g here.
cmake --preset default -DCERTAGENT_WERROR=ON -DCERTAGENT_BUILD_GUI=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build --preset default -j"$jobs"

phase "tests (default preset)"
junit_default="$PWD/build/default/ctest-junit.xml"
ctest --preset default -j"$jobs" --output-junit "$junit_default"

phase "Windows sources (mingw-w64 syntax check)"
bash tests/windows-syntax-check.sh

if [ "${CERTAGENT_SKIP_ASAN:-0}" != 1 ]; then
  phase "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset)"
  # The tray app and the plugins it loads as well, for the GUI tests' second run below.
  cmake --preset asan -DCERTAGENT_WERROR=ON -DCERTAGENT_BUILD_GUI=ON \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1" >/dev/null
  cmake --build --preset asan -j"$jobs" --target certagent_unit_tests certagent certagent_plugins
  # Leaks fail the tests; only libp11's internal state, which it does not free, is suppressed
  # (tests/lsan.supp). fast_unwind_on_malloc=0: full allocation stacks (libraries built without
  # frame pointers cut the fast ones short), so a suppression matches only stacks through
  # libp11 (about 20 s more for this phase).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --preset asan -j"$jobs" --output-junit "$PWD/build/asan/ctest-junit.xml"

  phase "GUI tests again, the tray app under AddressSanitizer + UndefinedBehaviorSanitizer"
  # The default build's `gui` tests drive build/asan/bin/certagent instead of their own
  # (CERTAGENT_TEST_GUI_BINARY). An error aborts the app; the tests then see it gone or exiting
  # with a non-zero code, and its log (in their failure message) holds the report. Leaks are not
  # checked here: GTK, GLib, fontconfig and D-Bus keep process-wide allocations they never free,
  # so a leak report would list theirs, not ours (the unit tests above check leaks in core).
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  CERTAGENT_TEST_GUI_BINARY="$PWD/build/asan/bin/certagent" \
    ctest --preset default -L gui -j"$jobs" --output-junit "$PWD/build/asan/ctest-junit-gui.xml"
fi

if [ "${CERTAGENT_SKIP_FUZZ:-0}" != 1 ]; then
  phase "fuzz targets, ${CERTAGENT_FUZZ_SECONDS:-20} s each (libFuzzer, clang, ASan + UBSan)"
  bash tests/fuzz/run.sh "${CERTAGENT_FUZZ_SECONDS:-20}"
fi

phase "skipped tests (CI=true: any is a failure)"
junits=("$junit_default")
[ "${CERTAGENT_SKIP_ASAN:-0}" != 1 ] &&
  junits+=("$PWD/build/asan/ctest-junit.xml" "$PWD/build/asan/ctest-junit-gui.xml")
bash tests/skipped_tests.sh "${junits[@]}"
phase "all tests passed"
