# Every dependency is the system's (Debian 12 packages); nothing is vendored.
# docs/architecture.md says why each one is here.
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(CURL REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
# zlib: the PDF limits decompress object streams themselves, bounded (pdf/limits.hpp).
find_package(ZLIB REQUIRED)
pkg_check_modules(P11 REQUIRED IMPORTED_TARGET libp11)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(PODOFO REQUIRED IMPORTED_TARGET libpodofo)
pkg_check_modules(XMLSEC REQUIRED IMPORTED_TARGET xmlsec1-openssl)  # EU trusted lists
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
  pkg_check_modules(UDEV REQUIRED IMPORTED_TARGET libudev)
  pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
  pkg_check_modules(GIO REQUIRED IMPORTED_TARGET gio-2.0)  # desktop notifications (D-Bus)
endif()
