//===- Samples.cpp - calibration samples from files or random -------------===//

#include "compiler/calibration/Samples.h"

#include "q8_runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace llvm;
using namespace q8;
using namespace q8::calibration;

size_t InputSpec::bytes() const {
  size_t n = q8_dtype_size(static_cast<q8_dtype>(dtype));
  for (int64_t d : dims)
    n *= d;
  return n;
}

InputSpec InputSpec::at(int64_t size) const {
  InputSpec input = *this;
  if (extent >= 0)
    input.dims[extent] = size;
  return input;
}

std::string ExtentBounds::describe() const {
  return name.empty() ? "its dynamic dim" : "'" + name + "'";
}

namespace {

std::string describe(const std::vector<int64_t> &dims, int32_t dtype) {
  return formatDims(dims) + " " + dtypeName(dtype);
}

/// What `input` takes, its extent's dim as its bounds ("1x(1..128)x16 f32").
std::string describe(const InputSpec &input, const ExtentBounds *extent) {
  if (!extent || input.extent < 0)
    return describe(input.dims, input.dtype);
  std::string s;
  for (auto [i, d] : llvm::enumerate(input.dims))
    s += (i ? "x" : "") +
         (static_cast<int64_t>(i) == input.extent
              ? "(" + std::to_string(extent->min) + ".." +
                    std::to_string(extent->max) + ")"
              : std::to_string(d));
  return s + " " + dtypeName(input.dtype);
}

/// How many samples of `input` `t` stacks, or -1 with `error` set. With a
/// dynamic extent, `size` is its size in them (-1 where `input` does not
/// carry it).
int64_t stackedSamples(const HostTensor &t, const InputSpec &input,
                       const ExtentBounds *extent, int64_t &size,
                       std::string &error) {
  size = -1;
  auto mismatch = [&]() {
    error = "input '" + input.name + "' takes " + describe(input, extent) +
            ", the file holds " + describe(t.dims, t.dtype);
    return -1;
  };
  if (t.dtype != input.dtype)
    return mismatch();
  const std::vector<int64_t> &d = input.dims;
  int64_t position = extent ? input.extent : -1;
  // Whether `dims` (the file's from `lead` on) are the input's, but for
  // the extent's dim and, with `skipFirst`, the first.
  auto fits = [&](size_t lead, bool skipFirst) {
    if (t.dims.size() != d.size() + lead)
      return false;
    for (size_t i = 0; i < d.size(); ++i)
      if (static_cast<int64_t>(i) != position && !(skipFirst && i == 0) &&
          t.dims[lead + i] != d[i])
        return false;
    return true;
  };
  // The extent's size in a file that fits from `lead` on, within bounds.
  auto sized = [&](size_t lead, int64_t count) -> int64_t {
    if (position < 0)
      return count;
    size = t.dims[lead + position];
    if (size > extent->max || size < extent->min) {
      error = "input '" + input.name + "' dim " + std::to_string(position) +
              " is " + std::to_string(size) + ", " +
              (size > extent->max
                   ? "above the bound " + std::to_string(extent->max)
                   : "below the lower bound " + std::to_string(extent->min)) +
              " of " + extent->describe();
      return -1;
    }
    return count;
  };
  if (fits(0, false))
    return sized(0, 1);
  // An extra leading dimension: samples stacked along it.
  if (fits(1, false))
    return sized(1, t.dims[0]);
  // A first dimension that is a multiple of the input's batch (never the
  // extent's, whose size is the sample's own).
  if (!d.empty() && position != 0 && fits(0, true) && d[0] > 0 &&
      t.dims[0] % d[0] == 0 && t.dims[0] > d[0])
    return sized(0, t.dims[0] / d[0]);
  return mismatch();
}

const InputSpec *findInput(const std::vector<InputSpec> &inputs,
                           StringRef name, size_t &index) {
  for (auto [i, input] : llvm::enumerate(inputs))
    if (input.name == name) {
      index = i;
      return &input;
    }
  return nullptr;
}

std::string inputNames(const std::vector<InputSpec> &inputs) {
  std::string names;
  for (const InputSpec &input : inputs)
    names += (names.empty() ? "'" : ", '") + input.name + "'";
  return names;
}

/// One sample group being assembled: a file (and member) per input.
struct Group {
  std::string where; ///< for errors: the folder, file or manifest entry
  std::vector<std::optional<SampleSource::Slot>> slots;
  std::vector<int64_t> counts;
  /// Per input, the dynamic extent's size in its file, or -1.
  std::vector<int64_t> sizes;
};

/// What a folder is scanned for.
struct Scan {
  const std::vector<InputSpec> &inputs;
  const ExtentBounds *extent;
};

/// Adds every tensor of `path` to `group` under `name` (or, for .pb files
/// and .npz members, their own names when they name an input).
bool addFile(const Scan &scan, Group &group, StringRef path, StringRef name,
             std::string &error) {
  const std::vector<InputSpec> &inputs = scan.inputs;
  std::vector<HostTensor> tensors;
  std::string why;
  if (!readTensorFile(path, tensors, why)) {
    error = path.str() + ": " + why;
    return false;
  }
  bool isNpz = path.ends_with(".npz");
  for (HostTensor &t : tensors) {
    size_t index = 0;
    StringRef key = name;
    if (isNpz || (!t.name.empty() && findInput(inputs, t.name, index)))
      key = t.name;
    const InputSpec *input = findInput(inputs, key, index);
    if (!input) {
      error = path.str() + ": '" + key.str() +
              "' is not an input of the model (its inputs: " +
              inputNames(inputs) + ")";
      return false;
    }
    if (group.slots[index]) {
      error = path.str() + ": input '" + key.str() + "' is given twice in " +
              group.where;
      return false;
    }
    int64_t size;
    int64_t count = stackedSamples(t, *input, scan.extent, size, why);
    if (count < 0) {
      error = path.str() + ": " + why;
      return false;
    }
    group.slots[index] =
        SampleSource::Slot{path.str(), isNpz ? t.name : "", 0};
    group.counts[index] = count;
    group.sizes[index] = size;
  }
  return true;
}

/// Expands a complete group into samples.
bool finishGroup(const Scan &scan, Group &group, SampleSource &source,
                 std::string &error) {
  const std::vector<InputSpec> &inputs = scan.inputs;
  int64_t count = -1;
  for (auto [i, slot] : llvm::enumerate(group.slots)) {
    if (!slot) {
      error = group.where + ": no file for input '" + inputs[i].name + "'";
      return false;
    }
    if (count >= 0 && group.counts[i] != count) {
      error = group.where + ": input '" + inputs[i].name + "' stacks " +
              std::to_string(group.counts[i]) + " samples, '" +
              inputs[0].name + "' " + std::to_string(count);
      return false;
    }
    count = group.counts[i];
  }
  // The extent's size: the same in every input that carries it.
  int64_t size = -1;
  size_t sizedBy = 0;
  for (auto [i, n] : llvm::enumerate(group.sizes)) {
    if (n < 0)
      continue;
    if (size >= 0 && n != size) {
      error = group.where + ": " + scan.extent->describe() + " is " +
              std::to_string(n) + " in input '" + inputs[i].name +
              "' (dim " + std::to_string(inputs[i].extent) + "), " +
              std::to_string(size) + " in input '" + inputs[sizedBy].name +
              "': one sample's inputs must agree";
      return false;
    }
    size = n;
    sizedBy = i;
  }
  if (scan.extent)
    source.sizes.insert(source.sizes.end(), count,
                        size < 0 ? scan.extent->max : size);
  for (int64_t s = 0; s < count; ++s) {
    std::vector<SampleSource::Slot> sample;
    for (auto &slot : group.slots) {
      sample.push_back(*slot);
      sample.back().index = s;
    }
    source.samples.push_back(std::move(sample));
  }
  return true;
}

Group newGroup(const std::vector<InputSpec> &inputs, std::string where) {
  Group group;
  group.where = std::move(where);
  group.slots.resize(inputs.size());
  group.counts.assign(inputs.size(), 0);
  group.sizes.assign(inputs.size(), -1);
  return group;
}

bool isTensorFile(StringRef path) {
  return path.ends_with(".npy") || path.ends_with(".pb") ||
         path.ends_with(".npz");
}

bool readManifest(StringRef dir, StringRef manifest, const Scan &scan,
                  SampleSource &source, std::string &error) {
  const std::vector<InputSpec> &inputs = scan.inputs;
  ErrorOr<std::unique_ptr<MemoryBuffer>> file = MemoryBuffer::getFile(manifest);
  if (!file) {
    error = manifest.str() + ": cannot open: " + file.getError().message();
    return false;
  }
  Expected<json::Value> value = json::parse((*file)->getBuffer());
  if (!value) {
    error = manifest.str() + ": not JSON: " + toString(value.takeError());
    return false;
  }
  const json::Object *root = value->getAsObject();
  const json::Array *samples = root ? root->getArray("samples") : nullptr;
  if (!samples) {
    error = manifest.str() +
            ": expected {\"samples\": [{\"<input>\": \"<file>\", ...}, ...]}";
    return false;
  }
  for (auto [i, entry] : llvm::enumerate(*samples)) {
    Group group =
        newGroup(inputs, manifest.str() + " sample " + std::to_string(i));
    const json::Object *files = entry.getAsObject();
    if (!files) {
      error = group.where + ": expected an object of input: file";
      return false;
    }
    // Keys in sorted order, so errors do not depend on hashing.
    std::vector<std::string> keys;
    for (const auto &kv : *files)
      keys.push_back(kv.first.str());
    llvm::sort(keys);
    for (const std::string &key : keys) {
      std::optional<StringRef> rel = files->getString(key);
      if (!rel) {
        error = group.where + ": '" + key + "' must map to a file name";
        return false;
      }
      size_t index;
      if (!findInput(inputs, key, index)) {
        error = group.where + ": '" + key +
                "' is not an input of the model (its inputs: " +
                inputNames(inputs) + ")";
        return false;
      }
      SmallString<256> path(dir);
      sys::path::append(path, *rel);
      if (!addFile(scan, group, path, key, error))
        return false;
    }
    if (!finishGroup(scan, group, source, error))
      return false;
  }
  return true;
}

std::vector<std::string> listDir(StringRef dir, std::error_code &ec) {
  std::vector<std::string> entries;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    entries.push_back(it->path());
  llvm::sort(entries);
  return entries;
}

} // namespace

bool q8::calibration::findSamples(StringRef dir,
                                  const std::vector<InputSpec> &inputs,
                                  SampleSource &source, std::string &error,
                                  const ExtentBounds *extent) {
  Scan scan{inputs, extent};
  if (!sys::fs::is_directory(dir)) {
    error = dir.str() + ": not a folder of samples (or 'random')";
    return false;
  }
  SmallString<256> manifest(dir);
  sys::path::append(manifest, "manifest.json");
  if (sys::fs::exists(manifest)) {
    if (!readManifest(dir, manifest, scan, source, error))
      return false;
  } else {
    std::error_code ec;
    std::vector<std::string> entries = listDir(dir, ec);
    if (ec) {
      error = dir.str() + ": cannot list: " + ec.message();
      return false;
    }
    // <sample>.<input>.ext files, grouped by <sample>, in name order.
    std::map<std::string, Group> named;
    for (const std::string &entry : entries) {
      StringRef file = sys::path::filename(entry);
      if (sys::fs::is_directory(entry)) {
        Group group = newGroup(inputs, entry);
        std::vector<std::string> files = listDir(entry, ec);
        for (const std::string &f : files) {
          if (!isTensorFile(f))
            continue;
          if (!addFile(scan, group, f, sys::path::stem(f), error))
            return false;
        }
        if (!finishGroup(scan, group, source, error))
          return false;
        continue;
      }
      if (!isTensorFile(entry))
        continue;
      if (file.ends_with(".npz")) {
        Group group = newGroup(inputs, entry);
        if (!addFile(scan, group, entry, "", error) ||
            !finishGroup(scan, group, source, error))
          return false;
        continue;
      }
      StringRef stem = sys::path::stem(file);
      auto [sample, input] = stem.rsplit('.');
      size_t index;
      if (!input.empty() && findInput(inputs, input, index)) {
        auto it = named.try_emplace(sample.str(),
                                    newGroup(inputs, (dir + "/" + sample + ".*").str()))
                      .first;
        if (!addFile(scan, it->second, entry, input, error))
          return false;
        continue;
      }
      if (inputs.size() == 1) {
        Group group = newGroup(inputs, entry);
        if (!addFile(scan, group, entry, inputs[0].name, error) ||
            !finishGroup(scan, group, source, error))
          return false;
        continue;
      }
      error = entry + ": cannot tell which input it is: name files "
                      "<sample>.<input>.npy, or use a folder or .npz per "
                      "sample (the model's inputs: " +
              inputNames(inputs) + ")";
      return false;
    }
    for (auto &[sample, group] : named)
      if (!finishGroup(scan, group, source, error))
        return false;
  }
  if (source.samples.empty()) {
    error = dir.str() + ": no samples (.npy, .npz or .pb files)";
    return false;
  }
  return true;
}

namespace {

/// splitmix64: a tiny generator whose sequence is fixed everywhere (the
/// standard library's distributions are not).
uint64_t splitmix(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double uniform(uint64_t &state) {
  return (splitmix(state) >> 11) * (1.0 / 9007199254740992.0);
}

void fillRandom(const InputSpec &input, uint64_t seed, std::vector<char> &buf) {
  uint64_t state = seed;
  int64_t n = 1;
  for (int64_t d : input.dims)
    n *= d;
  size_t size = q8_dtype_size(static_cast<q8_dtype>(input.dtype));
  for (int64_t i = 0; i < n; ++i) {
    if (input.dtype == Q8_DTYPE_F32 || input.dtype == Q8_DTYPE_F64) {
      // Box-Muller.
      double u = std::max(uniform(state), 1e-300), v = uniform(state);
      double x = std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
      if (input.dtype == Q8_DTYPE_F32) {
        float f = static_cast<float>(x);
        memcpy(&buf[i * size], &f, size);
      } else {
        memcpy(&buf[i * size], &x, size);
      }
    } else {
      // Integers (ids, masks), bools and halves' bit patterns: 0 or 1,
      // which indexes any table and is a valid mask. Halves get +0.0/1.0.
      uint64_t bit = splitmix(state) & 1;
      uint64_t value = bit;
      if (input.dtype == Q8_DTYPE_F16)
        value = bit ? 0x3c00 : 0;
      else if (input.dtype == Q8_DTYPE_BF16)
        value = bit ? 0x3f80 : 0;
      memcpy(&buf[i * size], &value, size);
    }
  }
}

} // namespace

SampleSource q8::calibration::randomSamples(const std::vector<InputSpec> &inputs,
                                            int64_t count, uint64_t seed,
                                            const ExtentBounds *extent) {
  SampleSource source;
  source.random = true;
  source.seed = seed;
  source.samples.resize(count);
  for (int64_t i = 0; i < count; ++i)
    for (size_t j = 0; j < inputs.size(); ++j)
      source.samples[i].push_back({"", "", i});
  if (!extent)
    return source;
  // The bound first (one sample calibrates at it), then the least size
  // and one between, so that every size's build runs.
  std::vector<int64_t> sizes = {extent->max};
  if (llvm::any_of(inputs, [](const InputSpec &in) { return in.extent >= 0; })) {
    if (extent->min < extent->max)
      sizes.push_back(extent->min);
    if (extent->max - extent->min >= 2) {
      uint64_t state = seed ^ 0x5eed5eed5eedull;
      sizes.push_back(extent->min + 1 +
                      static_cast<int64_t>(
                          splitmix(state) %
                          static_cast<uint64_t>(extent->max - extent->min - 1)));
    }
  }
  for (int64_t i = 0; i < count; ++i)
    source.sizes.push_back(sizes[i % sizes.size()]);
  return source;
}

bool SampleReader::read(size_t sample, std::vector<std::vector<char>> &buffers,
                        std::string &error) {
  buffers.resize(inputs.size());
  for (auto [i, bound] : llvm::enumerate(inputs)) {
    InputSpec input =
        source.sizes.empty() ? bound : bound.at(source.sizes[sample]);
    std::vector<char> &buf = buffers[i];
    buf.resize(input.bytes());
    const SampleSource::Slot &slot = source.samples[sample][i];
    if (source.random) {
      fillRandom(input, source.seed ^ (sample * 0x100000001b3ull + i), buf);
      continue;
    }
    auto it = cache.find(slot.path);
    if (it == cache.end()) {
      // A sample's files, and the next few samples' stacked in them, stay
      // read; the cache is dropped whole when it grows past a few files.
      if (cache.size() >= 16)
        cache.clear();
      std::vector<HostTensor> tensors;
      if (!readTensorFile(slot.path, tensors, error)) {
        error = slot.path + ": " + error;
        return false;
      }
      it = cache.emplace(slot.path, std::move(tensors)).first;
    }
    const HostTensor *t = nullptr;
    for (const HostTensor &c : it->second)
      if (slot.member.empty() || c.name == slot.member)
        t = &c;
    if (!t || t->bytes.size() < (slot.index + 1) * buf.size()) {
      error = slot.path + ": changed since it was scanned";
      return false;
    }
    memcpy(buf.data(), t->bytes.data() + slot.index * buf.size(), buf.size());
  }
  return true;
}

std::string q8::calibration::sampleDescription(StringRef phase,
                                               const SampleSource &source,
                                               size_t i) {
  std::string text = phase.str() + ", sample " + std::to_string(i);
  if (!source.random && i < source.samples.size() &&
      !source.samples[i].empty())
    text += " (" + source.samples[i].front().path + ")";
  return text;
}
