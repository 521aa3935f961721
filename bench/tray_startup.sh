#!/usr/bin/env bash
# Time to a docked tray icon and resident memory after start-up: certagent (with a SoftHSM2
# token holding one certificate) against bench_bare_tray (a wx program that only shows a tray
# icon), alternating, in one Xvfb + trayer session. Target: certagent within 1.3x of the bare
# program on both figures (issue 8).
#   bench/tray_startup.sh <certagent> <bench_bare_tray> [runs] [xembed|sni]
# xembed (default): no session bus, so certagent docks in trayer like the bare program.
# sni: a private session bus with a StatusNotifierWatcher and host (the GUI tests' sni_host.py),
# so certagent shows a StatusNotifierItem; its icon counts as shown when the watcher has its
# registration. The bare program (wx 3.2 speaks XEmbed only) still docks in trayer.
set -euo pipefail
agent=$1 bare=$2 runs=${3:-7} mode=${4:-xembed}
sni_host=$(cd "$(dirname "$0")/.." && pwd)/tests/gui/status_notifier/sni_host.py
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A token with one certificate, as a user has.
export SOFTHSM2_CONF=$work/softhsm2.conf
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$work" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label Bench --pin 123456 --so-pin 12345678 >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
  -out "$work/c.pem" -days 20 -subj "/CN=Bench User" 2>/dev/null
openssl x509 -in "$work/c.pem" -outform DER -out "$work/c.der"
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label Bench --login --pin 123456 \
  --write-object "$work/c.der" --type cert --id 01 --label "Bench User" >/dev/null 2>&1
cat >"$work/agent.toml" <<TOML
[pkcs11]
extra_modules = ["/usr/lib/softhsm/libsofthsm2.so"]
use_p11_kit = false
[ui]
autostart = false
TOML

display=:$((150 + $$ % 40))
Xvfb "$display" -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.05; done
export DISPLAY=$display NO_AT_BRIDGE=1
trayer --edge top --align right --widthtype request --height 32 --SetDockType true \
  --SetPartialStrut true --transparent false >/dev/null 2>&1 & pids+=($!)
sleep 1
if [ "$mode" = sni ]; then
  eval "$(dbus-launch --sh-syntax)"
  pids+=("$DBUS_SESSION_BUS_PID")
  : >"$work/watch.log"
  /usr/bin/python3 "$sni_host" watch "$work/watch.log" >/dev/null 2>&1 & pids+=($!)
  for _ in $(seq 100); do grep -q watching "$work/watch.log" && break; sleep 0.05; done
fi

# Number of windows inside trayer's panel (one per docked icon).
# Lines without a window id ("1 child:") neither end the panel's subtree nor count.
docked() { xwininfo -root -tree | awk '/"panel"/{p=1; i=index($0,"0x"); next}
  p && /0x/ && index($0,"0x") <= i {p=0} p && /0x/ {n++} END {print n+0}'; }
# Icons shown: docked in trayer, plus items registered with the watcher (sni mode).
shown() {
  local n; n=$(docked)
  [ "$mode" = sni ] && n=$((n + $(grep -c '"registered"' "$work/watch.log" || true)))
  echo "$n"
}

measure() {  # prints "<ms to docked icon> <RSS kB after 3 s>"
  local before start pid now
  before=$(shown)
  start=$(date +%s%N)
  env CERTAGENT_CONFIG="$work/agent.toml" CERTAGENT_STATE_DIR="$work/state" \
    XDG_CONFIG_HOME="$work/cfg" XDG_RUNTIME_DIR="$work/rt" CERTAGENT_POLICY_FILE=/nonexistent \
    "$@" >/dev/null 2>&1 &
  pid=$!
  while [ "$(shown)" -le "$before" ]; do
    if [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 20000 ]; then echo "timeout" >&2; break; fi
  done
  now=$(date +%s%N)
  sleep 3
  local rss
  rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  sleep 0.3
  echo "$(( (now - start) / 1000000 )) $rss"
}

mkdir -p "$work/rt" && chmod 700 "$work/rt"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$work/agent.txt"; : >"$work/bare.txt"
measure "$agent" >/dev/null  # warm the page cache for both
measure "$bare" >/dev/null
for _ in $(seq "$runs"); do
  measure "$bare" >>"$work/bare.txt"
  measure "$agent" >>"$work/agent.txt"
done
bt=$(cut -d' ' -f1 "$work/bare.txt" | median); at=$(cut -d' ' -f1 "$work/agent.txt" | median)
bm=$(cut -d' ' -f2 "$work/bare.txt" | median); am=$(cut -d' ' -f2 "$work/agent.txt" | median)
echo "runs: $runs each, medians (Xvfb + trayer, one SoftHSM2 token with one certificate, $mode)"
printf '%-22s %10s %12s\n' "" "icon (ms)" "RSS (kB)"
printf '%-22s %10s %12s\n' "bare wxWidgets tray" "$bt" "$bm"
printf '%-22s %10s %12s\n' "certagent" "$at" "$am"
awk -v at="$at" -v bt="$bt" -v am="$am" -v bm="$bm" 'BEGIN {
  printf "ratio                  %10.2f %12.2f   (target <= 1.30)\n", at/bt, am/bm }'
