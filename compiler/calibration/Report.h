//===- Report.h - the layer error as JSON and as an HTML report --*- C++ -*-===//
//
// JSON, versioned like the calibration table, keys in a fixed order, so
// identical inputs give identical bytes:
//
//   {"format": "q8-layer-error", "version": 1, "samples": N,
//    "source": "...", "mode": "end-to-end",
//    "layers": [{"name", "op", "shape", "count", "non_finite", "sqnr_db",
//                "cosine", "max_abs_error"}, ...],      (program order)
//    "outputs": [{same, "op": "output"}, ...]}
//
// sqnr_db is null where it is infinite: the tensors agree exactly (or the
// reference is all zeros). The HTML report is one self-contained page:
// inline SVG horizontal bar charts of SQNR and of 1 - cosine per layer in
// program order, names and values as text, a table of every number; no
// scripts, styles or images from anywhere else.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_REPORT_H
#define Q8_COMPILER_CALIBRATION_REPORT_H

#include "compiler/calibration/LayerError.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace q8::calibration {

/// The smallest and the median layer SQNR (infinite ones count as largest).
struct SqnrSummary {
  double min = 0, median = 0;
  std::string worst; ///< the layer with the smallest
};
SqnrSummary summarizeSqnr(const LayerError &error);

std::string printLayerErrorJson(const LayerError &error);

/// `model` names the model in the page's title.
std::string printLayerErrorHtml(const LayerError &error, llvm::StringRef model);

/// Writes `contents` to `path` (creating its folder); false with `error`.
bool writeReportFile(llvm::StringRef path, llvm::StringRef contents,
                     std::string &error);

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_REPORT_H
