//===- NodeBinder.h - named access to one ONNX node for its handler -*- C++ -*-===//
//
// Handlers read operands, constant operands and attributes through this
// class and build q8 ops with `create`, which infers result types, verifies
// and folds. Every accessor that can fail reports an ImportError naming the
// node and returns a null Value or failure(); `create` propagates null
// operands, so handlers can chain calls and check once at the end.
//
//===----------------------------------------------------------------------===//
#ifndef Q8_COMPILER_ONNX_NODEBINDER_H
#define Q8_COMPILER_ONNX_NODEBINDER_H

#include "compiler/onnx/Importer.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/Twine.h"

#include <optional>

namespace q8::importer {

/// Explicit window geometry of a conv or pool: auto_pad resolved.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, pads, dilations;
};

/// What auto_pad SAME_UPPER/SAME_LOWER makes of a window that needs less than
/// no padding (a kernel extent smaller than the stride, e.g. kernel 1 stride
/// 3 over 15: (5 - 1) * 3 + 1 - 15 = -2). ONNX Runtime's Conv clamps the
/// total to 0; its pools keep it negative, so their windows start inside the
/// input. q8 follows each: a negative pad is then cropped off the input
/// (NodeBinder::cropNegativePads).
enum class SamePadding { Clamp, KeepNegative };

class NodeBinder {
public:
  NodeBinder(Importer &importer, const onnx::NodeProto &node,
             int64_t sinceVersion);

  const onnx::NodeProto &getNode() const { return node; }
  Importer &getImporter() { return importer; }
  int64_t getSinceVersion() const { return sinceVersion; }
  mlir::OpBuilder &getBuilder() { return importer.getBuilder(); }
  mlir::MLIRContext *getContext() { return &importer.getContext(); }
  mlir::Location getLoc() const { return loc; }

  //===--------------------------------------------------------------------===//
  // Operands
  //===--------------------------------------------------------------------===//

  /// Whether ONNX input `i` is given (optional inputs may be empty names).
  bool hasInput(unsigned i) const;
  unsigned getNumInputs() const { return node.input_size(); }
  /// Input `i`; reports an error (and returns null) when it is missing.
  mlir::Value input(unsigned i);
  /// Input `i`, or null without an error when it is absent.
  mlir::Value optionalInput(unsigned i);
  /// Every given input, in order.
  llvm::SmallVector<mlir::Value> inputs();

  /// Constant input `i` (`what` names it in messages) as integers. An
  /// absent input gives nullopt; a non-constant one an UnsupportedFeature
  /// error suggesting --bind.
  mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
  optionalInts(unsigned i, llvm::StringRef what);
  /// As optionalInts, but the input is required.
  mlir::FailureOr<llvm::SmallVector<int64_t>> ints(unsigned i,
                                                   llvm::StringRef what);
  /// Constant input `i` as doubles (float or integer elements).
  mlir::FailureOr<std::optional<llvm::SmallVector<double>>>
  optionalFloats(unsigned i, llvm::StringRef what);
  /// The constant value of `value`, or null.
  static mlir::ElementsAttr getConstant(mlir::Value value);

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t defaultValue) const;
  float attrFloat(llvm::StringRef name, float defaultValue) const;
  std::string attrString(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>> attrInts(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<float>> attrFloats(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<std::string>>
  attrStrings(llvm::StringRef name) const;

  //===--------------------------------------------------------------------===//
  // Results
  //===--------------------------------------------------------------------===//

  unsigned getNumOutputs() const { return node.output_size(); }
  /// Whether output `i` exists and something reads it.
  bool isOutputUsed(unsigned i) const;
  /// Binds output `i` to `value`; failure when `value` is null.
  mlir::LogicalResult setResult(unsigned i, mlir::Value value);
  /// Binds output 0 (the common case).
  mlir::LogicalResult result(mlir::Value value) { return setResult(0, value); }
  /// Fails with UnsupportedFeature when any output from `first` on is used.
  mlir::LogicalResult rejectUsedOutputs(unsigned first, llvm::StringRef why);

  //===--------------------------------------------------------------------===//
  // Building
  //===--------------------------------------------------------------------===//

  /// Builds `opName` with inferred result types, verifies and folds it.
  /// Null operands (an earlier error) give an empty result.
  llvm::SmallVector<mlir::Value>
  createOp(llvm::StringRef opName, llvm::ArrayRef<mlir::Value> operands,
           llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  template <typename OpTy>
  mlir::Value create(llvm::ArrayRef<mlir::Value> operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    llvm::SmallVector<mlir::Value> results =
        createOp(OpTy::getOperationName(), operands, attrs);
    return results.size() == 1 ? results.front() : mlir::Value();
  }
  template <typename OpTy>
  llvm::SmallVector<mlir::Value>
  createMulti(llvm::ArrayRef<mlir::Value> operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return createOp(OpTy::getOperationName(), operands, attrs);
  }
  /// A q8.constant of `value`.
  mlir::Value constant(mlir::ElementsAttr value);
  /// A rank-0 (or `shape`d) splat constant of `element` type.
  mlir::Value splat(mlir::Type element, double value,
                    llvm::ArrayRef<int64_t> shape = {});
  /// A q8.constant of an ONNX tensor (a Constant node's value); large ones
  /// become dense_resource blobs named after output 0.
  mlir::Value constantFromTensor(const onnx::TensorProto &tensor);
  /// A 1-D i64 constant.
  mlir::Value constantI64(llvm::ArrayRef<int64_t> values);
  /// q8.reshape of `value` to `shape` (fully resolved).
  mlir::Value reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);

  mlir::NamedAttribute named(llvm::StringRef name, mlir::Attribute value);
  mlir::NamedAttribute namedI64(llvm::StringRef name, int64_t value);
  mlir::NamedAttribute namedF32(llvm::StringRef name, float value);
  mlir::NamedAttribute namedBool(llvm::StringRef name, bool value);
  mlir::NamedAttribute namedStr(llvm::StringRef name, llvm::StringRef value);
  mlir::NamedAttribute namedI64s(llvm::StringRef name,
                                 llvm::ArrayRef<int64_t> values);

  //===--------------------------------------------------------------------===//
  // Shapes and shared ONNX conventions
  //===--------------------------------------------------------------------===//

  /// The ranked type of `value` (every q8 value is a static tensor).
  static mlir::RankedTensorType getType(mlir::Value value);
  static llvm::ArrayRef<int64_t> getShape(mlir::Value value);

  /// Maps `axis` in [-rank, rank) to [0, rank); Invalid error otherwise.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what);
  /// Normalizes every axis, and sorts and deduplicates them when `sort`.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                llvm::StringRef what, bool sort = true);

  /// Reads kernel_shape (default: `weightKernel`), strides, dilations, pads
  /// and auto_pad for a window over the spatial dims `spatial`, resolving
  /// auto_pad into explicit pads.
  mlir::FailureOr<Window>
  getWindow(llvm::ArrayRef<int64_t> spatial,
            llvm::ArrayRef<int64_t> weightKernel, bool hasDilations = true,
            SamePadding samePadding = SamePadding::Clamp);

  /// Slices the negative pads of `window` (from SamePadding::KeepNegative)
  /// off the spatial dims of `x` and zeroes them; returns `x` when there are
  /// none.
  mlir::Value cropNegativePads(mlir::Value x, Window &window);

  //===--------------------------------------------------------------------===//
  // Errors
  //===--------------------------------------------------------------------===//

  mlir::LogicalResult fail(ImportErrorKind kind, const llvm::Twine &message);
  /// A supported op used in a way q8 does not support.
  mlir::LogicalResult unsupported(const llvm::Twine &message) {
    return fail(ImportErrorKind::UnsupportedFeature, message);
  }
  /// The model contradicts the ONNX spec or itself.
  mlir::LogicalResult invalid(const llvm::Twine &message) {
    return fail(ImportErrorKind::Invalid, message);
  }

private:
  mlir::FailureOr<mlir::ElementsAttr> constantInput(unsigned i,
                                                    llvm::StringRef what);

  Importer &importer;
  const onnx::NodeProto &node;
  int64_t sinceVersion;
  mlir::Location loc;
};

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_NODEBINDER_H
