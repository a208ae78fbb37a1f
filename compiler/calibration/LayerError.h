//===- LayerError.h - per-layer error of a quantized model vs fp32 -*- C++ -*-===//
//
// How far each quantized layer's output is from fp32 on calibration data.
// The quantized model is JIT-compiled once (Jit.h) with a tap on every
// q8.qlinear and q8.qconv result and on every f32 output; the fp32 model is
// the Reference (Reference.h) calibration already compiled, whose taps hold
// the same ONNX values. Both run on each sample; the taps' tensors are
// compared element by element and the sums accumulated over all samples,
// so each tensor gets
//
//   SQNR   = 10 log10(sum ref^2 / sum (ref - q)^2)         (dB)
//   cosine = sum ref*q / sqrt(sum ref^2 * sum q^2)
//
// over every element of every sample. The error is end-to-end: the
// quantized model runs from its own (quantized) activations, so a layer's
// error includes what the layers before it added.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_LAYERERROR_H
#define Q8_COMPILER_CALIBRATION_LAYERERROR_H

#include "compiler/codegen/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace q8::calibration {

constexpr int64_t kLayerErrorVersion = 1;

/// One tensor of the quantized model against the same tensor in fp32.
struct TensorError {
  std::string name;           ///< the ONNX value name
  std::string op;             ///< the fp32 op the layer replaced ("q8.matmul")
  std::vector<int64_t> shape; ///< per sample
  int64_t count = 0;          ///< element pairs compared, all samples
  int64_t nonFinite = 0;      ///< pairs with a NaN or Inf, left out
  double signal = 0;          ///< sum ref^2
  double noise = 0;           ///< sum (ref - q)^2
  double dot = 0;             ///< sum ref * q
  double quantEnergy = 0;     ///< sum q^2
  double maxAbsError = 0;     ///< max |ref - q|

  /// +inf when the tensors agree exactly, -inf for a zero reference.
  double sqnrDb() const;
  /// 1 when both are zero, 0 when only one is.
  double cosine() const;
  /// Folds in one sample: `count` elements of each.
  void accumulate(const float *ref, const float *quant, int64_t count);
};

struct LayerError {
  int64_t version = kLayerErrorVersion;
  int64_t samples = 0;
  std::string source; ///< the samples folder, or "random"
  /// Always "end-to-end" for now (see the file comment); the field is there
  /// so that a per-layer (fp32 inputs) measurement can be told apart.
  std::string mode = "end-to-end";
  std::vector<TensorError> layers;  ///< q8.qlinear results, program order
  std::vector<TensorError> outputs; ///< the model's f32 outputs, in order
};

struct LayerErrorOptions {
  /// A folder of samples (Samples.h), or "random".
  std::string samples;
  int64_t randomCount = 16;
  uint64_t randomSeed = 0;
  bool progress = false;
};

struct LayerErrorStats {
  double jitSeconds = 0; ///< the quantized model's (the fp32 one is
                         ///< calibration's)
  double runSeconds = 0; ///< both models, all samples
};

class Reference;

/// Measures `quantized` (the q8 IR quantizeModel made) against `reference`
/// (the same model before quantization, compiled with its taps); the
/// module is left unchanged. Errors (samples that do not fit, a layer with
/// no fp32 counterpart) are diagnostics on the module's context.
mlir::FailureOr<LayerError>
measureLayerError(Reference &reference, mlir::ModuleOp quantized,
                  const LayerErrorOptions &options,
                  LayerErrorStats *stats = nullptr);

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_LAYERERROR_H
