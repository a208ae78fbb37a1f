//===- HeaderEmitter.cpp - the C header of a compiled model ---------------===//

#include "compiler/codegen/HeaderEmitter.h"

#include "compiler/codegen/BatchDim.h"
#include "passes/codegen/ExtentDim.h"

#include "runtime/q8_abi.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {

struct Tensor {
  std::string name;  ///< as in the model
  std::string ident; ///< a C identifier derived from it
  std::string macro; ///< its upper-case form, for #defines
  const char *dtype; ///< Q8_DTYPE_*
  int32_t dtypeValue; ///< its value
  const char *cType;
  int64_t elementBytes; ///< bytes per element (bool: 1)
  /// As the type has them: one item's, for a batch-dim model (the batch 1);
  /// an extent dim is ShapedType::kDynamic.
  SmallVector<int64_t> dims;
  /// The position of the model's dynamic dim (batch or extent), or -1.
  int64_t dynamicDim = -1;
  /// Its element count: one item's for a batch-dim model, at the extent's
  /// upper bound for an extent-dim one.
  int64_t elements = 1;

  /// The dims as the ABI describes them: the dynamic dim is the model's
  /// dim 0 (Q8_DIM_OF_SYMBOL).
  SmallVector<int64_t> abiDims() const {
    SmallVector<int64_t> out = dims;
    if (dynamicDim >= 0)
      out[dynamicDim] = Q8_DIM_OF_SYMBOL(0);
    return out;
  }
};

bool isCKeyword(StringRef word) {
  static const char *const keywords[] = {
      "auto",   "break",    "case",     "char",   "const",    "continue",
      "default", "do",      "double",   "else",   "enum",     "extern",
      "float",  "for",      "goto",     "if",     "inline",   "int",
      "long",   "register", "restrict", "return", "short",    "signed",
      "sizeof", "static",   "struct",   "switch", "typedef",  "union",
      "unsigned", "void",   "volatile", "while",  "workspace", "weights",
      "pool"};
  return llvm::is_contained(keywords, word);
}

/// A C identifier for `name`, unique within `taken`.
std::string identifierFor(StringRef name, llvm::StringSet<> &taken) {
  std::string ident;
  for (char c : name)
    ident += llvm::isAlnum(c) ? c : '_';
  if (ident.empty() || llvm::isDigit(ident[0]))
    ident = "t_" + ident;
  if (isCKeyword(ident))
    ident += "_";
  std::string unique = ident;
  for (int i = 1; taken.contains(unique); ++i)
    unique = ident + "_" + std::to_string(i);
  taken.insert(unique);
  return unique;
}

void set(Tensor &tensor, const char *dtype, int32_t value, const char *cType) {
  tensor.dtype = dtype;
  tensor.dtypeValue = value;
  tensor.cType = cType;
}

/// The q8_dtype and C element type of `element`: signless and signed
/// integers are the signed dtypes, i1 is bool (one byte per element, see
/// q8_abi.h), and half types travel as their raw 16 bits.
bool describeElement(Type element, Tensor &tensor) {
  if (element.isF32())
    set(tensor, "Q8_DTYPE_F32", Q8_DTYPE_F32, "float");
  else if (element.isF64())
    set(tensor, "Q8_DTYPE_F64", Q8_DTYPE_F64, "double");
  else if (element.isF16())
    set(tensor, "Q8_DTYPE_F16", Q8_DTYPE_F16, "uint16_t");
  else if (element.isBF16())
    set(tensor, "Q8_DTYPE_BF16", Q8_DTYPE_BF16, "uint16_t");
  else if (element.isSignlessInteger(1))
    set(tensor, "Q8_DTYPE_BOOL", Q8_DTYPE_BOOL, "bool");
  else if (!element.isInteger())
    return false;
  else if (element.isUnsignedInteger()) {
    switch (element.getIntOrFloatBitWidth()) {
    case 8: set(tensor, "Q8_DTYPE_U8", Q8_DTYPE_U8, "uint8_t"); break;
    case 16: set(tensor, "Q8_DTYPE_U16", Q8_DTYPE_U16, "uint16_t"); break;
    case 32: set(tensor, "Q8_DTYPE_U32", Q8_DTYPE_U32, "uint32_t"); break;
    case 64: set(tensor, "Q8_DTYPE_U64", Q8_DTYPE_U64, "uint64_t"); break;
    default: return false;
    }
  } else {
    switch (element.getIntOrFloatBitWidth()) {
    case 8: set(tensor, "Q8_DTYPE_I8", Q8_DTYPE_I8, "int8_t"); break;
    case 16: set(tensor, "Q8_DTYPE_I16", Q8_DTYPE_I16, "int16_t"); break;
    case 32: set(tensor, "Q8_DTYPE_I32", Q8_DTYPE_I32, "int32_t"); break;
    case 64: set(tensor, "Q8_DTYPE_I64", Q8_DTYPE_I64, "int64_t"); break;
    default: return false;
    }
  }
  return true;
}

FailureOr<SmallVector<Tensor>> readTensors(Operation *func, StringRef attr,
                                           llvm::StringSet<> &taken) {
  auto entries = func->getAttrOfType<ArrayAttr>(attr);
  if (!entries)
    return func->emitError() << "missing " << attr;
  SmallVector<Tensor> tensors;
  for (Attribute entry : entries) {
    auto dict = dyn_cast<DictionaryAttr>(entry);
    auto name = dict ? dict.getAs<StringAttr>("name") : StringAttr();
    auto typeAttr = dict ? dict.getAs<TypeAttr>("type") : TypeAttr();
    auto type = typeAttr ? dyn_cast<ShapedType>(typeAttr.getValue())
                         : ShapedType();
    if (!name || !type)
      return func->emitError() << "malformed " << attr << " entry " << entry;
    // Dynamic dims are checked against the model's extent (checkDynamic).
    if (!type.hasRank())
      return func->emitError() << "'" << name.getValue()
                               << "' has a dynamic shape";
    if (type.getRank() > 8)
      return func->emitError() << "'" << name.getValue()
                               << "' has rank above Q8_MAX_RANK";
    Tensor tensor;
    if (!describeElement(type.getElementType(), tensor))
      return func->emitError() << "'" << name.getValue()
                               << "' has element type "
                               << type.getElementType()
                               << ", which the q8 ABI cannot describe";
    tensor.name = name.getValue().str();
    tensor.ident = identifierFor(tensor.name, taken);
    tensor.macro = StringRef(tensor.ident).upper();
    tensor.dims.assign(type.getShape().begin(), type.getShape().end());
    for (int64_t dim : tensor.dims)
      if (!ShapedType::isDynamic(dim))
        tensor.elements *= dim;
    tensor.elementBytes =
        std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

/// The upper-case macro part for `name` ("seq-len" -> "SEQ_LEN").
std::string macroFor(StringRef name) {
  std::string macro;
  for (char c : name)
    macro += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return macro.empty() ? "DIM" : macro;
}

/// `name` as a C string literal.
std::string quoted(StringRef name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (llvm::isPrint(c))
      out += c;
    else
      out += "\\" + llvm::utohexstr(static_cast<unsigned char>(c));
  }
  return out + "\"";
}

/// "f32[1xseqx4]": a dynamic dim by the name of the model's dim.
std::string shapeText(const Tensor &tensor, StringRef dimName = "") {
  std::string text = StringRef(tensor.dtype).drop_front(9).lower() + "[";
  for (auto [i, dim] : llvm::enumerate(tensor.dims))
    text += (i ? "x" : "") + ((int64_t)i == tensor.dynamicDim
                                  ? dimName.str()
                                  : std::to_string(dim));
  return text + "]";
}

/// Each tensor's rank, dims and element count; `dynamicElements` names the
/// count of a tensor with the dynamic dim (_ELEMENTS_PER_ITEM for a batch,
/// _ELEMENTS_MAX for an extent).
void emitConstants(llvm::raw_ostream &os, StringRef prefix,
                   ArrayRef<Tensor> tensors, StringRef dimName,
                   StringRef dynamicElements) {
  for (const Tensor &tensor : tensors) {
    os << "/* " << tensor.name << ": " << shapeText(tensor, dimName)
       << " */\n";
    os << "#define " << prefix << "_" << tensor.macro << "_RANK "
       << tensor.dims.size() << "\n";
    for (auto [i, dim] : llvm::enumerate(tensor.dims)) {
      os << "#define " << prefix << "_" << tensor.macro << "_DIM" << i << " ";
      if ((int64_t)i == tensor.dynamicDim)
        os << "(-1) /* dynamic: " << dimName << " */\n";
      else
        os << dim << "\n";
    }
    os << "#define " << prefix << "_" << tensor.macro
       << (tensor.dynamicDim >= 0 ? dynamicElements : "_ELEMENTS") << " "
       << tensor.elements << "\n";
  }
}

void emitDescriptors(llvm::raw_ostream &os, StringRef array,
                     ArrayRef<Tensor> tensors) {
  if (tensors.empty())
    return;
  os << "  static const q8_tensor_desc " << array << "[] = {\n";
  for (const Tensor &tensor : tensors) {
    os << "      {" << quoted(tensor.name) << ", " << tensor.dtype << ", "
       << tensor.dims.size() << ", {";
    for (auto [i, dim] : llvm::enumerate(tensor.abiDims()))
      os << (i ? ", " : "") << dim;
    os << "}},\n";
  }
  os << "  };\n";
}

/// The entry function, read once for the header and the descriptor.
struct Entry {
  std::string symbol, model, prefix;
  int64_t workspace = 0;
  std::optional<int64_t> weights;
  SmallVector<Tensor> inputs, outputs;
  std::string target;
  uint64_t cpuFeatures = 0;
  SmallVector<std::string> variants;
  /// A batch-dim model: its batch dim, and the workspace of one item's
  /// code (`workspace` adds the staging buffers q8_run_batched uses).
  std::optional<q8::BatchDim> batch;
  int64_t itemWorkspace = 0;
  /// An extent-dim model: its dim (the entry function takes the dims
  /// first; `workspace` is planned for extent->max).
  std::optional<q8::ExtentDim> extent;
};

int64_t alignTo64(int64_t bytes) { return (bytes + 63) / 64 * 64; }

/// Marks each tensor's batch dim and sizes the workspace as q8_run_batched
/// (runtime/q8_runtime.h) lays it out: the item's workspace, then one
/// buffer per tensor whose batch dim is not outermost, 64-byte aligned.
LogicalResult applyBatch(Operation *func, Entry &entry) {
  const q8::BatchDim &batch = *entry.batch;
  if (batch.inputs.size() != entry.inputs.size() ||
      batch.outputs.size() != entry.outputs.size())
    return func->emitError("q8.batch does not match the entry's tensors");
  entry.itemWorkspace = entry.workspace;
  int64_t total = alignTo64(entry.workspace);
  auto mark = [&](SmallVector<Tensor> &tensors, ArrayRef<int64_t> dims) {
    for (auto [tensor, d] : llvm::zip(tensors, dims)) {
      if (d < 0)
        continue;
      if (d >= (int64_t)tensor.dims.size() || tensor.dims[d] != 1)
        return false;
      tensor.dynamicDim = d;
      int64_t outer = 1, elements = 1;
      for (auto [i, dim] : llvm::enumerate(tensor.dims)) {
        elements *= dim;
        if ((int64_t)i < d)
          outer *= dim;
      }
      if (outer > 1)
        total += alignTo64(elements * tensor.elementBytes);
    }
    return true;
  };
  if (!mark(entry.inputs, batch.inputs) || !mark(entry.outputs, batch.outputs))
    return func->emitError("q8.batch names a dim that is not one item");
  entry.workspace = total;
  return success();
}

/// Marks each tensor's extent dim, which its type must have dynamic (`?`),
/// and counts its elements at the extent's upper bound.
LogicalResult applyExtent(Operation *func, Entry &entry) {
  const q8::ExtentDim &extent = *entry.extent;
  if (extent.inputs.size() != entry.inputs.size() ||
      extent.outputs.size() != entry.outputs.size())
    return func->emitError("q8.extent does not match the entry's tensors");
  if (extent.min < 1 || extent.min > extent.max)
    return func->emitError() << "q8.extent has bounds [" << extent.min << ", "
                             << extent.max << "], not 1 <= min <= max";
  for (auto [tensors, dims] :
       {std::pair(&entry.inputs, ArrayRef<int64_t>(extent.inputs)),
        std::pair(&entry.outputs, ArrayRef<int64_t>(extent.outputs))})
    for (auto [tensor, d] : llvm::zip(*tensors, dims)) {
      if (d < 0)
        continue;
      if (d >= (int64_t)tensor.dims.size() ||
          !ShapedType::isDynamic(tensor.dims[d]))
        return func->emitError()
               << "q8.extent names dim " << d << " of '" << tensor.name
               << "', which is not a dynamic dim of its type";
      tensor.dynamicDim = d;
      if (llvm::MulOverflow(tensor.elements, extent.max, tensor.elements))
        return func->emitError() << "'" << tensor.name
                                 << "' has more than INT64_MAX elements at "
                                 << extent.name << " = " << extent.max;
    }
  return success();
}

/// Rejects a dynamic (`?`) tensor dim that is not the model's extent dim.
LogicalResult checkDynamic(Operation *func, const Entry &entry) {
  for (const SmallVector<Tensor> *tensors : {&entry.inputs, &entry.outputs})
    for (const Tensor &tensor : *tensors)
      for (auto [i, dim] : llvm::enumerate(tensor.dims)) {
        if (!ShapedType::isDynamic(dim) || (int64_t)i == tensor.dynamicDim)
          continue;
        if (!entry.extent)
          return func->emitError() << "'" << tensor.name
                                   << "' has a dynamic shape";
        return func->emitError() << "'" << tensor.name << "' dim " << i
                                 << " is dynamic, but q8.extent does not "
                                    "name it";
      }
  return success();
}

FailureOr<Entry> readEntry(ModuleOp module) {
  SmallVector<Operation *> entries;
  for (Operation &op : module.getBody()->getOperations())
    if (op.hasAttr("q8.inputs"))
      entries.push_back(&op);
  if (entries.size() != 1)
    return module.emitError() << "expected one entry function with q8.inputs, "
                              << "found " << entries.size();
  Operation *func = entries.front();
  auto symbolAttr =
      func->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
  if (!symbolAttr)
    return func->emitError("entry function has no symbol name");
  Entry entry;
  entry.symbol = symbolAttr.getValue().str();
  auto workspaceAttr = func->getAttrOfType<IntegerAttr>("q8.workspace_size");
  if (!workspaceAttr)
    return func->emitError("missing q8.workspace_size: run q8-plan-arena");
  entry.workspace = workspaceAttr.getInt();
  if (auto weightsAttr = func->getAttrOfType<IntegerAttr>("q8.weights_size"))
    entry.weights = weightsAttr.getInt();
  // What recordTarget (compiler/codegen/Target.h) and --target all left.
  if (auto target = func->getAttrOfType<StringAttr>("q8.target"))
    entry.target = target.getValue().str();
  if (auto bits = func->getAttrOfType<IntegerAttr>("q8.cpu_features"))
    entry.cpuFeatures = bits.getValue().getZExtValue();
  if (auto variants = func->getAttrOfType<ArrayAttr>("q8.variants"))
    for (Attribute variant : variants)
      if (auto name = dyn_cast<StringAttr>(variant))
        entry.variants.push_back(name.getValue().str());

  llvm::StringSet<> taken;
  FailureOr<SmallVector<Tensor>> inputs = readTensors(func, "q8.inputs", taken);
  if (failed(inputs))
    return failure();
  FailureOr<SmallVector<Tensor>> outputs =
      readTensors(func, "q8.outputs", taken);
  if (failed(outputs))
    return failure();
  entry.inputs = std::move(*inputs);
  entry.outputs = std::move(*outputs);
  entry.batch = q8::readBatchDim(module);
  entry.extent = q8::readExtentDim(module);
  if (!entry.extent && module->hasAttr(q8::kExtentAttrName))
    return module.emitError() << "malformed " << q8::kExtentAttrName << ": "
                              << module->getAttr(q8::kExtentAttrName);
  if (entry.batch && entry.extent)
    return module.emitError()
           << "the module has both " << q8::kBatchAttrName << " and "
           << q8::kExtentAttrName << "; a model has one dynamic dim for now";
  if (entry.extent && failed(applyExtent(func, entry)))
    return failure();
  if (failed(checkDynamic(func, entry)))
    return failure();
  if (entry.batch && failed(applyBatch(func, entry)))
    return failure();
  StringRef model = entry.symbol;
  model.consume_back("_run");
  entry.model = model.str();
  entry.prefix = StringRef(identifierFor(model, taken)).upper();
  return entry;
}

} // namespace

bool q8::hasModelEntry(ModuleOp module) {
  for (Operation &op : module.getBody()->getOperations())
    if (op.hasAttr("q8.inputs"))
      return true;
  return false;
}

FailureOr<q8::ModelInterface> q8::readModelInterface(ModuleOp module) {
  FailureOr<Entry> entry = readEntry(module);
  if (failed(entry))
    return failure();
  ModelInterface model;
  model.symbol = entry->symbol;
  model.model = entry->model;
  model.prefix = StringRef(entry->prefix).lower();
  model.workspaceSize = entry->workspace;
  model.weightsSize = entry->weights;
  model.target = entry->target;
  model.cpuFeatures = entry->cpuFeatures;
  model.variants = entry->variants;
  model.batch = entry->batch;
  model.itemWorkspaceSize = entry->itemWorkspace;
  model.extent = entry->extent;
  for (auto [from, to] : {std::pair(&entry->inputs, &model.inputs),
                          std::pair(&entry->outputs, &model.outputs)})
    for (const Tensor &tensor : *from)
      to->push_back({tensor.name, tensor.dtypeValue, tensor.abiDims()});
  return model;
}

LogicalResult q8::emitHeader(ModuleOp module, llvm::raw_ostream &os) {
  FailureOr<Entry> entry = readEntry(module);
  if (failed(entry))
    return failure();
  StringRef symbol = entry->symbol, model = entry->model;
  const std::string &prefix = entry->prefix;
  int64_t workspace = entry->workspace;
  std::optional<int64_t> weights = entry->weights;
  SmallVector<Tensor> *inputs = &entry->inputs, *outputs = &entry->outputs;
  std::string guard = "Q8_MODEL_" + prefix + "_H";
  std::string lower = StringRef(prefix).lower();

  os << "/* " << model << ".h - generated by q8 for `" << symbol
     << "`; do not edit. */\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include \"q8_abi.h\"\n#include \"q8_pool.h\"\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  if (!entry->variants.empty()) {
    // --target all: say what the object holds and how it chooses.
    os << "/* Compiled with --target all: the object holds one variant of "
       << model << " per target\n   (";
    for (auto [i, variant] : llvm::enumerate(entry->variants))
      os << (i ? ", " : "") << variant;
    os << "), and " << symbol
       << " runs the best one this CPU supports,\n"
          "   chosen by CPUID at the first call (q8_dispatch_target, "
          "libq8rt). The environment\n"
          "   variable Q8_FORCE_TARGET=<variant> forces one, for testing; "
          "an unknown name or\n"
          "   a variant the CPU lacks features for prints why and exits the "
          "process with\n"
          "   status 78 at the first call (runtime/q8_dispatch.h). Every "
          "variant gives the\n"
          "   generic one's bytes. */\n\n";
  }
  // The model's one dynamic dim, a batch or an extent: dims[0] of a call.
  const std::optional<q8::BatchDim> &batch = entry->batch;
  const std::optional<q8::ExtentDim> &extent = entry->extent;
  bool dynamic = batch || extent;
  std::string dimName = batch ? batch->name : extent ? extent->name : "";
  int64_t dimMin = batch ? batch->min : extent ? extent->min : 0;
  int64_t dimMax = batch ? batch->max : extent ? extent->max : 0;
  // Its bounds: <M>_BATCH_MIN/_MAX, or <M>_<NAME>_MIN/_MAX for an extent.
  std::string bound = prefix + "_" + (batch ? "BATCH" : macroFor(dimName));
  os << "#define " << prefix << "_NUM_INPUTS " << inputs->size() << "\n";
  os << "#define " << prefix << "_NUM_OUTPUTS " << outputs->size() << "\n";
  if (batch)
    os << "/* The batch dim '" << dimName
       << "' is dynamic: each call gives its size (dims[0]), within\n"
          "   these bounds; tensors' _DIM constants say (-1) for it. */\n";
  if (extent)
    os << "/* The dim '" << dimName
       << "' is dynamic inside the code: each call gives its size\n"
          "   (dims[0]), within these bounds; tensors' _DIM constants say "
          "(-1) for it,\n   and their _ELEMENTS_MAX is the count at "
       << bound << "_MAX. */\n";
  if (dynamic) {
    os << "#define " << bound << "_MIN " << dimMin << "\n";
    if (dimMax == INT64_MAX)
      os << "#define " << bound << "_MAX INT64_MAX /* unbounded */\n";
    else
      os << "#define " << bound << "_MAX " << dimMax << "\n";
  }
  os << "/* Bytes of scratch memory per concurrent call, aligned to "
        "Q8_WORKSPACE_ALIGNMENT";
  if (batch)
    os << ",\n   the same for every batch size";
  if (extent)
    os << ",\n   planned for " << bound << "_MAX: the same for every "
       << dimName;
  os << ". */\n";
  os << "#define " << prefix << "_WORKSPACE_SIZE " << workspace << "\n";
  if (weights) {
    os << "/* Bytes of the weights file (" << model
       << ".weights), loaded once into memory aligned to\n"
          "   Q8_WEIGHTS_ALIGNMENT (q8_weights_load) and shared by all "
          "calls. */\n";
    os << "#define " << prefix << "_WEIGHTS_SIZE " << *weights << "\n";
  }
  os << "\n";
  StringRef dynamicElements = batch ? "_ELEMENTS_PER_ITEM" : "_ELEMENTS_MAX";
  emitConstants(os, prefix, *inputs, dimName, dynamicElements);
  emitConstants(os, prefix, *outputs, dimName, dynamicElements);

  os << "\n/** Runs " << model << ". Tensors are dense and row-major; "
     << "inputs are only read.\n";
  if (batch)
    os << " *  dims: dims[0] is the batch size, " << dimName << ", in ["
       << bound << "_MIN, " << bound << "_MAX];\n *  every tensor's "
       << dimName << " dim has that extent. Items are computed one by one,\n"
          " *  each as the model would compute it alone.\n";
  if (extent)
    os << " *  dims: dims[0] is the size of " << dimName << ", in [" << bound
       << "_MIN, " << bound << "_MAX];\n *  every tensor's " << dimName
       << " dim has that extent.\n";
  for (const Tensor &tensor : *inputs)
    os << " *  in  " << tensor.ident << ": " << shapeText(tensor, dimName)
       << "\n";
  for (const Tensor &tensor : *outputs)
    os << " *  out " << tensor.ident << ": " << shapeText(tensor, dimName)
       << "\n";
  os << " *  workspace: " << prefix << "_WORKSPACE_SIZE bytes"
     << (workspace ? "" : " (may be NULL)") << "; one per concurrent call.";
  if (weights)
    os << "\n *  weights: the contents of " << model << ".weights ("
       << prefix << "_WEIGHTS_SIZE bytes" << (*weights ? "" : ", may be NULL")
       << "), only read.";
  os << "\n *  pool: the threads to run on (q8_pool_create), or NULL for the "
        "calling\n *  thread alone; one call at a time per pool. The "
        "results are the same\n *  bytes for every thread count.";
  if (dynamic)
    os << "\n *  Returns Q8_OK, or Q8_ERROR_SHAPE_MISMATCH (dims[0] out of "
          "bounds),\n *  Q8_ERROR_INVALID_ARGUMENT (a NULL tensor) or "
          "Q8_ERROR_MISALIGNED (the\n *  workspace), before reading or "
          "writing anything.";
  os << " */\n";
  os << (dynamic ? "q8_status " : "void ") << symbol << "(";
  bool first = true;
  if (dynamic) {
    os << "const int64_t *dims";
    first = false;
  }
  for (const Tensor &tensor : *inputs) {
    os << (first ? "" : ", ") << "const " << tensor.cType << " *"
       << tensor.ident;
    first = false;
  }
  for (const Tensor &tensor : *outputs) {
    os << (first ? "" : ", ") << tensor.cType << " *" << tensor.ident;
    first = false;
  }
  os << (first ? "" : ", ") << "void *workspace"
     << (weights ? ", const void *weights" : "") << ", q8_pool *pool);\n\n";

  // One array of pointers rather than a per-model struct: a struct would be
  // a different type for every model, so a generic driver could not build
  // it from the descriptor alone; an array it can.
  size_t lead = dynamic ? 1 : 0;
  size_t numArgs =
      lead + inputs->size() + outputs->size() + 2 + (weights ? 1 : 0);
  size_t in0 = lead, out0 = lead + inputs->size(),
         ws = lead + inputs->size() + outputs->size();
  os << "/** " << symbol << " with its " << numArgs
     << " arguments, in the same order, packed into one\n"
        "    array of pointers: "
     << (dynamic ? "args[0] the dims, " : "") << "args[" << in0 << ".." << out0
     << ") inputs, args[" << out0 << ".." << ws << ") outputs, args[" << ws
     << "] the workspace"
     << (weights ? ", args[" + std::to_string(numArgs - 2) + "] the weights"
                 : std::string())
     << ", args[" << numArgs - 1 << "] the pool.\n"
        "    One signature for every model (an array, not a per-model "
        "struct, so that\n"
        "    a driver that knows only the descriptor can fill it): generic "
        "drivers call\n"
        "    it through the descriptor's run_packed. Returns what "
     << symbol << " does"
     << (dynamic ? "" : " (Q8_OK)") << ". */\n";
  os << "int32_t " << symbol << "_packed(void *const *args);\n\n";

  os << "/** The same descriptor, exported by the object (how drivers find "
        "it in a\n    shared object). */\n";
  os << "extern const q8_model_desc " << lower << "_q8_desc;\n\n";
  os << "/** The generic description of " << model
     << " (names, shapes, dtypes, workspace size). */\n";
  os << "static inline const q8_model_desc *" << lower
     << "_descriptor(void) {\n";
  emitDescriptors(os, "inputs", *inputs);
  emitDescriptors(os, "outputs", *outputs);
  if (dynamic)
    os << "  static const q8_dim_desc dims[] = {{" << quoted(dimName) << ", "
       << dimMin << ", "
       << (dimMax == INT64_MAX ? std::string("INT64_MAX")
                               : std::to_string(dimMax))
       << "}};\n";
  std::string flags = weights ? "Q8_MODEL_EXTERNAL_WEIGHTS" : "";
  if (dynamic)
    flags += flags.empty() ? "Q8_MODEL_DYNAMIC" : " | Q8_MODEL_DYNAMIC";
  os << "  static const q8_model_desc desc = {\n"
     << "      Q8_ABI_VERSION, " << inputs->size() << ", " << outputs->size()
     << ", " << (flags.empty() ? "0" : flags) << ", " << quoted(model)
     << ",\n"
     << "      " << (inputs->empty() ? "NULL" : "inputs") << ", "
     << (outputs->empty() ? "NULL" : "outputs") << ", " << workspace << ", "
     << weights.value_or(0) << ",\n"
     << "      (q8_run_fn)" << symbol << ", " << symbol << "_packed, "
     << (entry->target.empty() ? "NULL" : quoted(entry->target)) << ", "
     << llvm::format_hex(entry->cpuFeatures, 2) << "u,\n      "
     << (dynamic ? "1, 0, dims" : "0, 0, NULL") << "};\n"
     << "  return &desc;\n}\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}
