//===- MatmulKernels.h - q8-matmul-kernels' internal pieces -----*- C++ -*-===//
//
// What the files of q8-matmul-kernels share (the pass and its description:
// MatmulKernels.cpp): the matched op, the dot scheme and the register
// blocking (MatmulSchemes.cpp), B's packings (MatmulPacking.cpp) and the
// micro-kernel emitter (MatmulKernelEmitter.cpp). Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_MATMULKERNELS_H
#define Q8_PASSES_CODEGEN_MATMULKERNELS_H

#include "passes/codegen/TargetInfo.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

namespace q8::matmul {

/// The register blocking of one kernel: `rows` accumulator rows of
/// `vectors` vectors each.
struct Blocking {
  int64_t rows;
  int64_t vectors;
};

/// How a kernel multiplies: one FMA per f32 lane and k, or an int8 dot
/// that sums `group` consecutive k into each i32 lane.
struct DotScheme {
  enum Kind { Fma, Vnni, MaddUbsw, MaddWd } kind;
  int64_t lanes;     ///< accumulator lanes
  int64_t group;     ///< k per lane and step
  mlir::Type packed; ///< B's packed element type
  mlir::Type accumulator;

  /// The int8 instructions come in 256- and 512-bit forms.
  bool wide() const { return lanes == 16; }
  mlir::VectorType accType() const {
    return mlir::VectorType::get({lanes}, accumulator);
  }
  /// One packed B step: lanes x group elements, one register.
  mlir::VectorType bType() const {
    return mlir::VectorType::get({lanes * group}, packed);
  }
};

/// What a contraction multiplies.
enum class Element {
  F32,  ///< f32 x f32 -> f32
  U8S8, ///< u8 x s8 -> i32 (i8 storage, zero/sign-extended in the body)
};

/// What the pass needs of one matmul-like linalg op.
struct MatmulInfo {
  mlir::linalg::LinalgOp op;
  Element element = Element::F32;
  int64_t aZeroPoint = 0; ///< U8S8: subtracted from A in the body
  mlir::Value a, b, c;
  mlir::AffineMap aMap, bMap, cMap;
  /// Every other parallel dim, looped over.
  llvm::SmallVector<unsigned> batchDims;
  unsigned mDim, nDim, kDim; ///< the micro-kernel's dims
  /// The loops' extents. Dynamic ones (a dynamic extent's rows, or in
  /// f32 with B read in place its columns or depth: attention over a
  /// sequence) hold kNominalRows, for the blocking heuristics, and their
  /// run-time sizes are mExtent, nExtent, kExtent (null where static).
  llvm::SmallVector<int64_t> extents;
  mlir::Value mExtent, nExtent, kExtent;
  /// With nExtent: the columns the vector kernels cover, n - n % lanes.
  mlir::Value vectorColumns;
};

/// The m a dynamic row count is blocked for (its size only known at run
/// time): enough rows that K blocks and panels are sized as for a
/// sequence of a few hundred tokens.
inline constexpr int64_t kNominalRows = 256;

/// Constant globals' values as doubles (exact for f32 and every integer
/// type), read once per global however many matmuls use it.
using ConstantValues = llvm::StringMap<llvm::SmallVector<double>>;

/// The constant B of `info` as a row-major [rows, cols] array, with its
/// map's k-major flag; nullopt if B is not a constant 2-D global read
/// directly.
struct ConstantB {
  llvm::ArrayRef<double> values;
  int64_t rowLength;
  bool kFirst;
  mlir::memref::GlobalOp global;

  double at(int64_t k, int64_t n) const {
    return kFirst ? values[k * rowLength + n] : values[n * rowLength + k];
  }
};

/// The unit-stride test of an operand's innermost dim (MatmulKernels.cpp).
bool hasUnitInnerStride(mlir::MemRefType type);

// The dot scheme and the register blocking (MatmulSchemes.cpp).

/// Accumulator rows for a panel of `vectors` vectors: rows x vectors
/// accumulators, the panel's B vectors and one broadcast fit the register
/// file (8 x 3 + 3 + 1 = 28 of 32 zmm; 6 x 2 + 2 + 1 = 15 of 16 ymm). The
/// vpmaddubsw/vpmaddwd dots hold a vector of ones and an i16 temporary
/// besides, so they get fewer rows (6 x 3 + 3 + 3 of 32, 4 x 2 + 2 + 3 of
/// 16).
int64_t rowsFor(int64_t vectors, int64_t registers, const DotScheme &scheme);

/// Picks the panel width (in vectors) and the row count. A panel that
/// tiles the vector part of N exactly is preferred (3 on 32-register
/// targets, 8 x 3 accumulators; 2 on 16-register ones, 6 x 2); otherwise
/// the preferred width, with a narrower kernel for the leftover vectors.
Blocking chooseBlocking(int64_t nVectors, int64_t registers,
                        const DotScheme &scheme);

/// The K block for `m` rows and panels of `panelColumns` columns: all of K
/// when a K block's A rows and B panel fit the target's L2 budget, else
/// the largest divisor of K that fits (a multiple of the dot's k group, at
/// least 128 where one exists), else all of K (MatmulSchemes.cpp).
int64_t chooseKBlock(int64_t k, int64_t m, const DotScheme &scheme,
                     int64_t panelColumns, const q8::TargetInfo &target);

/// How `info` multiplies on `target`; nullopt leaves it to the generic
/// path (an int8 contraction needs a dot instruction, a constant B and A
/// contiguous along k in whole groups).
std::optional<DotScheme> chooseScheme(mlir::MLIRContext *context,
                                      const MatmulInfo &info,
                                      const q8::TargetInfo &target,
                                      const std::optional<ConstantB> &b);

// B's packings (MatmulPacking.cpp).

/// Reads the constant B of `info` (see ConstantB), caching each global's
/// values in `read`.
std::optional<ConstantB> readConstantB(const MatmulInfo &info,
                                       mlir::SymbolTable &symbols,
                                       ConstantValues &read);

/// Packs the constant B of `info` for `scheme` into
/// [N/lanes][K/group][lanes x group] (element (s, q, l * group + j) is
/// B(q * group + j, s * lanes + l)), as a new private global next to the
/// old one (once per global and layout: `packed` remembers them); returns
/// it read through memref.get_global.
mlir::Value packConstantB(mlir::OpBuilder &builder, const MatmulInfo &info,
                          const ConstantB &constant, const DotScheme &scheme,
                          int64_t packedColumns, mlir::SymbolTable &symbols,
                          llvm::StringMap<mlir::memref::GlobalOp> &packed);

/// A copy of the u8 buffer `a` zero-extended to i16: a new allocation
/// (placed by q8-plan-arena like any other) filled by an elementwise
/// generic that q8-tile-and-vectorize vectorizes.
mlir::Value widenToI16(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a);

/// B's loop dims other than k and n, in B's order: the run-time packed
/// copy and the column offsets keep them as leading dims.
llvm::SmallVector<unsigned> prefixDimsOf(const MatmulInfo &info);

/// Packs a B only known at run time, as packConstantB lays out constant
/// ones: a new buffer [prefix..., N/lanes, K/group, lanes, group] filled by
/// an elementwise generic (B(q * group + j, s * lanes + l), sign-extended
/// for the i16 scheme), read through its [.., lanes x group] collapse.
mlir::Value packRuntimeB(mlir::OpBuilder &b, const MatmulInfo &info,
                         const DotScheme &scheme, int64_t packedColumns,
                         llvm::ArrayRef<unsigned> prefix);

/// -zp * sum_k B(.., k, n), [prefix..., N] in i32: what subtracting A's zero
/// point inside the product takes from the plain u8 x s8 dot, per column,
/// so that the kernels can start their accumulators from it.
mlir::Value columnOffsets(mlir::OpBuilder &b, const MatmulInfo &info,
                          llvm::ArrayRef<unsigned> prefix);

// The epilogue on registers (MatmulEpilogue.cpp).

/// An elementwise linalg.generic that reads C and nothing of C's but the
/// element it writes (q8's dequantize, requantize, bias, activation after
/// an int8 matmul), folded into the kernels: in the last K block each
/// accumulator vector goes through the consumer's body, vectorized, and
/// lands in the consumer's output instead of C. Maps are over the matmul's
/// loop dims.
struct Epilogue {
  mlir::linalg::GenericOp op;
  unsigned cArgument; ///< C's block argument in op's body
  mlir::Value output;
  mlir::AffineMap outputMap;
  /// The consumer's other inputs: per column (n the innermost, unit-stride
  /// dim; loaded as vectors) or not varying with n (loaded and broadcast).
  struct Input {
    mlir::Value value;
    mlir::AffineMap map;
    unsigned argument;
    bool perColumn;
  };
  llvm::SmallVector<Input> inputs;
};

/// A use that reads the buffer and writes nothing through it: a copy's
/// source, a linalg op's input.
bool isReadOnlyUse(mlir::OpOperand &use);

/// When C's only reader besides the matmul and its init is an all-parallel
/// generic reading it through a memref.expand_shape (q8-fuse-elementwise
/// folds the head split of attention, [S, H*D] -> [S, H, D], into the
/// epilogue that way), collapses that generic's loops back to C's shape
/// (linalg::collapseOpIterationDims; its other operands get the matching
/// collapse_shape views) so that it reads C itself and findEpilogue can
/// take it. Otherwise changes nothing.
void collapseExpandedConsumer(const MatmulInfo &info);

/// The consumer of C that can be folded into `info`'s kernels, if any: the
/// only other user of C besides `init` (C's zero init, may be null), later
/// in the same block with nothing in between touching its buffers, whose
/// body is arith/math elementwise ops on C's element and inputs that are
/// per column, per row or scalars, writing an output with C's layout of
/// (m, n) whose n dim is contiguous.
std::optional<Epilogue> findEpilogue(const MatmulInfo &info,
                                     mlir::Operation *init);

/// The epilogue of one accumulator vector `acc` (lanes columns from n),
/// `loopValues` holding the matmul's m and n (and batch) indices: the
/// consumer's body on vectors, stored to its output.
void emitEpilogue(mlir::OpBuilder &b, mlir::Location loc,
                  const Epilogue &epilogue, mlir::Value acc,
                  llvm::ArrayRef<mlir::Value> loopValues, unsigned nDim);

// The micro-kernels (MatmulKernelEmitter.cpp).

/// Emits the kernels of one matmul in place of `info.op`, for columns
/// [0, vectorColumns); `zeroInit` drops the initial load of C in the first
/// K block. `packedB` is indexed [prefix..., strip, k / group, 0], prefix
/// the loop values of `packedPrefix`; `columnOffsets`, if any,
/// [prefix..., n] is added to every row's accumulators once. With an
/// `epilogue`, the last K block stores through it instead of into C.
void emitKernels(mlir::OpBuilder &builder, const MatmulInfo &info,
                 const DotScheme &scheme, int64_t registers, Blocking blocking,
                 mlir::Value packedB, llvm::ArrayRef<unsigned> packedPrefix,
                 mlir::Value columnOffsets, int64_t vectorColumns,
                 bool zeroInit, const Epilogue *epilogue,
                 const q8::TargetInfo &target);

} // namespace q8::matmul

#endif // Q8_PASSES_CODEGEN_MATMULKERNELS_H
