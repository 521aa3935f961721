#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine (as root):  bash tests/demo.sh
# Installs what is missing, builds certagent, and shows the whole renewal story on this
# machine: a sandbox CA on 127.0.0.1, a SoftHSM2 token whose certificate expires in 12 days,
# the reminder, `certagent-cli renew --years 2`, and the new certificate on the token.
# CERTAGENT_DEMO_BUILD=DIR uses an existing build tree instead of build/default.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/deps.sh
certagent_install_packages

if [[ -z "${CERTAGENT_DEMO_BUILD:-}" ]]; then
  echo "== build"
  cmake --preset default >/dev/null
  cmake --build --preset default -j2 --target certagent_runtime
  build=build/default
else
  build=$CERTAGENT_DEMO_BUILD
fi
bin=$(cd "$build/bin" && pwd)
cli=$bin/certagent-cli
ca_tool=$bin/certagent-sandbox-ca

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
demo=$(mktemp -d /tmp/certagent-demo.XXXXXX)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$demo"
}
trap cleanup EXIT

say "The certification authority: a sandbox CA on 127.0.0.1 (auto-pay, auto-approve)"
"$ca_tool" init "$demo/ca" >/dev/null
"$ca_tool" serve --dir "$demo/ca" --port 0 --auto-approve --auto-pay >"$demo/ca.out" 2>"$demo/ca.err" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$demo/ca.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on \(https:[^ ]*\).*/\1/p' "$demo/ca.out" | head -1)
[[ -n "$url" ]] || { cat "$demo/ca.err"; exit 1; }
echo "portal: $url   trust bundle: $demo/ca/trust/portal-trust.pem"

say "The user's token: SoftHSM2 with a qualified certificate that expires in 12 days"
mkdir -p "$demo/tokens"
export SOFTHSM2_CONF=$demo/softhsm2.conf
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$demo" >"$SOFTHSM2_CONF"
export DEMO_PIN=123456   # in the environment only: never on a command line
softhsm2-util --init-token --free --label Titular --pin "$DEMO_PIN" --so-pin 12345678 >/dev/null
"$ca_tool" enroll --dir "$demo/ca" --module /usr/lib/softhsm/libsofthsm2.so \
  --token-label Titular --pin-env DEMO_PIN --days 12 --cn "ION POPESCU" >/dev/null

cat >"$demo/agent.toml" <<TOML
[pkcs11]
extra_modules = ["/usr/lib/softhsm/libsofthsm2.so"]
[renewal]
backend = "portal"
portal_url = "$url"
ca_bundle = "$demo/ca/trust/portal-trust.pem"
TOML
export CERTAGENT_CONFIG=$demo/agent.toml CERTAGENT_STATE_DIR=$demo/state
serial=$("$cli" --json tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
cert=$("$cli" --json certs --token "$serial" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$cli" certs --token "$serial"

say "The reminder: what is due and why"
"$cli" reminders || true

say "The scanned identity card (a PDF)"
python3 tests/renewal-support/make_id_pdf.py "$demo/buletin.pdf"
ls -l "$demo/buletin.pdf"

say "One command: certagent-cli renew --years 2 (progress on stderr)"
echo "(the first renewal creates the CA account; the CA mails a confirmation link, which the"
echo " person opens: played here by a loop that reads the sandbox's outbox)"
(
  for _ in $(seq 300); do
    link=$("$ca_tool" mail --dir "$demo/ca" 2>/dev/null | grep -o 'https://[^ ]*confirm[^ ]*' | tail -1 || true)
    if [[ -n "$link" ]]; then
      curl -s --cacert "$demo/ca/trust/portal-trust.pem" "$link" >/dev/null &&
        echo "   >> the person opened the e-mail link: Cont activat cu succes" >&2
      break
    fi
    sleep 0.2
  done
) &
clicker=$!
export CERTAGENT_RENEWAL_MAX_POLL_S=2   # poll the CA every 2 s at most (a demo, not a day)
started=$(date +%s.%N)
"$cli" renew --token "$serial" --cert "$cert" --years 2 --id-document "$demo/buletin.pdf" \
  --pin-env DEMO_PIN --yes
wait "$clicker" 2>/dev/null || true
python3 -c "import sys; print('renewal took %.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$started" "$(date +%s.%N)"

say "The journal: certagent-cli renewals"
"$cli" renewals

say "The token now: the old certificate and the new one (valid 2 years)"
"$cli" certs --token "$serial"

say "The CA's side: the request is EMISA (issued), paid once"
"$ca_tool" operator --dir "$demo/ca" list --all || true

say "Stopping the sandbox CA"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
echo "done"
