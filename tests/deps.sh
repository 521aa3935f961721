#!/usr/bin/env bash
# The one list of Debian 12 packages certagent needs to build, test and run its demo, and the
# function that installs the missing ones. Sourced by tests/run.sh and tests/demo.sh.

CERTAGENT_PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config gettext
  libssl-dev openssl libp11-dev libengine-pkcs11-openssl libp11-kit-dev
  libboost-dev libboost-filesystem-dev libcurl4-openssl-dev libtomlplusplus-dev
  nlohmann-json3-dev libfmt-dev libsqlite3-dev libcpp-httplib-dev libpodofo-dev
  libpcsclite-dev libudev-dev libwxgtk3.2-dev libxmlsec1-dev libglib2.0-dev
  googletest libgtest-dev libbenchmark-dev zlib1g-dev
  # libFuzzer targets (tests/fuzz): clang and its runtime libraries
  clang-14 libclang-rt-14-dev
  # Windows sources are syntax-checked with the mingw-w64 cross compiler
  g++-mingw-w64-x86-64
  # fonts embedded in generated PDFs (declaration)
  fonts-dejavu-core
  # test peers: real token, real tools, real servers and desktop pieces
  softhsm2 opensc poppler-utils qpdf libnss3-tools ca-certificates curl xmlsec1
  pcscd pcsc-tools vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome
  xvfb xauth x11-utils xdotool imagemagick trayer dbus dbus-x11 dunst
  # the StatusNotifierWatcher and host of the tray tests (tests/gui/status_notifier/sni_host.py)
  python3-gi gir1.2-glib-2.0
  # certagent-cli's man page and completions (tests/integration/cli_reference)
  man-db zsh
  chromium
  # packaging checks
  lintian debootstrap rpm appstream desktop-file-utils file groff-base binutils
  hyperfine
)

certagent_install_packages() {
  local missing=()
  local p
  for p in "${CERTAGENT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "certagent: all ${#CERTAGENT_PACKAGES[@]} packages are installed"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "certagent: missing packages: ${missing[*]}" >&2
    echo "certagent: run as root (or install them with apt-get) and try again" >&2
    return 1
  fi
  echo "certagent: installing ${#missing[@]} missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
