#!/usr/bin/env bash
# The certagent and certagent-dev packages install into a clean Debian 12 root with apt
# resolving their dependencies, the programs work there (--version, plugins, config check,
# every ELF file finds its libraries), and purge leaves nothing of ours behind.
source "$(dirname "$0")/chroot_lib.sh"

step "fresh Debian 12 root"
new_root root-install
deb=/tmp/debs/$(basename "$(runtime_deb current)")
dev=/tmp/debs/$(basename "$(dev_deb current)")
version=$(dpkg-deb -f "$(runtime_deb current)" Version)

step "apt-get install $deb $dev (dependencies from the mirror)"
apt_install "$deb" "$dev"
for p in certagent certagent-dev; do
  st=$(in_root "$ROOT" dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$p")
  echo "$st"
  grep -q "install ok installed" <<<"$st" || fail "$p is not installed"
done

step "certagent-cli --version"
out=$(as_user certagent-cli --version)
echo "$out"
grep -q "${version%-*}" <<<"$out" || fail "--version does not say ${version%-*}"

step "certagent-cli plugins"
out=$(as_user certagent-cli plugins)
echo "$out"
for p in generic-pkcs11 mtoken-cryptoid epass3000 epass2003auto; do
  grep -q "$p" <<<"$out" || fail "plugin $p not listed"
done
grep -qi skipped <<<"$out" && fail "a plugin was skipped"

step "certagent-cli config check (defaults, then a policy file and a user file)"
as_user certagent-cli config check
mkdir -p "$ROOT/etc/certagent"
printf '[reminders]\ndays_before = [30, 7]\n\n[policy]\nlocked = ["reminders.days_before"]\n' \
  >"$ROOT/etc/certagent/policy.toml"
as_user 'mkdir -p ~/.config/certagent && printf "[log]\nlevel = \"debug\"\n" > ~/.config/certagent/agent.toml'
as_user certagent-cli config check
as_user 'printf "[log]\nlevel = 42\n" > ~/.config/certagent/agent.toml'
if as_user certagent-cli config check; then fail "a bad user config passed the check"; fi
rm -rf "$ROOT/etc/certagent"

step "every installed ELF file finds its libraries (ldd)"
files=$(in_root "$ROOT" dpkg -L certagent certagent-dev)
missing=0
for f in $(grep -E '^/usr/(bin/|lib/.*\.so$)' <<<"$files"); do
  # (ldd's whole output first: `ldd | grep -q` under pipefail can fail on SIGPIPE.)
  libs=$(in_root "$ROOT" ldd "$f")
  if grep -q 'not found' <<<"$libs"; then
    echo "  $f:"; grep 'not found' <<<"$libs"; missing=1
  fi
done
[ $missing -eq 0 ] || fail "libraries missing: the package's Depends are incomplete"
echo "  ok"

step "apt-get purge certagent certagent-dev"
in_root "$ROOT" apt-get purge -y -q certagent certagent-dev >"$WORK_DIR/purge.log" 2>&1 ||
  { cat "$WORK_DIR/purge.log"; fail "purge"; }

step "nothing of ours remains"
left=0
for f in $files; do
  # Directories shared with other packages (/usr/bin, /usr/share/icons/...) stay, of course.
  if [ -e "$ROOT$f" ] && ! [ -d "$ROOT$f" ]; then echo "  left: $f"; left=1; fi
done
for d in /usr/lib/x86_64-linux-gnu/certagent /usr/share/certagent /usr/share/doc/certagent \
         /usr/share/doc/certagent-dev /usr/include/certagent \
         /usr/lib/x86_64-linux-gnu/cmake/CertagentSDK \
         /etc/xdg/autostart/certagent.desktop /etc/certagent; do
  [ -e "$ROOT$d" ] && { echo "  left: $d"; left=1; }
done
ls "$ROOT"/var/lib/dpkg/info/certagent.* "$ROOT"/var/lib/dpkg/info/certagent-dev.* 2>/dev/null && left=1
for p in certagent certagent-dev; do
  in_root "$ROOT" dpkg-query -W "$p" 2>/dev/null && { echo "  dpkg still knows $p"; left=1; }
done
# Anything named certagent outside the user's home (their own config/state is theirs to keep,
# Debian policy 10.7.3) and our copies of the .debs.
stray=$(cd "$ROOT" && find . -xdev -iname '*certagent*' -not -path "./home/*" -not -path './tmp/debs*' \
  -not -path './var/cache/apt/archives/*' | sed 's#^\.##')
[ -n "$stray" ] && { echo "  stray files:"; echo "$stray"; left=1; }
[ $left -eq 0 ] || fail "purge left files behind"
echo "  ok: nothing left (the user's ~/.config/certagent and ~/.local/state/certagent stay theirs)"
