#!/bin/sh
# Extracts every _("...") and N_("...") from the sources into agent/po/certagent.pot.
# Usage: agent/po/update-pot.sh [xgettext [output]]   (run from the repository root)
set -eu
XGETTEXT=${1:-xgettext}
OUTPUT=${2:-agent/po/certagent.pot}
find agent plugins sdk tests/sandbox-ca -name '*.cpp' -o -name '*.hpp' 2>/dev/null | LC_ALL=C sort |
  "$XGETTEXT" --from-code=UTF-8 --language=C++ --keyword=_ --keyword=N_ --keyword=trn:1,2 \
    --add-comments=TRANSLATORS --package-name=certagent --msgid-bugs-address=dev@certagent.invalid \
    --no-location --sort-output -o "$OUTPUT" -f -
