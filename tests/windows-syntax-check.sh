#!/usr/bin/env bash
# Windows code cannot be built on this machine; compile-check it with Debian's mingw-w64.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=x86_64-w64-mingw32-g++-posix
command -v "$CXX" >/dev/null || CXX=x86_64-w64-mingw32-g++
mapfile -t files < <(find agent/platform/windows -name '*.cpp' 2>/dev/null | sort)
# Core's own OS-facing helpers with a Windows branch.
files+=(agent/core/platform/launch.cpp)
if [ ${#files[@]} -eq 0 ]; then
  echo "no Windows sources yet"
  exit 0
fi
# Header-only libraries the sources use (nlohmann/json, fmt), without the rest of /usr/include,
# which is glibc's and not the cross compiler's.
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
ln -s /usr/include/nlohmann "$deps/nlohmann"
ln -s /usr/include/fmt "$deps/fmt"
for f in "${files[@]}"; do
  "$CXX" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -DUNICODE -D_UNICODE -DFMT_HEADER_ONLY \
    -Iagent/core/include -Iagent/platform -Isdk/include -isystem "$deps" "$f"
  echo "ok  $f"
done
