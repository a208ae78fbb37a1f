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
#include "mlir/Transforms/DialectConversion.h"
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

/// GELU of the float scalar `x`: exact, 0.5 * x * (1 + erf(x / sqrt(2))),
/// or with `tanh`, 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))).
/// q8.gelu's body, and qlinear's fused "gelu" epilogue.
mlir::Value createGelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       bool tanh = false);

/// An arith.constant scalar of `type` (float or signless integer) holding
/// `value` (converted, and truncated toward zero for integers; values
/// outside the integer's range wrap).
mlir::Value createScalar(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, double value);

/// The lowest (`lowest` = true) or highest value of `type`: -inf/+inf for
/// floats, the signed extremes for integers, or 0 and all ones when
/// `isUnsigned`. The identity of max/min.
mlir::Value createExtreme(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, bool lowest,
                          bool isUnsigned = false);

/// Tensor types at the graph level and in the lowering differ in two ways,
/// and every pattern builds its types with getLoweredType:
///  - Unsigned and signed integers become signless: arith and math compute
///    only on those, so a pattern reads the signedness from the q8 op it
///    rewrites (isUnsignedElement) to pick the unsigned arith ops (divui,
///    maxui, cmpi ult, uitofp, extui, ...).
///  - Bool tensors are stored as i8 (0 or 1), as the ABI passes them: an i1
///    buffer is not byte-addressed the same way by vector code (a
///    vector<16xi1> store writes 2 bytes of packed bits) and scalar code (a
///    byte per element), and the arena cannot place it. Scalar bodies still
///    compute on i1: an elementwise generic reads a stored bool as `x != 0`
///    and stores one with extui.
/// The pass converts function signatures the same way and records each
/// changed argument's or result's graph-level type as `q8.type`, which
/// q8-prepare-entry describes in the ABI.
///
/// `type` with every integer (scalar, or a shaped type's element) made
/// signless of the same width and a shaped type's i1 elements made i8;
/// other types unchanged (a scalar i1 stays i1).
mlir::Type getLoweredType(mlir::Type type);
/// True when `type`, or its element type, is i1 (a graph-level bool).
bool isBoolElement(mlir::Type type);
/// getLoweredType for a ranked tensor type.
mlir::RankedTensorType getLoweredType(mlir::RankedTensorType type);
/// True when `type`, or its element type, is an unsigned integer.
bool isUnsignedElement(mlir::Type type);
/// isUnsignedElement of `op`'s operand `index` (the graph-level type).
bool isUnsignedOperand(mlir::Operation *op, unsigned index = 0);

/// A type converter implementing getLoweredType, for signatures.
class SignlessTypeConverter : public mlir::TypeConverter {
public:
  SignlessTypeConverter();
};

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
/// followed by an expand; a tensor.empty when `shape` has no elements.
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

/// Like checkComputeTypes, but also accepts signed and unsigned integers:
/// for patterns that lower them (getLoweredType, isUnsignedElement).
mlir::LogicalResult checkLowerableTypes(mlir::Operation *op,
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
/// resize (a gather generic over compile-time tap tables).
void populateQ8ResizeToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// lstm and gru (an scf.for over the time steps per direction).
void populateQ8RecurrentToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// quantize, dequantize, qlinear and quant.scast (the generic int8 path).
void populateQ8QuantToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// qconv (the generic int8 convolution).
void populateQ8QConvToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Every q8-to-linalg pattern (the union of the above).
void populateQ8ToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace q8

#endif // Q8_PASSES_CONVERTQ8TOLINALG_H
