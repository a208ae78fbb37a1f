// RUN: q8-opt %s -q8-expand-narrow-floats=target=generic | FileCheck %s --check-prefix=GENERIC
// RUN: q8-opt %s -q8-expand-narrow-floats=target=avx2 | FileCheck %s --check-prefix=F16C
// RUN: not q8-opt %s -q8-expand-narrow-floats=target=sparc 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: unknown target 'sparc'

// Without F16C, f32 -> f16 is integer code: the exponent rebias with its
// rounding carry, the 0.5 magic add for subnormals, no truncf left.
// GENERIC-LABEL: func @trunc_f16
// GENERIC:         arith.bitcast %{{.*}} : vector<8xf32> to vector<8xi32>
// GENERIC:         arith.addf %{{.*}}, %{{.*}} : vector<8xf32>
// GENERIC:         arith.trunci %{{.*}} : vector<8xi32> to vector<8xi16>
// GENERIC:         arith.bitcast %{{.*}} : vector<8xi16> to vector<8xf16>
// GENERIC-NOT:     arith.truncf
// With F16C the conversion stays for LLVM (vcvtps2ph).
// F16C-LABEL: func @trunc_f16
// F16C:         arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
func.func @trunc_f16(%x: vector<8xf32>) -> vector<8xf16> {
  %0 = arith.truncf %x : vector<8xf32> to vector<8xf16>
  return %0 : vector<8xf16>
}

// GENERIC-LABEL: func @ext_f16
// GENERIC:         arith.extui %{{.*}} : i16 to i32
// GENERIC:         arith.subf
// GENERIC-NOT:     arith.extf
// F16C-LABEL: func @ext_f16
// F16C:         arith.extf %{{.*}} : f16 to f32
func.func @ext_f16(%x: f16) -> f32 {
  %0 = arith.extf %x : f16 to f32
  return %0 : f32
}

// bf16 is expanded on every target (no AVX512-BF16 dependence).
// GENERIC-LABEL: func @trunc_bf16
// GENERIC-NOT:     arith.truncf
// F16C-LABEL: func @trunc_bf16
// F16C-NOT:     arith.truncf
func.func @trunc_bf16(%x: f32) -> bf16 {
  %0 = arith.truncf %x : f32 to bf16
  return %0 : bf16
}

// f64 -> f16 rounds to odd into f32 (the lowest bit set when inexact), then
// to nearest even: no __truncdfhf2.
// GENERIC-LABEL: func @trunc_f64_f16
// F16C-LABEL: func @trunc_f64_f16
// F16C:         %[[N:.*]] = arith.truncf %[[X:.*]] : f64 to f32
// F16C:         %[[B:.*]] = arith.extf %[[N]] : f32 to f64
// F16C:         arith.cmpf une, %[[B]], %[[X]] : f64
// F16C:         arith.ori
// F16C:         arith.truncf %{{.*}} : f32 to f16
// F16C-NOT:     f64 to f16
func.func @trunc_f64_f16(%x: f64) -> f16 {
  %0 = arith.truncf %x : f64 to f16
  return %0 : f16
}

// f16 arithmetic is computed in f32.
// GENERIC-LABEL: func @add_f16
// F16C-LABEL: func @add_f16
// F16C-DAG:     %[[B:.*]] = arith.extf %arg1 {{.*}}: f16 to f32
// F16C-DAG:     %[[A:.*]] = arith.extf %arg0 {{.*}}: f16 to f32
// F16C:         %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// F16C:         arith.truncf %[[S]] {{.*}}: f32 to f16
func.func @add_f16(%x: f16, %y: f16) -> f16 {
  %0 = arith.addf %x, %y : f16
  return %0 : f16
}
