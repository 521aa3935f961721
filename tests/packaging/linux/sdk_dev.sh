#!/usr/bin/env bash
# The certagent-dev package is a usable SDK: unpacked as dpkg would install it (into a DESTDIR
# instead of /), find_package(CertagentSDK) finds it there, the example plugin
# sdk/examples/hello-flow builds against its headers only, and the packaged certagent-cli
# loads the result. Nothing from the source or build tree is used.
source "$(dirname "$0")/common.sh"
need_tool cmake
need_tool c++
: "${SRC_DIR:?}" "${WORK_DIR:?}" "${PKG_DIR:?}"
dir=$WORK_DIR/sdk-dev
root=$dir/root
rm -rf "$dir" && mkdir -p "$root"
dev=$(dev_deb current)
runtime=$(runtime_deb current)

step "Depends of $(basename "$dev")"
depends=$(dpkg-deb -f "$dev" Depends)
echo "  $depends"
# The SDK's CMake package does find_dependency(nlohmann_json): the package must pull it in.
grep -q 'nlohmann-json3-dev' <<<"$depends" || fail "certagent-dev does not depend on nlohmann-json3-dev"
dpkg-query -W -f='${Status}' nlohmann-json3-dev 2>/dev/null | grep -q "install ok installed" ||
  { echo "SKIP: nlohmann-json3-dev (the SDK's dependency) is not installed here"; exit $SKIP; }

step "unpack certagent-dev and certagent into $root"
dpkg-deb -x "$dev" "$root"
dpkg-deb -x "$runtime" "$root"
config=$(find "$root/usr/lib" -name CertagentSDKConfig.cmake)
[ -n "$config" ] || fail "no CertagentSDKConfig.cmake in the package"
echo "  ${config#"$root"}"

step "configure sdk/examples/hello-flow with CMAKE_PREFIX_PATH=<root>/usr"
# A copy of the example, so its build cannot see the source tree's sdk/ next to it.
cp -r "$SRC_DIR/sdk/examples/hello-flow" "$dir/src"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$dir/src" -B "$dir/build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$root/usr" >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log"; fail "configure against the packaged SDK"; }
found=$(sed -n 's/^CertagentSDK_DIR:PATH=//p' "$dir/build/CMakeCache.txt")
echo "  CertagentSDK_DIR=$found"
[[ "$found" == "$root"/usr/lib/* ]] || fail "CertagentSDK was not found in the unpacked package"

step "build the plugin"
cmake --build "$dir/build" >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; fail "build"; }
plugin=$dir/build/certagent-hello-flow.so
[ -f "$plugin" ] || fail "no $plugin"
# Its headers came from the package: the compiler's dependency file names them.
if [ -f "$dir/build/.ninja_deps" ]; then
  deps=$(ninja -C "$dir/build" -t deps)
  grep -m1 'certagent/sdk/plugin.hpp' <<<"$deps" | sed 's/^ */  header: /'
  grep -q "$root/usr/include/certagent/sdk/plugin.hpp" <<<"$deps" ||
    fail "the plugin was not compiled against the packaged headers"
fi

step "the packaged certagent-cli loads it from a configured plugin folder"
home=$dir/home
mkdir -p "$home"
chmod 755 "$dir/build"
printf '[plugins]\ndirs = ["%s"]\n' "$dir/build" >"$dir/agent.toml"
out=$(env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 \
  "$root/usr/bin/certagent-cli" --config "$dir/agent.toml" --state-dir "$home/state" --json plugins)
echo "$out" | grep -E '"(name|kind|abi)"' | paste - - - | sed 's/^ */  /'
grep -q '"name": "hello-flow"' <<<"$out" || fail "hello-flow is not loaded"
grep -q '"name": "generic-pkcs11"' <<<"$out" || fail "the packaged plugins are not loaded"
echo "sdk: the packaged SDK builds a plugin that the packaged agent loads"
