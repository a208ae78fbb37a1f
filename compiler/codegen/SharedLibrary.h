//===- SharedLibrary.h - link compiled objects into a shared object -*- C++ -*-===//
//
// The one place q8 runs an external program. A shared object needs an ELF
// linker, and Debian's LLVM 22 packages ship no in-process one (lld's
// liblldELF is not among them); an ORC JIT would run code other than the
// object q8c writes. So the object is linked by running clang (the driver
// finds the system linker and libc) or, without clang, ld.lld directly.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_SHAREDLIBRARY_H
#define Q8_COMPILER_CODEGEN_SHAREDLIBRARY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace q8 {

/// Links `objects` (ELF objects and static archives, e.g. the model's
/// object and libq8rt.a) into the shared object `output`. Looks for
/// clang-22, clang, ld.lld-22 and ld.lld on PATH, in that order. On
/// failure returns false and sets `error` to a message naming the tool and
/// holding its diagnostics.
bool linkSharedLibrary(llvm::StringRef output,
                       llvm::ArrayRef<std::string> objects,
                       std::string &error);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_SHAREDLIBRARY_H
