//===- Q8Dialect.td - the q8 dialect and its op base classes -*- tablegen -*-===//

#ifndef Q8_DIALECT_TD
#define Q8_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Q8_Dialect : Dialect {
  let name = "q8";
  let cppNamespace = "::q8";
  let summary = "ONNX-level tensor ops and int8 quantization ops of the q8 compiler";
  let description = [{
    Graph ops at ONNX semantics: numpy broadcasting, NCHW convolutions, all
    shapes static. Everything ONNX passes as a shape-like operand (Reshape's
    shape, Slice's starts/ends, Pad's pads, Resize's scales, reduction axes,
    ...) is a compile-time attribute here: the frontend folds the subgraphs
    that compute them and resolves ONNX's conventions (0 and -1 in Reshape,
    negative axes, auto_pad, clamped slice bounds) before building an op, so
    the ops carry exactly one spelling of each meaning.

    Quantized values use upstream `!quant.uniform` element types.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

/// Every q8 op infers its result types from operands and attributes; the
/// inference is also the op's shape verifier (it reports why it fails).
class Q8_Op<string mnemonic, list<Trait> traits = []>
    : Op<Q8_Dialect, mnemonic, !listconcat(traits, [InferTypeOpAdaptor])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

/// Any tensor of static shape: q8 IR is fully static after import.
def Q8_Tensor : StaticShapeTensorOf<[AnyType]>;
def Q8_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
/// Floats or integers of any signedness: ops defined by comparisons alone.
def Q8_NumericTensor : StaticShapeTensorOf<[AnyFloat, AnyInteger]>;
def Q8_BoolTensor : StaticShapeTensorOf<[I1]>;
def Q8_IndexTensor : StaticShapeTensorOf<[I32, I64]>;

#endif // Q8_DIALECT_TD
