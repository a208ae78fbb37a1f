//===- TargetInfo.h - what code generation knows of a target ----*- C++ -*-===//
//
// The plain description the target-dependent passes read. Resolving a
// `--target` name into one (the named targets, the host's CPUID and cache
// sizes) is the compiler's: compiler/codegen/Target.h, which includes this.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_TARGETINFO_H
#define Q8_PASSES_CODEGEN_TARGETINFO_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace q8 {

/// The instruction an int8 (u8 x s8 -> i32) matmul kernel multiplies with.
enum class Int8Dot {
  None,      ///< no integer vector dot: the generic tiled path
  Madd256,   ///< AVX2 vpmaddubsw/vpmaddwd on ymm
  Madd512,   ///< AVX-512BW vpmaddubsw/vpmaddwd on zmm
  Vnni256,   ///< AVX-VNNI {vex} vpdpbusd on ymm
  Vnni512,   ///< AVX-512-VNNI vpdpbusd on zmm
};

/// What code generation needs to know about one target, resolved once
/// (resolveTarget, compiler/codegen/Target.h) and carried by CodegenOptions
/// through the pipeline: no pass looks at a target name or compares CPU
/// names.
struct TargetInfo {
  std::string name;     ///< the --target name it was resolved from
  std::string cpu;      ///< LLVM CPU name, e.g. "x86-64-v3"
  std::string features; ///< LLVM feature string, e.g. "+avx2,+fma"
  int64_t f32Lanes = 4; ///< f32 elements in one vector register
  int64_t vectorRegisters = 16; ///< architectural vector registers (16 or 32)
  Int8Dot int8Dot = Int8Dot::None;
  /// ISA features the lowering chooses by (with everything `cpu` and
  /// `features` imply; see has()).
  bool fma = false;    ///< fused multiply-add (else math.fma is expanded)
  bool sse41 = false;  ///< roundps/roundss (else floor/roundeven expanded)
  bool f16c = false;   ///< f16 <-> f32 conversions (else done in integers)
  /// Data cache sizes the kernels may block for. The named targets use
  /// fixed, typical sizes (so their code is the same from every build
  /// host); "host" reads the running CPU's.
  int64_t l1DataBytes = 32 * 1024;
  int64_t l2Bytes = 1024 * 1024;

  /// Bits of one vector register.
  int64_t vectorBits() const { return f32Lanes * 32; }

  /// Whether code for this target may use `feature` (an LLVM feature name
  /// such as "f16c"): implied by `cpu` (x86-64-v3 implies f16c) or named in
  /// `features`, with everything each of those implies (LLVM's X86 target
  /// parser).
  bool has(llvm::StringRef feature) const;
};

} // namespace q8

#endif // Q8_PASSES_CODEGEN_TARGETINFO_H
