//===- ExternalizeWeights.h - constants in a weights file -------*- C++ -*-===//
//
// q8-externalize-weights (Passes.td) moves large constant globals out of
// the object into the entry point's trailing `weights` argument and
// records where each one goes; emitWeights (compiler/codegen/ObjectEmitter.h) writes them.
// These helpers are what both sides share.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_EXTERNALIZEWEIGHTS_H
#define Q8_PASSES_CODEGEN_EXTERNALIZEWEIGHTS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace q8 {

/// Bytes of `value` stored densely (whole-byte int and float elements;
/// not i1 or index), or nullopt if it cannot be serialized.
std::optional<int64_t> constantByteSize(mlir::ElementsAttr value);

/// Writes `value`'s elements, dense and little-endian, into `out`, which
/// holds exactly constantByteSize(value) bytes. Handles dense (splat or
/// not) and dense_resource attributes; false for anything else.
bool copyConstantBytes(mlir::ElementsAttr value,
                       llvm::MutableArrayRef<char> out);

/// What q8-externalize-weights recorded on the entry function:
/// `q8.weights_size` and `q8.weights = [{offset, value}, ...]`.
struct WeightsLayout {
  struct Entry {
    int64_t offset;
    mlir::ElementsAttr value;
  };
  int64_t size = 0;
  llvm::SmallVector<Entry> entries;
};

/// Reads the layout from the module's entry function; fails with a
/// diagnostic if it has none or it is malformed.
mlir::FailureOr<WeightsLayout> readWeightsLayout(mlir::ModuleOp module);

} // namespace q8

#endif // Q8_PASSES_CODEGEN_EXTERNALIZEWEIGHTS_H
