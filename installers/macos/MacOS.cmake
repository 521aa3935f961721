# macOS: certagent.app in a drag-and-drop disk image (CPack DragNDrop).
#   - the bundle: Contents/MacOS/certagent (+ certagent-cli), Contents/lib/certagent/plugins,
#     Contents/share/locale: the layout the agent already resolves relative to its executable
#   - LSUIElement: a menu-bar (tray) app without a Dock icon
#   - a LaunchAgent, Contents/Library/LaunchAgents/ro.certagent.tray.plist: the same label the
#     app's "Start with the session" writes to ~/Library/LaunchAgents
#     (agent/platform/macos/autostart_launch_agent.cpp); on macOS 13+ the app can register the
#     bundled one with SMAppService, and administrators can copy it to /Library/LaunchAgents
#     to start certagent for every user (docs/admin.md)
# NOT BUILT OR TESTED in this project's CI (Linux only): reviewed, see docs/install.md.
# Needs in agent/gui/CMakeLists.txt (GUI owner) for the bundle to be installed as one:
#   set_target_properties(certagent PROPERTIES MACOSX_BUNDLE ON OUTPUT_NAME certagent)
#   install(TARGETS certagent BUNDLE DESTINATION . RUNTIME DESTINATION bin COMPONENT runtime)
set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME "certagent")
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_FILE_NAME "certagent-${PROJECT_VERSION}-macos")

if(TARGET certagent)
  set_target_properties(certagent PROPERTIES
    MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_SOURCE_DIR}/macos/Info.plist.in
    MACOSX_BUNDLE_GUI_IDENTIFIER ${CERTAGENT_APP_ID}
    MACOSX_BUNDLE_BUNDLE_NAME certagent
    MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
    MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION})
endif()
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/macos/ro.certagent.tray.plist
        DESTINATION certagent.app/Contents/Library/LaunchAgents COMPONENT runtime)
