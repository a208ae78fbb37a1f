//===- SharedLibrary.cpp - link compiled objects into a shared object -----===//

#include "compiler/codegen/SharedLibrary.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <optional>

using namespace llvm;

/// <dir of this executable>/../lib/libq8rt.a, or "" where there is none.
static std::string runtimeArchive() {
  // Any function of this binary identifies it.
  static int anchor;
  std::string exe = sys::fs::getMainExecutable("q8", &anchor);
  if (exe.empty())
    return "";
  SmallString<256> path(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(path, "lib", "libq8rt.a");
  return sys::fs::exists(path) ? path.str().str() : "";
}

bool q8::linkSharedLibrary(StringRef output, ArrayRef<std::string> objects,
                           std::string &error) {
  // clang drives the system linker with libc and libm (the object may call
  // memcpy, memset or libm functions); a bare ld.lld links the object as
  // it is, leaving those to be resolved when the library is loaded.
  std::string tool;
  bool driver = true;
  for (const char *name : {"clang-22", "clang", "ld.lld-22", "ld.lld"}) {
    if (ErrorOr<std::string> path = sys::findProgramByName(name)) {
      tool = *path;
      driver = StringRef(name).starts_with("clang");
      break;
    }
  }
  if (tool.empty()) {
    error = "linking a shared object needs clang-22, clang or ld.lld on "
            "PATH, and none was found";
    return false;
  }
  SmallVector<StringRef> args = {tool, "-shared"};
  if (driver)
    args.push_back("-fPIC");
  else
    args.append({"-z", "noexecstack"});
  for (const std::string &object : objects)
    args.push_back(object);
  // libq8rt, which the object may call (f64 exp/log, runtime/q8_math.c):
  // the archive beside the tools (build/lib, or an install's lib/). Only
  // the members the object needs are linked in.
  std::string runtime = runtimeArchive();
  if (!runtime.empty())
    args.push_back(runtime);
  args.append({"-o", output});
  if (driver)
    args.push_back("-lm");

  // The linker's own diagnostics go to a file, so that the message says
  // what went wrong rather than only that something did.
  SmallString<128> log;
  if (sys::fs::createTemporaryFile("q8-link", "log", log))
    log.clear();
  std::optional<StringRef> redirects[] = {StringRef(""), StringRef(log),
                                          StringRef(log)};
  std::string message;
  int rc = sys::ExecuteAndWait(tool, args, std::nullopt,
                               log.empty() ? ArrayRef<std::optional<StringRef>>()
                                           : ArrayRef(redirects),
                               0, 0, &message);
  std::string linkerOutput;
  if (!log.empty()) {
    if (ErrorOr<std::unique_ptr<MemoryBuffer>> text =
            MemoryBuffer::getFile(log))
      linkerOutput = (*text)->getBuffer().trim().str();
    sys::fs::remove(log);
  }
  if (rc == 0)
    return true;
  error = "linking " + output.str() + " with " + tool + " failed";
  if (!message.empty())
    error += ": " + message;
  if (!linkerOutput.empty())
    error += ":\n" + linkerOutput;
  return false;
}
