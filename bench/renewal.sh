#!/usr/bin/env bash
# The renewal's own work against the sandbox CA on loopback (auto-pay, auto-approve, so no
# operator wait), EC P-256 key (key generation ~50 ms on SoftHSM2, included: an upper bound).
# Runs N renewals, each on a fresh token and CA request, and prints the median wall time of
# `certagent-cli renew` (process start, plugin load, TLS login, every step, install).
# usage: bench/renewal.sh BUILD_BIN_DIR [N]   (BENCH_TRACE=1: one run with a per-step trace)
set -euo pipefail
bin=$(cd "$1" && pwd); n=${2:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/certagent-bench-renewal.XXXXXX)
pid=
trap '[[ -n "$pid" ]] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
"$bin/certagent-sandbox-ca" init "$work/ca" >/dev/null
"$bin/certagent-sandbox-ca" serve --dir "$work/ca" --auto-approve --auto-pay >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on \(https:[^ ]*\).*/\1/p' "$work/out")
python3 "$src/tests/renewal-support/make_id_pdf.py" "$work/id.pdf"
export BENCH_PIN=123456 CERTAGENT_RENEWAL_MAX_POLL_S=1 LANG=C.UTF-8
times=()
for i in $(seq "$n"); do
  d=$work/run$i; mkdir -p "$d/tokens"
  export SOFTHSM2_CONF=$d/softhsm2.conf
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$d" >"$SOFTHSM2_CONF"
  softhsm2-util --init-token --free --label B$i --pin $BENCH_PIN --so-pin 12345678 >/dev/null
  "$bin/certagent-sandbox-ca" enroll --dir "$work/ca" --module /usr/lib/softhsm/libsofthsm2.so \
    --token-label B$i --pin-env BENCH_PIN --days 12 --key ec256 --id a1 --cn "BENCH $i" >/dev/null
  printf '[pkcs11]\nextra_modules = ["/usr/lib/softhsm/libsofthsm2.so"]\nuse_p11_kit = false\n[renewal]\nportal_url = "%s"\nca_bundle = "%s"\n' \
    "$url" "$work/ca/trust/portal-trust.pem" >"$d/agent.toml"
  serial=$(CERTAGENT_CONFIG=$d/agent.toml "$bin/certagent-cli" --state-dir "$d/state" --json tokens |
           python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
  # The account is a one-time step (e-mail link): done before timing, like a returning user.
  ( for _ in $(seq 300); do
      for link in $("$bin/certagent-sandbox-ca" mail --dir "$work/ca" 2>/dev/null | grep -o 'https://[^ ]*confirm[^ ]*' || true); do
        curl -s --cacert "$work/ca/trust/portal-trust.pem" "$link" >/dev/null || true
      done
      sleep 0.2; done ) &
  clicker=$!
  CERTAGENT_CONFIG=$d/agent.toml CERTAGENT_FAULT_AT=product "$bin/certagent-cli" --state-dir "$d/state" renew \
    --token "$serial" --cert a1 --pin-env BENCH_PIN --yes --id-document "$work/id.pdf" >/dev/null 2>&1 || true
  kill "$clicker" 2>/dev/null || true
  wait "$clicker" 2>/dev/null || true
  start=$(date +%s%N)
  [[ -n "${BENCH_TRACE:-}" ]] && { CERTAGENT_CONFIG=$d/agent.toml python3 -c "import subprocess,sys,time; t=time.time(); p=subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, text=True); [print(\"%6.0f ms %s\" % ((time.time()-t)*1000, l.rstrip())) for l in p.stderr]; p.wait()" "$bin/certagent-cli" --state-dir "$d/state" renew --token "$serial" --cert a1 --years 2 --id-document "$work/id.pdf" --pin-env BENCH_PIN --yes; continue; }
  CERTAGENT_CONFIG=$d/agent.toml "$bin/certagent-cli" --state-dir "$d/state" renew --token "$serial" \
    --cert a1 --years 2 --id-document "$work/id.pdf" --pin-env BENCH_PIN --yes >/dev/null 2>"$d/log"
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "renew (product → installed, keygen included, no operator wait): runs ${times[*]} ms; median ${sorted[$((n / 2))]} ms"
