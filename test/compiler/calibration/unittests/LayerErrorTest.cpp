//===- LayerErrorTest.cpp - Unit tests of the layer-error sums and report ===//
//
// TensorError's SQNR and cosine against a direct computation on crafted
// data, the edge cases (exact agreement, zero reference, NaN/Inf), and what
// the JSON and HTML writers make of them. Each check prints
// "ok|FAIL <name>: <got> vs <expected>"; the run ends with
// "N passed, M failed" (exit 1 on any failure).
//
//===----------------------------------------------------------------------===//

#include "compiler/calibration/LayerError.h"
#include "compiler/calibration/Report.h"

#include "llvm/Support/JSON.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

using namespace q8::calibration;

static int passed = 0, failed = 0;

static std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

static void check(bool ok, const std::string &name, const std::string &got,
                  const std::string &want) {
  std::printf("%s %s: %s vs %s\n", ok ? "ok" : "FAIL", name.c_str(),
              got.c_str(), want.c_str());
  (ok ? passed : failed)++;
}

static void checkNear(const std::string &name, double got, double want,
                      double rel) {
  check(std::fabs(got - want) <= rel * std::fabs(want), name, fmt(got),
        fmt(want));
}

static void checkEq(const std::string &name, double got, double want) {
  check(got == want, name, fmt(got), fmt(want));
}

static bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

int main() {
  // Two samples of four values, summed as one vector of eight.
  const float ref0[] = {1.0f, -2.0f, 0.5f, 3.0f};
  const float q0[] = {1.1f, -1.9f, 0.5f, 2.7f};
  const float ref1[] = {-0.25f, 4.0f, 0.0f, -1.0f};
  const float q1[] = {-0.25f, 4.2f, 0.1f, -1.0f};
  TensorError t;
  t.name = "m";
  t.op = "q8.matmul";
  t.shape = {1, 4};
  t.accumulate(ref0, q0, 4);
  t.accumulate(ref1, q1, 4);
  double s = 0, n = 0, d = 0, qq = 0, maxErr = 0;
  for (int i = 0; i < 8; ++i) {
    double r = i < 4 ? ref0[i] : ref1[i - 4];
    double q = i < 4 ? q0[i] : q1[i - 4];
    s += r * r;
    n += (r - q) * (r - q);
    d += r * q;
    qq += q * q;
    maxErr = std::max(maxErr, std::fabs(r - q));
  }
  checkEq("count", t.count, 8);
  checkNear("sqnr", t.sqnrDb(), 10 * std::log10(s / n), 1e-12);
  checkNear("cosine", t.cosine(), d / std::sqrt(s * qq), 1e-12);
  checkEq("max_abs_error", t.maxAbsError, maxErr);

  // Exact agreement: SQNR is infinite, cosine 1; JSON writes null.
  TensorError exact;
  exact.name = "exact";
  exact.accumulate(ref0, ref0, 4);
  checkEq("exact.sqnr", exact.sqnrDb(), std::numeric_limits<double>::infinity());
  checkEq("exact.cosine", exact.cosine(), 1);

  // A zero reference against a non-zero result: -inf and 0.
  const float zeros[] = {0, 0, 0, 0};
  TensorError zero;
  zero.name = "zero";
  zero.accumulate(zeros, q0, 4);
  checkEq("zero.sqnr", zero.sqnrDb(), -std::numeric_limits<double>::infinity());
  checkEq("zero.cosine", zero.cosine(), 0);
  TensorError bothZero;
  bothZero.accumulate(zeros, zeros, 4);
  checkEq("zeros.cosine", bothZero.cosine(), 1);

  // NaN and Inf on either side are counted and left out of the sums.
  const float bad[] = {1.0f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(), 3.0f};
  TensorError partial;
  partial.accumulate(bad, q0, 4);
  TensorError finite;
  const float goodRef[] = {1.0f, 3.0f}, goodQ[] = {1.1f, 2.7f};
  finite.accumulate(goodRef, goodQ, 2);
  checkEq("nonfinite.count", partial.count, 2);
  checkEq("nonfinite.non_finite", partial.nonFinite, 2);
  checkEq("nonfinite.sqnr", partial.sqnrDb(), finite.sqnrDb());

  // The JSON: versioned, keys in their documented order, null for the
  // infinite SQNR, numbers that read back.
  LayerError report;
  report.samples = 2;
  report.source = "random";
  report.layers = {t, exact};
  TensorError out = t;
  out.name = "y";
  out.op = "output";
  report.outputs = {out};
  std::string json = printLayerErrorJson(report);
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  check(static_cast<bool>(parsed), "json.parses", parsed ? "yes" : "no", "yes");
  if (parsed) {
    const llvm::json::Object *root = parsed->getAsObject();
    const llvm::json::Array *layers = root->getArray("layers");
    check(root->getString("format") == llvm::StringRef("q8-layer-error"),
          "json.format", root->getString("format").value_or("").str(),
          "q8-layer-error");
    checkEq("json.version", root->getInteger("version").value_or(-1),
            kLayerErrorVersion);
    checkEq("json.layers", layers ? layers->size() : 0, 2);
    if (layers && layers->size() == 2) {
      const llvm::json::Object *m = (*layers)[0].getAsObject();
      checkEq("json.sqnr", m->getNumber("sqnr_db").value_or(0), t.sqnrDb());
      checkEq("json.cosine", m->getNumber("cosine").value_or(0), t.cosine());
      const llvm::json::Value *inf = (*layers)[1].getAsObject()->get("sqnr_db");
      check(inf && inf->kind() == llvm::json::Value::Null, "json.exact_null",
            inf ? "present" : "missing", "null");
    }
  }
  size_t format = json.find("\"format\""), version = json.find("\"version\""),
         layersAt = json.find("\"layers\""), outputs = json.find("\"outputs\"");
  check(format < version && version < layersAt && layersAt < outputs,
        "json.key_order", fmt(format) + "," + fmt(version) + "," +
        fmt(layersAt) + "," + fmt(outputs), "increasing");
  check(printLayerErrorJson(report) == json, "json.deterministic", "", "");

  // The HTML: names escaped, an exact layer labelled so, a full bar.
  report.layers[1].name = "a<b>&\"c\"";
  std::string html = printLayerErrorHtml(report, "model<1>.onnx");
  check(contains(html, "a&lt;b&gt;&amp;&quot;c&quot;") &&
            !contains(html, "a<b>"),
        "html.escaped", "", "");
  check(contains(html, "<title>q8 layer error: model&lt;1&gt;.onnx</title>"),
        "html.title", "", "");
  check(contains(html, ">exact</text>"), "html.exact", "", "");
  SqnrSummary summary = summarizeSqnr(report);
  checkEq("summary.min", summary.min, t.sqnrDb());
  check(summary.worst == "m", "summary.worst", summary.worst, "m");

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
