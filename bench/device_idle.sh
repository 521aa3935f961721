#!/usr/bin/env bash
# Idle CPU and wake-ups of `certagent-cli daemon` with the PC/SC source active (see
# device_idle.py). usage: bench/device_idle.sh path/to/certagent-cli [SECONDS=120]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/device_idle.py" "$@"
