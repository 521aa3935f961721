# CERTAGENT_HARDENING: the hardening Debian's dpkg-buildflags applies to packages
# (hardening=+all minus the x86-only bits), for release builds and packages.
#   -fstack-protector-strong       canaries in functions with arrays or address-taken locals
#   -D_FORTIFY_SOURCE=2            checked memcpy/snprintf/... (__*_chk); needs optimisation,
#                                  so it is left out of Debug builds (glibc warns otherwise)
#   PIE                            executables are position independent (ET_DYN), ASLR for text
#   -Wl,-z,relro -Wl,-z,now        GOT read-only after relocation, all symbols bound at start
# These are directory-wide compile/link options on purpose (not an interface target to link):
# like dpkg-buildflags they must reach every executable, plugin and library, including targets
# other areas add later, without each of them having to opt in. tests/packaging checks the
# installed binaries (readelf) so a target that escapes them fails the packaging tests.
option(CERTAGENT_HARDENING "Build with hardening flags (stack protector, FORTIFY, PIE, RELRO, now)"
       OFF)

if(CERTAGENT_HARDENING)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" OR WIN32 OR APPLE)
    message(WARNING "CERTAGENT_HARDENING: only the GNU toolchain on ELF platforms is handled")
    return()
  endif()
  include(CheckPIESupported)
  check_pie_supported(LANGUAGES C CXX)
  # CMP0083 (NEW since cmake_minimum_required 3.14): POSITION_INDEPENDENT_CODE also links
  # executables with -pie.
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(
    -fstack-protector-strong
    # -U first: some toolchains (Ubuntu's gcc) predefine _FORTIFY_SOURCE, and a redefinition
    # would warn (an error with CERTAGENT_WERROR).
    $<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE>
    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
  add_link_options(-Wl,-z,relro -Wl,-z,now)
  message(STATUS "certagent: hardening on (stack-protector-strong, FORTIFY_SOURCE=2, PIE, "
                 "relro, now)")
endif()
