#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine (as root):  bash tests/demo.sh
# Installs what is missing, builds certagent, and shows what it does today.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/deps.sh
certagent_install_packages

echo "== build"
cmake --preset default >/dev/null
cmake --build --preset default -j2 --target certagent_runtime
cli=build/default/bin/certagent-cli

echo
echo "== certagent-cli --version"
"$cli" --version
echo
echo "== certagent-cli plugins"
"$cli" plugins
