//===- ModelLoader.cpp - ONNX files to ModelProto, with every throw caught -===//
//
// libonnx reports parser, checker and registry problems by throwing; this
// file (built with -fexceptions) is the only one that calls those APIs, and
// turns every exception into an ImportError.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ModelLoader.h"

#include "compiler/onnx/NewerOpsets.h"
#include "compiler/onnx/Tensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"

#include <exception>

using namespace q8;
using namespace q8::importer;

static void addError(std::vector<ImportError> &errors, ImportErrorKind kind,
                     const std::string &message) {
  errors.push_back({kind, "", "", message});
}

/// Text models are plain ASCII; a protobuf almost always holds control bytes.
static bool looksLikeText(llvm::StringRef data) {
  llvm::StringRef head = data.take_front(4096);
  if (head.empty())
    return false;
  for (unsigned char c : head)
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
      return false;
  return true;
}

static bool parseBinary(llvm::StringRef data, onnx::ModelProto &model) {
  try {
    return model.ParseFromArray(data.data(), static_cast<int>(data.size()));
  } catch (...) {
    return false;
  }
}

static bool parseText(llvm::StringRef data, onnx::ModelProto &model,
                      std::string &error) {
  try {
    std::string text = data.str();
    onnx::OnnxParser parser(text.c_str());
    onnx::Common::Status status = parser.Parse(model);
    if (!status.IsOK()) {
      error = status.ErrorMessage();
      return false;
    }
    return true;
  } catch (const std::exception &e) {
    error = e.what();
  } catch (...) {
    error = "unknown parser error";
  }
  return false;
}

/// Resolves the external data `location` of a tensor against `modelDir`,
/// refusing paths that leave the model's folder (absolute, `..`, symlinks).
static bool resolveLocation(const std::string &location,
                            const std::string &modelDir, std::string &resolved,
                            std::string &error) {
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::is_absolute(location, llvm::sys::path::Style::windows)) {
    error = "external data location '" + location +
            "' must be a relative path inside the model's folder";
    return false;
  }
  llvm::SmallString<256> dirReal, fileReal, joined(modelDir);
  llvm::sys::path::append(joined, location);
  if (llvm::sys::fs::real_path(modelDir, dirReal)) {
    error = "cannot resolve the model's folder '" + modelDir + "'";
    return false;
  }
  if (llvm::sys::fs::real_path(joined, fileReal)) {
    // The file is missing; still refuse an escaping path before saying so.
    for (auto it = llvm::sys::path::begin(location),
              end = llvm::sys::path::end(location);
         it != end; ++it)
      if (*it == "..") {
        error = "external data location '" + location +
                "' escapes the model's folder";
        return false;
      }
    error = "cannot open external data file '" + std::string(joined) + "'";
    return false;
  }
  llvm::StringRef dir = dirReal, file = fileReal;
  if (!file.starts_with(dir) || file.size() <= dir.size() ||
      !llvm::sys::path::is_separator(file[dir.size()])) {
    error = "external data location '" + location +
            "' escapes the model's folder";
    return false;
  }
  resolved = std::string(fileReal);
  return true;
}

/// Replaces the external data of `tensor` by raw_data.
static bool inlineExternal(onnx::TensorProto &tensor,
                           const std::string &modelDir,
                           std::vector<ImportError> &errors) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
    return true;
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      long long v = 0;
      if (llvm::StringRef(entry.value()).getAsInteger(10, v) || v < 0) {
        addError(errors, ImportErrorKind::Invalid,
                 "tensor '" + tensor.name() + "': bad external data " +
                     entry.key() + " '" + entry.value() + "'");
        return false;
      }
      (entry.key() == "offset" ? offset : length) = v;
    }
  }
  std::string path, error;
  if (!resolveLocation(location, modelDir, path, error)) {
    addError(errors, ImportErrorKind::Invalid,
             "tensor '" + tensor.name() + "': " + error);
    return false;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    addError(errors, ImportErrorKind::Invalid,
             "tensor '" + tensor.name() + "': cannot read external data '" +
                 path + "': " + buffer.getError().message());
    return false;
  }
  int64_t size = (*buffer)->getBufferSize();
  if (length < 0)
    length = size - offset;
  if (offset > size || length < 0 || length > size - offset) {
    addError(errors, ImportErrorKind::Invalid,
             "tensor '" + tensor.name() + "': external data range [" +
                 std::to_string(offset) + ", +" + std::to_string(length) +
                 ") is outside '" + location + "' (" + std::to_string(size) +
                 " bytes)");
    return false;
  }
  tensor.set_raw_data((*buffer)->getBufferStart() + offset, length);
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return true;
}

static bool inlineAllExternal(onnx::GraphProto &graph,
                              const std::string &modelDir,
                              std::vector<ImportError> &errors) {
  bool ok = true;
  for (onnx::TensorProto &tensor : *graph.mutable_initializer())
    ok &= inlineExternal(tensor, modelDir, errors);
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_t())
        ok &= inlineExternal(*attr.mutable_t(), modelDir, errors);
      if (attr.has_g())
        ok &= inlineAllExternal(*attr.mutable_g(), modelDir, errors);
    }
  return ok;
}

/// Refuses tensors of the element types of IR 9 and 10 (float8, int4) by
/// name: libonnx's checker would call them an "unrecognized data_type".
static bool checkNewerTypes(const onnx::GraphProto &graph,
                            std::vector<ImportError> &errors) {
  bool ok = true;
  auto refuse = [&](const std::string &what, int32_t type,
                    const onnx::NodeProto *node) {
    // 17 to 22: float8 (IR 9), uint4 and int4 (IR 10).
    if (type < 17 || type > 22)
      return;
    std::string name = getOnnxTypeName(type);
    ImportError error{ImportErrorKind::UnsupportedFeature, "", "",
                      what + ": element type " + name +
                          " is not supported (q8 imports no float8 or 4-bit "
                          "tensors)"};
    if (node) {
      error.node = node->name().empty() && node->output_size()
                       ? node->output(0)
                       : node->name();
      error.opType = node->op_type();
    }
    errors.push_back(std::move(error));
    ok = false;
  };
  for (const onnx::TensorProto &t : graph.initializer())
    refuse("initializer '" + t.name() + "'", t.data_type(), nullptr);
  for (const auto *list : {&graph.input(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      if (info.type().has_tensor_type())
        refuse("graph input or output '" + info.name() + "'",
               info.type().tensor_type().elem_type(), nullptr);
  for (const onnx::NodeProto &node : graph.node())
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_t())
        refuse("attribute '" + attr.name() + "'", attr.t().data_type(), &node);
      if (attr.has_g())
        ok &= checkNewerTypes(attr.g(), errors);
      for (const onnx::GraphProto &g : attr.graphs())
        ok &= checkNewerTypes(g, errors);
    }
  return ok;
}

/// The private domain that hides nodes from libonnx's checker.
static const char kUncheckedDomain[] = "q8.unchecked";

/// Moves every default-domain node of `graph` (subgraphs included) whose
/// signature libonnx does not know, or whose op ONNX does not have at
/// `opset`, into kUncheckedDomain, recording the
/// moves in `moved`, and checks those nodes against q8's own schema.
static bool hideNewerNodes(
    onnx::GraphProto &graph, int64_t opset, int64_t libonnxOpset,
    std::vector<std::pair<onnx::NodeProto *, std::string>> &moved,
    std::vector<ImportError> &errors) {
  bool ok = true;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        ok &= hideNewerNodes(*attr.mutable_g(), opset, libonnxOpset, moved,
                             errors);
      for (onnx::GraphProto &g : *attr.mutable_graphs())
        ok &= hideNewerNodes(g, opset, libonnxOpset, moved, errors);
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    // Ops ONNX does not have at this opset are hidden too: the importer
    // names them at the model's opset, where the checker would say 17.
    if (!hasNewerSignature(node.op_type(), opset, libonnxOpset) &&
        getSinceVersion(node.op_type(), opset, "") >= 0)
      continue;
    if (const NewerSchema *schema =
            lookupNewerSchema(node.op_type(), opset, libonnxOpset)) {
      std::string problem = checkNewerNode(node, *schema);
      if (!problem.empty()) {
        std::string name = node.name().empty() && node.output_size()
                               ? node.output(0)
                               : node.name();
        errors.push_back(
            {ImportErrorKind::Invalid, name, node.op_type(), problem});
        ok = false;
      }
    }
    moved.emplace_back(&node, node.domain());
    node.set_domain(kUncheckedDomain);
  }
  return ok;
}

/// Runs libonnx's checker on `model`.
///
/// libonnx 1.12 knows opsets up to 17 and IR version 8. For a newer model
/// the checker runs on the model as libonnx can read it: IR version and
/// default opset clamped to libonnx's newest, which is exact for every node
/// whose op is unchanged since (and for ops whose later versions only
/// widened the element types, such as Reshape-21 or If-19: the older schema
/// checks the same inputs, outputs and attributes). The nodes whose
/// signature changed after 17 (ReduceMean-18's axes input, Split-18's
/// num_outputs, ...) or that are new (Gelu-20) would be checked against the
/// wrong schema or none, so they move to a private domain, which the
/// checker skips, and q8 checks their arity and attribute names itself
/// (NewerOpsets.cpp); their handlers validate the rest. The model is edited
/// in place and restored, so that large weights are not copied.
static bool runChecker(onnx::ModelProto &model, int64_t opset,
                       std::vector<ImportError> &errors) {
  int64_t libonnxOpset = getMaxOpset("");
  int64_t irVersion = model.ir_version();
  onnx::OperatorSetIdProto *defaultOpset = nullptr;
  for (onnx::OperatorSetIdProto &entry : *model.mutable_opset_import())
    if (!defaultOpset &&
        (entry.domain().empty() || entry.domain() == "ai.onnx"))
      defaultOpset = &entry;
  std::vector<std::pair<onnx::NodeProto *, std::string>> moved;
  bool ok = true;
  bool newer = libonnxOpset > 0 && opset > libonnxOpset;
  if (newer) {
    ok = hideNewerNodes(*model.mutable_graph(), opset, libonnxOpset, moved,
                        errors);
    defaultOpset->set_version(libonnxOpset);
    if (!moved.empty()) {
      onnx::OperatorSetIdProto *unchecked = model.add_opset_import();
      unchecked->set_domain(kUncheckedDomain);
      unchecked->set_version(1);
    }
  }
  if (irVersion > onnx::IR_VERSION)
    model.set_ir_version(onnx::IR_VERSION);

  std::string failure;
  if (ok) {
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception &e) {
      failure = e.what();
      if (failure.empty())
        failure = " ";
    } catch (...) {
      failure = " ";
    }
  }

  model.set_ir_version(irVersion);
  if (newer) {
    for (auto &[node, domain] : moved)
      node->set_domain(domain);
    if (!moved.empty())
      model.mutable_opset_import()->RemoveLast();
    defaultOpset->set_version(opset);
  }
  if (!ok)
    return false;
  if (failure.empty())
    return true;
  while (!failure.empty() &&
         (failure.back() == '\n' || failure.back() == ' '))
    failure.pop_back();
  addError(errors, ImportErrorKind::BadModel,
           failure.empty() ? "the ONNX checker rejects the model"
                           : "the ONNX checker rejects the model: " + failure);
  return false;
}

int64_t q8::importer::getDefaultOpset(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return -1;
}

bool q8::importer::loadModel(const std::string &path, onnx::ModelProto &model,
                             std::vector<ImportError> &errors) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    addError(errors, ImportErrorKind::BadModel,
             "cannot read model: " + buffer.getError().message());
    return false;
  }
  llvm::StringRef data = (*buffer)->getBuffer();
  if (data.empty()) {
    addError(errors, ImportErrorKind::BadModel, "the file is empty");
    return false;
  }
  bool binaryName = llvm::sys::path::extension(path) == ".onnx";
  std::string textError;
  bool parsed;
  if (looksLikeText(data) && (!binaryName || !parseBinary(data, model))) {
    model.Clear();
    parsed = parseText(data, model, textError);
    if (!parsed) {
      addError(errors, ImportErrorKind::BadModel,
               "cannot parse ONNX text syntax: " + textError);
      return false;
    }
  } else {
    parsed = parseBinary(data, model);
    if (!parsed) {
      addError(errors, ImportErrorKind::BadModel,
               "not an ONNX model (the protobuf does not parse; is the file "
               "truncated?)");
      return false;
    }
  }
  if (!model.has_graph()) {
    addError(errors, ImportErrorKind::BadModel,
             "not an ONNX model (it has no graph)");
    return false;
  }

  // Check the opset before the checker, which would only say that no op is
  // registered at that version.
  int64_t opset = getDefaultOpset(model);
  if (opset > kNewestOpset) {
    addError(errors, ImportErrorKind::Unsupported,
             "opset " + std::to_string(opset) +
                 " of the default domain is newer than the newest q8 "
                 "supports (" +
                 std::to_string(kNewestOpset) + ")");
    return false;
  }

  // External data first: the checker would look for it relative to the
  // working directory.
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  if (!inlineAllExternal(*model.mutable_graph(), std::string(dir), errors))
    return false;

  if (!checkNewerTypes(model.graph(), errors))
    return false;
  return runChecker(model, opset, errors);
}

bool q8::importer::loadTensor(const std::string &path,
                              onnx::TensorProto &tensor, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path + "': " + buffer.getError().message();
    return false;
  }
  try {
    if (tensor.ParseFromArray((*buffer)->getBufferStart(),
                              static_cast<int>((*buffer)->getBufferSize())))
      return true;
  } catch (...) {
  }
  error = "'" + path + "' is not a serialized ONNX TensorProto";
  return false;
}

int64_t q8::importer::getSinceVersion(const std::string &opType,
                                      int64_t opset,
                                      const std::string &domain) {
  try {
    std::string d = domain == "ai.onnx" ? std::string() : domain;
    // Past libonnx's newest opset, q8's own table of the newer versions.
    int64_t libonnxOpset = getMaxOpset(d);
    if (d.empty() && libonnxOpset > 0 && opset > libonnxOpset) {
      if (const NewerSchema *schema =
              lookupNewerSchema(opType, opset, libonnxOpset))
        return schema->sinceVersion;
      opset = libonnxOpset;
    }
    const onnx::OpSchema *schema =
        onnx::OpSchemaRegistry::Schema(opType, static_cast<int>(opset), d);
    return schema ? schema->since_version() : -1;
  } catch (...) {
    return -1;
  }
}

int64_t q8::importer::getMaxOpset(const std::string &domain) {
  try {
    const auto &map =
        onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto it = map.find(domain == "ai.onnx" ? std::string() : domain);
    return it == map.end() ? -1 : it->second.second;
  } catch (...) {
    return -1;
  }
}
