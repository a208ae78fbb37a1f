//===- NewerOpsets.cpp - q8's schemas for opsets newer than libonnx's -----===//

#include "compiler/onnx/NewerOpsets.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <climits>

using namespace q8::importer;

namespace {
constexpr int kAny = INT_MAX;
constexpr int kNone = -1;
/// Ops q8 does not import: the importer refuses them by name.
#define Q8_REFUSED kNone, kNone, kNone, kNone, ""
} // namespace

/// Every default-domain op ONNX added or changed at opsets 18 to 21, from
/// onnx/defs/operator_sets.h (ONNX 1.13 to 1.16). Arity and attributes are
/// recorded for the ops q8 imports; sorted by op, then version.
static const NewerSchema kNewerSchemas[] = {
    {"AffineGrid", 20, false, Q8_REFUSED},
    {"AveragePool", 19, false, 1, 1, 1, 1,
     "auto_pad,ceil_mode,count_include_pad,dilations,kernel_shape,pads,"
     "strides"},
    {"BitwiseAnd", 18, false, Q8_REFUSED},
    {"BitwiseNot", 18, false, Q8_REFUSED},
    {"BitwiseOr", 18, false, Q8_REFUSED},
    {"BitwiseXor", 18, false, Q8_REFUSED},
    // saturate only applies to float8 targets.
    {"Cast", 19, false, 1, 1, 1, 1, "saturate,to"},
    {"Cast", 21, true, 1, 1, 1, 1, "saturate,to"},
    {"CastLike", 19, false, 2, 2, 1, 1, "saturate"},
    {"CastLike", 21, true, 2, 2, 1, 1, "saturate"},
    {"CenterCropPad", 18, false, Q8_REFUSED},
    {"Col2Im", 18, false, Q8_REFUSED},
    {"Constant", 19, true, 0, 0, 1, 1,
     "sparse_value,value,value_float,value_floats,value_int,value_ints,"
     "value_string,value_strings"},
    {"Constant", 21, true, 0, 0, 1, 1,
     "sparse_value,value,value_float,value_floats,value_int,value_ints,"
     "value_string,value_strings"},
    {"ConstantOfShape", 20, true, 1, 1, 1, 1, "value"},
    {"ConstantOfShape", 21, true, 1, 1, 1, 1, "value"},
    {"DeformConv", 19, false, Q8_REFUSED},
    {"DequantizeLinear", 19, true, 2, 3, 1, 1, "axis"},
    {"DequantizeLinear", 21, false, 2, 3, 1, 1, "axis,block_size"},
    {"DFT", 20, false, Q8_REFUSED},
    {"Equal", 19, true, 2, 2, 1, 1, ""},
    {"Flatten", 21, true, 1, 1, 1, 1, "axis"},
    {"Gelu", 20, false, 1, 1, 1, 1, "approximate"},
    {"GridSample", 20, false, Q8_REFUSED},
    {"GroupNormalization", 18, false, Q8_REFUSED},
    {"GroupNormalization", 21, false, Q8_REFUSED},
    {"Identity", 19, true, 1, 1, 1, 1, ""},
    {"Identity", 21, true, 1, 1, 1, 1, ""},
    // If, Loop and Scan only widened their types: libonnx's older schemas
    // check them, subgraphs included.
    {"If", 19, true, Q8_REFUSED},
    {"If", 21, true, Q8_REFUSED},
    {"ImageDecoder", 20, false, Q8_REFUSED},
    {"IsInf", 20, true, Q8_REFUSED},
    {"IsNaN", 20, true, Q8_REFUSED},
    {"Loop", 19, true, Q8_REFUSED},
    {"Loop", 21, true, Q8_REFUSED},
    {"LpPool", 18, false, Q8_REFUSED},
    {"Mish", 18, false, 1, 1, 1, 1, ""},
    {"OptionalGetElement", 18, false, Q8_REFUSED},
    {"OptionalHasElement", 18, false, Q8_REFUSED},
    // 18: the optional axes input; 19: mode "wrap".
    {"Pad", 18, false, 2, 4, 1, 1, "mode"},
    {"Pad", 19, false, 2, 4, 1, 1, "mode"},
    {"Pad", 21, true, 2, 4, 1, 1, "mode"},
    {"QLinearMatMul", 21, true, 8, 8, 1, 1, ""},
    {"QuantizeLinear", 19, false, 2, 3, 1, 1, "axis,saturate"},
    {"QuantizeLinear", 21, false, 2, 3, 1, 1,
     "axis,block_size,output_dtype,saturate"},
    // 18: axes moves from the attribute to the optional input 1.
    {"ReduceL1", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceL2", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceLogSum", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceLogSumExp", 18, false, 1, 2, 1, 1,
     "keepdims,noop_with_empty_axes"},
    {"ReduceMax", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceMax", 20, true, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceMean", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceMin", 18, false, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceMin", 20, true, 1, 2, 1, 1, "keepdims,noop_with_empty_axes"},
    {"ReduceProd", 18, false, Q8_REFUSED},
    {"ReduceSumSquare", 18, false, 1, 2, 1, 1,
     "keepdims,noop_with_empty_axes"},
    {"RegexFullMatch", 20, false, Q8_REFUSED},
    {"Reshape", 19, true, 2, 2, 1, 1, "allowzero"},
    {"Reshape", 21, true, 2, 2, 1, 1, "allowzero"},
    // 18: antialias, axes, keep_aspect_ratio_policy; 19: the
    // half_pixel_symmetric coordinate transform.
    {"Resize", 18, false, 1, 4, 1, 1,
     "antialias,axes,coordinate_transformation_mode,cubic_coeff_a,"
     "exclude_outside,extrapolation_value,keep_aspect_ratio_policy,mode,"
     "nearest_mode"},
    {"Resize", 19, false, 1, 4, 1, 1,
     "antialias,axes,coordinate_transformation_mode,cubic_coeff_a,"
     "exclude_outside,extrapolation_value,keep_aspect_ratio_policy,mode,"
     "nearest_mode"},
    {"Scan", 19, true, Q8_REFUSED},
    {"Scan", 21, true, Q8_REFUSED},
    {"ScatterElements", 18, false, Q8_REFUSED},
    {"ScatterND", 18, false, Q8_REFUSED},
    {"Shape", 19, true, 1, 1, 1, 1, "end,start"},
    {"Shape", 21, true, 1, 1, 1, 1, "end,start"},
    {"Size", 19, true, 1, 1, 1, 1, ""},
    {"Size", 21, true, 1, 1, 1, 1, ""},
    // 18: num_outputs.
    {"Split", 18, false, 1, 2, 1, kAny, "axis,num_outputs"},
    {"Squeeze", 21, true, 1, 2, 1, 1, ""},
    {"StringConcat", 20, false, Q8_REFUSED},
    {"StringSplit", 20, false, Q8_REFUSED},
    {"Transpose", 21, true, 1, 1, 1, 1, "perm"},
    {"Unsqueeze", 21, true, 2, 2, 1, 1, ""},
};

const NewerSchema *q8::importer::lookupNewerSchema(llvm::StringRef opType,
                                                   int64_t opset,
                                                   int64_t libonnxOpset) {
  const NewerSchema *best = nullptr;
  for (const NewerSchema &schema : kNewerSchemas)
    if (opType == schema.opType && schema.sinceVersion > libonnxOpset &&
        schema.sinceVersion <= opset)
      best = &schema;
  return best;
}

bool q8::importer::hasNewerSignature(llvm::StringRef opType, int64_t opset,
                                     int64_t libonnxOpset) {
  return llvm::any_of(kNewerSchemas, [&](const NewerSchema &schema) {
    return opType == schema.opType && !schema.typesOnly &&
           schema.sinceVersion > libonnxOpset && schema.sinceVersion <= opset;
  });
}

static std::string formatRange(int lo, int hi) {
  if (lo == hi)
    return std::to_string(lo);
  if (hi == kAny)
    return "at least " + std::to_string(lo);
  return std::to_string(lo) + " to " + std::to_string(hi);
}

/// The count of inputs or outputs up to the last one given: trailing
/// optional ones may be empty names.
template <typename Names>
static int countGiven(const Names &names) {
  int n = names.size();
  while (n > 0 && names.Get(n - 1).empty())
    --n;
  return n;
}

std::string q8::importer::checkNewerNode(const onnx::NodeProto &node,
                                         const NewerSchema &schema) {
  if (schema.minInputs < 0)
    return "";
  std::string name =
      node.op_type() + "-" + std::to_string(schema.sinceVersion);
  int inputs = countGiven(node.input()), outputs = countGiven(node.output());
  if (inputs < schema.minInputs || inputs > schema.maxInputs)
    return "has " + std::to_string(inputs) + " inputs, but " + name +
           " takes " + formatRange(schema.minInputs, schema.maxInputs);
  if (outputs < schema.minOutputs || outputs > schema.maxOutputs)
    return "has " + std::to_string(outputs) + " outputs, but " + name +
           " gives " + formatRange(schema.minOutputs, schema.maxOutputs);
  llvm::SmallVector<llvm::StringRef> known;
  llvm::StringRef(schema.attributes).split(known, ',', -1, false);
  for (const onnx::AttributeProto &attr : node.attribute())
    if (!llvm::is_contained(known, attr.name()))
      return "attribute '" + attr.name() + "' is not an attribute of " + name;
  return "";
}
