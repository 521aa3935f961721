# Linux desktop integration, installed with the runtime component (package certagent).
set(_linux ${CMAKE_CURRENT_SOURCE_DIR}/linux)
set(_out ${CMAKE_CURRENT_BINARY_DIR})

# Menu entry and AppStream data (software centres), under the application id.
configure_file(${_linux}/certagent.desktop.in ${_out}/${CERTAGENT_APP_ID}.desktop COPYONLY)
configure_file(${_linux}/${CERTAGENT_APP_ID}.metainfo.xml.in
               ${_out}/${CERTAGENT_APP_ID}.metainfo.xml @ONLY)
install(FILES ${_out}/${CERTAGENT_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT runtime)
install(FILES ${_out}/${CERTAGENT_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT runtime)

# XDG autostart. The file name is the one the tray app writes under ~/.config/autostart
# (agent/core/ui/autostart_xdg.cpp), so a user's "off" (Hidden=true) overrides this entry.
# It lives in /etc, so it is a conffile (dpkg keeps an admin's edit, purge removes it).
install(FILES ${_linux}/certagent-autostart.desktop
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/xdg/autostart RENAME certagent.desktop
        COMPONENT runtime)
file(WRITE ${_out}/conffiles "${CMAKE_INSTALL_FULL_SYSCONFDIR}/xdg/autostart/certagent.desktop\n")

# systemd user unit for the headless agent; shipped, not enabled (docs/install.md).
configure_file(${_linux}/certagent-daemon.service ${_out}/certagent-daemon.service @ONLY)
install(FILES ${_out}/certagent-daemon.service
        DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/user COMPONENT runtime)

# certagent-cli's man page and its bash and zsh completions are written by certagent-cli itself
# from its command registry (agent/cli/docgen.cpp), in English, so they list every command and
# option it has. The man page's prose around the generated sections is certagent-cli.1.in.
set(DATE ${CERTAGENT_RELEASE_DATE})
set(VERSION ${PROJECT_VERSION})
configure_file(${_linux}/certagent-cli.1.in ${_out}/certagent-cli.1.in @ONLY)
set(_cli_env ${CMAKE_COMMAND} -E env LANGUAGE= LC_ALL=C.UTF-8 $<TARGET_FILE:certagent-cli>)
add_custom_command(OUTPUT ${_out}/certagent-cli.1
  COMMAND ${_cli_env} --generate man < ${_out}/certagent-cli.1.in > ${_out}/certagent-cli.1
  DEPENDS certagent-cli ${_out}/certagent-cli.1.in
  COMMENT "Writing the man page certagent-cli.1 from the command registry")
add_custom_command(OUTPUT ${_out}/certagent-cli.bash ${_out}/_certagent-cli
  COMMAND ${_cli_env} --generate bash > ${_out}/certagent-cli.bash
  COMMAND ${_cli_env} --generate zsh > ${_out}/_certagent-cli
  DEPENDS certagent-cli
  COMMENT "Writing bash and zsh completions for certagent-cli from the command registry")
install(FILES ${_out}/certagent-cli.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME certagent-cli COMPONENT runtime)
install(FILES ${_out}/_certagent-cli DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        COMPONENT runtime)

# Man pages, compressed the Debian way (gzip -9n: best compression, no name or time stamp).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(_man_gz)
foreach(page IN ITEMS ${_out}/certagent-cli.1 ${_linux}/certagent.1)
  get_filename_component(_name ${page} NAME)
  add_custom_command(OUTPUT ${_out}/${_name}.gz
    COMMAND ${GZIP_EXECUTABLE} -9nc ${page} > ${_out}/${_name}.gz
    DEPENDS ${page} COMMENT "Compressing man page ${_name}")
  list(APPEND _man_gz ${_out}/${_name}.gz)
endforeach()
install(FILES ${_out}/certagent-cli.1.gz ${_out}/certagent.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)

# /usr/share/doc/<package>/{copyright,changelog.Debian.gz} for both packages (Debian policy
# 12.5 and 12.7; lintian errors without them).
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog.in ${_out}/changelog.Debian @ONLY)
add_custom_command(OUTPUT ${_out}/changelog.Debian.gz
  COMMAND ${GZIP_EXECUTABLE} -9nc ${_out}/changelog.Debian > ${_out}/changelog.Debian.gz
  DEPENDS ${_out}/changelog.Debian COMMENT "Compressing changelog.Debian")
add_custom_target(certagent_package_files ALL DEPENDS ${_man_gz} ${_out}/changelog.Debian.gz
  ${_out}/certagent-cli.bash ${_out}/_certagent-cli)
foreach(pair IN ITEMS "runtime:certagent" "sdk:certagent-dev")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/copyright ${_out}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()
