#!/usr/bin/env bash
# Windows code cannot be built on this machine; compile-check it with Debian's mingw-w64.
#
# Checked: agent/platform/windows, and every source of agent/core, agent/cli and plugins/ that
# meets the operating system — it includes a POSIX or Windows system header (unistd.h, sys/*,
# fcntl.h, dlfcn.h, spawn.h, csignal, pthread.h, poll.h, pwd.h, termios.h, windows.h, ...),
# branches on _WIN32 / __APPLE__ / __linux__, or calls a POSIX function the standard headers
# declare only there (gmtime_r, localtime_r, timegm, strptime, setenv, environ, getpid, ...),
# or meets it through a library: PoDoFo's headers bring windows.h (and wincrypt.h's X509_NAME
# macro) along, SQLite takes a file name whose encoding differs there.
# The rest of those trees is portable C++ and costs about 2.5 s of CPU per file to check, so the
# suite leaves it out; CERTAGENT_WINDOWS_CHECK=all checks every source of the three trees (about
# 170 files, 7 CPU-minutes; they all pass); file arguments check just those.
#
# The system calls of core and the CLI live in agent/core/platform, one small file per concern with
# its POSIX and Windows implementations side by side (docs/architecture.md, "Not done on
# Windows" lists what is missing there); the logic files call them and include no system
# header, so they drop out of this selection, and the platform files are checked instead.
# Build-time definitions (install-relative folders, per-target ones) get placeholder values
# here, and the warnings are the project's (cmake/CertagentWarnings.cmake). Third-party headers
# come from Debian's -dev packages; libintl.h and iconv.h, which Debian only has in glibc's
# form, from tests/windows-check.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=x86_64-w64-mingw32-g++-posix
command -v "$CXX" >/dev/null || CXX=x86_64-w64-mingw32-g++

if [ $# -gt 0 ]; then
  files=("$@")
elif [ "${CERTAGENT_WINDOWS_CHECK:-os}" = all ]; then
  mapfile -t files < <(find agent/core agent/cli plugins -name '*.cpp' -not -path '*/tests/*' |
    sort)
else
  mapfile -t files < <(grep -rlE '#include <(unistd\.h|sys/[a-z_]+\.h|fcntl\.h|dlfcn\.h|spawn\.h|signal\.h|csignal|pthread\.h|poll\.h|pwd\.h|termios\.h|windows\.h|winsock2\.h|ws2tcpip\.h|shlobj\.h)>|_WIN32|__APPLE__|__linux__|\b(gmtime_r|localtime_r|timegm|strptime|setenv|unsetenv|environ|getpid|getuid|strerror_r|realpath)\b|#include <podofo/|sqlite3_open' \
    agent/core agent/cli plugins --include='*.cpp' | grep -v '/tests/' | sort)
fi
[ $# -gt 0 ] || mapfile -t -O "${#files[@]}" files < <(find agent/platform/windows -name '*.cpp' | sort)

# The third-party headers the sources use, without the rest of /usr/include, which is glibc's
# and not the cross compiler's. OpenSSL's and curl's configuration headers live in the
# architecture's folder; the x86-64 ones serve (both are 64-bit, LLP64 aside, which these
# headers handle themselves).
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
for d in boost nlohmann fmt toml++ podofo httplib.h sqlite3.h sqlite3ext.h libp11.h p11_err.h \
    zlib.h zconf.h; do
  [ -e "/usr/include/$d" ] && ln -s "/usr/include/$d" "$deps/$d"
done
ln -s /usr/include/p11-kit-1/p11-kit "$deps/p11-kit"
ln -s /usr/include/libxml2/libxml "$deps/libxml"
[ -e /usr/include/unicode ] && ln -s /usr/include/unicode "$deps/unicode"  # libxml2 uses ICU
ln -s /usr/include/xmlsec1/xmlsec "$deps/xmlsec"
for d in libxslt libexslt; do  # xmlsec's transforms.h includes libxslt
  [ -e "/usr/include/$d" ] && ln -s "/usr/include/$d" "$deps/$d"
done
# plugins/tokens/token_plugin.cmake generates profile_data.hpp from each folder's profile.json.
sed -e 's/@PROFILE_JSON@/{}/' -e 's/@TOKEN_PLUGIN_DESCRIPTION@/check/' \
  plugins/tokens/profile_data.hpp.in >"$deps/profile_data.hpp"
# gettext-runtime's libintl.h and libiconv's iconv.h (Debian's are glibc's): tests/windows-check.
ln -s "$PWD/tests/windows-check/libintl.h" "$PWD/tests/windows-check/iconv.h" "$deps/"
ln -s /usr/include/x86_64-linux-gnu/curl "$deps/curl"
mkdir "$deps/openssl"
ln -s /usr/include/openssl/* /usr/include/x86_64-linux-gnu/openssl/* "$deps/openssl/"

check() {
  local f=$1 d extra=()
  d=$(dirname "$f")
  # Per-target definitions of the CMake build.
  case $f in
    plugins/flows/renewal/* | plugins/flows/timestamps/*) extra=(-DCERTAGENT_SDK_GETTEXT=) ;;
    plugins/tokens/*) extra=(-DCERTAGENT_TOKEN_PLUGIN_NAME='"check"') ;;
  esac
  # Each source's own folder and its parent (plugins include "src/..." and "../text.hpp").
  # The warnings of cmake/CertagentWarnings.cmake that the sources are written against.
  if out=$("$CXX" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-parameter \
      -Wno-missing-field-initializers \
      -DUNICODE -D_UNICODE -DFMT_HEADER_ONLY -DCERTAGENT_VERSION='"0"' \
      -DCERTAGENT_REL_LOCALEDIR='"share/locale"' -DCERTAGENT_INSTALL_LOCALEDIR='"share/locale"' \
      -DCERTAGENT_REL_PLUGINDIR='"lib/certagent/plugins"' \
      -DCERTAGENT_REL_DOCUMENTS_MODULE='"bin/certagent-documents.dll"' -Iagent/core/include -Iagent/core \
      -Iagent/platform -Iagent/cli -Isdk/include -I"$d" -I"$d/.." -isystem "$deps" \
      "${extra[@]}" "$f" 2>&1)
  then
    echo "ok    $f"
  else
    echo "FAIL  $f"
    echo "$out" | head -20
    return 1
  fi
}
export -f check
export CXX deps
start=$SECONDS
status=0
printf '%s\n' "${files[@]}" | xargs -P 2 -I{} bash -c 'check "$@"' _ {} || status=$?
echo "${#files[@]} sources checked for Windows in $((SECONDS - start)) s"
exit "$status"
