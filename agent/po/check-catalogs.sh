#!/bin/sh
# Every message a person can see has its Romanian text: the template extracted afresh from the
# code equals the committed one (update-pot.sh was run), and ro.po translates each of its msgids
# (none empty, none fuzzy); msgfmt --check accepts ro.po, en.po and wx/ro.po (formats, plural
# forms, headers). Usage: agent/po/check-catalogs.sh SOURCE_DIR   (a CTest test, label unit)
set -eu
cd "$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

sh agent/po/update-pot.sh xgettext "$tmp/fresh.pot"
if ! msgcmp --use-untranslated "$tmp/fresh.pot" agent/po/certagent.pot >"$tmp/cmp1" 2>&1 ||
   ! msgcmp --use-untranslated agent/po/certagent.pot "$tmp/fresh.pot" >"$tmp/cmp2" 2>&1; then
  echo "agent/po/certagent.pot is not in step with the code: run sh agent/po/update-pot.sh"
  cat "$tmp/cmp1" "$tmp/cmp2"
  fail=1
fi

for po in agent/po/ro.po agent/po/en.po agent/po/wx/ro.po; do
  printf '%s: ' "$po"
  msgfmt --check --statistics -o /dev/null "$po" 2>&1 || fail=1
done

msgmerge --quiet --no-fuzzy-matching -o "$tmp/ro.po" agent/po/ro.po "$tmp/fresh.pot"
for kind in untranslated only-fuzzy; do
  msgattrib --$kind --no-obsolete --no-wrap "$tmp/ro.po" | grep '^msgid ' | grep -v '^msgid ""$' \
    >"$tmp/$kind" || true
  if [ -s "$tmp/$kind" ]; then
    echo "ro.po: $(wc -l <"$tmp/$kind") $kind message(s):"
    cat "$tmp/$kind"
    fail=1
  fi
done
msgattrib --untranslated --no-wrap agent/po/wx/ro.po | grep '^msgid ' | grep -v '^msgid ""$' &&
  fail=1
exit $fail
