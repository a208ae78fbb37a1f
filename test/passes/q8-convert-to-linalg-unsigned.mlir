// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// Unsigned graph tensors compute as signless ones with the unsigned arith
// ops; the signature becomes signless too and keeps the graph type as
// q8.type (for the ABI), next to the other argument attributes.
// CHECK-LABEL: func.func @unsigned_binary
// CHECK-SAME:    %arg0: tensor<4xi8> {q8.name = "a", q8.type = tensor<4xui8>}
// CHECK-SAME:    %arg1: tensor<4xi8> {q8.type = tensor<4xui8>}
// CHECK-SAME:    -> (tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi8> {q8.type = tensor<4xi1>}, tensor<4xi8> {q8.type = tensor<4xi1>})
// CHECK:         arith.addi %{{.*}}, %{{.*}} : i8
// CHECK:         arith.divui
// CHECK:         arith.maxui
// CHECK:         arith.minui
// CHECK:         arith.cmpi ult
// CHECK:         arith.cmpi ugt
// CHECK-NOT:     ui8
// CHECK:         return {{.*}} : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>
// LOOPS-LABEL: func.func @unsigned_binary
// LOOPS-SAME:    memref<4xi8>
// LOOPS:         arith.divui
func.func @unsigned_binary(%a: tensor<4xui8> {q8.name = "a"}, %b: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xi1>, tensor<4xi1>) {
  %0 = q8.add %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = q8.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = q8.max %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %3 = q8.min %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %4 = q8.less %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %5 = q8.greater %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xi1>, tensor<4xi1>
}

// -----

// Relu and abs of unsigned values are the values; clip bounds compare
// unsigned (255 is the i8 -1).
// CHECK-LABEL: func.func @unsigned_unary
// CHECK-NOT:     arith.maxsi
// CHECK-NOT:     math.absi
// CHECK:         %[[LO:.*]] = arith.constant 2 : i8
// CHECK:         arith.maxui %{{.*}}, %[[LO]] : i8
// CHECK:         %[[HI:.*]] = arith.constant -1 : i8
// CHECK:         arith.minui %{{.*}}, %[[HI]] : i8
func.func @unsigned_unary(%x: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xui8>, tensor<4xui8>) {
  %0 = q8.relu %x : (tensor<4xui8>) -> tensor<4xui8>
  %1 = q8.abs %x : (tensor<4xui8>) -> tensor<4xui8>
  %2 = q8.clip %x {min = 2.0 : f64, max = 255.0 : f64} : (tensor<4xui8>) -> tensor<4xui8>
  return %0, %1, %2 : tensor<4xui8>, tensor<4xui8>, tensor<4xui8>
}

// -----

// Casts by graph signedness: unsigned sources zero-extend and uitofp,
// unsigned destinations fptoui; a signedness change alone is no op.
// CHECK-LABEL: func.func @unsigned_casts
// CHECK:         arith.uitofp %{{.*}} : i8 to f32
// CHECK:         arith.extui %{{.*}} : i8 to i32
// CHECK:         arith.fptoui %{{.*}} : f32 to i16
// CHECK:         linalg.yield %{{.*}} : i8
// CHECK:         arith.extsi %{{.*}} : i8 to i32
func.func @unsigned_casts(%u: tensor<4xui8>, %x: tensor<4xf32>, %s: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xi32>, tensor<4xui16>, tensor<4xi8>, tensor<4xi32>) {
  %0 = q8.cast %u {to = f32} : (tensor<4xui8>) -> tensor<4xf32>
  %1 = q8.cast %u {to = i32} : (tensor<4xui8>) -> tensor<4xi32>
  %2 = q8.cast %x {to = ui16} : (tensor<4xf32>) -> tensor<4xui16>
  %3 = q8.cast %u {to = i8} : (tensor<4xui8>) -> tensor<4xi8>
  %4 = q8.cast %s {to = i32} : (tensor<4xi8>) -> tensor<4xi32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xi32>, tensor<4xui16>, tensor<4xi8>, tensor<4xi32>
}

// -----

// f16 <-> bf16 have the same width: through f32.
// CHECK-LABEL: func.func @half_casts
// CHECK:         %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:         arith.truncf %[[W]] : f32 to bf16
func.func @half_casts(%x: tensor<4xf16>) -> tensor<4xbf16> {
  %0 = q8.cast %x {to = bf16} : (tensor<4xf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// pow: an unsigned exponent converts with uitofp for a float base, and
// extends with extui for math.ipowi on an integer base.
// CHECK-LABEL: func.func @unsigned_pow
// CHECK:         %[[E:.*]] = arith.uitofp %{{.*}} : i32 to f32
// CHECK:         math.powf %{{.*}}, %[[E]] : f32
// CHECK:         %[[I:.*]] = arith.extui %{{.*}} : i32 to i64
// CHECK:         math.ipowi %{{.*}}, %[[I]] : i64
func.func @unsigned_pow(%x: tensor<4xf32>, %e: tensor<4xui32>, %n: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  %0 = q8.pow %x, %e : (tensor<4xf32>, tensor<4xui32>) -> tensor<4xf32>
  %1 = q8.pow %n, %e : (tensor<4xi64>, tensor<4xui32>) -> tensor<4xi64>
  return %0, %1 : tensor<4xf32>, tensor<4xi64>
}

// -----

// An unsigned max pool pads and starts from 0 and compares with maxui, in a
// generic (the named pools compare integers as signed); a signed one keeps
// linalg.pooling_nchw_max from the lowest i8.
// CHECK-LABEL: func.func @unsigned_max_pool
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK:         tensor.pad
// CHECK:           tensor.yield %[[ZERO]] : i8
// CHECK:         linalg.fill ins(%[[ZERO]] : i8)
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.maxui
// CHECK:         %[[MIN:.*]] = arith.constant -128 : i8
// CHECK:         linalg.fill ins(%[[MIN]] : i8)
// CHECK:         linalg.pooling_nchw_max
func.func @unsigned_max_pool(%x: tensor<1x1x4x4xui8>, %s: tensor<1x1x4x4xi8>) -> (tensor<1x1x2x2xui8>, tensor<1x1x2x2xi8>) {
  %0 = q8.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  %1 = q8.max_pool %s {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xi8>) -> tensor<1x1x2x2xi8>
  return %0, %1 : tensor<1x1x2x2xui8>, tensor<1x1x2x2xi8>
}

// -----

// Unsigned reductions: max from 0, min from all ones, with maxui/minui.
// CHECK-LABEL: func.func @unsigned_reductions
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : i16
// CHECK:         linalg.fill ins(%[[ZERO]] : i16)
// CHECK:         linalg.reduce
// CHECK:           arith.maxui
// CHECK:         %[[ONES:.*]] = arith.constant -1 : i16
// CHECK:         linalg.fill ins(%[[ONES]] : i16)
// CHECK:         linalg.reduce
// CHECK:           arith.minui
func.func @unsigned_reductions(%x: tensor<2x3xui16>) -> (tensor<2xui16>, tensor<2xui16>) {
  %0 = q8.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xui16>) -> tensor<2xui16>
  %1 = q8.reduce_min %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xui16>) -> tensor<2xui16>
  return %0, %1 : tensor<2xui16>, tensor<2xui16>
}

// -----

// Data movement on unsigned tensors: the same ops on signless ones; a
// constant keeps its bits (200 is the i8 -56).
// CHECK-LABEL: func.func @unsigned_data
// CHECK:         arith.constant dense<[-56, 3]> : tensor<2xi8>
// CHECK:         linalg.transpose ins(%arg0 : tensor<2x3xi8>) outs(%{{.*}} : tensor<3x2xi8>)
// CHECK:         tensor.concat dim(0) %{{.*}}, %arg1 : (tensor<2xi8>, tensor<2xi8>) -> tensor<4xi8>
func.func @unsigned_data(%x: tensor<2x3xui8>, %y: tensor<2xui8>) -> (tensor<3x2xui8>, tensor<4xui8>) {
  %c = q8.constant dense<[200, 3]> : tensor<2xui8>
  %t = q8.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xui8>) -> tensor<3x2xui8>
  %j = q8.concat %c, %y {axis = 0 : i64} : (tensor<2xui8>, tensor<2xui8>) -> tensor<4xui8>
  return %t, %j : tensor<3x2xui8>, tensor<4xui8>
}

// -----

// Tensors without elements: a reshape or split piece is a tensor.empty
// (no reassociation exists for 0x3x4 -> 3x4x0, and extract_slice rejects
// an offset at the end of a dim).
// CHECK-LABEL: func.func @zero_elements
// CHECK:         %[[R:.*]] = tensor.empty() : tensor<3x4x0xf32>
// CHECK:         %[[P:.*]] = tensor.empty() : tensor<0xf32>
// CHECK:         %[[S:.*]] = tensor.extract_slice %arg1[0] [2] [1] : tensor<2xf32> to tensor<2xf32>
// CHECK:         %[[Q:.*]] = tensor.empty() : tensor<0xf32>
// CHECK:         return %[[R]], %[[P]], %[[S]], %[[Q]]
func.func @zero_elements(%x: tensor<0x3x4xf32>, %y: tensor<2xf32>) -> (tensor<3x4x0xf32>, tensor<0xf32>, tensor<2xf32>, tensor<0xf32>) {
  %r = q8.reshape %x {shape = array<i64: 3, 4, 0>} : (tensor<0x3x4xf32>) -> tensor<3x4x0xf32>
  %s:3 = q8.split %y {axis = 0 : i64, sizes = array<i64: 0, 2, 0>} : (tensor<2xf32>) -> (tensor<0xf32>, tensor<2xf32>, tensor<0xf32>)
  return %r, %s#0, %s#1, %s#2 : tensor<3x4x0xf32>, tensor<0xf32>, tensor<2xf32>, tensor<0xf32>
}
