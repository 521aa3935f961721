# Windows: an NSIS installer (CPack), per user, no administrator rights.
#   - installs into %LOCALAPPDATA%\Programs\certagent (bin\, lib\certagent\plugins\, share\)
#   - Start-menu shortcut "certagent" (CPACK_PACKAGE_EXECUTABLES)
#   - starts with the session: HKCU\...\CurrentVersion\Run value "certagent", the same value the
#     tray app's "Start with the session" setting manages (agent/platform/windows/
#     autostart_windows.cpp), so turning it off in the app sticks; the uninstaller removes it
#   - the runtime DLLs the programs and plugins need are copied next to them at install time
# NOT BUILT OR TESTED in this project's CI (Linux only): reviewed, see docs/install.md.
# Build on Windows (NSIS 3 on PATH):  cmake --preset <windows preset>; cmake --build ...;
#                                     cpack -G NSIS
set(CPACK_GENERATOR NSIS)
set(CPACK_NSIS_PACKAGE_NAME "certagent")
set(CPACK_NSIS_DISPLAY_NAME "certagent")
set(CPACK_NSIS_INSTALL_ROOT "$LOCALAPPDATA\\\\Programs")
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)
set(CPACK_PACKAGE_EXECUTABLES certagent certagent)
set(CPACK_NSIS_MUI_FINISHPAGE_RUN certagent.exe)
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)  # upgrades replace the old files
set(CPACK_NSIS_MODIFY_PATH OFF)
set(CPACK_NSIS_URL_INFO_ABOUT "${PROJECT_HOMEPAGE_URL}")
set(_run_key "Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run")
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS
    "WriteRegStr HKCU '${_run_key}' 'certagent' '\\\"$INSTDIR\\\\bin\\\\certagent.exe\\\"'")
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS "DeleteRegValue HKCU '${_run_key}' 'certagent'")

# Per user: CMake's NSIS template asks for administrator rights and writes shortcuts and the
# uninstall entry for all users. Use CMake's own template with exactly those lines changed
# (made here from the installed CMake, not a vendored copy that would drift).
file(READ ${CMAKE_ROOT}/Modules/Internal/CPack/NSIS.template.in _nsis)
string(REPLACE "RequestExecutionLevel admin" "RequestExecutionLevel user" _nsis "${_nsis}")
string(REPLACE "SetShellVarContext all" "SetShellVarContext current" _nsis "${_nsis}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/nsis/NSIS.template.in "${_nsis}")
set(CPACK_MODULE_PATH ${CMAKE_CURRENT_BINARY_DIR}/nsis ${CMAKE_MODULE_PATH})

# Third-party DLLs (OpenSSL, libcurl, wxWidgets, Boost, libp11, SQLite, PoDoFo...) from the
# dependency prefix (vcpkg or similar), copied into bin\ next to the programs.
set(_exes $<TARGET_FILE:certagent-cli>)
if(TARGET certagent)
  list(APPEND _exes $<TARGET_FILE:certagent>)
endif()
install(CODE "
  file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${_exes}
    RESOLVED_DEPENDENCIES_VAR _deps UNRESOLVED_DEPENDENCIES_VAR _missing
    DIRECTORIES \"${CMAKE_PREFIX_PATH}/bin\"
    PRE_EXCLUDE_REGEXES \"^api-ms-\" \"^ext-ms-\"
    POST_EXCLUDE_REGEXES \".*[Ss]ystem32/.*\")
  if(_missing)
    message(WARNING \"certagent: DLLs not found: \${_missing}\")
  endif()
  file(INSTALL \${_deps} DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
" COMPONENT runtime)
