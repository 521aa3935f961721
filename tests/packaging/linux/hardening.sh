#!/usr/bin/env bash
# The binaries in the certagent package carry the hardening of CERTAGENT_HARDENING:
#   executables  PIE (ELF type DYN with a PIE flag), BIND_NOW, GNU_RELRO, stack protector
#                (__stack_chk_fail) and FORTIFY (__*_chk) imports, no RPATH/RUNPATH
#   plugins      BIND_NOW, GNU_RELRO, no RPATH/RUNPATH (canaries/FORTIFY reported: a small
#                plugin may have no function that needs them)
source "$(dirname "$0")/common.sh"
need_tool readelf
: "${WORK_DIR:?}"
dir=$WORK_DIR/hardening
rm -rf "$dir" && mkdir -p "$dir"
dpkg-deb -x "$(runtime_deb current)" "$dir"

bad=0
check() { # check FILE DESCRIPTION COMMAND...
  local f=$1 what=$2
  shift 2
  if "$@"; then printf '  ok    %s\n' "$what"; else printf '  FAIL  %s\n' "$what"; bad=1; fi
}
# Each reads readelf's whole output before matching: `readelf ... | grep -q` under pipefail
# fails at random when grep exits at the first match and readelf dies of SIGPIPE.
has_now() { grep -Eq '\(BIND_NOW\)|\(FLAGS\).*NOW|\(FLAGS_1\).*NOW' <<<"$(readelf -d "$1")"; }
has_relro() { grep -q GNU_RELRO <<<"$(readelf -lW "$1")"; }
is_pie() { grep -q 'Type:.*DYN' <<<"$(readelf -h "$1")" && grep -q '(FLAGS_1).*PIE' <<<"$(readelf -d "$1")"; }
imports() { readelf --dyn-syms -W "$1" | awk '$7 == "UND" {print $8}' | sed 's/@.*//'; }
has_canary() { grep -qx '__stack_chk_fail' <<<"$(imports "$1")"; }
has_fortify() { grep -Eqx '__[a-z0-9_]+_chk' <<<"$(imports "$1" | grep -vx '__stack_chk_fail')"; }
no_rpath() { ! grep -Eq '\((RPATH|RUNPATH)\)' <<<"$(readelf -d "$1")"; }

step "executables"
for exe in "$dir"/usr/bin/*; do
  echo "$(basename "$exe") (fortified: $(imports "$exe" | grep -E '^__[a-z0-9_]+_chk$' | grep -v stack_chk_fail | sort -u | tr '\n' ' ' || true))"
  check "$exe" "PIE (ET_DYN, FLAGS_1 PIE)" is_pie "$exe"
  check "$exe" "BIND_NOW" has_now "$exe"
  check "$exe" "GNU_RELRO" has_relro "$exe"
  check "$exe" "stack protector (__stack_chk_fail)" has_canary "$exe"
  check "$exe" "FORTIFY_SOURCE (__*_chk)" has_fortify "$exe"
  check "$exe" "no RPATH/RUNPATH" no_rpath "$exe"
done

step "plugins and the documents module"
plugins=$(find "$dir"/usr/lib -path '*/certagent/plugins/*.so')
[ -n "$plugins" ] || fail "no plugins in the package"
module=$(find "$dir"/usr/lib -path '*/certagent/certagent-documents.so')
[ -n "$module" ] || fail "no documents module (certagent-documents.so) in the package"
for so in $plugins $module; do
  echo "$(basename "$so") (stack protector: $(has_canary "$so" && echo yes || echo no)," \
       "fortified: $(has_fortify "$so" && echo yes || echo no))"
  check "$so" "BIND_NOW" has_now "$so"
  check "$so" "GNU_RELRO" has_relro "$so"
  check "$so" "no RPATH/RUNPATH" no_rpath "$so"
done
if command -v hardening-check >/dev/null; then
  step "hardening-check (devscripts)"
  hardening-check "$dir"/usr/bin/* || bad=1
fi
[ $bad -eq 0 ] || fail "hardening missing (see above)"
echo "hardening: all checks passed"
