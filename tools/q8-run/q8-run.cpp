//===- q8-run.cpp - compile an ONNX model in-process and run it once -----===//
//
//   q8-run MODEL.onnx|MODEL.so --input NAME=FILE.npy|FILE.pb ...
//          [--expect FILE.pb ...] [--output-dir DIR] [--bench N]
//          [--weights FILE] [--threads N]
//          [q8c's compile flags: --target T, --quantize ...]
//
// An ONNX model is compiled through compile(), with q8c's compile flags
// (compiler/CompileFlags.h; all but -o, --emit and --summary), as a shared
// object into a temporary directory; a shared object (`q8c --emit=shared`,
// recognized by its ELF magic) is used as it is, and the compile flags are
// ignored. Either is dlopened and called through the descriptor it
// exports (`<model>_q8_desc`) and its packed entry point, the same
// descriptor-driven way test/e2e's run_model.c does (tools/common/
// model_io.h). A model with external weights gets them
// from --weights FILE, or from the .weights file beside the .so.
// A model with dynamic dims (Q8_MODEL_DYNAMIC) runs at the dims its inputs'
// shapes give, within the model's bounds. Each output's shape is printed
// after the call ("y: f32 [4, 10]"); outputs go to DIR/<name>.npy;
// --expect compares them with TensorProtos (rtol 1e-3, atol 1e-5; exit 1
// beyond); --bench N times N calls; --threads N runs the model on a pool
// of N threads (the same bytes).
//
//===----------------------------------------------------------------------===//

#include "compiler/CrashHandler.h"
#include "compiler/Compile.h"
#include "compiler/CompileFlags.h"
#include "compiler/TensorFile.h"
#include "q8_dispatch.h"
#include "q8_runtime.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "model_io.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <dlfcn.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace llvm;

static cl::OptionCategory category("q8-run options");
static cl::list<std::string>
    inputArgs("input", cl::desc("A model input: NAME=FILE.npy, NAME=FILE.pb, "
                                "or FILE.pb (named by its TensorProto)"),
              cl::value_desc("name=file"), cl::cat(category));
static cl::list<std::string> expectArgs(
    "expect",
    cl::desc("Expected output as a TensorProto .pb (matched by its name, "
             "else by position)"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as DIR/NAME.npy"),
                                      cl::value_desc("dir"), cl::cat(category));
static cl::opt<int> benchIters(
    "bench", cl::desc("Time N calls after warm-up; print min/median/max"),
    cl::init(0), cl::cat(category));
static cl::opt<std::string> weightsPath(
    "weights",
    cl::desc("The external weights of a .so compiled with "
             "--external-weights (default: the .weights file beside it)"),
    cl::value_desc("file"), cl::cat(category));

namespace {
/// One tensor in memory: what an input file or an --expect file holds.
using Tensor = q8::HostTensor;

/// Why this CPU cannot run `desc`'s code, or "" when it can: checked
/// before the first call, which would otherwise die on SIGILL. A `--target
/// all` object runs anywhere, but Q8_FORCE_TARGET must name a variant this
/// CPU has (the dispatcher would exit the process otherwise); which variant
/// runs goes to stderr.
std::string cpuMismatch(const q8_model_desc *desc) {
  uint64_t missing = desc->cpu_features & ~q8_cpu_detect();
  StringRef target = desc->target ? desc->target : "an unrecorded target";
  if (missing) {
    char names[128];
    return (Twine("compiled for ") + target + ", needs " +
            q8_cpu_features_string(missing, names, sizeof(names)) +
            ", which this CPU lacks; compile it for this CPU (--target "
            "host) or for every one (--target all)")
        .str();
  }
  if (target != "all")
    return "";
  q8_target chosen;
  int forced;
  char message[256];
  if (q8_target_choose(&chosen, &forced, message, sizeof(message)) != Q8_OK)
    return message;
  errs() << "q8-run: " << desc->name << " holds every target; running its "
         << q8_target_name(chosen) << " variant ("
         << (forced ? "forced by " Q8_FORCE_TARGET_ENV : "chosen by CPUID")
         << ")\n";
  return "";
}

int fail(const Twine &message) {
  errs() << "error: " << message << "\n";
  return 1;
}

/// "f32[1x3x8]"; a dynamic dim of `desc` by its name ("f32[batchx3x8]").
std::string shapeString(int32_t dtype, ArrayRef<int64_t> dims,
                        const q8_model_desc *desc = nullptr) {
  std::string s = dtype >= 0 ? q8_dtype_name((q8_dtype)dtype) : "?";
  s += "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    s += i ? "x" : "";
    int64_t symbol = -1 - dims[i];
    if (dims[i] < 0 && desc && symbol < (int64_t)desc->num_dims)
      s += desc->dims[symbol].name;
    else
      s += std::to_string(dims[i]);
  }
  return s + "]";
}

bool splitAssignment(StringRef arg, StringRef &name, StringRef &value) {
  std::tie(name, value) = arg.split('=');
  return !name.empty() && !value.empty() && arg.contains('=');
}

/// Compiles `request`'s model in-process into `dir`/<name>.so with
/// compile(), as `q8c MODEL [flags] --emit=shared -o dir/<name>` would.
bool compileToSharedObject(q8::CompileRequest request,
                           ArrayRef<std::string> problems, StringRef dir,
                           std::string &so) {
  for (const std::string &problem : problems)
    errs() << "error: " << problem << "\n";
  if (!problems.empty())
    return false;
  request.codegen.modelName = q8::modelNameFromPath(request.modelPath);
  SmallString<256> base(dir);
  sys::path::append(base, request.codegen.modelName);
  request.output.kind = q8::OutputKind::SharedLibrary;
  request.output.path = base.str().str();
  if (!q8::compile(request, errs(), outs()).succeeded)
    return false;
  so = (base + ".so").str();
  return true;
}

/// Whether `path` is an ELF file (a compiled model) rather than ONNX.
bool isElf(StringRef path) {
  auto file = MemoryBuffer::getFileSlice(path, 4, 0);
  return file && (*file)->getBuffer() == "\x7f" "ELF";
}

/// The `<model>_q8_desc` symbols that the shared object `so` exports.
bool findDescriptorSymbols(StringRef so, SmallVectorImpl<std::string> &names,
                           std::string &error) {
  Expected<object::OwningBinary<object::ObjectFile>> file =
      object::ObjectFile::createObjectFile(so);
  if (!file) {
    error = toString(file.takeError());
    return false;
  }
  auto *elf = dyn_cast<object::ELFObjectFileBase>(file->getBinary());
  if (!elf) {
    error = "not an ELF shared object";
    return false;
  }
  for (const object::ELFSymbolRef &symbol : elf->getDynamicSymbolIterators()) {
    Expected<StringRef> name = symbol.getName();
    Expected<uint32_t> flags = symbol.getFlags();
    if (!name || !flags) {
      consumeError(name.takeError());
      consumeError(flags.takeError());
      continue;
    }
    if (name->ends_with("_q8_desc") &&
        !(*flags & object::SymbolRef::SF_Undefined))
      names.push_back(name->str());
  }
  return true;
}

/// RAII for the temporary directory.
struct TempDir {
  SmallString<128> path;
  ~TempDir() {
    if (!path.empty())
      sys::fs::remove_directories(path);
  }
};
} // namespace

int main(int argc, char **argv) {
  q8::installCrashHandler("q8-run");
  InitLLVM init(argc, argv);
  q8::registerCompileFlags(category,
                           "<model.onnx | model.onnxtxt | model.so>",
                           /*outputFlags=*/false);
  std::vector<const cl::OptionCategory *> categories =
      q8::compileFlagCategories();
  categories.push_back(&category);
  // libLLVM registers a hidden, undocumented `-threads` of its own, which
  // q8-run never reads; --threads is q8-run's, so it takes the name over
  // (an option declared at file scope would collide with it at load time).
  if (cl::Option *theirs = cl::getRegisteredOptions().lookup("threads"))
    theirs->removeArgument();
  static cl::opt<int> threads(
      "threads",
      cl::desc("Run on N threads (a q8_pool; 1, the default, starts none)"),
      cl::init(1), cl::cat(category));
  cl::HideUnrelatedOptions(categories);
  if (!q8::parseCompileFlags(argc, argv,
                             "q8-run: compile an ONNX model and run it\n"))
    return 1;
  // Their problems wait for the compile: a .so takes no compile flags.
  std::vector<std::string> compileProblems;
  q8::CompileRequest request = q8::compileRequestFromFlags(compileProblems);
  const std::string &modelPath = request.modelPath;
  if (benchIters < 0)
    return fail("--bench expects a positive count");
  if (threads < 1 || threads > Q8_POOL_MAX_THREADS)
    return fail("--threads expects a count from 1 to " +
                Twine(Q8_POOL_MAX_THREADS));

  // Inputs first: a bad file fails before the (slow) compile.
  std::map<std::string, Tensor> inputs;
  for (StringRef arg : inputArgs) {
    // NAME=FILE, or a bare FILE.pb whose TensorProto carries the name (an
    // existing file wins over splitting a path that contains '=').
    StringRef name, file;
    bool bare = !arg.contains('=') || sys::fs::exists(arg);
    if (bare)
      file = arg;
    else if (!splitAssignment(arg, name, file))
      return fail("--input expects NAME=FILE.npy, NAME=FILE.pb or a named "
                  "FILE.pb, got '" + arg + "'");
    Tensor t;
    std::string error;
    if (!q8::readSingleTensor(file, t, error))
      return fail("--input " + (bare ? file : name) + ": " +
                  (bare ? StringRef() : file) + (bare ? "" : ": ") + error);
    if (bare) {
      if (t.name.empty())
        return fail("--input " + file +
                    ": the file does not name its tensor (only a "
                    "TensorProto does); write NAME=" + file);
      name = t.name;
    }
    std::string key = name.str();
    if (inputs.count(key))
      return fail("--input " + key + " is given twice");
    inputs[key] = std::move(t);
  }
  std::vector<Tensor> expected;
  for (StringRef file : expectArgs) {
    Tensor t;
    std::string error;
    if (!q8::readSingleTensor(file, t, error))
      return fail("--expect " + file + ": " + error);
    expected.push_back(std::move(t));
  }

  std::string so = modelPath;
  TempDir tmp;
  if (!isElf(modelPath)) {
    if (std::error_code ec =
            sys::fs::createUniqueDirectory("q8-run", tmp.path))
      return fail("cannot create a temporary directory: " + ec.message());
    if (!compileToSharedObject(request, compileProblems, tmp.path, so))
      return 1;
  }
  SmallVector<std::string> symbols;
  std::string error;
  if (!findDescriptorSymbols(so, symbols, error))
    return fail(modelPath + ": " + error);
  if (symbols.empty())
    return fail(modelPath + " is not a q8 model: it exports no "
                "<model>_q8_desc descriptor");
  if (symbols.size() > 1)
    return fail(modelPath + " holds " + Twine(symbols.size()) +
                " q8 models (" + join(symbols, ", ") +
                "); q8-run runs one");
  void *lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail(Twine("dlopen: ") + dlerror());
  const std::string &symbol = symbols.front();
  auto *desc =
      static_cast<const q8_model_desc *>(dlsym(lib, symbol.c_str()));
  if (!desc)
    return fail(modelPath + ": dlsym " + symbol + ": " + dlerror());
  if (desc->abi_version != Q8_ABI_VERSION)
    return fail(modelPath + ": " + symbol + " has q8 ABI version " +
                Twine(desc->abi_version) + ", this q8-run reads version " +
                Twine(Q8_ABI_VERSION) + "; recompile the model");
  if (q8_status status = q8_model_check(desc))
    return fail(modelPath + ": " + symbol + " is a malformed descriptor (" +
                q8_status_string(status) + ")");
  if (std::string why = cpuMismatch(desc); !why.empty())
    return fail(modelPath + ": " + why);
  int nin = desc->num_inputs, nout = desc->num_outputs;
  bool hasWeights = desc->flags & Q8_MODEL_EXTERNAL_WEIGHTS;
  int nargs = Q8_MODEL_NUM_ARGS(desc);

  // External weights: --weights, else <model>.weights beside the .so.
  std::unique_ptr<void, decltype(&q8_weights_free)> weights(nullptr,
                                                            &q8_weights_free);
  if (!hasWeights && !weightsPath.empty())
    return fail("--weights " + weightsPath + ": " + desc->name +
                " has no external weights");
  if (hasWeights) {
    std::string file = weightsPath;
    if (file.empty()) {
      SmallString<256> beside(so);
      sys::path::replace_extension(beside, ".weights");
      file = beside.str().str();
    }
    void *memory = nullptr;
    q8_status status =
        q8_weights_load(file.c_str(), desc->weights_size, nullptr, &memory);
    weights.reset(memory);
    if (status == Q8_ERROR_IO)
      return fail(Twine("cannot read the weights file ") + file + " of " +
                  desc->name + (weightsPath.empty() ? " (give it with --weights FILE)" : ""));
    if (status == Q8_ERROR_SIZE_MISMATCH) {
      uint64_t size = 0;
      sys::fs::file_size(file, size);
      return fail(Twine("the weights file ") + file + " holds " +
                  Twine(size) + " bytes, " + desc->name + " takes " +
                  Twine(desc->weights_size) +
                  " (is it from another model or compile?)");
    }
    if (status != Q8_OK)
      return fail(Twine("loading ") + file + ": " + q8_status_string(status));
  }

  // Match the given inputs to the descriptor's, by name.
  for (const auto &[name, t] : inputs)
    if (!q8_model_find_input(desc, name.c_str())) {
      std::string names;
      for (int i = 0; i < nin; ++i)
        names += (i ? ", " : "") + std::string(desc->inputs[i].name);
      return fail("--input " + name + ": " + desc->name +
                  " has no input of that name (its inputs: " + names + ")");
    }
  // The packed call's arguments: [dims,] inputs, outputs, workspace,
  // [weights,] pool.
  std::vector<void *> args(nargs, nullptr);
  int first = q8_io_first_input(desc);
  std::vector<q8_tensor_desc> given(nin);
  for (int i = 0; i < nin; ++i) {
    const q8_tensor_desc &want = desc->inputs[i];
    auto it = inputs.find(want.name);
    if (it == inputs.end())
      return fail(Twine("missing --input ") + want.name + "=FILE (" +
                  shapeString(want.dtype, ArrayRef(want.dims, want.rank),
                              desc) +
                  ")");
    Tensor &t = it->second;
    if (q8_tensor_check(&want, (q8_dtype)t.dtype, (int32_t)t.dims.size(),
                        t.dims.data()) != Q8_OK)
      return fail(Twine("--input ") + want.name + ": the file holds " +
                  shapeString(t.dtype, t.dims) + ", the model takes " +
                  shapeString(want.dtype, ArrayRef(want.dims, want.rank),
                              desc));
    given[i] = want;
    std::copy(t.dims.begin(), t.dims.end(), given[i].dims);
    args[first + i] = t.bytes.data();
  }
  // A dynamic model's dims, from the inputs' shapes: within its bounds and
  // the same wherever a dim appears.
  std::vector<int64_t> dims(desc->num_dims);
  char why[512];
  if (q8_io_infer_dims(desc, given.data(), dims.data(), why, sizeof(why)))
    return fail(why);
  if (first)
    args[0] = dims.data();
  // Each output's descriptor at those dims.
  std::vector<q8_tensor_desc> outDescs(desc->outputs,
                                       desc->outputs + nout);
  std::vector<std::vector<char>> outputs(nout);
  for (int i = 0; i < nout; ++i) {
    int64_t bytes = q8_io_resolve_output(desc, i, dims.data(), &outDescs[i]);
    if (bytes < 0)
      return fail(Twine("output ") + desc->outputs[i].name +
                  ": too many elements");
    outputs[i].assign(bytes, 0);
    args[first + nin + i] = outputs[i].data();
  }
  std::unique_ptr<void, decltype(&free)> workspace(
      desc->workspace_size
          ? aligned_alloc(Q8_WORKSPACE_ALIGNMENT,
                          (desc->workspace_size + Q8_WORKSPACE_ALIGNMENT - 1) /
                              Q8_WORKSPACE_ALIGNMENT * Q8_WORKSPACE_ALIGNMENT)
          : nullptr,
      &free);
  args[first + nin + nout] = workspace.get();
  if (hasWeights)
    args[nargs - 2] = weights.get();
  q8_pool *poolHandle = nullptr;
  if (q8_status status = q8_pool_create(threads, &poolHandle))
    return fail(Twine("cannot start ") + Twine(threads) + " threads: " +
                q8_status_string(status));
  std::unique_ptr<q8_pool, decltype(&q8_pool_destroy)> pool(
      poolHandle, &q8_pool_destroy);
  args[nargs - 1] = pool.get();
  // A dynamic model returns a status (the dims were checked above, so
  // anything but Q8_OK is the model's own failure); a static one Q8_OK.
  auto run = [&]() -> bool {
    int32_t status = desc->run_packed(args.data());
    if (status != Q8_OK)
      fail(Twine(desc->name) + " returned " +
           q8_status_string((q8_status)status));
    return status == Q8_OK;
  };
  if (!run())
    return 1;
  for (const q8_tensor_desc &out : outDescs) {
    char shape[256];
    q8_io_shape_string(desc, out.dtype, out.rank, out.dims, shape,
                       sizeof(shape));
    outs() << out.name << ": " << shape << "\n";
  }

  if (benchIters > 0) {
    for (int i = 0; i < std::min(10, (int)benchIters); ++i)
      if (!run())
        return 1;
    std::vector<double> times;
    for (int i = 0; i < benchIters; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (!run())
        return 1;
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t0)
                          .count());
    }
    std::sort(times.begin(), times.end());
    outs() << format("q8: min %.3f ms, median %.3f ms, max %.3f ms\n",
                     times.front(), times[times.size() / 2], times.back());
  }

  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return fail("cannot create " + outputDir + ": " + ec.message());
    for (int i = 0; i < nout; ++i) {
      SmallString<256> path(outputDir);
      sys::path::append(path, std::string(desc->outputs[i].name) + ".npy");
      if (npy_write(path.c_str(), &outDescs[i], outputs[i].data()) != 0)
        return 1;
    }
  }

  // --expect: by TensorProto name when it names an output, else by position.
  bool mismatch = false;
  for (size_t e = 0; e < expected.size(); ++e) {
    const Tensor &want = expected[e];
    int index = -1;
    for (int i = 0; i < nout; ++i)
      if (want.name == desc->outputs[i].name)
        index = i;
    if (index < 0 && want.name.empty() && (int)e < nout)
      index = (int)e;
    if (index < 0)
      return fail("--expect " + expectArgs[e] + ": " + desc->name +
                  " has no output named '" + want.name + "'");
    const q8_tensor_desc &out = outDescs[index];
    if (q8_tensor_check(&out, (q8_dtype)want.dtype, (int32_t)want.dims.size(),
                        want.dims.data()) != Q8_OK)
      return fail("--expect " + expectArgs[e] + ": holds " +
                  shapeString(want.dtype, want.dims) + ", output " + out.name +
                  " is " + shapeString(out.dtype, ArrayRef(out.dims, out.rank)));
    int64_t n = q8_tensor_num_elements(&out);
    size_t size = q8_dtype_size((q8_dtype)out.dtype);
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      double got = q8_io_element(out.dtype, outputs[index].data(), i);
      double ref = q8_io_element(out.dtype, want.bytes.data(), i);
      double err = std::fabs(got - ref);
      // Integers (by their bytes: 64-bit ones do not fit a double) and
      // bools (as truth values) must match exactly.
      if (!q8_io_is_float(out.dtype) &&
          (out.dtype == Q8_DTYPE_BOOL
               ? got != ref
               : memcmp(outputs[index].data() + i * size,
                        want.bytes.data() + i * size, size) != 0)) {
        maxAbs = std::max(maxAbs, err);
        ++bad;
        continue;
      }
      if (std::isnan(got) != std::isnan(ref))
        err = INFINITY;
      else if (std::isnan(got))
        err = 0;
      maxAbs = std::max(maxAbs, err);
      if (ref != 0)
        maxRel = std::max(maxRel, err / std::fabs(ref));
      if (err > 1e-5 + 1e-3 * std::fabs(ref))
        ++bad;
    }
    outs() << format("%s: max abs error %.3g, max rel error %.3g", out.name,
                     maxAbs, maxRel);
    if (bad) {
      outs() << format(", %lld of %lld elements beyond rtol 1e-3 / atol 1e-5: "
                       "MISMATCH\n",
                       (long long)bad, (long long)n);
      mismatch = true;
    } else {
      outs() << ": ok\n";
    }
  }
  dlclose(lib);
  return mismatch ? 1 : 0;
}
