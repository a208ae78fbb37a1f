//===- ExtentDim.h - a dynamic extent inside the generated code -*- C++ -*-===//
//
// A model whose dynamic dim mixes items (a sequence length under
// attention) is compiled with that dim dynamic inside its kernels
// (compiler/DynamicExtent.h). The module records the dim under
// kExtentAttrName, from the linalg graph to the emitted header and
// object. The lowered entry function `<model>_run` then takes the dims as
// its first argument, `const int64_t *dims` (dims[0] is this dim's size
// in the call), before the inputs, outputs, workspace and pool; its
// workspace is planned for the dim's upper bound.
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

/// The one dynamic extent of a model compiled with dynamic kernels.
struct ExtentDim {
  std::string name = "dim"; ///< the inputs' dim_param
  int64_t min = 1, max = 1; ///< always bounded: the arena is planned at max
  /// Per entry argument / result: the position of the dim, or -1.
  llvm::SmallVector<int64_t> inputs, outputs;
};

/// The module attribute that carries an ExtentDim.
inline constexpr llvm::StringLiteral kExtentAttrName = "q8.extent";

/// Records `extent` on `module` (kExtentAttrName).
void setExtentDim(mlir::ModuleOp module, const ExtentDim &extent);

/// The ExtentDim setExtentDim recorded on `module`, if any.
std::optional<ExtentDim> readExtentDim(mlir::ModuleOp module);

} // namespace q8

#endif // Q8_PASSES_CODEGEN_EXTENTDIM_H
