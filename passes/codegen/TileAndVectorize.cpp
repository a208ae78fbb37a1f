//===- TileAndVectorize.cpp - register tiles of linalg ops, vectorized ----===//
//
// Upstream MLIR reaches tiling and vectorization through the transform
// dialect; q8 picks tile sizes from the target's vector width in C++ so the
// pipeline is a plain pass list. Tiles divide their loops exactly, so the
// vectorizer never needs masks (slower, but always correct, for loop extents
// with awkward factors; masked tails are a later optimization).
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"
#include "passes/codegen/TargetInfo.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_TILEANDVECTORIZE
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The largest divisor of `extent` that is at most `bound` (the whole
/// extent when it fits): a tile that needs no remainder loop or mask.
int64_t fullTile(int64_t extent, int64_t bound) {
  if (extent <= bound)
    return extent;
  for (int64_t tile = bound; tile > 1; --tile)
    if (extent % tile == 0)
      return tile;
  return 1;
}

/// The tile of a loop whose extent is only known at run time (a dynamic
/// extent): `vector` elements when the vectorizer needs that loop (the
/// tiles are peeled, so all but the last are static), else one.
int64_t dynamicTile(bool vectorized, int64_t vector) {
  return vectorized ? vector : 1;
}

/// Tile sizes per loop of `op` (see the pass description); a size equal to
/// the loop's extent means "do not tile this loop".
SmallVector<int64_t> chooseTileSizes(linalg::LinalgOp op, int64_t lanes) {
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  auto tileOf = [&](unsigned dim, int64_t bound, bool vectorized) {
    return ShapedType::isDynamic(extents[dim])
               ? dynamicTile(vectorized, bound)
               : fullTile(extents[dim], bound);
  };
  SmallVector<int64_t> tiles(extents.size(), 1);
  if (extents.empty())
    return tiles;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::isaContractionOpInterface(op)
          ? linalg::inferContractionDims(op)
          : FailureOr<linalg::ContractionDimensions>(failure());
  if (succeeded(dims) && !dims->m.empty() && !dims->n.empty() &&
      !dims->k.empty()) {
    // The innermost M, N and K loops form the register tile; 4 x 2 vectors
    // of accumulators leave registers for the A broadcasts and B rows.
    unsigned m = dims->m.back(), n = dims->n.back(), k = dims->k.back();
    tiles[m] = tileOf(m, 4, false);
    tiles[n] = tileOf(n, 2 * lanes, true);
    tiles[k] = tileOf(k, lanes, true);
    return tiles;
  }
  tiles.back() = tileOf(extents.size() - 1, lanes, true);
  return tiles;
}

/// Vectorizes `op` (on buffers, so it has no results) and erases it.
LogicalResult vectorizeAndErase(RewriterBase &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  if (failed(linalg::vectorize(rewriter, op, /*inputVectorSizes=*/{},
                               /*inputScalableVecDims=*/{},
                               /*vectorizeNDExtract=*/false,
                               /*flatten1DDepthwiseConv=*/false,
                               /*assumeDynamicDimsMatchVecSizes=*/false,
                               /*createNamedContraction=*/true)))
    return failure();
  rewriter.eraseOp(op);
  return success();
}

/// Marks the linalg ops the pass has tried (or must leave alone) while it
/// runs: its worklist is walked again after each op.
constexpr llvm::StringLiteral kTriedAttr = "q8.tiled";

/// Makes the linalg ops in `root` read the static buffers behind
/// memref.casts to dynamic types (named ops like linalg.reduce have no
/// folder for them), so that they have static shapes where they can.
void readThroughCasts(Operation *root) {
  root->walk([&](linalg::LinalgOp op) {
    for (OpOperand &operand : op->getOpOperands())
      if (auto cast = operand.get().getDefiningOp<memref::CastOp>())
        if (memref::CastOp::canFoldIntoConsumerOp(cast))
          operand.set(cast.getSource());
  });
}

/// Marks the tiles of the nest being vectorized, across the clean-up that
/// may rewrite the ops around them.
constexpr llvm::StringLiteral kTileAttr = "q8.tile";

/// Vectorizes the tiles of a dynamic op's tile loops `nest`: peels the
/// last, partial tile off each loop of `loops` (tiled by a vector), so
/// that the tiles of the main loops have static shapes, and vectorizes
/// every static tile. The partial tiles stay linalg ops, for
/// convert-linalg-to-loops: a run-time tail.
LogicalResult vectorizeDynamicTiles(RewriterBase &rewriter, Operation *nest,
                                    ArrayRef<scf::ForOp> loops,
                                    const FrozenRewritePatternSet &cleanUp) {
  nest->walk([&](linalg::LinalgOp tile) {
    tile->setAttr(kTileAttr, rewriter.getUnitAttr());
  });
  Operation *parent = nest->getParentOp();
  for (scf::ForOp loop : loops) {
    scf::ForOp partial;
    if (failed(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)))
      continue;
    // The partial tiles are the run-time tail: loops, never tiled again.
    partial->walk([&](linalg::LinalgOp tail) {
      tail->removeAttr(kTileAttr);
      tail->setAttr(kTriedAttr, rewriter.getUnitAttr());
    });
  }
  // The main loops' tile sizes are constants now: static subviews. The
  // clean-up runs on the nest's parent (the caller walks its ops again).
  (void)applyPatternsGreedily(parent, cleanUp);
  readThroughCasts(parent);
  SmallVector<linalg::LinalgOp> tiles;
  parent->walk([&](linalg::LinalgOp tile) {
    if (!tile->hasAttr(kTileAttr))
      return;
    tile->removeAttr(kTileAttr);
    if (!tile.hasDynamicShape() && tile.hasPureBufferSemantics() &&
        succeeded(linalg::vectorizeOpPrecondition(tile)))
      tiles.push_back(tile);
  });
  for (linalg::LinalgOp tile : tiles)
    (void)vectorizeAndErase(rewriter, tile);
  return success();
}

LogicalResult tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                               int64_t lanes,
                               const FrozenRewritePatternSet &cleanUp) {
  if (!op.hasPureBufferSemantics())
    return failure();
  bool dynamic = op.hasDynamicShape();
  if (!dynamic && failed(linalg::vectorizeOpPrecondition(op)))
    return failure();
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  SmallVector<int64_t> tiles = chooseTileSizes(op, lanes);
  bool tiled = false;
  for (auto [tile, extent] : llvm::zip_equal(tiles, extents)) {
    if (tile == extent)
      tile = 0;
    tiled |= tile != 0;
  }
  if (!tiled)
    return vectorizeAndErase(rewriter, op);

  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  // One loop per tiled dim, in order. Tiles of a parallel dim write
  // disjoint parts of the outputs and read none of them, so threads may
  // take them (q8-outline-parallel); a reduction dim's loop accumulates.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned loop = 0;
  SmallVector<scf::ForOp> peel;
  for (auto [dim, tile] : llvm::enumerate(tiles)) {
    if (tile == 0)
      continue;
    if (loop < result->loops.size() &&
        iterators[dim] == utils::IteratorType::parallel)
      result->loops[loop]->setAttr(q8::kParallelLoopAttr,
                                   rewriter.getUnitAttr());
    if (loop < result->loops.size() && ShapedType::isDynamic(extents[dim]) &&
        tile > 1)
      if (auto forOp = dyn_cast<scf::ForOp>(result->loops[loop].getOperation()))
        peel.push_back(forOp);
    ++loop;
  }
  rewriter.eraseOp(op);
  if (dynamic)
    return vectorizeDynamicTiles(
        rewriter, result->loops.front().getOperation(), peel, cleanUp);
  // The tile's operands are static subviews: vectorizing cannot fail where
  // the untiled op passed the precondition, but if it does the tile stays
  // a (correct) linalg op for convert-linalg-to-loops.
  for (Operation *tile : result->tiledOps)
    (void)vectorizeAndErase(rewriter, tile);
  return success();
}

struct TileAndVectorize : q8::impl::TileAndVectorizeBase<TileAndVectorize> {
  /// Set by the pipeline; else the `target` option is resolved through
  /// `resolver` (q8-opt).
  std::optional<q8::TargetInfo> resolved;
  q8::TargetResolver resolver;

  using TileAndVectorizeBase::TileAndVectorizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    FailureOr<q8::TargetInfo> info =
        q8::passTarget(resolved, resolver, target, func);
    if (failed(info))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());

    // A strided memref.copy lowers to a call into the C runner library;
    // linalg.copy vectorizes (or becomes loops) instead.
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }

    // What makes a peeled tile static: folded subview sizes and casts.
    RewritePatternSet patterns(&getContext());
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, &getContext());
    memref::SubViewOp::getCanonicalizationPatterns(patterns, &getContext());
    memref::CastOp::getCanonicalizationPatterns(patterns, &getContext());
    linalg::GenericOp::getCanonicalizationPatterns(patterns, &getContext());
    FrozenRewritePatternSet cleanUp(std::move(patterns));

    // An op whose operands are static behind a memref.cast takes the
    // static path.
    readThroughCasts(func);
    // A worklist walked again after each op: a dynamic op's clean-up may
    // rewrite or erase ops after it. Ops tried once are marked.
    StringAttr tried = StringAttr::get(&getContext(), kTriedAttr);
    while (true) {
      linalg::LinalgOp next;
      func.walk([&](linalg::LinalgOp op) {
        if (op->hasAttr(tried))
          return WalkResult::advance();
        next = op;
        return WalkResult::interrupt();
      });
      if (!next)
        break;
      next->setAttr(tried, UnitAttr::get(&getContext()));
      (void)tileAndVectorize(rewriter, next, info->f32Lanes, cleanUp);
    }
    func.walk([&](linalg::LinalgOp op) { op->removeAttr(tried); });
  }
};

} // namespace

std::unique_ptr<Pass> q8::createTileAndVectorize(const TargetInfo &target) {
  auto pass = std::make_unique<TileAndVectorize>();
  pass->resolved = target;
  return pass;
}

std::unique_ptr<Pass> q8::createTileAndVectorize(TargetResolver resolve) {
  auto pass = std::make_unique<TileAndVectorize>();
  pass->resolver = std::move(resolve);
  return pass;
}
