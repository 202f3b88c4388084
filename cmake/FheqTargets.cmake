# Compile settings shared by every target of ours: warnings are errors on our code only.
# fheq_configure_target(TARGET [INTERNAL]): every target sees the public API (include/); only the layer
# libraries, the tests and the benchmarks (INTERNAL) see src/, so the CLI, the examples and the Python module
# can only reach the public API: an include of an internal header there does not compile.
function(fheq_configure_target target)
  cmake_parse_arguments(ARG "INTERNAL" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(FHEQ_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  if(ARG_INTERNAL)
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  endif()
endfunction()

# fheq_add_layer(NAME DIR DEPS...): one static library from every .cc under DIR.
function(fheq_add_layer name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT sources)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(${name} STATIC ${sources})
  fheq_configure_target(${name} INTERNAL)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
