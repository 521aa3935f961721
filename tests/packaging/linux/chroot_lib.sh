# Helpers for the tests that install the package into a fresh Debian 12 root (sourced).
source "$(dirname "$0")/common.sh"
need_root "debootstrap, chroot and mounts"
: "${WORK_DIR:?}" "${CACHE_DIR:?}" "${PKG_DIR:?}"
USER_NAME=alice

# new_root NAME: a fresh root at $WORK_DIR/NAME with our packages in /tmp/debs, a user, and
# services kept from starting (policy-rc.d, as in any chroot).
new_root() {
  ROOT=$WORK_DIR/$1
  trap 'safe_remove_root "$ROOT"' EXIT
  fresh_root "$ROOT"
  mkdir -p "$ROOT/tmp/debs"
  cp "$PKG_DIR"/current/*.deb "$ROOT/tmp/debs/"
  mkdir -p "$ROOT/tmp/debs/previous" && cp "$PKG_DIR"/previous/*.deb "$ROOT/tmp/debs/previous/"
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"
  in_root "$ROOT" useradd --create-home --shell /bin/bash "$USER_NAME"
}

# apt_install DEB...: apt-get in the root, so the dependencies come from Debian's mirror.
# The cached root's package lists age: once the mirror has replaced a package they name (a
# security update), the download fails with 404. Then the lists are refreshed and apt retried.
apt_install() {
  local log
  log=$WORK_DIR/apt-$(date +%s%N).log
  apt_get_install "$@" >"$log" 2>&1 && return 0
  say "apt-get install failed; refreshing the package lists of the cached root and retrying"
  in_root "$ROOT" apt-get update -qq >>"$log" 2>&1 && apt_get_install "$@" >>"$log" 2>&1 && return 0
  tail -n 40 "$log"
  fail "apt-get install $*"
}
apt_get_install() {
  in_root "$ROOT" apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# as_user CMD: runs a shell command as the user, in the root, with a login environment.
as_user() { in_root_as_user "$ROOT" "$USER_NAME" "$*"; }
