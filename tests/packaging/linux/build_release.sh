#!/usr/bin/env bash
# Builds the `release` preset (hardening on, /usr prefix) into $RELEASE_DIR, only what the
# packages ship, and makes the packages:
#   $PKG_DIR/current/   certagent_<v>-1_<arch>.deb, certagent-dev_..., and the RPMs
#   $PKG_DIR/previous/  the same tree packaged as version 0.0.9, for the upgrade test
# Incremental after the first run (a few minutes on 2 cores the first time).
source "$(dirname "$0")/common.sh"
: "${SRC_DIR:?}" "${RELEASE_DIR:?}" "${PKG_DIR:?}"
jobs=${CERTAGENT_PACKAGING_JOBS:-2}

step "configure the release preset into $RELEASE_DIR"
cmake -S "$SRC_DIR" --preset release -B "$RELEASE_DIR" >"$RELEASE_DIR.configure.log" 2>&1 ||
  { tail -n 40 "$RELEASE_DIR.configure.log"; fail "configure"; }
grep -q '^CERTAGENT_HARDENING:BOOL=ON' "$RELEASE_DIR/CMakeCache.txt" ||
  fail "the release preset does not set CERTAGENT_HARDENING=ON"
# The preset sets CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack would otherwise build `all` (the
# sandbox CA and everything else) through its preinstall step, not just what it packages.
grep -q '^CMAKE_SKIP_INSTALL_ALL_DEPENDENCY:[A-Z]*=ON' "$RELEASE_DIR/CMakeCache.txt" ||
  fail "the release preset does not set CMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON"

step "build what the packages ship (-j$jobs)"
cmake --build "$RELEASE_DIR" -j"$jobs" --target certagent_package_contents

rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR/current" "$PKG_DIR/previous"
generators=DEB
command -v rpmbuild >/dev/null && generators="DEB;RPM"
step "cpack -G $generators"
(cd "$RELEASE_DIR" && cpack -G "$generators" -B "$PKG_DIR/current" >"$PKG_DIR/cpack.log" 2>&1) ||
  { tail -n 40 "$PKG_DIR/cpack.log"; fail "cpack"; }

step "cpack -G DEB as the previous version (0.0.9)"
(cd "$RELEASE_DIR" && cpack -G DEB -B "$PKG_DIR/previous" -D CPACK_PACKAGE_VERSION=0.0.9 \
  >"$PKG_DIR/cpack-previous.log" 2>&1) ||
  { tail -n 40 "$PKG_DIR/cpack-previous.log"; fail "cpack (previous)"; }

step "packages"
ls -l "$PKG_DIR"/current/*.deb "$PKG_DIR"/current/*.rpm "$PKG_DIR"/previous/*.deb 2>/dev/null
for deb in "$PKG_DIR"/current/*.deb; do
  echo "--- $(basename "$deb")"
  dpkg-deb -f "$deb" Package Version Architecture Depends Recommends Suggests Installed-Size
done
[ -n "$(runtime_deb current)" ] && [ -n "$(dev_deb current)" ] && [ -n "$(runtime_deb previous)" ] ||
  fail "a package is missing"
