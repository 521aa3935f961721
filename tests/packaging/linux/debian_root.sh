#!/usr/bin/env bash
# Makes (once) the cached clean Debian 12 root the install tests unpack: debootstrap minbase
# bookworm + apt lists, kept as $CACHE_DIR/bookworm-root.tar.
source "$(dirname "$0")/common.sh"
need_root "debootstrap, chroot and mounts"
need_tool debootstrap
step "Debian 12 root in $CACHE_DIR"
ensure_root_tarball
ls -l "$CACHE_DIR/bookworm-root.tar"
