#!/usr/bin/env bash
# Virtual card insertion → TokenInserted line of `certagent-cli watch`, over N insertions (see
# device_latency.py). usage: bench/device_latency.sh path/to/certagent-cli [N=20]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/device_latency.py" "$@"
