//===- Target.cpp - the x86-64 code-generation targets q8 knows -----------===//

#include "compiler/codegen/Target.h"

#include "runtime/q8_dispatch.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Host.h"

#include <vector>

using namespace llvm;
using mlir::FailureOr;
using mlir::Operation;

namespace {

/// The named targets, before their feature flags are derived.
std::optional<q8::TargetInfo> namedTarget(StringRef name) {
  using q8::Int8Dot;
  q8::TargetInfo info;
  info.name = name.str();
  if (name == "generic")
    info.cpu = "x86-64";
  else if (name == "avx2")
    info = {info.name, "x86-64-v3", "", 8, 16, Int8Dot::Madd256};
  else if (name == "avx-vnni")
    info = {info.name, "x86-64-v3", "+avxvnni", 8, 16, Int8Dot::Vnni256};
  else if (name == "avx512")
    info = {info.name, "x86-64-v4", "", 16, 32, Int8Dot::Madd512};
  else if (name == "avx512-vnni")
    info = {info.name, "x86-64-v4", "+avx512vnni", 16, 32, Int8Dot::Vnni512};
  else if (name == "all")
    // The dispatcher's own code: baseline x86-64 (the variants carry their
    // CPU and features per function).
    info.cpu = "x86-64";
  else
    return std::nullopt;
  return info;
}

/// A cache's size in bytes from sysfs ("48K"), or `fallback`.
int64_t hostCacheBytes(int level, StringRef type, int64_t fallback) {
  for (int index = 0; index < 8; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    auto read = [&](StringRef file) -> std::string {
      auto buffer = MemoryBuffer::getFile(dir + "/" + file.str(),
                                          /*IsText=*/true);
      return buffer ? (*buffer)->getBuffer().trim().str() : std::string();
    };
    if (read("level") != std::to_string(level) || read("type") != type)
      continue;
    StringRef size = read("size");
    std::string text = size.str();
    StringRef number = text;
    int64_t scale = 1;
    if (number.consume_back("K"))
      scale = 1024;
    else if (number.consume_back("M"))
      scale = 1024 * 1024;
    int64_t value;
    if (!number.getAsInteger(10, value) && value > 0)
      return value * scale;
  }
  return fallback;
}

q8::TargetInfo hostTarget() {
  using q8::Int8Dot;
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
  // rank them.
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
  q8::TargetInfo info{"host", sys::getHostCPUName().str(), joined, lanes,
                      lanes == 16 ? 32 : 16, dot};
  info.l1DataBytes = hostCacheBytes(1, "Data", info.l1DataBytes);
  info.l2Bytes = hostCacheBytes(2, "Unified", info.l2Bytes);
  return info;
}

} // namespace

std::optional<q8::TargetInfo> q8::resolveTarget(StringRef name) {
  std::optional<TargetInfo> info;
  if (name == "host") {
    // CPUID and sysfs once per process.
    static const TargetInfo host = hostTarget();
    info = host;
  } else {
    info = namedTarget(name);
  }
  if (!info)
    return std::nullopt;
  info->fma = info->has("fma");
  info->sse41 = info->has("sse4.1");
  info->f16c = info->has("f16c");
  return info;
}

bool q8::isAllTargets(const TargetInfo &target) {
  return target.name == "all";
}

ArrayRef<StringRef> q8::targetVariants() {
  // The order of q8_target (runtime/q8_dispatch.h): the dispatcher's
  // switch cases.
  static const StringRef variants[] = {"generic", "avx2", "avx512",
                                       "avx-vnni", "avx512-vnni"};
  static_assert(std::size(variants) == Q8_TARGET_COUNT);
  return variants;
}

uint64_t q8::requiredCpuFeatures(const TargetInfo &target) {
  if (isAllTargets(target))
    return 0;
  // A group is needed when the code may use any one of its features.
  static const std::pair<uint64_t, std::vector<StringRef>> groups[] = {
      {Q8_CPU_X86_64_V2, {"sse3", "ssse3", "sse4.1", "sse4.2", "popcnt"}},
      {Q8_CPU_AVX2, {"avx", "avx2"}},
      {Q8_CPU_FMA, {"fma"}},
      {Q8_CPU_F16C, {"f16c"}},
      {Q8_CPU_BMI, {"bmi", "bmi2", "lzcnt", "movbe"}},
      {Q8_CPU_AVX512,
       {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}},
      {Q8_CPU_AVX512VNNI, {"avx512vnni"}},
      {Q8_CPU_AVXVNNI, {"avxvnni"}}};
  uint64_t bits = 0;
  for (const auto &[bit, features] : groups)
    if (llvm::any_of(features, [&](StringRef f) { return target.has(f); }))
      bits |= bit;
  return bits;
}

void q8::recordTarget(Operation *module, const TargetInfo &target) {
  if (module->getNumRegions() != 1 || module->getRegion(0).empty())
    return;
  for (Operation &op : module->getRegion(0).front()) {
    if (!op.hasAttr("q8.inputs"))
      continue;
    mlir::Builder builder(op.getContext());
    if (!op.hasAttr("q8.target"))
      op.setAttr("q8.target", builder.getStringAttr(target.name));
    if (!op.hasAttr("q8.cpu_features"))
      op.setAttr("q8.cpu_features",
                 builder.getI64IntegerAttr(requiredCpuFeatures(target)));
  }
}

namespace {

/// Not a registered flag: the pipeline constructs it with the target it
/// already resolved.
struct RecordTarget
    : mlir::PassWrapper<RecordTarget, mlir::OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RecordTarget)
  explicit RecordTarget(q8::TargetInfo target) : target(std::move(target)) {}
  StringRef getArgument() const override { return "q8-record-target"; }
  StringRef getDescription() const override {
    return "record the target on the entry function";
  }
  void runOnOperation() override { q8::recordTarget(getOperation(), target); }
  q8::TargetInfo target;
};

} // namespace

std::unique_ptr<mlir::Pass> q8::createRecordTarget(const TargetInfo &target) {
  return std::make_unique<RecordTarget>(target);
}

FailureOr<q8::TargetInfo> q8::resolveTargetOption(StringRef name,
                                                  Operation *op) {
  if (name == "all")
    return op->emitError()
           << "target 'all' lowers a module once per variant and links "
              "them (q8c --target all); a pass runs for one target";
  if (std::optional<TargetInfo> info = resolveTarget(name))
    return *info;
  return op->emitError() << "unknown target '" << name
                         << "' (expected one of " << knownTargetNames()
                         << ")";
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
