//===- Table.h - the calibration table: ranges keyed by value name -*- C++ -*-===//
//
// Versioned JSON, keyed by ONNX value names, written in a fixed order with
// fixed number formatting so identical inputs give identical bytes:
//
//   {"format": "q8-calibration", "version": 1,
//    "samples": N, "source": "...", "settings": {...},
//    "tensors": [{"name", "shape", "axis"?, "observations", "count",
//                 "nan", "inf", "min", "max", "ema_min", "ema_max",
//                 "ranges": {"minmax", "ema", "percentile", "entropy",
//                            "mse"}: [lo, hi],
//                 "channel_absmax": [...],
//                 "histogram": {"bins", "range", "counts": [[bin, n], ...]},
//                 "reservoir": {"rows", "row_length", "rows_seen",
//                               "f32le_base64"}}, ...]}
//
// Tensors are listed in observer order (program order of the model). A
// model calibrated over samples of several sizes of a dynamic extent
// (compiler/DynamicExtent.h) has -1 in "shape" at every dim whose size
// follows the extent's: the table fits the model at any of its sizes.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CALIBRATION_TABLE_H
#define Q8_PASSES_CALIBRATION_TABLE_H

#include "passes/calibration/Ranges.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace q8::calibration {

constexpr int64_t kTableVersion = 1;

/// How statistics were collected and ranges chosen.
struct Settings {
  int32_t histogramBins = 2048;
  int32_t reservoirRows = 64;
  double emaConstant = 0.01;
  uint64_t seed = 0;
  double percentile = 99.99;
};

/// An observed value as the model defines it.
struct TensorSpec {
  std::string name;
  /// -1 at a dim whose size follows a dynamic extent's.
  std::vector<int64_t> shape;
  std::optional<int64_t> axis; ///< the contracted dim, if an int8 op reads it
};

struct TensorEntry {
  TensorSpec spec;
  int64_t observations = 0, count = 0, nanCount = 0, infCount = 0;
  float min = 0, max = 0;
  double emaMin = 0, emaMax = 0;
  /// "minmax", "ema", "percentile", "entropy", "mse".
  std::map<std::string, Range> ranges;
  std::vector<float> channelAbsmax;
  int32_t histogramBins = 0;
  double histogramRange = 0;
  std::vector<int64_t> histogram; ///< dense, histogramBins counts
  int64_t reservoirRows = 0, rowLength = 0, rowsSeen = 0;
  std::vector<float> reservoir; ///< reservoirRows x rowLength
};

struct Table {
  int64_t version = kTableVersion;
  int64_t samples = 0;
  std::string source; ///< the samples folder, or "random"
  Settings settings;
  std::vector<TensorEntry> tensors;

  const TensorEntry *find(llvm::StringRef name) const;
};

/// Whether a table's `shape` describes a value of static shape `value`:
/// the same rank and sizes, -1 in `shape` matching any size.
bool shapeFits(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> value);

/// The range names a table holds, in the order they are written.
llvm::ArrayRef<llvm::StringRef> rangeMethods();

/// Serializes `table` as JSON (deterministic).
std::string printTable(const Table &table);
bool writeTable(const Table &table, llvm::StringRef path, std::string &error);

/// Parses a table; false with `error` when the file is not a q8 table of
/// this version or is malformed.
bool readTable(llvm::StringRef path, Table &table, std::string &error);

} // namespace q8::calibration

#endif // Q8_PASSES_CALIBRATION_TABLE_H
