# Helpers that give every project target the same conventions.

# promconform_target_defaults(<target>): include root, warnings.
function(promconform_target_defaults target)
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/reference_server"
                                              "${PROJECT_SOURCE_DIR}")
  target_compile_options(${target} PRIVATE ${PROMCONFORM_WARNINGS})
endfunction()

# promconform_library(<name> SOURCES ... DEPS ...): one library per folder.
function(promconform_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  promconform_target_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# promconform_test(<name> SOURCES ... DEPS ... [LABELS ...] [TIMEOUT s] [RAPIDCHECK]):
# one GoogleTest binary registered as one CTest test. Labels let a developer run a slice:
#   ctest -L unit | -L property | -L differential
function(promconform_test name)
  if(NOT PROMCONFORM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "RAPIDCHECK" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  promconform_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(ARG_RAPIDCHECK)
    target_link_libraries(${name} PRIVATE rapidcheck)
  endif()
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "${ARG_LABELS}"
    ENVIRONMENT "PROMCONFORM_SOURCE_DIR=${PROJECT_SOURCE_DIR};PROMCONFORM_UPSTREAM_DIR=${PROMCONFORM_UPSTREAM_DIR};PROMCONFORM_PINNED_PROMQLTEST_DIR=${PROMCONFORM_PINNED_PROMQLTEST_DIR};RC_PARAMS=max_success=200")
endfunction()
