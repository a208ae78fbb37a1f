# What `cmake --install` puts under the prefix, so that another project does
#
#   find_package(q8 REQUIRED)            # -DCMAKE_PREFIX_PATH=<prefix>
#   q8_add_model(net net.onnx QUANTIZE w8a8 CALIBRATE samples/)
#   target_link_libraries(app PRIVATE net)
#
# and, to embed the compiler, links q8::Q8Compile (compiler/Compile.h):
#
#   bin/            q8c, q8-run, q8-opt, q8-conformance
#   lib/            libq8rt.a and the compiler's static libraries
#   include/q8/     q8_abi.h, q8_runtime.h, q8_calib.h, q8_dispatch.h, q8_pool.h (the runtime's C
#                   headers), npy.h and model_io.h (tools/common), and the
#                   compiler's C++ headers as compiler/..., passes/...,
#                   dialects/... (with their generated .inc files)
#   lib/cmake/q8/   q8Config.cmake, q8ConfigVersion.cmake, q8Targets.cmake
#                   (every target as q8::<name>), Q8AddModel.cmake
#
# Included last by the top-level CMakeLists.txt, when every target exists.
# A new add_mlir_library joins q8Targets.cmake by itself; a plain
# add_library that one of them links must join the export set below, or
# CMake refuses to generate ("requires target ... not in any export set").

include(CMakePackageConfigHelpers)
set(Q8_INSTALL_INCLUDE_DIR include/q8)
set(Q8_INSTALL_CMAKE_DIR lib${LLVM_LIBDIR_SUFFIX}/cmake/q8)

# add_mlir_library and add_mlir_tool install their targets into the export
# set MLIRTargets (LLVMDistributionSupport.cmake); the runtime and the
# drivers' headers join it, and q8Targets.cmake exports the set as q8::*.
install(TARGETS q8rt Q8ToolsCommon EXPORT MLIRTargets
        ARCHIVE DESTINATION lib${LLVM_LIBDIR_SUFFIX}
        INCLUDES DESTINATION ${Q8_INSTALL_INCLUDE_DIR})
install(FILES runtime/q8_abi.h runtime/q8_runtime.h runtime/q8_calib.h
              runtime/q8_dispatch.h runtime/q8_pool.h
              tools/common/npy.h tools/common/model_io.h
        DESTINATION ${Q8_INSTALL_INCLUDE_DIR})
# The compiler's headers keep their paths ("compiler/Compile.h"), and the
# generated declarations they may include come from the build tree.
foreach(dir compiler passes dialects)
  install(DIRECTORY ${dir}/ DESTINATION ${Q8_INSTALL_INCLUDE_DIR}/${dir}
          FILES_MATCHING PATTERN "*.h")
  install(DIRECTORY ${PROJECT_BINARY_DIR}/${dir}/
          DESTINATION ${Q8_INSTALL_INCLUDE_DIR}/${dir}
          FILES_MATCHING PATTERN "*.h.inc"
          PATTERN "CMakeFiles" EXCLUDE)
endforeach()

# Include folders of the source and build trees mean nothing once
# installed: keep them for the build only. Installed targets find the
# headers under include/q8 (q8Config.cmake adds that folder).
get_property(q8_exports GLOBAL PROPERTY MLIR_EXPORTS)
foreach(target IN LISTS q8_exports ITEMS q8rt)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    # Installed tools find libMLIR/libLLVM where the build found them.
    set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH
                 "${LLVM_LIBRARY_DIR}")
    continue()
  endif()
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT dirs)
    continue()
  endif()
  set(wrapped)
  foreach(dir IN LISTS dirs)
    string(FIND "${dir}/" "${PROJECT_SOURCE_DIR}/" in_source)
    string(FIND "${dir}/" "${PROJECT_BINARY_DIR}/" in_build)
    if(in_source EQUAL 0 OR in_build EQUAL 0)
      list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
    else()
      list(APPEND wrapped "${dir}")
    endif()
  endforeach()
  set_property(TARGET ${target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES
               "${wrapped}")
endforeach()

install(EXPORT MLIRTargets NAMESPACE q8:: FILE q8Targets.cmake
        DESTINATION ${Q8_INSTALL_CMAKE_DIR})
set(Q8_PACKAGE_VERSION 0.1.0)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/q8Config.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/q8Config.cmake
  INSTALL_DESTINATION ${Q8_INSTALL_CMAKE_DIR}
  PATH_VARS Q8_INSTALL_INCLUDE_DIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/q8ConfigVersion.cmake
  VERSION ${Q8_PACKAGE_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/q8Config.cmake
              ${PROJECT_BINARY_DIR}/cmake/q8ConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/Q8AddModel.cmake
        DESTINATION ${Q8_INSTALL_CMAKE_DIR})
