#!/usr/bin/env bash
# Upgrading from the previous version keeps the user's state and config, the administrator's
# policy file and their edit of the autostart entry (a conffile).
source "$(dirname "$0")/chroot_lib.sh"

step "fresh Debian 12 root"
new_root root-upgrade
old=/tmp/debs/previous/$(basename "$(runtime_deb previous)")
new=/tmp/debs/$(basename "$(runtime_deb current)")
old_version=$(dpkg-deb -f "$(runtime_deb previous)" Version)
new_version=$(dpkg-deb -f "$(runtime_deb current)" Version)

step "install the previous version ($old_version)"
apt_install "$old"
in_root "$ROOT" dpkg-query -W -f='${Version}' certagent | grep -qx "$old_version" ||
  fail "previous version not installed"

step "user state and config, admin policy and autostart edit"
as_user 'mkdir -p ~/.config/certagent && printf "[reminders]\ndays_before = [45, 9]\n" > ~/.config/certagent/agent.toml'
as_user certagent-cli config check
# Any command that opens the state store creates it (SQLite + logs under ~/.local/state).
as_user certagent-cli reminders >/dev/null || true
as_user certagent-cli renewals >/dev/null || true
state=$ROOT/home/$USER_NAME/.local/state/certagent
[ -d "$state" ] && [ -n "$(ls -A "$state")" ] || fail "no user state was created in $state"
mkdir -p "$ROOT/etc/certagent"
printf '[server]\nenabled = false\n\n[policy]\nlocked = ["server.enabled"]\n' \
  >"$ROOT/etc/certagent/policy.toml"
echo 'X-Admin-Note=kept across upgrades' >>"$ROOT/etc/xdg/autostart/certagent.desktop"
snapshot() {
  (cd "$ROOT" && find "./home/$USER_NAME/.config/certagent" "./home/$USER_NAME/.local/state/certagent" \
     ./etc/certagent ./etc/xdg/autostart/certagent.desktop -type f -not -name '*.log*' \
     -not -name '*-wal' -not -name '*-shm' -print0 | sort -z | xargs -0 sha256sum)
}
snapshot >"$WORK_DIR/before.sha256"
cat "$WORK_DIR/before.sha256"

step "upgrade to $new_version"
apt_install "$new"
in_root "$ROOT" dpkg-query -W -f='${Version}' certagent | grep -qx "$new_version" ||
  fail "not upgraded to $new_version"

step "state and config kept"
snapshot >"$WORK_DIR/after.sha256"
diff -u "$WORK_DIR/before.sha256" "$WORK_DIR/after.sha256" || fail "files changed by the upgrade"
out=$(as_user certagent-cli config show)
grep -E 'days_before' <<<"$out"
grep -E 'days_before.*45' <<<"$out" >/dev/null || fail "the user's days_before is not in effect"
as_user certagent-cli config check
as_user certagent-cli reminders >/dev/null || fail "the state store does not open after the upgrade"
grep -q 'X-Admin-Note' "$ROOT/etc/xdg/autostart/certagent.desktop" || fail "admin edit lost"
echo "  ok: user config, state, policy and the edited conffile survived the upgrade"
