//===- Samples.h - calibration samples from files or random ------*- C++ -*-===//
//
// `q8c --calibrate DIR` reads one model call's inputs per sample. What a
// folder may hold, in the order looked for:
//
//  - manifest.json: {"samples": [{"<input>": "<file>", ...}, ...]}, paths
//    relative to DIR;
//  - otherwise every entry of DIR in name order:
//    - a sub-folder is one sample, its .npy/.pb files named after the
//      inputs (a .pb's tensor name wins, as in ONNX's test_data_set_N);
//    - an .npz is one sample, its arrays named after the inputs;
//    - `<sample>.<input>.npy|.pb` files group into samples by <sample>;
//    - with one model input, any .npy/.pb file is a sample of it.
//
// Any file may stack several samples: an extra leading dimension, or a
// first dimension that is a multiple of the input's. Errors name the file
// and the input.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_SAMPLES_H
#define Q8_COMPILER_CALIBRATION_SAMPLES_H

#include "compiler/TensorFile.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace q8::calibration {

/// One model input as the entry point takes it.
struct InputSpec {
  std::string name;
  int32_t dtype; ///< a q8_dtype
  std::vector<int64_t> dims;
  size_t bytes() const;
};

/// Where each sample's inputs come from; their data is read lazily.
struct SampleSource {
  /// Per sample, per input (in model order): the file and which of its
  /// stacked samples to take.
  struct Slot {
    std::string path;
    std::string member; ///< the .npz array or "" for the whole file
    int64_t index = 0;  ///< stacked sample within the file
  };
  std::vector<std::vector<Slot>> samples;
  bool random = false;
  uint64_t seed = 0;
};

/// Scans `dir` for samples of `inputs`. False with `error` (naming the
/// file or input) when the folder does not describe valid samples.
bool findSamples(llvm::StringRef dir, const std::vector<InputSpec> &inputs,
                 SampleSource &source, std::string &error);

/// `count` random samples (floats N(0,1); integers and bools 0 or 1, valid
/// as indices and masks), deterministic in `seed`.
SampleSource randomSamples(const std::vector<InputSpec> &inputs,
                           int64_t count, uint64_t seed);

/// "<phase>, sample <i> (<its first file>)", for the crash line
/// (compiler/CrashHandler.h).
std::string sampleDescription(llvm::StringRef phase,
                              const SampleSource &source, size_t i);

/// Reads sample `i` into `buffers` (one per input, bytes() each).
class SampleReader {
public:
  SampleReader(const SampleSource &source, const std::vector<InputSpec> &inputs)
      : source(source), inputs(inputs) {}
  bool read(size_t sample, std::vector<std::vector<char>> &buffers,
            std::string &error);

private:
  const SampleSource &source;
  const std::vector<InputSpec> &inputs;
  std::map<std::string, std::vector<HostTensor>> cache;
};

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_SAMPLES_H
