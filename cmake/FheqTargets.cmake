# Compile settings shared by every target of ours: warnings are errors on our code only.
function(fheq_configure_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(FHEQ_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  target_include_directories(${target} PUBLIC
    ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_SOURCE_DIR}/src)
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
  fheq_configure_target(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
