#!/usr/bin/env bash
# Windows code cannot be built on this machine; compile-check it with Debian's mingw-w64.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=x86_64-w64-mingw32-g++-posix
command -v "$CXX" >/dev/null || CXX=x86_64-w64-mingw32-g++
mapfile -t files < <(find agent/platform/windows -name '*.cpp' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "no Windows sources yet"
  exit 0
fi
for f in "${files[@]}"; do
  "$CXX" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -DUNICODE -D_UNICODE \
    -Iagent/core/include -Iagent/platform -Isdk/include "$f"
  echo "ok  $f"
done
