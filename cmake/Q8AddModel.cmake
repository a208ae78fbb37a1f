# q8_add_model(NAME MODEL [TARGET target] [OUTPUT_DIR dir] [EXTERNAL_WEIGHTS]
#              [Q8C_ARGS args...])
#
# Compiles the ONNX model MODEL with q8c at build time into
# OUTPUT_DIR/NAME.o and OUTPUT_DIR/NAME.h (default: the current binary dir
# under q8-models/), and defines a static library target NAME holding the
# object. Linking NAME brings the header's folder, the runtime's headers and
# libq8rt along, so a program needs only
#
#   q8_add_model(digits_cnn digits/digits_cnn.onnx)
#   add_executable(classify classify.c)
#   target_link_libraries(classify PRIVATE digits_cnn)
#
# and `#include "digits_cnn.h"`. With EXTERNAL_WEIGHTS, q8c runs with
# --external-weights: the weights go to OUTPUT_DIR/NAME.weights (the target's
# Q8_WEIGHTS_FILE property), which the program loads with q8_weights_load
# and passes to the entry point. Inside the q8 build the q8c and q8rt
# targets are used; elsewhere set Q8C_EXECUTABLE, Q8_RUNTIME_LIBRARY and
# Q8_RUNTIME_INCLUDE_DIR (the folder holding q8_abi.h).
function(q8_add_model name model)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "EXTERNAL_WEIGHTS" "TARGET;OUTPUT_DIR" "Q8C_ARGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "q8_add_model: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    # The name is also the C prefix of everything in the header.
    message(FATAL_ERROR "q8_add_model: '${name}' is not a C identifier")
  endif()
  get_filename_component(model "${model}" ABSOLUTE)
  if(NOT ARG_TARGET)
    set(ARG_TARGET host)
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/q8-models")
  endif()

  if(TARGET q8c)
    set(q8c "$<TARGET_FILE:q8c>")
    set(q8c_depends q8c)
  elseif(Q8C_EXECUTABLE)
    set(q8c "${Q8C_EXECUTABLE}")
    set(q8c_depends "${Q8C_EXECUTABLE}")
  else()
    message(FATAL_ERROR "q8_add_model: no q8c target; set Q8C_EXECUTABLE")
  endif()

  set(base "${ARG_OUTPUT_DIR}/${name}")
  set(outputs "${base}.o" "${base}.h")
  set(weights_args)
  if(ARG_EXTERNAL_WEIGHTS)
    list(APPEND outputs "${base}.weights")
    set(weights_args --external-weights)
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND "${q8c}" "${model}" -o "${base}" "--target=${ARG_TARGET}" ${weights_args} ${ARG_Q8C_ARGS}
    DEPENDS "${model}" ${q8c_depends}
    COMMENT "q8c: compiling ${name} (${ARG_TARGET}) from ${model}"
    VERBATIM)
  # The object is an input of the link, not something to compile.
  set_source_files_properties("${base}.o" PROPERTIES EXTERNAL_OBJECT TRUE
                                                    GENERATED TRUE)
  add_library(${name} STATIC "${base}.o" "${base}.h")
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC "${ARG_OUTPUT_DIR}")
  if(ARG_EXTERNAL_WEIGHTS)
    set_target_properties(${name} PROPERTIES Q8_WEIGHTS_FILE "${base}.weights")
  endif()

  if(TARGET q8rt)
    target_link_libraries(${name} PUBLIC q8rt)
    target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/runtime")
  elseif(Q8_RUNTIME_LIBRARY AND Q8_RUNTIME_INCLUDE_DIR)
    target_link_libraries(${name} PUBLIC "${Q8_RUNTIME_LIBRARY}")
    target_include_directories(${name} PUBLIC "${Q8_RUNTIME_INCLUDE_DIR}")
  else()
    message(FATAL_ERROR "q8_add_model: no q8rt target; set "
                        "Q8_RUNTIME_LIBRARY and Q8_RUNTIME_INCLUDE_DIR")
  endif()
endfunction()
