# Shared helpers of the packaging tests (sourced). Every test prints what it does and how long
# each step took, and exits 77 (CTest: skipped) when the machine cannot run it.
set -euo pipefail

SKIP=77
step_start=$(date +%s)

say() { echo "[$(date +%T)] $*"; }
# step NAME: prints the time the previous step took, then starts the next one.
step() {
  local now
  now=$(date +%s)
  say "(previous step: $((now - step_start)) s) == $*"
  step_start=$now
}
fail() { echo "FAIL: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root ($*)"; exit $SKIP; }; }
# A missing tool skips on a developer's machine but fails under CI=true (tests/fixtures/lab.hpp).
need_tool() {
  command -v "$1" >/dev/null && return 0
  [ "${CI:-}" = true ] && fail "$1 is not installed (CI=true: a missing lab fails; tests/deps.sh)"
  echo "SKIP: $1 is not installed"
  exit $SKIP
}

# The packages built by build_release.sh: $PKG_DIR/current/*.deb, $PKG_DIR/previous/*.deb
runtime_deb() { ls "$PKG_DIR"/$1/certagent_*.deb 2>/dev/null | head -n1; }
dev_deb() { ls "$PKG_DIR"/$1/certagent-dev_*.deb 2>/dev/null | head -n1; }

# ---- Debian 12 root (debootstrap), cached under $CACHE_DIR ---------------------------------
# root.tar: a minbase bookworm root with apt lists already fetched, made once (a few minutes,
# ~50 MB from the mirror); each test unpacks a fresh copy in seconds. apt-archives/ keeps the
# .debs apt downloads inside the roots, so reruns do not fetch the dependencies again.
DEBIAN_MIRROR=${CERTAGENT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY=${CERTAGENT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

ensure_root_tarball() {
  local tar=$CACHE_DIR/bookworm-root.tar
  [ -s "$tar" ] && return 0
  need_tool debootstrap
  mkdir -p "$CACHE_DIR"
  local work
  work=$(mktemp -d "$CACHE_DIR/bootstrap.XXXXXX")
  say "debootstrap bookworm (minbase) into $work/root from $DEBIAN_MIRROR"
  debootstrap --variant=minbase bookworm "$work/root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log"; rm -rf "$work"; fail "debootstrap"; }
  cat >"$work/root/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb $DEBIAN_SECURITY bookworm-security main
SOURCES
  in_root "$work/root" apt-get update -qq
  in_root "$work/root" apt-get clean
  tar -C "$work/root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
  rm -rf "$work"
  say "cached $(du -h "$tar" | cut -f1) root in $tar"
}

# fresh_root DIR: a clean copy of the cached root.
fresh_root() {
  ensure_root_tarball
  safe_remove_root "$1"
  mkdir -p "$1"
  tar -C "$1" -xf "$CACHE_DIR/bookworm-root.tar"
}

# in_root DIR CMD...: runs CMD chrooted in DIR, as root, with /proc, /dev and the apt cache
# mounted. Mounts live in a private mount namespace (unshare -m), so they disappear with the
# command even if it is killed: nothing can leak into the host or survive into `rm -rf`.
in_root() {
  local root=$1
  shift
  mkdir -p "$CACHE_DIR/apt-archives/partial"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  unshare -m --propagation private -- /bin/sh -ec '
    root=$1; cache=$2; shift 2
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --bind "$cache" "$root/var/cache/apt/archives"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$CACHE_DIR/apt-archives" "$@"
}

# in_root_as_user DIR USER CMD...: the same, as an unprivileged user with a login environment.
in_root_as_user() {
  local root=$1 user=$2
  shift 2
  in_root "$root" /usr/sbin/runuser -l "$user" -c "$*"
}

# safe_remove_root DIR: rm -rf, but never while anything is still mounted below DIR.
safe_remove_root() {
  local d=$1
  [ -e "$d" ] || return 0
  d=$(realpath "$d")
  # awk does the match itself: `awk | grep -q` under pipefail may fail (SIGPIPE) on a match.
  if awk -v d="$d/" 'index($5, d) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
    fail "something is still mounted under $d; not removing it"
  fi
  rm -rf --one-file-system "$d"
}
