//===- Q8Enums.td - the q8 ops' enumerated attributes --------*- tablegen -*-===//
//
// Attributes that take one of a fixed set of names (ONNX's own spellings).
// They are stored as string attributes, so the IR reads as ONNX does
// (`mode = "nearest"`) and the importer builds them from ONNX's strings,
// while C++ gets a typed accessor (`op.getMode() == ResizeMode::Nearest`)
// and the verifier rejects other names. The C++ enums and their
// symbolize/stringify functions come from mlir-tblgen -gen-enum-decls.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_ENUMS_TD
#define Q8_ENUMS_TD

include "mlir/IR/EnumAttr.td"

class Q8_Enum<string name, string summary, list<I32EnumCase> cases>
    : I32Enum<name, summary, cases> {
  let cppNamespace = "::q8";
}

/// An op attribute holding one of `info`'s names as a StringAttr; its
/// accessor returns the C++ enum. (Upstream's EnumAttr would print as
/// `#q8<...>`; the string keeps ONNX's spelling in the IR.)
class Q8_StrEnumAttr<Q8_Enum info>
    : Attr<CPred<"::llvm::isa<::mlir::StringAttr>($_self) && "
                 "::q8::" # info.stringToSymbolFnName #
                 "(::llvm::cast<::mlir::StringAttr>($_self).getValue())">,
           "one of " # !interleave(!foreach(c, info.enumerants, c.str), ", ")> {
  let storageType = "::mlir::StringAttr";
  let returnType = "::q8::" # info.className;
  let convertFromStorage =
      "*::q8::" # info.stringToSymbolFnName # "($_self.getValue())";
  let constBuilderCall =
      "$_builder.getStringAttr(::q8::" # info.symbolToStringFnName # "($0))";
}

/// Q8_StrEnumAttr with a default case, elided when printing.
class Q8_DefaultStrEnumAttr<Q8_Enum info, string case>
    : DefaultValuedAttr<Q8_StrEnumAttr<info>, "::q8::" # info.className # "::" # case>;

def Q8_Activation : Q8_Enum<"Activation", "an int8 op's fused activation", [
  I32EnumCase<"None", 0, "none">,
  I32EnumCase<"Relu", 1, "relu">,
  I32EnumCase<"Gelu", 2, "gelu">,
  I32EnumCase<"Clip", 3, "clip">]>;

def Q8_GeluApproximation : Q8_Enum<"GeluApproximation", "GELU's formula", [
  I32EnumCase<"None", 0, "none">,
  I32EnumCase<"Tanh", 1, "tanh">]>;

def Q8_PadMode : Q8_Enum<"PadMode", "what pads hold", [
  I32EnumCase<"Constant", 0, "constant">,
  I32EnumCase<"Reflect", 1, "reflect">,
  I32EnumCase<"Edge", 2, "edge">]>;

def Q8_ResizeMode : Q8_Enum<"ResizeMode", "Resize's interpolation", [
  I32EnumCase<"Nearest", 0, "nearest">,
  I32EnumCase<"Linear", 1, "linear">,
  I32EnumCase<"Cubic", 2, "cubic">]>;

def Q8_CoordinateTransformationMode : Q8_Enum<"CoordinateTransformationMode",
    "how Resize maps an output coordinate to the input", [
  I32EnumCase<"HalfPixel", 0, "half_pixel">,
  I32EnumCase<"HalfPixelSymmetric", 1, "half_pixel_symmetric">,
  I32EnumCase<"PytorchHalfPixel", 2, "pytorch_half_pixel">,
  I32EnumCase<"AlignCorners", 3, "align_corners">,
  I32EnumCase<"Asymmetric", 4, "asymmetric">,
  I32EnumCase<"TfCropAndResize", 5, "tf_crop_and_resize">]>;

def Q8_NearestMode : Q8_Enum<"NearestMode", "how nearest Resize rounds", [
  I32EnumCase<"RoundPreferFloor", 0, "round_prefer_floor">,
  I32EnumCase<"RoundPreferCeil", 1, "round_prefer_ceil">,
  I32EnumCase<"Floor", 2, "floor">,
  I32EnumCase<"Ceil", 3, "ceil">]>;

def Q8_RnnDirection : Q8_Enum<"RnnDirection", "which way a recurrent op runs", [
  I32EnumCase<"Forward", 0, "forward">,
  I32EnumCase<"Reverse", 1, "reverse">,
  I32EnumCase<"Bidirectional", 2, "bidirectional">]>;

#endif // Q8_ENUMS_TD
