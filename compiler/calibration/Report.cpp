//===- Report.cpp - the layer error as JSON and as an HTML report ---------===//
//
// JSON goes through json::OStream with the keys written in a fixed order
// (json::Object is a hash map). The HTML is written by hand: a page small
// enough to read, whose charts are SVG rects and texts laid out here, so
// that it opens offline and in any browser.
//
//===----------------------------------------------------------------------===//

#include "compiler/calibration/Report.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace q8::calibration;

SqnrSummary q8::calibration::summarizeSqnr(const LayerError &error) {
  SqnrSummary summary;
  std::vector<double> values;
  for (const TensorError &layer : error.layers) {
    double sqnr = layer.sqnrDb();
    if (values.empty() || sqnr < summary.min) {
      summary.min = sqnr;
      summary.worst = layer.name;
    }
    values.push_back(sqnr);
  }
  if (values.empty())
    return summary;
  llvm::sort(values);
  size_t n = values.size();
  summary.median =
      n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return summary;
}

namespace {

void writeNumber(json::OStream &j, double value) {
  if (std::isfinite(value))
    j.value(value);
  else
    j.value(nullptr);
}

void writeTensor(json::OStream &j, const TensorError &t) {
  j.object([&] {
    j.attribute("name", t.name);
    j.attribute("op", t.op);
    j.attributeArray("shape", [&] {
      for (int64_t d : t.shape)
        j.value(d);
    });
    j.attribute("count", t.count);
    j.attribute("non_finite", t.nonFinite);
    j.attributeBegin("sqnr_db");
    writeNumber(j, t.sqnrDb());
    j.attributeEnd();
    j.attributeBegin("cosine");
    writeNumber(j, t.cosine());
    j.attributeEnd();
    j.attributeBegin("max_abs_error");
    writeNumber(j, t.maxAbsError);
    j.attributeEnd();
  });
}

/// Text for HTML and SVG: the five characters with a meaning escaped.
std::string escape(StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (std::isinf(value))
    return value > 0 ? "exact" : "-inf";
  char buf[48];
  snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string general(double value) {
  if (!std::isfinite(value))
    return "n/a";
  char buf[32];
  snprintf(buf, sizeof buf, "%.3g", value);
  return buf;
}

/// One row of a chart: a label, a bar `fraction` of the full width, the
/// value as text after the bar.
struct Bar {
  std::string label, value, title;
  double fraction;
};

/// A horizontal bar chart in SVG, one row per bar in order.
void printChart(raw_ostream &os, StringRef id, StringRef caption,
                ArrayRef<Bar> bars) {
  constexpr int rowHeight = 18, barWidth = 360, valueWidth = 80;
  size_t longest = 8;
  for (const Bar &bar : bars)
    longest = std::max(longest, bar.label.size());
  // 7px per character of 12px monospace; long names widen the chart.
  int labelWidth = static_cast<int>(longest * 7 + 12);
  int width = labelWidth + barWidth + valueWidth;
  int height = rowHeight * static_cast<int>(bars.size()) + 4;
  os << "<figure>\n<figcaption>" << escape(caption) << "</figcaption>\n"
     << "<svg id=\"" << id << "\" class=\"chart\" width=\"" << width
     << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
     << height << "\" role=\"img\">\n";
  for (auto [i, bar] : llvm::enumerate(bars)) {
    int y = static_cast<int>(i) * rowHeight + 2;
    double fraction = std::clamp(bar.fraction, 0.0, 1.0);
    int length = std::max(1, static_cast<int>(std::lround(fraction * barWidth)));
    os << "<text class=\"label\" x=\"" << labelWidth - 6 << "\" y=\""
       << y + 13 << "\">" << escape(bar.label) << "</text>"
       << "<rect class=\"bar\" x=\"" << labelWidth << "\" y=\"" << y
       << "\" width=\"" << length << "\" height=\"" << rowHeight - 4
       << "\"><title>" << escape(bar.title) << "</title></rect>"
       << "<text class=\"value\" x=\"" << labelWidth + length + 4
       << "\" y=\"" << y + 13 << "\">" << escape(bar.value) << "</text>\n";
  }
  os << "</svg>\n</figure>\n";
}

void printRow(raw_ostream &os, const TensorError &t) {
  os << "<tr><td>" << escape(t.name) << "</td><td>" << escape(t.op)
     << "</td><td>" << fixed(t.sqnrDb(), 2) << "</td><td>"
     << fixed(t.cosine(), 6) << "</td><td>" << general(1 - t.cosine())
     << "</td><td>" << general(t.maxAbsError) << "</td><td>" << t.count
     << "</td><td>" << t.nonFinite << "</td></tr>\n";
}

} // namespace

std::string q8::calibration::printLayerErrorJson(const LayerError &error) {
  std::string text;
  raw_string_ostream os(text);
  json::OStream j(os, 2);
  j.object([&] {
    j.attribute("format", "q8-layer-error");
    j.attribute("version", error.version);
    j.attribute("samples", error.samples);
    j.attribute("source", error.source);
    j.attribute("mode", error.mode);
    j.attributeArray("layers", [&] {
      for (const TensorError &t : error.layers)
        writeTensor(j, t);
    });
    j.attributeArray("outputs", [&] {
      for (const TensorError &t : error.outputs)
        writeTensor(j, t);
    });
  });
  os << "\n";
  return text;
}

std::string q8::calibration::printLayerErrorHtml(const LayerError &error,
                                                 StringRef model) {
  std::string text;
  raw_string_ostream os(text);
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
     << "<title>q8 layer error: " << escape(model) << "</title>\n"
     << "<style>\n"
        "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
        "figure { margin: 1.5em 0; }\n"
        "figcaption { font-weight: bold; margin-bottom: 0.4em; }\n"
        ".chart text { font: 12px monospace; dominant-baseline: auto; }\n"
        ".chart .label { text-anchor: end; }\n"
        ".chart .bar { fill: #4a7bb7; }\n"
        "#cosine .bar { fill: #c0504d; }\n"
        "table { border-collapse: collapse; font: 12px monospace; }\n"
        "td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }\n"
        "td:first-child, th:first-child { text-align: left; }\n"
        "</style>\n</head>\n<body>\n";
  os << "<h1>Layer error of " << escape(model) << "</h1>\n";
  SqnrSummary summary = summarizeSqnr(error);
  os << "<p>" << error.layers.size() << " quantized layers, measured on "
     << error.samples << " samples from <code>" << escape(error.source)
     << "</code>. The error is <b>" << escape(error.mode)
     << "</b>: the quantized model runs from its own quantized activations, "
        "so each layer's error includes what the layers before it added. "
        "SQNR = 10 log10(&Sigma; ref&sup2; / &Sigma; (ref &minus; q)&sup2;), "
        "cosine = &Sigma; ref&middot;q / &radic;(&Sigma; ref&sup2; &Sigma; "
        "q&sup2;), over every element of every sample.</p>\n";
  if (!error.layers.empty())
    os << "<p>SQNR: min " << fixed(summary.min, 2) << " dB (<code>"
       << escape(summary.worst) << "</code>), median "
       << fixed(summary.median, 2) << " dB.</p>\n";

  double maxSqnr = 0, maxMiss = 0;
  for (const TensorError &t : error.layers) {
    if (std::isfinite(t.sqnrDb()))
      maxSqnr = std::max(maxSqnr, t.sqnrDb());
    maxMiss = std::max(maxMiss, 1 - t.cosine());
  }
  std::vector<Bar> sqnr, miss;
  for (const TensorError &t : error.layers) {
    double s = t.sqnrDb();
    double fraction = std::isinf(s) ? (s > 0 ? 1 : 0)
                      : maxSqnr > 0 ? s / maxSqnr
                                    : 0;
    sqnr.push_back({t.name, fixed(s, 2) + (std::isinf(s) ? "" : " dB"),
                    t.name + ": SQNR " + fixed(s, 2) + " dB", fraction});
    double m = 1 - t.cosine();
    miss.push_back({t.name, general(m),
                    t.name + ": cosine " + fixed(t.cosine(), 6),
                    maxMiss > 0 ? m / maxMiss : 0});
  }
  printChart(os, "sqnr", "SQNR per layer (dB; longer is better)", sqnr);
  printChart(os, "cosine", "1 \u2212 cosine per layer (shorter is better)",
             miss);

  os << "<table>\n<tr><th>tensor</th><th>op</th><th>SQNR (dB)</th>"
        "<th>cosine</th><th>1 &minus; cosine</th><th>max |error|</th>"
        "<th>values</th><th>non-finite</th></tr>\n";
  for (const TensorError &t : error.layers)
    printRow(os, t);
  for (const TensorError &t : error.outputs)
    printRow(os, t);
  os << "</table>\n</body>\n</html>\n";
  return text;
}

bool q8::calibration::writeReportFile(StringRef path, StringRef contents,
                                      std::string &error) {
  if (StringRef dir = sys::path::parent_path(path); !dir.empty())
    (void)sys::fs::create_directories(dir);
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write: " + ec.message();
    return false;
  }
  os << contents;
  os.close();
  if (os.has_error()) {
    error = "cannot write: " + os.error().message();
    os.clear_error();
    return false;
  }
  return true;
}
