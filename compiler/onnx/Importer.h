//===- Importer.h - the ONNX graph walk and its handler table --*- C++ -*-===//
#ifndef Q8_COMPILER_ONNX_IMPORTER_H
#define Q8_COMPILER_ONNX_IMPORTER_H

#include "compiler/Compiler.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

namespace q8::importer {

class NodeBinder;

/// Imports one node: reads operands and attributes through the binder,
/// builds q8 ops and binds the node's outputs. Failure means an error was
/// reported through the binder.
using Handler = mlir::LogicalResult (*)(NodeBinder &);

/// ONNX op type -> handlers by since-version. A node uses the handler with
/// the largest since-version not above its op's since-version at the
/// model's opset.
class HandlerTable {
public:
  void add(llvm::StringRef opType, int64_t sinceVersion, Handler handler);
  /// The handler for `opType` at `sinceVersion`, or null.
  Handler lookup(llvm::StringRef opType, int64_t sinceVersion) const;
  /// The table of every handler q8 has.
  static const HandlerTable &get();

private:
  llvm::StringMap<llvm::SmallVector<std::pair<int64_t, Handler>, 2>> handlers;
};

void registerHandlersAtoF(HandlerTable &table);
void registerHandlersGtoL(HandlerTable &table);
void registerHandlersMtoR(HandlerTable &table);
void registerHandlersStoZ(HandlerTable &table);
void registerHandlersControlFlow(HandlerTable &table);

/// State of one import: the value map, the builder inside @main, the errors.
class Importer {
public:
  Importer(mlir::MLIRContext &context, const std::string &path,
           onnx::ModelProto &model, const ImportOptions &options,
           std::vector<ImportError> &errors);

  /// Builds the module; null when any error was reported.
  mlir::OwningOpRef<mlir::ModuleOp> run();

  mlir::MLIRContext &getContext() { return context; }
  mlir::OpBuilder &getBuilder() { return builder; }
  const ImportOptions &getOptions() const { return options; }
  int64_t getOpset() const { return opset; }

  /// The value of ONNX tensor `name`, or null when none is defined.
  mlir::Value lookup(llvm::StringRef name) const { return values.lookup(name); }
  void define(llvm::StringRef name, mlir::Value value) { values[name] = value; }
  /// Whether a later node or a graph output reads tensor `name`.
  bool isUsed(llvm::StringRef name) const { return used.contains(name); }
  /// Whether `name` is a graph input left as a function argument.
  bool isGraphInput(llvm::StringRef name) const {
    return graphInputs.contains(name);
  }

  /// Imports the nodes of `graph` (an If branch, a Loop body) at the
  /// builder's insertion point, with ONNX's lexical scoping: names of the
  /// enclosing graphs stay visible, `inputs` binds the subgraph's formal
  /// inputs in order, and nothing the subgraph defines outlives the call.
  /// `suffix` is appended to node and value names (one per unrolled Loop
  /// iteration, so that calibration tells iterations apart). `outputs` gets
  /// the values of the subgraph's outputs. Defined in
  /// HandlersControlFlow.cpp.
  mlir::LogicalResult importGraph(const onnx::GraphProto &graph,
                                  llvm::ArrayRef<mlir::Value> inputs,
                                  llvm::StringRef suffix,
                                  llvm::SmallVectorImpl<mlir::Value> &outputs);
  /// What importGraph appends to the names of the nodes it imports now.
  llvm::StringRef getNameSuffix() const { return nameSuffix; }

  /// Records an error about `node` (null for model-level errors).
  void addError(ImportErrorKind kind, const onnx::NodeProto *node,
                const std::string &message);
  size_t getNumErrors() const { return errors.size(); }

private:
  mlir::LogicalResult checkSupported();
  mlir::LogicalResult checkSupported(const onnx::GraphProto &graph);
  /// Records the names that `graph` and its subgraphs read, and the types
  /// they declare.
  void collectUsesAndDeclarations(const onnx::GraphProto &graph);
  mlir::LogicalResult createSignature();
  mlir::LogicalResult createConstants();
  mlir::LogicalResult importNode(const onnx::NodeProto &node);
  mlir::LogicalResult checkDeclared(const onnx::NodeProto *node,
                                    llvm::StringRef name, mlir::Value value);
  mlir::LogicalResult createReturn();
  /// A dim of a graph input left dynamic (declared so, or `?` in
  /// --input-shape).
  struct DynamicDim {
    int64_t position;
    std::string name; ///< the dim_param, or "?"
    int64_t min, max;
  };
  /// The type a graph input declares, made static (its dynamic dims, which
  /// it appends to `dynamic`, of size ImportOptions::dynamicExtent); null on
  /// error (reported).
  mlir::RankedTensorType
  getInputType(const onnx::ValueInfoProto &info,
               llvm::ArrayRef<InputDim> override,
               llvm::SmallVectorImpl<DynamicDim> &dynamic);

  mlir::MLIRContext &context;
  std::string path;
  onnx::ModelProto &model;
  const ImportOptions &options;
  std::vector<ImportError> &errors;
  mlir::OpBuilder builder;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::Operation *func = nullptr;
  int64_t opset = 0;
  const onnx::NodeProto *currentNode = nullptr;
  llvm::StringMap<mlir::Value> values;
  llvm::StringSet<> used;
  llvm::StringSet<> graphInputs;
  /// value_info and graph output declarations by tensor name.
  llvm::StringMap<const onnx::TypeProto *> declared;
  llvm::StringMap<int64_t> sinceVersions;
  std::string nameSuffix;
  /// Subgraph initializers already imported (once for every unrolled
  /// iteration of a Loop body).
  llvm::DenseMap<const onnx::TensorProto *, mlir::Value> subgraphConstants;
};

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_IMPORTER_H
