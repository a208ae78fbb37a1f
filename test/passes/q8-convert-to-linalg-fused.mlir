// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// The lowerings q8-fuse-quant's ops need: q8.requantize and qlinear's
// clip and gelu epilogues. (The end-to-end values are checked against the
// unfused ops in test/quant/int8-fusion.test.)

// requantize u8 (0.5, zp 3) -> i8 (0.25, zp -1): q - 3, multiplier
// 0.5 / 0.25 = 2 = 2^30 (Q31 0.5) after << 2, rounding high multiply, + -1,
// clamped to [-128, 127]. No float.
// CHECK-LABEL: func.func @requantize
// CHECK:         linalg.generic
// CHECK:           math.roundeven
// CHECK:         linalg.generic
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.constant 3 : i32
// CHECK:           arith.subi
// CHECK:           arith.constant 1073741824 : i64
// CHECK:           %[[L:.*]] = arith.constant 2 : i64
// CHECK:           arith.extsi %{{.*}} : i32 to i64
// CHECK:           arith.shli %{{.*}}, %[[L]] : i64
// CHECK:           arith.muli
// CHECK:           arith.divsi
// CHECK-NOT:       arith.shrsi
// CHECK:           arith.constant -1 : i64
// CHECK:           arith.constant -128 : i64
// CHECK:           arith.constant 127 : i64
// CHECK:           arith.trunci %{{.*}} : i64 to i8
// CHECK:         linalg.generic
// CHECK:           arith.sitofp
// CHECK-NOT:     q8.
// LOOPS-LABEL: func.func @requantize
// LOOPS:         scf.for
func.func @requantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = q8.quantize %x {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %r = q8.requantize %q {resultType = tensor<4x!quant.uniform<i8:f32, 0.25:-1>>} : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-1>>
  %d = q8.dequantize %r : (tensor<4x!quant.uniform<i8:f32, 0.25:-1>>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Requantizing clip to [-1, 6] at output scale 0.25, zp 10: the integer
// clamp [quantize(-1), quantize(6)] = [6, 34] replaces [0, 255] (exact:
// clamping commutes with the monotone quantization).
// CHECK-LABEL: func.func @qlinear_clip_requantize
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK:           arith.muli
// CHECK:           arith.constant 10 : i64
// CHECK:           %[[LO:.*]] = arith.constant 6 : i64
// CHECK:           arith.maxsi %{{.*}}, %[[LO]] : i64
// CHECK:           %[[HI:.*]] = arith.constant 34 : i64
// CHECK:           arith.minsi %{{.*}}, %[[HI]] : i64
// CHECK-NOT:       arith.sitofp
// CHECK:         } -> tensor<2x3xi8>
func.func @qlinear_clip_requantize(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %y = q8.qlinear %q, %w {resultType = !quant.uniform<u8:f32, 0.25:10>, activation = "clip", clipMin = -1.0 : f64, clipMax = 6.0 : f64} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.25:10>>
  %d = q8.dequantize %y : (tensor<2x3x!quant.uniform<u8:f32, 0.25:10>>) -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// f32 clip: max then min of the dequantized value, as q8.clip computes it.
// CHECK-LABEL: func.func @qlinear_clip_f32
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK:           arith.sitofp
// CHECK:           arith.mulf
// CHECK:           %[[LO:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           arith.maximumf %{{.*}}, %[[LO]] : f32
// CHECK:           %[[HI:.*]] = arith.constant 6.000000e+00 : f32
// CHECK:           arith.minimumf %{{.*}}, %[[HI]] : f32
// CHECK-NEXT:      linalg.yield
func.func @qlinear_clip_f32(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %y = q8.qlinear %q, %w {resultType = f32, activation = "clip", clipMin = -1.0 : f64, clipMax = 6.0 : f64} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// gelu, f32: 0.5 * f * (1 + erf(f / sqrt 2)) of f = acc * s_in * s_w[n].
// CHECK-LABEL: func.func @qlinear_gelu_f32
// CHECK:         %[[SC:.*]] = arith.constant dense<[2.500000e-01, 1.250000e-01, 6.250000e-02]> : tensor<3xf32>
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[SC]] :
// CHECK:           arith.sitofp
// CHECK:           %[[F:.*]] = arith.mulf
// CHECK:           %[[R2:.*]] = arith.constant 1.41421354 : f32
// CHECK:           %[[D:.*]] = arith.divf %[[F]], %[[R2]] : f32
// CHECK:           %[[E:.*]] = math.erf %[[D]] : f32
// CHECK:           arith.addf %{{.*}}, %[[E]] : f32
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.mulf %{{.*}}, %[[F]] : f32
// CHECK:           arith.mulf
// CHECK-NEXT:      linalg.yield
func.func @qlinear_gelu_f32(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %y = q8.qlinear %q, %w {resultType = f32, activation = "gelu"} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// gelu, requantizing: through the f32 value, then q8.quantize's rounding
// (f32 divide by 0.1, roundeven, + 5, clamp to [0, 255]).
// CHECK-LABEL: func.func @qlinear_gelu_requantize
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK:           math.erf
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.mulf
// CHECK-NEXT:      %[[G:.*]] = arith.mulf
// (the scale is the f32 0.1, as q8.quantize's own lowering has it)
// CHECK-NEXT:      %[[S:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-NEXT:      %[[Z:.*]] = arith.constant 5.000000e+00 : f32
// CHECK-NEXT:      arith.divf %[[G]], %[[S]] : f32
// CHECK-NEXT:      %[[R:.*]] = math.roundeven
// CHECK-NEXT:      arith.addf %[[R]], %[[Z]] : f32
// CHECK:           arith.constant 2.550000e+02 : f32
// CHECK:           arith.fptosi
// CHECK:           arith.trunci %{{.*}} : i32 to i8
func.func @qlinear_gelu_requantize(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %y = q8.qlinear %q, %w {resultType = !quant.uniform<u8:f32, 0.1:5>, activation = "gelu"} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %d = q8.dequantize %y : (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>) -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// resultPrescale folds into the per-channel requantize multipliers:
// s_x s_w[n] p[n] / s_y = 0.5 * {0.5, 0.25, 0.125} * {1, 2, 0.5} / 0.1 =
// {2.5, 2.5, 0.3125} = 0.625 * {2^2, 2^2, 2^-1}: one Q31 multiplier,
// 0.625 * 2^31 = 1342177280 but for s_y = f32(0.1) = 0.100000001...:
// 1342177260; left shifts [2, 2, 0], right shifts [0, 0, 1]; relu is the
// clamp at the zero point 5.
// CHECK-LABEL: func.func @prescaled_requantize
// CHECK:         arith.constant dense<[2, 2, 0]> : tensor<3xi64>
// CHECK:         arith.constant dense<[0, 0, 1]> : tensor<3xi64>
// CHECK:         linalg.generic
// CHECK:           arith.constant 1342177260 : i64
// CHECK:           arith.constant 5 : i64
// CHECK:         } -> tensor<2x3xi8>
func.func @prescaled_requantize(%f: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %wi = q8.constant dense<1> : tensor<4x3xi8>
  %w = quant.scast %wi : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %q = q8.quantize %f {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %y = q8.qlinear %q, %w {resultType = !quant.uniform<u8:f32, 0.1:5>, activation = "relu", resultPrescale = array<f32: 1.0, 2.0, 0.5>} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %d = q8.dequantize %y : (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>) -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}
