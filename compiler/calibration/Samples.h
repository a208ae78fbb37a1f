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
// A model compiled with a dynamic extent (compiler/DynamicExtent.h) takes
// samples of any size of that dim within its bounds: each input that
// carries it may have any size there (the same in every input of one
// sample, and in every sample one file stacks); a first dim that is the
// extent is a size, never a stack.
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
  std::vector<int64_t> dims; ///< with a dynamic extent: at its upper bound
  /// The position of the dynamic extent's dim, or -1.
  int64_t extent = -1;
  size_t bytes() const;
  /// This input with the extent's dim at `size` (itself without one).
  InputSpec at(int64_t size) const;
};

/// The dynamic extent samples may vary in: a dim whose size a sample
/// chooses within [min, max].
struct ExtentBounds {
  std::string name; ///< the dim's name ("" when the model gives none)
  int64_t min = 1, max = 1;
  /// "'seq'", or "its dynamic dim", for errors.
  std::string describe() const;
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
  /// With a dynamic extent: per sample, the extent's size in it (its
  /// upper bound when no input carries it); empty without one.
  std::vector<int64_t> sizes;
  bool random = false;
  uint64_t seed = 0;
};

/// Scans `dir` for samples of `inputs`, of any size of `extent` where the
/// inputs carry one (InputSpec::extent). False with `error` (naming the
/// file or input) when the folder does not describe valid samples.
bool findSamples(llvm::StringRef dir, const std::vector<InputSpec> &inputs,
                 SampleSource &source, std::string &error,
                 const ExtentBounds *extent = nullptr);

/// `count` random samples (floats N(0,1); integers and bools 0 or 1, valid
/// as indices and masks), deterministic in `seed`. With `extent`, they
/// take turns at its upper bound, its lower bound and one size between
/// them chosen by `seed`.
SampleSource randomSamples(const std::vector<InputSpec> &inputs,
                           int64_t count, uint64_t seed,
                           const ExtentBounds *extent = nullptr);

/// "<phase>, sample <i> (<its first file>)", for the crash line
/// (compiler/CrashHandler.h).
std::string sampleDescription(llvm::StringRef phase,
                              const SampleSource &source, size_t i);

/// Reads sample `i` into `buffers` (one per input, bytes() each, at the
/// sample's size of the extent if there is one).
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
