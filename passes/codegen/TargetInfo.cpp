//===- TargetInfo.cpp - what code generation knows of a target ------------===//

#include "passes/codegen/TargetInfo.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/X86TargetParser.h"

using namespace llvm;

bool q8::TargetInfo::has(StringRef feature) const {
  StringMap<bool> enabled;
  SmallVector<StringRef> implied;
  X86::getFeaturesForCPU(cpu, implied);
  for (StringRef f : implied) {
    enabled[f] = true;
    X86::updateImpliedFeatures(f, true, enabled);
  }
  SmallVector<StringRef> named;
  StringRef(features).split(named, ',', -1, /*KeepEmpty=*/false);
  for (StringRef f : named) {
    bool on = f.consume_front("+");
    f.consume_front("-");
    enabled[f] = on;
    X86::updateImpliedFeatures(f, on, enabled);
  }
  return enabled.lookup(feature);
}
