//===- Target.cpp - the x86-64 code-generation targets q8 knows -----------===//

#include "compiler/codegen/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <vector>

using namespace llvm;

std::optional<q8::TargetInfo> q8::resolveTarget(StringRef name) {
  if (name == "generic")
    return TargetInfo{"x86-64", "", 4, 16, Int8Dot::None};
  if (name == "avx2")
    return TargetInfo{"x86-64-v3", "", 8, 16, Int8Dot::Madd256};
  if (name == "avx-vnni")
    return TargetInfo{"x86-64-v3", "+avxvnni", 8, 16, Int8Dot::Vnni256};
  if (name == "avx512")
    return TargetInfo{"x86-64-v4", "", 16, 32, Int8Dot::Madd512};
  if (name == "avx512-vnni")
    return TargetInfo{"x86-64-v4", "+avx512vnni", 16, 32, Int8Dot::Vnni512};
  if (name != "host")
    return std::nullopt;

  // Sorted, so the feature string (and with it the object) is the same on
  // every run on one machine.
  StringMap<bool> hostFeatures = sys::getHostCPUFeatures();
  std::vector<std::string> features;
  for (const auto &feature : hostFeatures)
    features.push_back((feature.second ? "+" : "-") + feature.first().str());
  llvm::sort(features);
  std::string joined;
  for (const std::string &feature : features)
    joined += (joined.empty() ? "" : ",") + feature;
  int64_t lanes = 4;
  if (hostFeatures.lookup("avx2"))
    lanes = 8;
  if (hostFeatures.lookup("avx512f"))
    lanes = 16;
  // The widest integer dot the host has, in the order the named targets
  // above rank them.
  Int8Dot dot = Int8Dot::None;
  if (hostFeatures.lookup("avx2"))
    dot = Int8Dot::Madd256;
  if (hostFeatures.lookup("avxvnni"))
    dot = Int8Dot::Vnni256;
  if (lanes == 16 && hostFeatures.lookup("avx512bw"))
    dot = Int8Dot::Madd512;
  if (lanes == 16 && hostFeatures.lookup("avx512bw") &&
      hostFeatures.lookup("avx512vnni"))
    dot = Int8Dot::Vnni512;
  return TargetInfo{sys::getHostCPUName().str(), joined, lanes,
                    lanes == 16 ? 32 : 16, dot};
}

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

std::string q8::buildHostTarget() {
  StringMap<bool> host = sys::getHostCPUFeatures();
  // x86-64-v3: what the "avx2" target's code may use.
  for (StringRef feature : {"avx", "avx2", "bmi", "bmi2", "f16c", "fma",
                            "lzcnt", "movbe", "xsave"})
    if (!host.lookup(feature))
      return "generic";
  return "avx2";
}

StringRef q8::knownTargetNames() {
  return "host, avx2, avx-vnni, avx512, avx512-vnni, generic";
}
