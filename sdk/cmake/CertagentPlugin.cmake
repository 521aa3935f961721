# certagent_add_plugin(<target> SOURCES ... [OUTPUT_DIRECTORY dir])
# Builds a certagent plugin: a MODULE library with hidden visibility that exports only the
# entry point made by CERTAGENT_PLUGIN(...). The file is named certagent-<target>.so/.dll.
function(certagent_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE certagent::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX "certagent-"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(P_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY})
  endif()
endfunction()
