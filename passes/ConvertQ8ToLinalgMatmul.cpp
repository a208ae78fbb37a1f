//===- ConvertQ8ToLinalgMatmul.cpp - matmul and gemm to linalg ------------===//
//
// numpy matmul becomes linalg.matmul when the right operand has no batch
// dims (the batch folds into M: the common [B, S, K] x [K, N] of
// transformers), else linalg.batch_matmul over broadcast, collapsed batch
// dims. Gemm's transposes go into linalg.matmul's indexing maps rather than
// into copies.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <numeric>

using namespace mlir;
using namespace q8;

namespace {

int64_t product(ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

/// A zero-filled accumulator of `shape`.
Value createZeroAccumulator(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                            Type elementType) {
  return createFilled(b, loc, RankedTensorType::get(shape, elementType),
                      createScalar(b, loc, elementType, 0));
}

/// Rewrites q8.matmul; for example
///   q8.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
/// becomes
///   %a2 = tensor.collapse_shape %a [[0, 1], [2]] : tensor<16x16xf32>
///   %m = linalg.matmul ins(%a2, %b) outs(zeros : tensor<16x4xf32>)
///   %r = tensor.expand_shape %m [[0, 1], [2]] : tensor<2x8x4xf32>
/// 1-D operands are promoted to [1, K] / [K, 1] and the unit dim reshaped
/// away again.
struct MatMulToLinalg : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkComputeTypes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    if (lhsType.getElementType() != elementType ||
        rhsType.getElementType() != elementType)
      return rewriter.notifyMatchFailure(op, "mixed element types");
    if (lhsType.getRank() == 1)
      lhs = reshapeTo(rewriter, loc, lhs, {1, lhsType.getDimSize(0)});
    if (rhsType.getRank() == 1)
      rhs = reshapeTo(rewriter, loc, rhs, {rhsType.getDimSize(0), 1});
    ArrayRef<int64_t> lhsShape = cast<RankedTensorType>(lhs.getType()).getShape();
    ArrayRef<int64_t> rhsShape = cast<RankedTensorType>(rhs.getType()).getShape();
    int64_t m = lhsShape[lhsShape.size() - 2], k = lhsShape.back(),
            n = rhsShape.back();
    ArrayRef<int64_t> lhsBatch = lhsShape.drop_back(2);
    ArrayRef<int64_t> rhsBatch = rhsShape.drop_back(2);

    Value result;
    if (rhsBatch.empty()) {
      int64_t rows = product(lhsBatch) * m;
      Value flatLhs = reshapeTo(rewriter, loc, lhs, {rows, k});
      Value acc = createZeroAccumulator(rewriter, loc, {rows, n}, elementType);
      result = linalg::MatmulOp::create(rewriter, loc, TypeRange{acc.getType()},
                                        ValueRange{flatLhs, rhs}, ValueRange{acc})
                   .getResult(0);
    } else {
      SmallVector<int64_t> batch;
      if (!broadcastShapes(lhsBatch, rhsBatch, batch))
        return rewriter.notifyMatchFailure(op, "batch dims do not broadcast");
      int64_t count = product(batch);
      auto withBatch = [&](int64_t rows, int64_t cols) {
        SmallVector<int64_t> shape(batch);
        shape.append({rows, cols});
        return shape;
      };
      Value fullLhs = reshapeTo(
          rewriter, loc, broadcastTo(rewriter, loc, lhs, withBatch(m, k)),
          {count, m, k});
      Value fullRhs = reshapeTo(
          rewriter, loc, broadcastTo(rewriter, loc, rhs, withBatch(k, n)),
          {count, k, n});
      Value acc =
          createZeroAccumulator(rewriter, loc, {count, m, n}, elementType);
      result = linalg::BatchMatmulOp::create(
                   rewriter, loc, TypeRange{acc.getType()},
                   ValueRange{fullLhs, fullRhs}, ValueRange{acc})
                   .getResult(0);
    }
    rewriter.replaceOp(op,
                       reshapeTo(rewriter, loc, result, resultType.getShape()));
    return success();
  }
};

/// Rewrites q8.gemm into linalg.matmul, transposes folded into its
/// indexing maps, plus one generic for the epilogue when there is one:
///   q8.gemm %a, %b, %c {alpha = 2.0, transB = true}
/// becomes
///   %m = linalg.matmul indexing_maps = [(m, n, k) -> (m, k),
///                                       (m, n, k) -> (n, k),
///                                       (m, n, k) -> (m, n)] ins(%a, %b)
///   %r = linalg.generic ins(%m, %c) { 2.0 * m + c }
struct GemmToLinalg : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkComputeTypes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    MLIRContext *context = rewriter.getContext();
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    auto map = [&](AffineExpr first, AffineExpr second) {
      return AffineMapAttr::get(AffineMap::get(3, 0, {first, second}, context));
    };
    Value acc =
        createZeroAccumulator(rewriter, loc, resultType.getShape(), elementType);
    auto matmul = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{acc});
    if (op.getTransA() || op.getTransB())
      matmul.setIndexingMapsAttr(rewriter.getArrayAttr(
          {op.getTransA() ? map(k, m) : map(m, k),
           op.getTransB() ? map(n, k) : map(k, n), map(m, n)}));
    Value result = matmul.getResult(0);

    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Value c = adaptor.getC();
    if (alpha == 1.0 && !c) {
      rewriter.replaceOp(op, result);
      return success();
    }
    SmallVector<Value> inputs = {result};
    if (c)
      inputs.push_back(c);
    bool isFloat = isa<FloatType>(elementType);
    auto mul = [&](OpBuilder &b, Location l, Value x, double factor) -> Value {
      if (factor == 1.0)
        return x;
      Value scale = createScalar(b, l, elementType, factor);
      return isFloat ? Value(arith::MulFOp::create(b, l, x, scale))
                     : Value(arith::MulIOp::create(b, l, x, scale));
    };
    result = createElementwise(
        rewriter, loc, resultType, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scaled = mul(b, l, args[0], alpha);
          if (args.size() == 1)
            return scaled;
          Value bias = mul(b, l, args[1], beta);
          return isFloat ? Value(arith::AddFOp::create(b, l, scaled, bias))
                         : Value(arith::AddIOp::create(b, l, scaled, bias));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8MatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulToLinalg, GemmToLinalg>(patterns.getContext());
}
