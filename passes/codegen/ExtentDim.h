//===- ExtentDim.h - the dynamic dim a compiled model keeps -----*- C++ -*-===//
//
// A compiled model keeps at most one dynamic dim, recorded on the module
// from the graph q8 compiles to the emitted header and object, in one of
// two kinds:
//
//  - a batch dim (compiler/DynamicBatch.h), under "q8.batch": the model is
//    compiled for one item and its entry point runs that code per item;
//  - a dynamic extent (compiler/DynamicExtent.h), under kExtentAttrName:
//    the generated code takes the size at run time. The lowered entry
//    function `<model>_run` then takes the dims as its first argument,
//    `const int64_t *dims` (dims[0] is this dim's size in the call),
//    before the inputs, outputs, workspace and pool; its workspace is
//    planned for the dim's upper bound.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_EXTENTDIM_H
#define Q8_PASSES_CODEGEN_EXTENTDIM_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace q8 {

/// The dynamic dim of a compiled model.
struct DynamicDim {
  std::string name;                 ///< the inputs' dim_param
  int64_t min = 1, max = INT64_MAX; ///< INT64_MAX: unbounded (batch only)
  /// Per entry argument / result: the position of the dim, or -1.
  llvm::SmallVector<int64_t> inputs, outputs;
};

/// Records `dim` on `module` under `attrName`, as a dictionary.
void setDynamicDim(mlir::ModuleOp module, llvm::StringRef attrName,
                   const DynamicDim &dim);

/// The DynamicDim setDynamicDim recorded on `module` under `attrName`.
std::optional<DynamicDim> readDynamicDim(mlir::ModuleOp module,
                                         llvm::StringRef attrName);

/// A dynamic extent: always bounded (the arena is planned at max).
using ExtentDim = DynamicDim;

/// The module attribute that carries an ExtentDim.
inline constexpr llvm::StringLiteral kExtentAttrName = "q8.extent";

inline void setExtentDim(mlir::ModuleOp module, const ExtentDim &extent) {
  setDynamicDim(module, kExtentAttrName, extent);
}

inline std::optional<ExtentDim> readExtentDim(mlir::ModuleOp module) {
  return readDynamicDim(module, kExtentAttrName);
}

} // namespace q8

#endif // Q8_PASSES_CODEGEN_EXTENTDIM_H
