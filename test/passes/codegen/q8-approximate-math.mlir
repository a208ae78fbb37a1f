// RUN: q8-opt %s -q8-approximate-math=target=generic | FileCheck %s --check-prefix=GENERIC
// RUN: q8-opt %s -q8-approximate-math=target=avx2 | FileCheck %s --check-prefix=AVX2

// Without FMA and SSE4.1 (generic), math.fma becomes mul + add and
// math.floor an i32 round trip (|x| < 2^23, stepping down where truncation
// rounded up; copysign keeps -0.0), so no libm call is left. AVX2 keeps
// both for LLVM's vfmadd and vroundps.
// GENERIC-LABEL: func.func @fma_floor
// GENERIC-NOT:     math.fma
// GENERIC-NOT:     math.floor
// GENERIC:         arith.mulf %arg0, %arg1 : vector<4xf32>
// GENERIC:         arith.addf
// GENERIC:         %[[I:.*]] = arith.fptosi %arg0 : vector<4xf32> to vector<4xi32>
// GENERIC:         %[[T:.*]] = arith.sitofp %[[I]] : vector<4xi32> to vector<4xf32>
// GENERIC:         %[[UP:.*]] = arith.cmpf ogt, %[[T]], %arg0
// GENERIC:         %[[DOWN:.*]] = arith.subf %[[T]]
// GENERIC:         %[[STEP:.*]] = arith.select %[[UP]], %[[DOWN]], %[[T]]
// GENERIC:         %[[ABS:.*]] = math.absf %arg0
// GENERIC:         %[[SMALL:.*]] = arith.cmpf olt, %[[ABS]], %{{.*}}
// GENERIC:         %[[F:.*]] = arith.select %[[SMALL]], %[[STEP]], %arg0
// GENERIC:         math.copysign %[[F]], %arg0
// AVX2-LABEL:  func.func @fma_floor
// AVX2:          math.fma
// AVX2:          math.floor
func.func @fma_floor(%x: vector<4xf32>, %y: vector<4xf32>, %z: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>) {
  %0 = math.fma %x, %y, %z : vector<4xf32>
  %1 = math.floor %x : vector<4xf32>
  return %0, %1 : vector<4xf32>, vector<4xf32>
}

// -----
// No libm: powf becomes exp(y log x) (then approximated), roundeven on
// generic is |x| + 2^23 - 2^23 (2^52 for f64) with the sign copied back,
// and f64 exp/log call libq8rt's q8_math_exp/q8_math_log, element by
// element for vectors.
// GENERIC-LABEL: func.func @no_libm
// GENERIC-NOT:     math.powf
// GENERIC-NOT:     math.roundeven
// GENERIC-DAG:     arith.constant 0x4330000000000000 : f64
// GENERIC-DAG:     arith.constant dense<0x4B000000> : vector<4xf32>
// GENERIC-COUNT-2: call @q8_math_exp(%{{.*}}) : (f64) -> f64
// GENERIC:         call @q8_math_log(%{{.*}}) : (f64) -> f64
// AVX2-LABEL: func.func @no_libm
// AVX2-NOT:     math.powf
// AVX2:         math.roundeven %{{.*}} : vector<4xf32>
// AVX2:         math.roundeven %{{.*}} : f64
func.func @no_libm(%x: vector<4xf32>, %y: vector<4xf32>, %d: f64, %v: vector<2xf64>) -> (vector<4xf32>, vector<4xf32>, f64, vector<2xf64>, f64) {
  %p = math.powf %x, %y : vector<4xf32>
  %r = math.roundeven %x : vector<4xf32>
  %rd = math.roundeven %d : f64
  %e = math.exp %v : vector<2xf64>
  %l = math.log %d : f64
  return %p, %r, %rd, %e, %l : vector<4xf32>, vector<4xf32>, f64, vector<2xf64>, f64
}

// -----
// erf: x clamped to [-4, 4], x * P(x^2) / Q(x^2) by two Horner chains of 5
// fmas, one division, the result clamped to [-1, 1]; no interval blends.
// AVX2-LABEL: func.func @erf
// AVX2:         %[[HI:.*]] = arith.minimumf %arg0, %{{.*}} : vector<8xf32>
// AVX2:         %[[X:.*]] = arith.maximumf %[[HI]], %{{.*}} : vector<8xf32>
// AVX2:         %[[T:.*]] = arith.mulf %[[X]], %[[X]] : vector<8xf32>
// AVX2-COUNT-5: math.fma %{{.*}}, %[[T]], %{{.*}} : vector<8xf32>
// AVX2:         %[[XP:.*]] = arith.mulf %[[X]], %{{.*}} : vector<8xf32>
// AVX2-COUNT-5: math.fma %{{.*}}, %[[T]], %{{.*}} : vector<8xf32>
// AVX2:         %[[Y:.*]] = arith.divf %[[XP]], %{{.*}} : vector<8xf32>
// AVX2:         %[[Y1:.*]] = arith.minimumf %[[Y]], %{{.*}} : vector<8xf32>
// AVX2:         arith.maximumf %[[Y1]], %{{.*}} : vector<8xf32>
// AVX2-NOT:     arith.select
// AVX2-NOT:     math.erf
// GENERIC-LABEL: func.func @erf
// GENERIC-NOT:     math.fma
// GENERIC-NOT:     math.erf
func.func @erf(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.erf %x : vector<8xf32>
  return %0 : vector<8xf32>
}
