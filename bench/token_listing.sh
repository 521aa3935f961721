#!/bin/sh
# Benchmark: `certagent-cli certs --json` against `pkcs11-tool --list-objects --type cert` on the
# same SoftHSM2 token holding 50 certificates, in the same run (hyperfine). Target: the agent
# takes at most 1.5x pkcs11-tool's time.
#   bench/token_listing.sh [path/to/certagent-cli] [runs]
set -eu
CLI=${1:-build/bin/certagent-cli}
RUNS=${2:-30}
MODULE=/usr/lib/softhsm/libsofthsm2.so
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certagent-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/tokens" "$WORK/state"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$WORK" > "$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label bench50 --pin 123456 --so-pin 12345678 >/dev/null

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/k.pem" 2>/dev/null
i=1
while [ $i -le 50 ]; do
    id=$(printf '%02x' $i)
    openssl req -x509 -new -key "$WORK/k.pem" -subj "/C=RO/O=bench/CN=Bench $i" \
        -days $((30 + i * 10)) -outform DER -out "$WORK/c.der" 2>/dev/null
    pkcs11-tool --module "$MODULE" --token-label bench50 --login --pin 123456 \
        --write-object "$WORK/c.der" --type cert --id "$id" --label "Bench $i" >/dev/null
    i=$((i + 1))
done

# Only the module that holds the token: no p11-kit scan, as a user's config would be for the
# single-token case.
cat > "$WORK/agent.toml" <<TOML
[pkcs11]
extra_modules = ["$MODULE"]
use_p11_kit = false
TOML

count=$("$CLI" --config "$WORK/agent.toml" --state-dir "$WORK/state" --json certs |
    grep -c '"not_after"')
echo "certagent-cli lists $count certificates"
[ "$count" -eq 50 ] || { echo "expected 50 certificates" >&2; exit 1; }

hyperfine --warmup 3 --runs "$RUNS" --export-json "$WORK/result.json" -N \
    -n pkcs11-tool "pkcs11-tool --module $MODULE --token-label bench50 --list-objects --type cert" \
    -n certagent-cli "$CLI --config $WORK/agent.toml --state-dir $WORK/state --json certs"

python3 - "$WORK/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
tool, agent = r["pkcs11-tool"]["mean"], r["certagent-cli"]["mean"]
ratio = agent / tool
print(f"pkcs11-tool {tool*1000:.1f} ms, certagent-cli {agent*1000:.1f} ms, ratio {ratio:.2f} "
      f"(target <= 1.50): {'OK' if ratio <= 1.5 else 'OVER'}")
sys.exit(0 if ratio <= 1.5 else 1)
PY
