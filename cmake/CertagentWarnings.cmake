# Warnings travel through a PRIVATE interface target, never through global flags.
add_library(certagent_warnings INTERFACE)
target_compile_options(certagent_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough
  # Aggregates with defaulted trailing members (schema tables) are intended.
  -Wno-missing-field-initializers
  # GCC 12 reports false maybe-uninitialized warnings inside nlohmann::json at -O2.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
if(CERTAGENT_WERROR)
  target_compile_options(certagent_warnings INTERFACE -Werror)
endif()
