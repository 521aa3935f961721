#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds the example plugin out of
# tree against it, and checks that certagent-cli loads it from a configured plugin folder.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --component sdk --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/sdk/examples/hello-flow" -B "$tmp/plugin" -G Ninja \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/plugin" >/dev/null
test -f "$tmp/plugin/certagent-hello-flow.so"
chmod 755 "$tmp/plugin"
printf '[plugins]\ndirs = ["%s"]\n' "$tmp/plugin" > "$tmp/agent.toml"
out=$("$build/bin/certagent-cli" --config "$tmp/agent.toml" --json plugins)
echo "$out"
echo "$out" | grep -q '"name": "hello-flow"'
echo "$out" | grep -q '"kind": "flow"'
echo "$out" | grep -q '"abi": "2.1"'
echo "out-of-tree plugin loaded"
