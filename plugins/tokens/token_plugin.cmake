# certagent_token_plugin(<name> <description>): a token plugin is its folder's profile.json
# (data) served by the shared profile_plugin.cpp; code only where a vendor really differs.
include_guard(GLOBAL)
function(certagent_token_plugin name description)
  file(READ ${CMAKE_CURRENT_SOURCE_DIR}/profile.json PROFILE_JSON)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_CURRENT_SOURCE_DIR}/profile.json)
  configure_file(${CMAKE_CURRENT_FUNCTION_LIST_DIR}/profile_data.hpp.in
                 ${CMAKE_CURRENT_BINARY_DIR}/profile_data.hpp @ONLY)
  certagent_first_party_plugin(${name} SOURCES ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/profile_plugin.cpp)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
  target_compile_definitions(${name} PRIVATE CERTAGENT_TOKEN_PLUGIN_NAME="${name}"
                             CERTAGENT_TOKEN_PLUGIN_DESCRIPTION="${description}")
endfunction()
