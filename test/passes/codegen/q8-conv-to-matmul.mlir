// RUN: q8-opt %s -q8-conv-to-matmul -split-input-file | FileCheck %s

// NCHW: one strided slice copy per filter tap fills col as
// [N, C, KH, KW, OH, OW] (tap (kh, kw) is x[:, :, kh:kh+OH, kw:kw+OW]),
// written once inside an scf.for nest over (kh, kw) that carries col; the
// filter collapses to [F, C*KH*KW], col to [N, C*KH*KW, OH*OW], and the
// convolution becomes a contraction out[n, f, p] += W[f, k] * col[n, k, p]
// on the collapsed output.
// CHECK-DAG:   #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG:   #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @nchw
// CHECK-NOT:     linalg.conv_2d
// CHECK:         %[[FILL:.*]] = linalg.fill
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<1x3x3x3x6x6xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[CNEST:.*]] = scf.for %[[KH:.*]] = %[[C0]] to %{{.*}} step %[[C1]] iter_args(%[[A0:.*]] = %[[E]])
// CHECK:           %[[INNER:.*]] = scf.for %[[KW:.*]] = %[[C0]] to %{{.*}} step %[[C1]] iter_args(%[[A1:.*]] = %[[A0]])
// CHECK:             %[[T:.*]] = tensor.extract_slice %arg0[0, 0, %[[KH]], %[[KW]]] [1, 3, 6, 6] [1, 1, 1, 1] : tensor<1x3x8x8xf32> to tensor<1x3x6x6xf32>
// CHECK:             %[[I:.*]] = tensor.insert_slice %[[T]] into %[[A1]][0, 0, %[[KH]], %[[KW]], 0, 0] [1, 3, 1, 1, 6, 6] [1, 1, 1, 1, 1, 1]
// CHECK:             scf.yield %[[I]]
// CHECK:           scf.yield %[[INNER]]
// CHECK-NOT:     tensor.insert_slice
// CHECK:         %[[COLS:.*]] = tensor.collapse_shape %[[CNEST]] {{\[\[}}0], [1, 2, 3], [4, 5]] : tensor<1x3x3x3x6x6xf32> into tensor<1x27x36xf32>
// CHECK:         %[[WC:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK:         %[[OC:.*]] = tensor.collapse_shape %[[FILL]] {{\[\[}}0], [1], [2, 3]] : tensor<1x4x6x6xf32> into tensor<1x4x36xf32>
// CHECK:         %[[MM:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[COL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[WC]], %[[COLS]] : tensor<4x27xf32>, tensor<1x27x36xf32>) outs(%[[OC]] : tensor<1x4x36xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[R:.*]] = tensor.expand_shape %[[MM]] {{\[\[}}0], [1], [2, 3]] output_shape [1, 4, 6, 6]
// CHECK:         return %[[R]]
func.func @nchw(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x6x6xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%f : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %c : tensor<1x4x6x6xf32>
}

// -----

// A ViT patch embedding (16x16 kernel, stride 16: 256 taps) is the same
// one copy in a 2-deep loop nest, not 256 insert_slices (which took One-Shot
// Bufferize about 2 minutes); a kernel with a unit dim loops over the
// other dim only, and a 1x1 kernel copies its one tap without a loop.
// CHECK-LABEL: func.func @patch16
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c16 step
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c16{{.*}} step
// CHECK:             tensor.extract_slice %arg0[0, 0, %{{.*}}, %{{.*}}] [1, 3, 4, 4] [1, 1, 16, 16] : tensor<1x3x64x64xf32> to tensor<1x3x4x4xf32>
// CHECK:             tensor.insert_slice
// CHECK-NOT:     tensor.insert_slice
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x768xf32>, tensor<1x768x16xf32>)
// CHECK-LABEL: func.func @row_kernel
// CHECK:         scf.for %[[KW:[^ ]*]] =
// CHECK-NOT:       scf.for
// CHECK:           tensor.extract_slice %arg0[0, 0, 0, %[[KW]]] [1, 2, 5, 3] [1, 1, 1, 1]
// CHECK:           tensor.insert_slice {{.*}}[0, 0, 0, %[[KW]], 0, 0] [1, 2, 1, 1, 5, 3]
// CHECK-LABEL: func.func @pointwise
// CHECK-NOT:     scf.for
// CHECK:         tensor.extract_slice %arg0[0, 0, 0, 0] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK:         tensor.insert_slice {{.*}}[0, 0, 0, 0, 0, 0] [1, 2, 1, 1, 5, 5]
// CHECK-NOT:     scf.for
func.func @patch16(%x: tensor<1x3x64x64xf32>, %w: tensor<8x3x16x16xf32>, %o: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<16> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x64x64xf32>, tensor<8x3x16x16xf32>) outs(%o : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %c : tensor<1x8x4x4xf32>
}
func.func @row_kernel(%x: tensor<1x2x5x5xf32>, %w: tensor<4x2x1x3xf32>, %o: tensor<1x4x5x3xf32>) -> tensor<1x4x5x3xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x5x5xf32>, tensor<4x2x1x3xf32>) outs(%o : tensor<1x4x5x3xf32>) -> tensor<1x4x5x3xf32>
  return %c : tensor<1x4x5x3xf32>
}
func.func @pointwise(%x: tensor<1x2x5x5xf32>, %w: tensor<4x2x1x1xf32>, %o: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x5x5xf32>, tensor<4x2x1x1xf32>) outs(%o : tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  return %c : tensor<1x4x5x5xf32>
}

// -----

// NHWC: col[n, p, k] with the filter [KH*KW*C, F] on the right.
// CHECK-LABEL: func.func @nhwc
// CHECK-NOT:     linalg.conv_2d
// CHECK:         tensor.collapse_shape %arg1 {{\[\[}}0, 1, 2], [3]] : tensor<3x3x3x4xf32> into tensor<27x4xf32>
// CHECK:         linalg.generic {{.*}} ins(%arg0 : tensor<1x8x8x3xf32>) outs(%{{.*}} : tensor<1x36x27xf32>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x36x27xf32>, tensor<27x4xf32>) outs(%{{.*}} : tensor<1x36x4xf32>)
// CHECK:         tensor.expand_shape {{.*}} output_shape [1, 6, 6, 4]
func.func @nhwc(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %o: tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32> {
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) outs(%o : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %c : tensor<1x6x6x4xf32>
}

// -----

// Strides and dilations are the taps' slices: tap (kh, kw) of a stride-2,
// dilation-2 conv starts at (2*kh, 2*kw) and steps by 2.
// CHECK-LABEL: func.func @strided
// CHECK:         scf.for %[[KH:[^ ]*]] =
// CHECK:           scf.for %[[KW:[^ ]*]] =
// CHECK:             %[[H:.*]] = arith.muli %[[KH]], %[[D:.*]] : index
// CHECK:             %[[W:.*]] = arith.muli %[[KW]], %{{.*}} : index
// CHECK:             tensor.extract_slice %arg0[0, 0, %[[H]], %[[W]]] [1, 2, 3, 3] [1, 1, 2, 2] : tensor<1x2x9x9xf32> to tensor<1x2x3x3xf32>
// CHECK:             tensor.insert_slice {{.*}}[0, 0, %[[KH]], %[[KW]], 0, 0] [1, 2, 1, 1, 3, 3]
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x18xf32>, tensor<1x18x9xf32>) outs(%{{.*}} : tensor<1x4x9xf32>)
func.func @strided(%x: tensor<1x2x9x9xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x9x9xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %c : tensor<1x4x3x3xf32>
}

// -----

// NCHW depthwise: one elementwise generic over the output reading the nine
// taps' strided slices and the matching [C] weight columns, accumulating
// mul + add per tap (vectorizable along OW).
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @depthwise_nchw
// CHECK-NOT:     linalg.depthwise_conv
// CHECK:         tensor.extract_slice %arg0[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 2, 2] : tensor<1x4x9x9xf32> to tensor<1x4x4x4xf32>
// CHECK:         tensor.extract_slice %arg1[0, 0, 0] [4, 1, 1] [1, 1, 1] : tensor<4x3x3xf32> to tensor<4xf32>
// CHECK:         tensor.extract_slice %arg0[0, 0, 2, 2] [1, 4, 4, 4] [1, 1, 2, 2]
// CHECK:         tensor.extract_slice %arg1[0, 2, 2] [4, 1, 1] [1, 1, 1]
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:      outs(%arg2 : tensor<1x4x4x4xf32>)
// CHECK-COUNT-9:   arith.mulf
// CHECK:           linalg.yield
func.func @depthwise_nchw(%x: tensor<1x4x9x9xf32>, %w: tensor<4x3x3xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x4x9x9xf32>, tensor<4x3x3xf32>) outs(%o : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %c : tensor<1x4x4x4xf32>
}

// -----

// Left alone: NHWC depthwise convolutions, dilated NHWC ones (upstream's
// im2col takes unit dilations only), non-f32 element types, and dynamic
// shapes.
// CHECK-LABEL: func.func @kept
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc
// CHECK:         linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}} tensor<1x3x8x8xi32>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}} tensor<?x3x8x8xf32>
// CHECK-NOT:     tensor.collapse_shape
func.func @kept(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3xf32>, %o: tensor<1x6x6x3xf32>,
                %xh: tensor<1x8x8x3xf32>, %wh: tensor<3x3x3x4xf32>, %xi: tensor<1x3x8x8xi32>, %wi: tensor<4x3x3x3xi32>, %oi: tensor<1x4x6x6xi32>,
                %xd: tensor<?x3x8x8xf32>, %wd: tensor<4x3x3x3xf32>, %od: tensor<?x4x6x6xf32>,
                %ow: tensor<1x4x4x4xf32>)
    -> (tensor<1x6x6x3xf32>, tensor<1x4x4x4xf32>, tensor<1x4x6x6xi32>, tensor<?x4x6x6xf32>) {
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x8x3xf32>, tensor<3x3x3xf32>) outs(%o : tensor<1x6x6x3xf32>) -> tensor<1x6x6x3xf32>
  %3 = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%xh, %wh : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) outs(%ow : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%xi, %wi : tensor<1x3x8x8xi32>, tensor<4x3x3x3xi32>) outs(%oi : tensor<1x4x6x6xi32>) -> tensor<1x4x6x6xi32>
  %2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%xd, %wd : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%od : tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>
  return %0, %3, %1, %2 : tensor<1x6x6x3xf32>, tensor<1x4x4x4xf32>, tensor<1x4x6x6xi32>, tensor<?x4x6x6xf32>
}
