//===- Runner.cpp - compile, run and compare one imported backend test ----===//
//
// Each test runs in a forked child: it compiles the model in-process with
// compile() (Compile.h; with the bindings the classification pass found)
// into a shared object, dlopens it, feeds
// every test_data_set_N/input_K.pb through the model's descriptor and
// compares the outputs with output_K.pb at ONNX's backend-test tolerance
// (rtol 1e-3, atol 1e-7; NaN equals NaN; integers and bools exact). The
// child reports on a pipe, one tagged line per fact; the parent turns a
// signal or a timeout into a crash.
//
//===----------------------------------------------------------------------===//

#include "Runner.h"

#include "compiler/Compile.h"
#include "compiler/TensorFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/raw_ostream.h"

#include "model_io.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace llvm;
using namespace q8conf;

const char *q8conf::runOutcomeName(RunOutcome outcome) {
  switch (outcome) {
  case RunOutcome::Passed: return "passed";
  case RunOutcome::Wrong: return "WRONG";
  case RunOutcome::Codegen: return "codegen-unsupported";
  case RunOutcome::CompileError: return "COMPILE-ERROR";
  case RunOutcome::Crash: return "CRASH";
  case RunOutcome::Skipped: return "not-run";
  }
  return "?";
}

namespace {

using Tensor = q8::HostTensor;

/// ONNX 1.12's backend tests store bfloat16 data as UINT16 tensors of the
/// same bits (its helper had no bfloat16 writer): such a file feeds, or is
/// compared with, a bf16 tensor as those bits.
void adoptBf16Bits(Tensor &t, int32_t modelDtype) {
  if (modelDtype == Q8_DTYPE_BF16 && t.dtype == Q8_DTYPE_U16)
    t.dtype = Q8_DTYPE_BF16;
}

std::string shapeString(int32_t dtype, ArrayRef<int64_t> dims) {
  std::string s = dtype >= 0 ? q8_dtype_name((q8_dtype)dtype) : "?";
  s += "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Child side: one tagged line per fact, tabs and newlines squashed.
struct Reporter {
  int fd;
  void send(StringRef tag, StringRef a = "", StringRef b = "") {
    std::string line = tag.str();
    for (StringRef field : {a, b}) {
      std::string clean = field.split('\n').first.substr(0, 2000).str();
      std::replace(clean.begin(), clean.end(), '\t', ' ');
      line += "\t" + clean;
    }
    line += "\n";
    (void)!write(fd, line.data(), line.size());
  }
};

bool sameFile(const std::string &a, const std::string &b) {
  auto fa = MemoryBuffer::getFile(a), fb = MemoryBuffer::getFile(b);
  return fa && fb && (*fa)->getBuffer() == (*fb)->getBuffer();
}

/// Compares one output. Returns false with `detail` on a mismatch.
bool compareOutput(const q8_tensor_desc &out, const char *gotBytes,
                   const Tensor &want, std::string &detail) {
  int64_t n = q8_tensor_num_elements(&out);
  size_t size = q8_dtype_size((q8_dtype)out.dtype);
  auto value = [&](const char *base, int64_t i) -> double {
    return q8_io_element(out.dtype, base, i);
  };
  // bf16 keeps 8 significant bits, so one unit in the last place is up to
  // 2^-7 relative, more than rtol 1e-3: a bf16 output may differ from the
  // reference by one ulp (ONNX 1.12's Cast references truncate to bf16;
  // q8 rounds to nearest even, as later ONNX releases and ONNX Runtime do).
  const double rtol = out.dtype == Q8_DTYPE_BF16 ? 0x1p-7 : 1e-3;
  const double atol = 1e-7;
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0, firstBad = -1;
  double firstGot = 0, firstWant = 0;
  for (int64_t i = 0; i < n; ++i) {
    double got = value(gotBytes, i), ref = value(want.bytes.data(), i);
    if (!q8_io_is_float(out.dtype)) {
      // Integers exact (by their bytes: 64-bit ones do not fit a double);
      // bools compare as truth values (any nonzero byte).
      bool equal = out.dtype == Q8_DTYPE_BOOL
                       ? got == ref
                       : memcmp(gotBytes + i * size,
                                want.bytes.data() + i * size, size) == 0;
      if (!equal) {
        maxAbs = std::max(maxAbs, std::fabs(got - ref));
        if (firstBad < 0)
          firstBad = i, firstGot = got, firstWant = ref;
        ++bad;
      }
      continue;
    }
    double err;
    if (std::isnan(got) && std::isnan(ref))
      continue;
    if (std::isnan(got) || std::isnan(ref))
      err = INFINITY;
    else if (got == ref) // also equal infinities
      err = 0;
    else
      err = std::fabs(got - ref);
    maxAbs = std::max(maxAbs, err);
    if (ref != 0)
      maxRel = std::max(maxRel, err / std::fabs(ref));
    if (!(err <= atol + rtol * std::fabs(ref))) {
      if (firstBad < 0)
        firstBad = i, firstGot = got, firstWant = ref;
      ++bad;
    }
  }
  if (!bad)
    return true;
  detail = formatv("output '{0}': {1} of {2} elements differ; max abs err "
                   "{3:g}, max rel err {4:g}; first at index {5}: got {6:g}, "
                   "expected {7:g}",
                   out.name, bad, n, maxAbs, maxRel, firstBad, firstGot,
                   firstWant)
               .str();
  return false;
}

/// The child: never returns.
[[noreturn]] void child(const RunRequest &req, const RunConfig &config,
                        int fd) {
  Reporter rep{fd};
  auto finish = [&](int code) {
    close(fd);
    _exit(code);
  };
  SmallString<256> dir(config.workDir);
  sys::path::append(dir, "q8conf-" + sys::path::filename(req.dir).str());
  SmallString<256> unique;
  if (sys::fs::createUniqueDirectory(dir, unique)) {
    rep.send("compile-error", "cannot create a directory under " +
                                  config.workDir);
    finish(0);
  }
  // Removed explicitly: _exit skips destructors.
  auto cleanup = [&] {
    if (!config.keep)
      sys::fs::remove_directories(unique);
  };

  std::string modelName = "model";
  std::string base = (unique + "/" + modelName).str();
  q8::CompileRequest request;
  request.modelPath = req.dir + "/model.onnx";
  request.import = req.options;
  request.codegen.modelName = modelName;
  request.codegen.target = config.target;
  // What to write: the object for --objects-dir, and the shared object to
  // run (--compile-only without --objects-dir: an object in the work
  // directory). One compile() each.
  std::vector<std::pair<std::string, q8::OutputKind>> outputs;
  if (!config.objectsDir.empty()) {
    std::string flat = req.name;
    std::replace(flat.begin(), flat.end(), '/', '_');
    outputs.push_back({config.objectsDir + "/" + flat, q8::OutputKind::Object});
  }
  if (!config.compileOnly)
    outputs.push_back({base, q8::OutputKind::SharedLibrary});
  else if (outputs.empty())
    outputs.push_back({base, q8::OutputKind::Object});
  for (const auto &[path, kind] : outputs) {
    request.output.path = path;
    request.output.kind = kind;
    std::string log;
    raw_string_ostream os(log);
    if (q8::compile(request, os, nulls()).succeeded)
      continue;
    // compile() logs "error: <model>: <message>" lines (and notes).
    SmallVector<StringRef> lines;
    StringRef(log).split(lines, '\n', -1, false);
    std::vector<std::string> errors;
    for (StringRef line : lines)
      if (line.consume_front("error: ")) {
        line.consume_front(request.modelPath + ": ");
        errors.push_back(line.str());
      }
    for (const std::string &e : errors) {
      size_t at = e.find("): op is not supported by code generation");
      if (at == std::string::npos)
        continue;
      size_t open = e.rfind('(', at);
      rep.send("codegen", e.substr(open + 1, at - open - 1), e);
      cleanup();
      finish(0);
    }
    rep.send("compile-error", errors.empty()
                                  ? "compile() failed, no diagnostic"
                                  : errors.front());
    cleanup();
    finish(0);
  }

  if (config.compileOnly) {
    rep.send("compiled");
    rep.send("skip", "compiled only (--compile-only)");
    cleanup();
    finish(0);
  }
  // compile() linked the object into a shared object (SharedLibrary.h),
  // which exports the model's descriptor as `model_q8_desc`.
  std::string so = base + ".so";
  void *lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    rep.send("compile-error", std::string("dlopen: ") + dlerror());
    cleanup();
    finish(0);
  }
  cleanup(); // the mapping outlives the file
  auto *desc = static_cast<const q8_model_desc *>(
      dlsym(lib, (modelName + "_q8_desc").c_str()));
  if (!desc || q8_model_check(desc) != Q8_OK) {
    rep.send("compile-error", "no valid descriptor in the shared object");
    finish(0);
  }
  rep.send("compiled");
  int nin = desc->num_inputs, nout = desc->num_outputs;

  // Which input_K.pb feeds each descriptor input.
  std::vector<int> inputIndex(nin, -1);
  for (int i = 0; i < nin; ++i)
    for (size_t k = 0; k < req.inputNames.size(); ++k)
      if (req.inputNames[k] == desc->inputs[i].name)
        inputIndex[i] = (int)k;
  std::vector<std::string> boundFiles;
  for (const q8::InputBinding &b : req.options.bindings)
    boundFiles.push_back(b.path);

  alarm(config.runTimeout);
  rep.send("run");
  unsigned sets = 0;
  for (unsigned set = 0;; ++set) {
    std::string setDir = req.dir + "/test_data_set_" + std::to_string(set);
    if (!sys::fs::is_directory(setDir))
      break;
    // A bound input is compiled in from data set 0: later sets must agree.
    bool differs = false;
    for (const q8::InputBinding &b : req.options.bindings) {
      std::string other = setDir + "/" + sys::path::filename(b.path).str();
      if (!sameFile(b.path, other))
        differs = true;
    }
    if (differs)
      continue;
    std::vector<Tensor> inputs(nin);
    // [dims,] inputs, outputs, workspace, pool (NULL: this thread).
    std::vector<void *> callArgs(Q8_MODEL_NUM_ARGS(desc), nullptr);
    int first = q8_io_first_input(desc);
    std::vector<q8_tensor_desc> given(nin);
    for (int i = 0; i < nin; ++i) {
      const q8_tensor_desc &want = desc->inputs[i];
      if (inputIndex[i] < 0) {
        rep.send("skip", std::string("model input '") + want.name +
                             "' is not a graph input of the test");
        finish(0);
      }
      std::string path =
          setDir + "/input_" + std::to_string(inputIndex[i]) + ".pb";
      std::string error;
      if (!q8::readSingleTensor(path, inputs[i], error)) {
        rep.send("skip", path + ": " + error);
        finish(0);
      }
      Tensor &t = inputs[i];
      adoptBf16Bits(t, want.dtype);
      if (q8_tensor_check(&want, (q8_dtype)t.dtype, (int32_t)t.dims.size(),
                          t.dims.data()) != Q8_OK) {
        rep.send("skip", std::string("input '") + want.name + "': file holds " +
                             shapeString(t.dtype, t.dims) + ", model takes " +
                             shapeString(want.dtype,
                                         ArrayRef(want.dims, want.rank)));
        finish(0);
      }
      given[i] = want;
      std::copy(t.dims.begin(), t.dims.end(), given[i].dims);
      callArgs[first + i] = t.bytes.data();
    }
    // A dynamic model's dims come from the inputs' shapes.
    std::vector<int64_t> dims(desc->num_dims);
    char why[512];
    if (q8_io_infer_dims(desc, given.data(), dims.data(), why, sizeof(why))) {
      rep.send("skip", why);
      finish(0);
    }
    if (first)
      callArgs[0] = dims.data();
    std::vector<q8_tensor_desc> outDescs(desc->outputs,
                                         desc->outputs + nout);
    std::vector<std::vector<char>> outputs(nout);
    for (int i = 0; i < nout; ++i) {
      int64_t bytes =
          q8_io_resolve_output(desc, i, dims.data(), &outDescs[i]);
      if (bytes < 0) {
        rep.send("skip", std::string("output '") + desc->outputs[i].name +
                             "': too many elements");
        finish(0);
      }
      outputs[i].assign(bytes + 1, 0);
      callArgs[first + nin + i] = outputs[i].data();
    }
    size_t ws = (desc->workspace_size + Q8_WORKSPACE_ALIGNMENT - 1) /
                Q8_WORKSPACE_ALIGNMENT * Q8_WORKSPACE_ALIGNMENT;
    std::unique_ptr<void, decltype(&free)> workspace(
        ws ? aligned_alloc(Q8_WORKSPACE_ALIGNMENT, ws) : nullptr, &free);
    callArgs[first + nin + nout] = workspace.get();
    if (int32_t status = desc->run_packed(callArgs.data())) {
      rep.send("wrong", "test_data_set_" + std::to_string(set) + ": " +
                            desc->name + " returned " +
                            q8_status_string((q8_status)status));
      finish(0);
    }

    for (int k = 0; k < nout; ++k) {
      std::string path = setDir + "/output_" + std::to_string(k) + ".pb";
      Tensor want;
      std::string error;
      if (!q8::readSingleTensor(path, want, error)) {
        rep.send("skip", path + ": " + error);
        finish(0);
      }
      int index = k;
      for (int i = 0; i < nout; ++i)
        if (!want.name.empty() && want.name == desc->outputs[i].name)
          index = i;
      const q8_tensor_desc &out = outDescs[index];
      adoptBf16Bits(want, out.dtype);
      if (q8_tensor_check(&out, (q8_dtype)want.dtype,
                          (int32_t)want.dims.size(),
                          want.dims.data()) != Q8_OK) {
        rep.send("wrong", "test_data_set_" + std::to_string(set) +
                              ": output '" + out.name + "' is " +
                              shapeString(out.dtype,
                                          ArrayRef(out.dims, out.rank)) +
                              ", expected " +
                              shapeString(want.dtype, want.dims));
        finish(0);
      }
      std::string detail;
      if (!compareOutput(out, outputs[index].data(), want, detail)) {
        rep.send("wrong", "test_data_set_" + std::to_string(set) + ": " +
                              detail);
        finish(0);
      }
    }
    ++sets;
  }
  alarm(0);
  if (sets == 0)
    rep.send("skip", "no data set matches the inputs bound at compile time");
  else
    rep.send("passed", std::to_string(sets));
  // Spelled out (not finish()) so the compiler sees the [[noreturn]] hold.
  close(fd);
  _exit(0);
}

/// Parent side: turns the child's lines and exit status into a result.
RunResult interpret(StringRef text, int status, bool timedOut,
                    const RunConfig &config) {
  RunResult r;
  bool running = false;
  bool final = false;
  SmallVector<StringRef> lines;
  text.split(lines, '\n', -1, false);
  for (StringRef line : lines) {
    SmallVector<StringRef, 3> f;
    line.split(f, '\t');
    StringRef tag = f[0];
    StringRef a = f.size() > 1 ? f[1] : "", b = f.size() > 2 ? f[2] : "";
    if (tag == "compiled") {
      r.compiled = true;
    } else if (tag == "run") {
      running = true;
    } else if (tag == "codegen") {
      r.outcome = RunOutcome::Codegen, r.codegenOp = a.str(),
      r.detail = b.str(), final = true;
    } else if (tag == "compile-error") {
      r.outcome = RunOutcome::CompileError, r.detail = a.str(), final = true;
    } else if (tag == "skip") {
      r.outcome = RunOutcome::Skipped, r.detail = a.str(), final = true;
    } else if (tag == "wrong") {
      r.outcome = RunOutcome::Wrong, r.detail = a.str(), final = true;
    } else if (tag == "passed") {
      r.outcome = RunOutcome::Passed, final = true;
      a.getAsInteger(10, r.dataSets);
    }
  }
  if (final && !timedOut && WIFEXITED(status))
    return r;
  r.outcome = RunOutcome::Crash;
  std::string phase = running ? "running" : "compiling";
  if (timedOut)
    r.detail = "timed out while " + phase + " (limit " +
               std::to_string(config.compileTimeout) + " s)";
  else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    r.detail = "timed out while running (limit " +
               std::to_string(config.runTimeout) + " s)";
  else if (WIFSIGNALED(status))
    r.detail = std::string("signal ") + strsignal(WTERMSIG(status)) +
               " while " + phase;
  else
    r.detail = "exited with status " + std::to_string(WEXITSTATUS(status)) +
               " while " + phase + ", without a verdict";
  return r;
}

struct Running {
  size_t index;
  pid_t pid;
  int fd;
  std::string text;
  std::chrono::steady_clock::time_point start;
  bool killed = false;
};

void drain(Running &r) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(r.fd, buf, sizeof buf);
    if (n <= 0)
      return;
    r.text.append(buf, n);
  }
}

} // namespace

std::vector<RunResult> q8conf::runAll(const std::vector<RunRequest> &requests,
                                      const RunConfig &config) {
  std::vector<RunResult> results(requests.size());
  std::vector<Running> running;
  size_t next = 0;
  unsigned jobs = std::max(1u, config.jobs);
  outs().flush();
  errs().flush();
  while (next < requests.size() || !running.empty()) {
    while (next < requests.size() && running.size() < jobs) {
      int fds[2];
      if (pipe(fds) != 0) {
        results[next].detail = "pipe failed";
        ++next;
        continue;
      }
      pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        // Generated code's own output would interleave with the report.
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        child(requests[next], config, fds[1]);
      }
      close(fds[1]);
      fcntl(fds[0], F_SETFL, O_NONBLOCK);
      running.push_back(
          {next, pid, fds[0], "", std::chrono::steady_clock::now()});
      ++next;
    }
    std::vector<pollfd> pfds;
    for (Running &r : running)
      pfds.push_back({r.fd, POLLIN, 0});
    poll(pfds.data(), pfds.size(), 20);
    for (size_t i = 0; i < running.size();) {
      Running &r = running[i];
      drain(r);
      auto elapsed = std::chrono::steady_clock::now() - r.start;
      if (!r.killed &&
          elapsed > std::chrono::seconds(config.compileTimeout +
                                         config.runTimeout)) {
        kill(r.pid, SIGKILL);
        r.killed = true;
      }
      int status = 0;
      pid_t done = waitpid(r.pid, &status, WNOHANG);
      if (done != r.pid) {
        ++i;
        continue;
      }
      drain(r);
      close(r.fd);
      results[r.index] = interpret(r.text, status, r.killed, config);
      running.erase(running.begin() + i);
    }
  }
  return results;
}
