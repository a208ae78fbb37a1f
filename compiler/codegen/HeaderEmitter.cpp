//===- HeaderEmitter.cpp - the C header of a compiled model ---------------===//

#include "compiler/codegen/HeaderEmitter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

struct Tensor {
  std::string name;  ///< as in the model
  std::string ident; ///< a C identifier derived from it
  std::string macro; ///< its upper-case form, for #defines
  const char *dtype; ///< Q8_DTYPE_*
  const char *cType;
  SmallVector<int64_t> dims;
};

bool isCKeyword(StringRef word) {
  static const char *const keywords[] = {
      "auto",   "break",    "case",     "char",   "const",    "continue",
      "default", "do",      "double",   "else",   "enum",     "extern",
      "float",  "for",      "goto",     "if",     "inline",   "int",
      "long",   "register", "restrict", "return", "short",    "signed",
      "sizeof", "static",   "struct",   "switch", "typedef",  "union",
      "unsigned", "void",   "volatile", "while",  "workspace"};
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

/// The q8_dtype and C element type of `element`: signless and signed
/// integers are the signed dtypes, i1 is bool (one byte per element, see
/// q8_abi.h), and half types travel as their raw 16 bits.
bool describeElement(Type element, Tensor &tensor) {
  if (element.isF32())
    tensor.dtype = "Q8_DTYPE_F32", tensor.cType = "float";
  else if (element.isF64())
    tensor.dtype = "Q8_DTYPE_F64", tensor.cType = "double";
  else if (element.isF16())
    tensor.dtype = "Q8_DTYPE_F16", tensor.cType = "uint16_t";
  else if (element.isBF16())
    tensor.dtype = "Q8_DTYPE_BF16", tensor.cType = "uint16_t";
  else if (element.isSignlessInteger(1))
    tensor.dtype = "Q8_DTYPE_BOOL", tensor.cType = "bool";
  else if (!element.isInteger())
    return false;
  else if (element.isUnsignedInteger()) {
    switch (element.getIntOrFloatBitWidth()) {
    case 8: tensor.dtype = "Q8_DTYPE_U8", tensor.cType = "uint8_t"; break;
    case 16: tensor.dtype = "Q8_DTYPE_U16", tensor.cType = "uint16_t"; break;
    case 32: tensor.dtype = "Q8_DTYPE_U32", tensor.cType = "uint32_t"; break;
    case 64: tensor.dtype = "Q8_DTYPE_U64", tensor.cType = "uint64_t"; break;
    default: return false;
    }
  } else {
    switch (element.getIntOrFloatBitWidth()) {
    case 8: tensor.dtype = "Q8_DTYPE_I8", tensor.cType = "int8_t"; break;
    case 16: tensor.dtype = "Q8_DTYPE_I16", tensor.cType = "int16_t"; break;
    case 32: tensor.dtype = "Q8_DTYPE_I32", tensor.cType = "int32_t"; break;
    case 64: tensor.dtype = "Q8_DTYPE_I64", tensor.cType = "int64_t"; break;
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
    if (!type.hasStaticShape())
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
    tensors.push_back(std::move(tensor));
  }
  return tensors;
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

std::string shapeText(const Tensor &tensor) {
  std::string text = StringRef(tensor.dtype).drop_front(9).lower() + "[";
  for (auto [i, dim] : llvm::enumerate(tensor.dims))
    text += (i ? "x" : "") + std::to_string(dim);
  return text + "]";
}

void emitConstants(llvm::raw_ostream &os, StringRef prefix,
                   ArrayRef<Tensor> tensors) {
  for (const Tensor &tensor : tensors) {
    int64_t count = 1;
    os << "/* " << tensor.name << ": " << shapeText(tensor) << " */\n";
    os << "#define " << prefix << "_" << tensor.macro << "_RANK "
       << tensor.dims.size() << "\n";
    for (auto [i, dim] : llvm::enumerate(tensor.dims)) {
      os << "#define " << prefix << "_" << tensor.macro << "_DIM" << i << " "
         << dim << "\n";
      count *= dim;
    }
    os << "#define " << prefix << "_" << tensor.macro << "_ELEMENTS " << count
       << "\n";
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
    for (auto [i, dim] : llvm::enumerate(tensor.dims))
      os << (i ? ", " : "") << dim;
    os << "}},\n";
  }
  os << "  };\n";
}

} // namespace

LogicalResult q8::emitHeader(ModuleOp module, llvm::raw_ostream &os) {
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
  StringRef symbol = symbolAttr.getValue();
  auto workspaceAttr = func->getAttrOfType<IntegerAttr>("q8.workspace_size");
  if (!workspaceAttr)
    return func->emitError("missing q8.workspace_size: run q8-plan-arena");
  int64_t workspace = workspaceAttr.getInt();

  llvm::StringSet<> taken;
  FailureOr<SmallVector<Tensor>> inputs = readTensors(func, "q8.inputs", taken);
  if (failed(inputs))
    return failure();
  FailureOr<SmallVector<Tensor>> outputs =
      readTensors(func, "q8.outputs", taken);
  if (failed(outputs))
    return failure();

  StringRef model = symbol;
  model.consume_back("_run");
  std::string prefix = StringRef(identifierFor(model, taken)).upper();
  std::string guard = "Q8_MODEL_" + prefix + "_H";

  os << "/* " << model << ".h - generated by q8 for `" << symbol
     << "`; do not edit. */\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include \"q8_abi.h\"\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "#define " << prefix << "_NUM_INPUTS " << inputs->size() << "\n";
  os << "#define " << prefix << "_NUM_OUTPUTS " << outputs->size() << "\n";
  os << "/* Bytes of scratch memory per concurrent call, aligned to "
        "Q8_WORKSPACE_ALIGNMENT. */\n";
  os << "#define " << prefix << "_WORKSPACE_SIZE " << workspace << "\n\n";
  emitConstants(os, prefix, *inputs);
  emitConstants(os, prefix, *outputs);

  os << "\n/** Runs " << model << ". Tensors are dense and row-major; "
     << "inputs are only read.\n";
  for (const Tensor &tensor : *inputs)
    os << " *  in  " << tensor.ident << ": " << shapeText(tensor) << "\n";
  for (const Tensor &tensor : *outputs)
    os << " *  out " << tensor.ident << ": " << shapeText(tensor) << "\n";
  os << " *  workspace: " << prefix << "_WORKSPACE_SIZE bytes"
     << (workspace ? "" : " (may be NULL)")
     << "; one per concurrent call. */\n";
  os << "void " << symbol << "(";
  bool first = true;
  for (const Tensor &tensor : *inputs) {
    os << (first ? "" : ", ") << "const " << tensor.cType << " *"
       << tensor.ident;
    first = false;
  }
  for (const Tensor &tensor : *outputs) {
    os << (first ? "" : ", ") << tensor.cType << " *" << tensor.ident;
    first = false;
  }
  os << (first ? "" : ", ") << "void *workspace);\n\n";

  os << "/** The generic description of " << model
     << " (names, shapes, dtypes, workspace size). */\n";
  os << "static inline const q8_model_desc *" << StringRef(prefix).lower()
     << "_descriptor(void) {\n";
  emitDescriptors(os, "inputs", *inputs);
  emitDescriptors(os, "outputs", *outputs);
  os << "  static const q8_model_desc desc = {\n"
     << "      Q8_ABI_VERSION, " << inputs->size() << ", " << outputs->size()
     << ", 0, " << quoted(model) << ",\n"
     << "      " << (inputs->empty() ? "NULL" : "inputs") << ", "
     << (outputs->empty() ? "NULL" : "outputs") << ", " << workspace << ",\n"
     << "      (q8_run_fn)" << symbol << "};\n"
     << "  return &desc;\n}\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}
