# certagent_add_fuzz_target(NAME name SOURCES ... LIBS ... [INCLUDES ...])
# LIBS names only the core libraries the target needs, so the fuzz build compiles no more.
# With CERTAGENT_FUZZ (clang, tests/fuzz/run.sh): fuzz_<name>, a libFuzzer binary.
# Otherwise: fuzz_<name>_replay and the ctest fuzz.<name>.regressions (label unit), which feeds
# every file in the target's corpus/ and crashes/ folders to the same LLVMFuzzerTestOneInput.
function(certagent_add_fuzz_target)
  cmake_parse_arguments(F "" "NAME" "SOURCES;LIBS;INCLUDES" ${ARGN})
  if(CERTAGENT_FUZZ)
    add_executable(fuzz_${F_NAME} ${F_SOURCES})
    target_link_libraries(fuzz_${F_NAME} PRIVATE ${F_LIBS})
    target_link_options(fuzz_${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_include_directories(fuzz_${F_NAME} PRIVATE ${F_INCLUDES})
    add_dependencies(certagent_fuzzers fuzz_${F_NAME})
  else()
    add_executable(fuzz_${F_NAME}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_link_libraries(fuzz_${F_NAME}_replay PRIVATE certagent_warnings ${F_LIBS})
    target_include_directories(fuzz_${F_NAME}_replay PRIVATE ${F_INCLUDES})
    add_dependencies(certagent_unit_tests fuzz_${F_NAME}_replay)
    add_test(NAME fuzz.${F_NAME}.regressions
             COMMAND fuzz_${F_NAME}_replay ${CMAKE_CURRENT_SOURCE_DIR}/corpus
                     ${CMAKE_CURRENT_SOURCE_DIR}/crashes)
    set_tests_properties(fuzz.${F_NAME}.regressions PROPERTIES LABELS unit TIMEOUT 120
                         ENVIRONMENT "CERTAGENT_LOCALEDIR=${CERTAGENT_STAGE_LOCALE_DIR}")
  endif()
endfunction()
