#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) and runs each for a bounded time.
#   bash tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Default 20 s per target (tests/run.sh). A crash fails the run; its input is saved as
# build/fuzz/artifacts/<target>-crash-<sha1>: fix the bug, then keep that file in
# tests/fuzz/<target>/crashes/ so ctest replays it in every build (tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in tests/fuzz/*/; do [ -f "$d/CMakeLists.txt" ] && targets+=("$(basename "$d")"); done
fi
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g1 -O1"
# Only the libraries the targets link are built (the target certagent_fuzzers), with the
# PoDoFo and libxmlsec1 code linked in (no documents module) so that it is instrumented too.
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_CXX_FLAGS_DEBUG="" -DCMAKE_C_FLAGS_DEBUG="" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCERTAGENT_FUZZ=ON -DCERTAGENT_DOCUMENTS_MODULE=OFF -DCERTAGENT_BUILD_GUI=OFF \
  -DCERTAGENT_BUILD_BENCH=OFF -DCERTAGENT_OPTIMIZE_TESTS=ON >/dev/null
cmake --build build/fuzz -j"${CERTAGENT_JOBS:-2}" --target certagent_fuzzers
mkdir -p build/fuzz/artifacts
failed=()
for t in "${targets[@]}"; do
  work=build/fuzz/work/$t
  mkdir -p "$work"
  echo "== fuzz $t for ${seconds}s"
  # New inputs go to the work folder (first); the seeds in the repository are only read.
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build/fuzz/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=262144 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t-" \
      "$work" "tests/fuzz/$t/corpus" 2>"build/fuzz/$t.log"; then
    failed+=("$t")
    tail -40 "build/fuzz/$t.log"
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build/fuzz/$t.log" | sed "s/^/  $t: /" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in build/fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzzing: ${#targets[@]} targets, no crash"
