//===- MatmulKernelEmitter.cpp - the matmul micro-kernels in vector code --===//
//
// q8-matmul-kernels' loops and register-blocked micro-kernels for one
// matmul (MatmulKernels.cpp describes them): batch loops, K blocks, column
// panels, row blocks, and the FMA or int8 dot per accumulator.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/MatmulKernels.h"
#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace q8::matmul {
namespace {

/// Indices into an operand with `map`, given a value for every loop dim
/// the map uses.
SmallVector<Value> indicesFor(AffineMap map, ArrayRef<Value> loopValues) {
  SmallVector<Value> indices;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    indices.push_back(loopValues[map.getDimPosition(i)]);
  return indices;
}

/// Emits the kernels of one matmul in place of `info.op`.
class KernelEmitter {
public:
  /// `packedB` is indexed [prefix..., strip, k / group, 0], prefix the loop
  /// values of `packedPrefix`; `columnOffsets`, if any, [prefix..., n] is
  /// added to every row's accumulators once.
  KernelEmitter(OpBuilder &builder, const MatmulInfo &info,
                const DotScheme &scheme, int64_t registers, Blocking blocking,
                Value packedB, ArrayRef<unsigned> packedPrefix,
                Value columnOffsets, const Epilogue *epilogue,
                const q8::TargetInfo &target)
      : b(builder), loc(info.op->getLoc()), info(info), scheme(scheme),
        lanes(scheme.lanes), registers(registers), blocking(blocking),
        packedB(packedB), packedPrefix(packedPrefix),
        columnOffsets(columnOffsets), epilogue(epilogue), target(target),
        vecType(scheme.accType()) {}

  /// Everything for columns [0, vectorColumns); `zeroInit` drops the
  /// initial load of C in the first K block.
  void emit(int64_t vectorColumns, bool zeroInit) {
    int64_t m = info.extents[info.mDim], k = info.extents[info.kDim];
    int64_t panelColumns =
        std::min(blocking.vectors * lanes, vectorColumns);
    int64_t kBlock = chooseKBlock(k, m, scheme, panelColumns, target);
    int64_t blocks = k / kBlock;
    SmallVector<Value> loopValues(info.extents.size());
    emitBatchLoops(0, loopValues, [&](SmallVector<Value> &values) {
      // The first K block, the middle ones in a loop, the last: the first
      // starts from zeros or offsets, the last stores through the epilogue.
      auto block = [&](Value k0, bool first, bool last) {
        firstBlock = first;
        lastBlock = last;
        emitPanels(values, k0, kBlock, vectorColumns, m,
                   /*zeroInit=*/first && zeroInit);
      };
      if (info.kExtent) {
        // A depth known at run time: one K block, all of it.
        block(constant(0), true, true);
        return;
      }
      block(constant(0), true, blocks == 1);
      if (blocks > 2)
        forLoop(kBlock, (blocks - 1) * kBlock, kBlock,
                [&](Value k0) { block(k0, false, false); });
      if (blocks > 1)
        block(constant((blocks - 1) * kBlock), false, true);
    });
  }

private:
  Value constant(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// scf.for lb..ub step `step` with no carried values; `body` gets the
  /// induction variable with the insertion point inside the loop.
  /// `parallel`: the iterations write disjoint parts of C, so the loop may
  /// run on several threads (q8-outline-parallel reads the attribute).
  void forLoop(int64_t lb, int64_t ub, int64_t step,
               function_ref<void(Value)> body, bool parallel = false) {
    forLoop(constant(lb), ub, step, body, parallel);
  }
  void forLoop(Value lb, int64_t ub, int64_t step,
               function_ref<void(Value)> body, bool parallel = false) {
    forLoop(lb, constant(ub), step, body, parallel);
  }
  void forLoop(Value lb, Value ub, int64_t step,
               function_ref<void(Value)> body, bool parallel = false) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, constant(step));
    if (parallel)
      loop->setAttr(kParallelLoopAttr, b.getUnitAttr());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  Value add(Value base, int64_t offset) {
    if (offset == 0)
      return base;
    return arith::AddIOp::create(b, loc, base, constant(offset));
  }

  /// One scf.for per batch dim, outermost first.
  void emitBatchLoops(unsigned index, SmallVector<Value> &values,
                      function_ref<void(SmallVector<Value> &)> body) {
    if (index == info.batchDims.size())
      return body(values);
    unsigned dim = info.batchDims[index];
    forLoop(0, info.extents[dim], 1, [&](Value iv) {
      values[dim] = iv;
      emitBatchLoops(index + 1, values, body);
    }, /*parallel=*/true);
  }

  /// Panels of blocking.vectors vectors over [0, vectorColumns), then one
  /// narrower panel for the vectors left over; each walks all row blocks.
  void emitPanels(SmallVector<Value> &values, Value k0, int64_t kBlock,
                  int64_t vectorColumns, int64_t m, bool zeroInit) {
    int64_t panel = blocking.vectors * lanes;
    int64_t fullPanels = vectorColumns / panel;
    int64_t leftoverVectors = (vectorColumns % panel) / lanes;
    auto rows = [&](Value n0, int64_t vectors) {
      emitRowBlocks(values, k0, kBlock, n0, vectors, m, zeroInit);
    };
    if (info.nExtent) {
      // Columns known at run time: full panels, then one vector at a time
      // up to info.vectorColumns (the scalar rest is the caller's).
      Value full = arith::MulIOp::create(
          b, loc,
          arith::DivUIOp::create(b, loc, info.vectorColumns, constant(panel)),
          constant(panel));
      forLoop(constant(0), full, panel,
              [&](Value n0) { rows(n0, blocking.vectors); },
              /*parallel=*/true);
      forLoop(full, info.vectorColumns, lanes, [&](Value n0) { rows(n0, 1); },
              /*parallel=*/true);
      return;
    }
    if (fullPanels == 1) {
      rows(constant(0), blocking.vectors);
    } else if (fullPanels > 1) {
      forLoop(0, fullPanels * panel, panel,
              [&](Value n0) { rows(n0, blocking.vectors); },
              /*parallel=*/true);
    }
    if (leftoverVectors)
      rows(constant(fullPanels * panel), leftoverVectors);
  }

  void emitRowBlocks(SmallVector<Value> &values, Value k0, int64_t kBlock,
                     Value n0, int64_t vectors, int64_t m, bool zeroInit) {
    // Narrow panels afford more rows.
    int64_t rows = vectors == blocking.vectors
                       ? blocking.rows
                       : rowsFor(vectors, registers, scheme);
    int64_t fullBlocks = m / rows, leftover = m % rows;
    auto kernel = [&](Value m0, int64_t count) {
      emitKernel(values, k0, kBlock, m0, count, n0, vectors, zeroInit);
    };
    if (info.mExtent) {
      // Rows known at run time: the blocks of `rows` that fit, then the
      // rows left over one at a time.
      Value full = arith::MulIOp::create(
          b, loc,
          arith::DivUIOp::create(b, loc, info.mExtent, constant(rows)),
          constant(rows));
      forLoop(constant(0), full, rows, [&](Value m0) { kernel(m0, rows); },
              /*parallel=*/true);
      forLoop(full, info.mExtent, 1, [&](Value m0) { kernel(m0, 1); },
              /*parallel=*/true);
      return;
    }
    if (fullBlocks == 1) {
      kernel(constant(0), rows);
    } else if (fullBlocks > 1) {
      forLoop(0, fullBlocks * rows, rows,
              [&](Value m0) { kernel(m0, rows); }, /*parallel=*/true);
    }
    if (leftover)
      kernel(constant(fullBlocks * rows), leftover);
  }

  /// The micro-kernel: rows x vectors accumulators over one K block.
  void emitKernel(SmallVector<Value> &values, Value k0, int64_t kBlock,
                  Value m0, int64_t rows, Value n0, int64_t vectors,
                  bool zeroInit) {
    auto cIndices = [&](int64_t i, int64_t j) {
      values[info.mDim] = add(m0, i);
      values[info.nDim] = add(n0, j * lanes);
      return indicesFor(info.cMap, values);
    };
    SmallVector<Value> acc;
    Value zero;
    if (zeroInit)
      zero = arith::ConstantOp::create(b, loc, vecType,
                                       b.getZeroAttr(vecType));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        acc.push_back(zeroInit ? zero
                               : vector::LoadOp::create(b, loc, vecType,
                                                        info.c, cIndices(i, j))
                                     .getResult());
    if (columnOffsets && firstBlock) {
      for (int64_t j = 0; j < vectors; ++j) {
        SmallVector<Value> indices = prefixIndices(values);
        indices.push_back(add(n0, j * lanes));
        Value offset =
            vector::LoadOp::create(b, loc, vecType, columnOffsets, indices);
        for (int64_t i = 0; i < rows; ++i) {
          Value &slot = acc[i * vectors + j];
          slot = zeroInit ? offset
                          : arith::AddIOp::create(b, loc, slot, offset)
                                .getResult();
        }
      }
    }

    Value stripBase;
    if (packedB)
      stripBase = arith::DivUIOp::create(b, loc, n0, constant(lanes));
    int64_t unroll = info.kExtent ? 1 : kUnroll(kBlock, rows * vectors);
    Value kEnd = info.kExtent ? info.kExtent : add(k0, kBlock);
    auto loop = scf::ForOp::create(
        b, loc, k0, kEnd, constant(scheme.group * unroll), acc,
        [&](OpBuilder &nested, Location, Value k0, ValueRange carried) {
          SmallVector<Value> next(carried.begin(), carried.end());
          for (int64_t u = 0; u < unroll; ++u) {
            Value k = add(k0, u * scheme.group);
            values[info.kDim] = k;
            SmallVector<Value> bVectors;
            for (int64_t j = 0; j < vectors; ++j)
              bVectors.push_back(loadB(values, stripBase, n0, k, j));
            for (int64_t i = 0; i < rows; ++i) {
              values[info.mDim] = add(m0, i);
              Value a = broadcastA(indicesFor(info.aMap, values));
              for (int64_t j = 0; j < vectors; ++j) {
                Value &slot = next[i * vectors + j];
                slot = dot(a, bVectors[j], slot);
              }
            }
          }
          scf::YieldOp::create(b, loc, next);
        });

    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j) {
        Value result = loop.getResult(i * vectors + j);
        SmallVector<Value> indices = cIndices(i, j);
        if (epilogue && lastBlock)
          emitEpilogue(b, loc, *epilogue, result, values, info.nDim);
        else
          vector::StoreOp::create(b, loc, result, info.c, indices);
      }
  }

  /// k steps per trip of the kernel's k loop: 2 for kernels of at most 8
  /// accumulators (16-register targets), whose loop overhead (increment,
  /// compare, branch) is otherwise felt: the exact AVX2 route on the
  /// 128x768x3072 MatMul runs 4 % faster; elsewhere it made no difference.
  int64_t kUnroll(int64_t kBlock, int64_t accumulators) {
    return accumulators <= 8 && (kBlock / scheme.group) % 2 == 0 ? 2 : 1;
  }

  SmallVector<Value> prefixIndices(ArrayRef<Value> values) {
    SmallVector<Value> indices;
    for (unsigned dim : packedPrefix)
      indices.push_back(values[dim]);
    return indices;
  }

  /// A(m, k) for every lane: the f32 itself, or A's group bytes at
  /// k .. k + group as one 32-bit lane, in the dot's operand type.
  Value broadcastA(SmallVector<Value> indices) {
    if (scheme.kind == DotScheme::Fma) {
      Value a = memref::LoadOp::create(b, loc, info.a, indices);
      return vector::BroadcastOp::create(b, loc, vecType, a);
    }
    // A's group (as bytes, or zero-extended to i16 pairs beforehand for
    // vpmaddwd) is one 32-bit lane.
    Type i32 = b.getI32Type();
    Type element = cast<MemRefType>(info.a.getType()).getElementType();
    Value bytes = vector::LoadOp::create(
        b, loc, VectorType::get({scheme.group}, element), info.a, indices);
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, i32), bytes);
    Value lane = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, i32), lane);
    return vector::BitCastOp::create(b, loc, scheme.bType(), splat);
  }

  Value intrinsic(StringRef name, Type result, ValueRange operands) {
    return LLVM::CallIntrinsicOp::create(b, loc, result,
                                         b.getStringAttr(name), operands)
        .getResult(0);
  }

  /// acc + a . bVector with the scheme's instruction.
  Value dot(Value a, Value bVector, Value acc) {
    bool wide = scheme.wide();
    Type i16x = VectorType::get({lanes * 2}, b.getI16Type());
    switch (scheme.kind) {
    case DotScheme::Fma:
      return vector::FMAOp::create(b, loc, a, bVector, acc);
    case DotScheme::Vnni:
      return intrinsic(wide ? "llvm.x86.avx512.vpdpbusd.512"
                            : "llvm.x86.avx512.vpdpbusd.256",
                       vecType, {acc, a, bVector});
    case DotScheme::MaddUbsw: {
      Value pairs = intrinsic(wide ? "llvm.x86.avx512.pmaddubs.w.512"
                                   : "llvm.x86.avx2.pmadd.ub.sw",
                              i16x, {a, bVector});
      Value ones = arith::ConstantOp::create(
          b, loc, i16x,
          DenseElementsAttr::get(cast<ShapedType>(i16x), b.getI16IntegerAttr(1)
                                                         .getValue()));
      Value quads = intrinsic(wide ? "llvm.x86.avx512.pmaddw.d.512"
                                   : "llvm.x86.avx2.pmadd.wd",
                              vecType, {pairs, ones});
      return arith::AddIOp::create(b, loc, acc, quads);
    }
    case DotScheme::MaddWd: {
      Value pairs = intrinsic(wide ? "llvm.x86.avx512.pmaddw.d.512"
                                   : "llvm.x86.avx2.pmadd.wd",
                              vecType, {a, bVector});
      return arith::AddIOp::create(b, loc, acc, pairs);
    }
    }
    llvm_unreachable("unknown dot scheme");
  }

  /// Vector j of B's row k at column block n0 (strip n0 / lanes, group
  /// k / group when packed).
  Value loadB(SmallVector<Value> &values, Value stripBase, Value n0, Value k,
              int64_t j) {
    if (packedB) {
      Value step = scheme.group == 1
                       ? k
                       : arith::DivUIOp::create(b, loc, k,
                                                constant(scheme.group))
                             .getResult();
      SmallVector<Value> indices = prefixIndices(values);
      indices.append({add(stripBase, j), step, constant(0)});
      return vector::LoadOp::create(b, loc, scheme.bType(), packedB, indices);
    }
    values[info.nDim] = add(n0, j * lanes);
    return vector::LoadOp::create(b, loc, vecType, info.b,
                                  indicesFor(info.bMap, values));
  }

  OpBuilder &b;
  Location loc;
  const MatmulInfo &info;
  const DotScheme &scheme;
  int64_t lanes;
  int64_t registers;
  Blocking blocking;
  Value packedB;
  SmallVector<unsigned> packedPrefix;
  Value columnOffsets;
  const Epilogue *epilogue;
  const q8::TargetInfo &target;
  bool firstBlock = true, lastBlock = true;
  VectorType vecType;
};

} // namespace

void emitKernels(OpBuilder &builder, const MatmulInfo &info,
                 const DotScheme &scheme, int64_t registers,
                 Blocking blocking, Value packedB,
                 ArrayRef<unsigned> packedPrefix, Value columnOffsets,
                 int64_t vectorColumns, bool zeroInit,
                 const Epilogue *epilogue, const q8::TargetInfo &target) {
  KernelEmitter(builder, info, scheme, registers, blocking, packedB,
                packedPrefix, columnOffsets, epilogue, target)
      .emit(vectorColumns, zeroInit);
}

} // namespace q8::matmul
