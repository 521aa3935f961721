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

# Man pages, compressed the Debian way (gzip -9n: best compression, no name or time stamp).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(_man_gz)
foreach(page IN ITEMS certagent-cli.1 certagent.1)
  add_custom_command(OUTPUT ${_out}/${page}.gz
    COMMAND ${GZIP_EXECUTABLE} -9nc ${_linux}/${page} > ${_out}/${page}.gz
    DEPENDS ${_linux}/${page} COMMENT "Compressing man page ${page}")
  list(APPEND _man_gz ${_out}/${page}.gz)
endforeach()
install(FILES ${_out}/certagent-cli.1.gz ${_out}/certagent.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)

# /usr/share/doc/<package>/{copyright,changelog.Debian.gz} for both packages (Debian policy
# 12.5 and 12.7; lintian errors without them).
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog.in ${_out}/changelog.Debian @ONLY)
add_custom_command(OUTPUT ${_out}/changelog.Debian.gz
  COMMAND ${GZIP_EXECUTABLE} -9nc ${_out}/changelog.Debian > ${_out}/changelog.Debian.gz
  DEPENDS ${_out}/changelog.Debian COMMENT "Compressing changelog.Debian")
add_custom_target(certagent_package_files ALL DEPENDS ${_man_gz} ${_out}/changelog.Debian.gz)
foreach(pair IN ITEMS "runtime:certagent" "sdk:certagent-dev")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/copyright ${_out}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()
