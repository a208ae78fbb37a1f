//===- ConvertQ8ToLinalg.h - helpers shared by the q8-to-linalg patterns -*- C++ -*-===//
//
// The q8-convert-to-linalg patterns are split by op family into several
// files; the IR-building helpers they share (broadcast indexing maps,
// elementwise generics, reductions, reshapes) live here so that each idea is
// written once.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CONVERTQ8TOLINALG_H
#define Q8_PASSES_CONVERTQ8TOLINALG_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace q8 {

/// Builds the scalar body of an elementwise generic from the block arguments
/// of its inputs (the output's block argument is not passed).
using ScalarBodyBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// The indexing map that reads `operandShape` when iterating over
/// `resultShape` under numpy broadcasting: operand dims align with the
/// trailing result dims, and a size-1 dim that the result stretches reads
/// index 0.
mlir::AffineMap getBroadcastMap(llvm::ArrayRef<int64_t> operandShape,
                                llvm::ArrayRef<int64_t> resultShape,
                                mlir::MLIRContext *context);

/// A `tensor.empty` of `type`.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);

/// A tensor of `type` filled with `value` (tensor.empty + linalg.fill).
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value value);

/// An arith.constant scalar of `type` (float or signless integer) holding
/// `value` (converted, and truncated toward zero for integers).
mlir::Value createScalar(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, double value);

/// The lowest (`lowest` = true) or highest value of `type`: -inf/+inf for
/// floats, the signed extremes for integers. The identity of max/min.
mlir::Value createExtreme(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, bool lowest);

/// An all-parallel linalg.generic producing `resultType` from `inputs` read
/// through `maps` (one per input; the output map is the identity).
mlir::Value createParallelGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::RankedTensorType resultType,
                                  mlir::ValueRange inputs,
                                  llvm::ArrayRef<mlir::AffineMap> maps,
                                  ScalarBodyBuilder body);

/// An elementwise linalg.generic producing `resultType` from `inputs`, each
/// broadcast to the result shape with numpy semantics (getBroadcastMap).
mlir::Value createElementwise(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType resultType,
                              mlir::ValueRange inputs, ScalarBodyBuilder body);

/// `input` broadcast to `shape` with numpy semantics (a copying generic);
/// `input` itself when it already has that shape.
mlir::Value broadcastTo(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value input, llvm::ArrayRef<int64_t> shape);

/// Reduces `input` over `axes` (sorted, non-negative) with `combine`
/// (called with the element and the accumulator) starting from `init`. The
/// result keeps the reduced dims as size 1, so elementwise consumers can
/// broadcast it back against `input`.
mlir::Value createReduction(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value input, llvm::ArrayRef<int64_t> axes,
                            mlir::Value init, ScalarBodyBuilder combine);

/// The same elements as `input` in `shape`: a tensor.collapse_shape or
/// tensor.expand_shape when the reshape is one, else a collapse to 1-D
/// followed by an expand.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      llvm::ArrayRef<int64_t> shape);

/// `input` padded by `low`/`high` (non-negative, one per dim) with the scalar
/// `padValue`; `input` itself when every pad is zero.
mlir::Value padConstant(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value input, llvm::ArrayRef<int64_t> low,
                        llvm::ArrayRef<int64_t> high, mlir::Value padValue);

/// True when `type` is a float or a signless integer (i1 included): the
/// element types arith and math can compute on.
bool isComputeType(mlir::Type type);

/// Fails (with a match-failure reason) unless every operand and result of
/// `op` has a compute element type (isComputeType).
mlir::LogicalResult checkComputeTypes(mlir::Operation *op,
                                      mlir::PatternRewriter &rewriter);

/// Elementwise, compare, select, cast and activation ops.
void populateQ8ElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// Softmax, layer/batch normalization and the reduce_* ops.
void populateQ8ReductionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// matmul and gemm.
void populateQ8MatmulToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// conv, conv_transpose and the pools.
void populateQ8ConvToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// Constants, transpose, reshape, expand, gather, concat, split, slice and
/// pad.
void populateQ8DataToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Every q8-to-linalg pattern (the union of the above).
void populateQ8ToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace q8

#endif // Q8_PASSES_CONVERTQ8TOLINALG_H
