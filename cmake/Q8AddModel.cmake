# q8_add_model(NAME MODEL [TARGET target] [OUTPUT_DIR dir] [EXTERNAL_WEIGHTS]
#              [QUANTIZE w8a8|none] [CALIBRATE samples-dir|random]
#              [CALIBRATION_TABLE table.json] [SMOOTHQUANT alpha|auto]
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
# and `#include "digits_cnn.h"`. QUANTIZE, CALIBRATE, CALIBRATION_TABLE
# and SMOOTHQUANT are q8c's --quantize, --calibrate, --calibration-table
# and --smoothquant: `QUANTIZE w8a8 CALIBRATE samples/` calibrates on the
# samples (docs/calibration.md) and compiles the int8 model, and the model
# is rebuilt when a file in the samples folder changes. With
# EXTERNAL_WEIGHTS, q8c runs with --external-weights: the weights go to
# OUTPUT_DIR/NAME.weights (the target's Q8_WEIGHTS_FILE property), which
# the program loads with q8_weights_load and passes to the entry point.
#
# Where q8c and the runtime come from: inside the q8 build, its q8c and q8rt
# targets; after find_package(q8), the installed q8::q8c and q8::q8rt;
# otherwise set Q8C_EXECUTABLE, Q8_RUNTIME_LIBRARY and
# Q8_RUNTIME_INCLUDE_DIR (the folder holding q8_abi.h).
function(q8_add_model name model)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "EXTERNAL_WEIGHTS"
    "TARGET;OUTPUT_DIR;QUANTIZE;CALIBRATE;CALIBRATION_TABLE;SMOOTHQUANT"
    "Q8C_ARGS")
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
  elseif(TARGET q8::q8c)
    set(q8c "$<TARGET_FILE:q8::q8c>")
    set(q8c_depends "$<TARGET_FILE:q8::q8c>")
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
  # Quantization: q8c's flags, and the files they read as dependencies.
  set(quant_args)
  set(quant_depends)
  if(ARG_QUANTIZE)
    list(APPEND quant_args "--quantize=${ARG_QUANTIZE}")
  endif()
  if(ARG_CALIBRATE)
    if(ARG_CALIBRATE STREQUAL "random")
      list(APPEND quant_args "--calibrate=random")
    else()
      get_filename_component(samples "${ARG_CALIBRATE}" ABSOLUTE)
      if(NOT IS_DIRECTORY "${samples}")
        message(FATAL_ERROR "q8_add_model: CALIBRATE ${samples} is not a folder")
      endif()
      list(APPEND quant_args "--calibrate=${samples}")
      file(GLOB_RECURSE sample_files LIST_DIRECTORIES false "${samples}/*")
      list(APPEND quant_depends ${sample_files})
    endif()
  endif()
  if(ARG_CALIBRATION_TABLE)
    get_filename_component(table "${ARG_CALIBRATION_TABLE}" ABSOLUTE)
    list(APPEND quant_args "--calibration-table=${table}")
    if(NOT ARG_CALIBRATE)
      list(APPEND quant_depends "${table}")
    endif()
  endif()
  if(ARG_SMOOTHQUANT)
    list(APPEND quant_args "--smoothquant=${ARG_SMOOTHQUANT}")
  endif()

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND "${q8c}" "${model}" -o "${base}" "--target=${ARG_TARGET}" ${weights_args} ${quant_args} ${ARG_Q8C_ARGS}
    DEPENDS "${model}" ${q8c_depends} ${quant_depends}
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
  elseif(TARGET q8::q8rt)
    target_link_libraries(${name} PUBLIC q8::q8rt)
  elseif(Q8_RUNTIME_LIBRARY AND Q8_RUNTIME_INCLUDE_DIR)
    target_link_libraries(${name} PUBLIC "${Q8_RUNTIME_LIBRARY}")
    target_include_directories(${name} PUBLIC "${Q8_RUNTIME_INCLUDE_DIR}")
  else()
    message(FATAL_ERROR "q8_add_model: no q8rt target; set "
                        "Q8_RUNTIME_LIBRARY and Q8_RUNTIME_INCLUDE_DIR")
  endif()
endfunction()
