#!/usr/bin/env bash
# The desktop integration files in the certagent package are valid and in the right places:
# menu entry and autostart entry (desktop-file-validate), AppStream metainfo (appstreamcli),
# man pages, systemd user unit (systemd-analyze verify when available), icons in several sizes,
# the RPM's requirements found from the ELF files.
source "$(dirname "$0")/common.sh"
: "${WORK_DIR:?}"
dir=$WORK_DIR/desktop-files
rm -rf "$dir" && mkdir -p "$dir"
deb=$(runtime_deb current)
dpkg-deb -x "$deb" "$dir"
bad=0
need() { [ -e "$dir/$1" ] && echo "  ok    $1" || { echo "  FAIL  $1 missing"; bad=1; }; }

step "files in $(basename "$deb")"
for f in usr/bin/certagent usr/bin/certagent-cli \
         usr/share/applications/ro.certagent.Certagent.desktop \
         etc/xdg/autostart/certagent.desktop \
         usr/share/metainfo/ro.certagent.Certagent.metainfo.xml \
         usr/share/man/man1/certagent-cli.1.gz usr/share/man/man1/certagent.1.gz \
         usr/share/bash-completion/completions/certagent-cli \
         usr/share/zsh/vendor-completions/_certagent-cli \
         usr/lib/systemd/user/certagent-daemon.service \
         usr/share/certagent/agent.toml \
         usr/share/locale/ro/LC_MESSAGES/certagent.mo \
         usr/share/doc/certagent/copyright usr/share/doc/certagent/changelog.Debian.gz \
         usr/share/icons/hicolor/scalable/apps/certagent.svg; do
  need "$f"
done
sizes=$(find "$dir/usr/share/icons/hicolor" -path '*/apps/certagent.png' | wc -l)
echo "  app icon in $sizes PNG sizes"
[ "$sizes" -ge 3 ] || { echo "  FAIL  fewer than 3 icon sizes"; bad=1; }
dpkg-deb -I "$deb" conffiles | grep -qx /etc/xdg/autostart/certagent.desktop ||
  { echo "  FAIL  the autostart entry is not a conffile"; bad=1; }

if command -v desktop-file-validate >/dev/null; then
  step "desktop-file-validate"
  desktop-file-validate "$dir"/usr/share/applications/*.desktop \
    "$dir"/etc/xdg/autostart/certagent.desktop || bad=1
fi
if command -v appstreamcli >/dev/null; then
  step "appstreamcli validate"
  appstreamcli validate --no-net "$dir"/usr/share/metainfo/*.metainfo.xml || bad=1
fi
step "man pages (groff warnings)"
for m in "$dir"/usr/share/man/man1/*.gz; do
  w=$(zcat "$m" | groff -man -Tutf8 -ww -z 2>&1 || true)
  [ -z "$w" ] && echo "  ok    $(basename "$m")" || { echo "$w"; bad=1; }
done
if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify (user unit)"
  # ExecStart points to /usr/bin, which the package would install; check it from the extract.
  sed "s#/usr/bin/#$dir/usr/bin/#" "$dir/usr/lib/systemd/user/certagent-daemon.service" \
    >"$WORK_DIR/certagent-daemon.service"
  # A user manager needs a runtime dir; --man=no: the man page is in the package, not here.
  mkdir -p -m 700 "$WORK_DIR/xdg-runtime"
  XDG_RUNTIME_DIR=$WORK_DIR/xdg-runtime systemd-analyze --user verify --man=no \
    "$WORK_DIR/certagent-daemon.service" || bad=1
fi

rpm=$(ls "$PKG_DIR"/current/certagent-[0-9]*.rpm 2>/dev/null | head -n1 || true)
if [ -n "$rpm" ]; then
  step "RPM $(basename "$rpm"): requirements found from the binaries"
  rpm -qp --requires "$rpm" 2>/dev/null | tee "$WORK_DIR/rpm-requires.txt" | head -n 40
  grep -q '^libcrypto.so.3' "$WORK_DIR/rpm-requires.txt" ||
    { echo "  FAIL  no OpenSSL requirement"; bad=1; }
  rpm -qp --configfiles "$rpm" 2>/dev/null | grep -q /etc/xdg/autostart/certagent.desktop ||
    { echo "  FAIL  autostart entry is not %config"; bad=1; }
fi
[ $bad -eq 0 ] || fail "desktop integration files (see above)"
echo "desktop files: all checks passed"
