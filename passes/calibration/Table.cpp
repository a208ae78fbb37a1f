//===- Table.cpp - the calibration table: ranges keyed by value name ------===//
//
// llvm::json reads the table; writing goes through json::OStream so that
// keys come out in a fixed order (json::Object is a hash map). Floats print
// as the shortest decimal that reads back to the same float, so a table
// round-trips exactly; the reservoir is raw little-endian f32 in base64.
//
//===----------------------------------------------------------------------===//

#include "passes/calibration/Table.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Base64.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace q8::calibration;

const TensorEntry *Table::find(StringRef name) const {
  for (const TensorEntry &entry : tensors)
    if (entry.spec.name == name)
      return &entry;
  return nullptr;
}

bool q8::calibration::shapeFits(ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> value) {
  if (shape.size() != value.size())
    return false;
  for (auto [d, v] : llvm::zip(shape, value))
    if (d != -1 && d != v)
      return false;
  return true;
}

ArrayRef<StringRef> q8::calibration::rangeMethods() {
  static const StringRef methods[] = {"minmax", "ema", "percentile", "entropy",
                                      "mse"};
  return methods;
}

namespace {

/// The shortest "%.Ng" that reads back as the same float.
void printFloat(raw_ostream &os, float value) {
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(value));
    if (strtof(buf, nullptr) == value)
      break;
  }
  os << buf;
}

void printDouble(raw_ostream &os, double value) {
  char buf[40];
  for (int digits = 15; digits <= 17; ++digits) {
    snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (strtod(buf, nullptr) == value)
      break;
  }
  os << buf;
}

/// A JSON writer with fixed key order and our number formatting (json::
/// OStream prints doubles as %.17g and cannot keep small arrays on one line).
class Writer {
public:
  explicit Writer(raw_ostream &os) : os(os) {}
  void key(StringRef k) {
    separate();
    os << '"';
    os.write_escaped(k);
    os << "\": ";
    afterKey = true;
  }
  void string(StringRef s) {
    separate();
    os << '"';
    os.write_escaped(s);
    os << '"';
  }
  void integer(int64_t v) {
    separate();
    os << v;
  }
  void f32(float v) {
    separate();
    if (std::isfinite(v))
      printFloat(os, v);
    else
      os << "null";
  }
  void f64(double v) {
    separate();
    if (std::isfinite(v))
      printDouble(os, v);
    else
      os << "null";
  }
  /// Opens '{' or '['; an inline container prints on one line.
  void begin(char c, bool inline_ = false) {
    separate();
    os << c;
    stack.push_back({inline_, 0});
  }
  void end(char c) {
    Level level = stack.back();
    stack.pop_back();
    if (level.count && !level.inline_) {
      os << '\n';
      os.indent(2 * stack.size());
    }
    os << c;
  }

private:
  struct Level {
    bool inline_;
    int64_t count;
  };
  /// Before an element: a comma after the previous one, then a new line
  /// (block containers) or a space (inline ones). Nothing after a key.
  void separate() {
    if (afterKey) {
      afterKey = false;
      return;
    }
    if (stack.empty())
      return;
    Level &level = stack.back();
    if (level.count++)
      os << (level.inline_ ? ", " : ",");
    if (!level.inline_) {
      os << '\n';
      os.indent(2 * stack.size());
    }
  }

  raw_ostream &os;
  std::vector<Level> stack;
  bool afterKey = false;
};

void writeRange(Writer &w, const Range &r) {
  w.begin('[', true);
  w.f32(r.lo);
  w.f32(r.hi);
  w.end(']');
}

} // namespace

std::string q8::calibration::printTable(const Table &table) {
  std::string text;
  raw_string_ostream os(text);
  Writer w(os);
  w.begin('{');
  w.key("format");
  w.string("q8-calibration");
  w.key("version");
  w.integer(table.version);
  w.key("samples");
  w.integer(table.samples);
  w.key("source");
  w.string(table.source);
  w.key("settings");
  w.begin('{', true);
  w.key("histogram_bins");
  w.integer(table.settings.histogramBins);
  w.key("reservoir_rows");
  w.integer(table.settings.reservoirRows);
  w.key("ema_constant");
  w.f64(table.settings.emaConstant);
  w.key("seed");
  w.integer(static_cast<int64_t>(table.settings.seed));
  w.key("percentile");
  w.f64(table.settings.percentile);
  w.end('}');
  w.key("tensors");
  w.begin('[');
  for (const TensorEntry &t : table.tensors) {
    w.begin('{');
    w.key("name");
    w.string(t.spec.name);
    w.key("shape");
    w.begin('[', true);
    for (int64_t d : t.spec.shape)
      w.integer(d);
    w.end(']');
    if (t.spec.axis) {
      w.key("axis");
      w.integer(*t.spec.axis);
    }
    w.key("observations");
    w.integer(t.observations);
    w.key("count");
    w.integer(t.count);
    w.key("nan");
    w.integer(t.nanCount);
    w.key("inf");
    w.integer(t.infCount);
    w.key("min");
    w.f32(t.min);
    w.key("max");
    w.f32(t.max);
    w.key("ema_min");
    w.f64(t.emaMin);
    w.key("ema_max");
    w.f64(t.emaMax);
    w.key("ranges");
    w.begin('{', true);
    for (StringRef method : rangeMethods()) {
      auto it = t.ranges.find(method.str());
      if (it == t.ranges.end())
        continue;
      w.key(method);
      writeRange(w, it->second);
    }
    w.end('}');
    if (!t.channelAbsmax.empty()) {
      w.key("channel_absmax");
      w.begin('[', true);
      for (float v : t.channelAbsmax)
        w.f32(v);
      w.end(']');
    }
    w.key("histogram");
    w.begin('{', true);
    w.key("bins");
    w.integer(t.histogramBins);
    w.key("range");
    w.f64(t.histogramRange);
    w.key("counts");
    w.begin('[', true);
    for (auto [bin, count] : llvm::enumerate(t.histogram)) {
      if (!count)
        continue;
      w.begin('[', true);
      w.integer(bin);
      w.integer(count);
      w.end(']');
    }
    w.end(']');
    w.end('}');
    if (t.reservoirRows) {
      w.key("reservoir");
      w.begin('{', true);
      w.key("rows");
      w.integer(t.reservoirRows);
      w.key("row_length");
      w.integer(t.rowLength);
      w.key("rows_seen");
      w.integer(t.rowsSeen);
      std::string bytes(t.reservoir.size() * 4, '\0');
      for (size_t i = 0; i < t.reservoir.size(); ++i) {
        uint32_t bits;
        memcpy(&bits, &t.reservoir[i], 4);
        support::endian::write32le(&bytes[i * 4], bits);
      }
      w.key("f32le_base64");
      w.string(encodeBase64(bytes));
      w.end('}');
    }
    w.end('}');
  }
  w.end(']');
  w.end('}');
  os << '\n';
  return text;
}

bool q8::calibration::writeTable(const Table &table, StringRef path,
                                 std::string &error) {
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write: " + ec.message();
    return false;
  }
  os << printTable(table);
  return true;
}

namespace {

struct Reader {
  std::string &error;
  std::string where;

  bool fail(const Twine &message) {
    error = (where.empty() ? "" : where + ": ") + message.str();
    return false;
  }
  bool getInt(const json::Object &o, StringRef key, int64_t &out) {
    std::optional<int64_t> v = o.getInteger(key);
    if (!v)
      return fail("'" + key + "' must be an integer");
    out = *v;
    return true;
  }
  bool getNumber(const json::Object &o, StringRef key, double &out) {
    const json::Value *v = o.get(key);
    if (v && v->kind() == json::Value::Null) {
      out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    std::optional<double> d = v ? v->getAsNumber() : std::nullopt;
    if (!d)
      return fail("'" + key + "' must be a number");
    out = *d;
    return true;
  }
  bool getFloat(const json::Object &o, StringRef key, float &out) {
    double d;
    if (!getNumber(o, key, d))
      return false;
    out = static_cast<float>(d);
    return true;
  }
};

} // namespace

bool q8::calibration::readTable(StringRef path, Table &table,
                                std::string &error) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file = MemoryBuffer::getFile(path);
  if (!file) {
    error = "cannot open: " + file.getError().message();
    return false;
  }
  Expected<json::Value> root = json::parse((*file)->getBuffer());
  if (!root) {
    error = "not JSON: " + toString(root.takeError());
    return false;
  }
  Reader r{error, ""};
  const json::Object *top = root->getAsObject();
  if (!top || top->getString("format") != StringRef("q8-calibration"))
    return r.fail("not a q8 calibration table (no \"format\": "
                  "\"q8-calibration\")");
  if (!r.getInt(*top, "version", table.version))
    return false;
  if (table.version != kTableVersion)
    return r.fail("table version " + Twine(table.version) +
                  "; this q8 reads version " + Twine(kTableVersion) +
                  " (calibrate again)");
  if (!r.getInt(*top, "samples", table.samples))
    return false;
  if (std::optional<StringRef> source = top->getString("source"))
    table.source = source->str();
  if (const json::Object *s = top->getObject("settings")) {
    int64_t bins, rows, seed;
    if (!r.getInt(*s, "histogram_bins", bins) ||
        !r.getInt(*s, "reservoir_rows", rows) ||
        !r.getNumber(*s, "ema_constant", table.settings.emaConstant) ||
        !r.getInt(*s, "seed", seed) ||
        !r.getNumber(*s, "percentile", table.settings.percentile))
      return false;
    table.settings.histogramBins = bins;
    table.settings.reservoirRows = rows;
    table.settings.seed = static_cast<uint64_t>(seed);
  } else {
    return r.fail("missing 'settings'");
  }
  const json::Array *tensors = top->getArray("tensors");
  if (!tensors)
    return r.fail("missing 'tensors'");
  for (auto [i, value] : llvm::enumerate(*tensors)) {
    r.where = "tensor " + std::to_string(i);
    const json::Object *o = value.getAsObject();
    if (!o)
      return r.fail("must be an object");
    TensorEntry t;
    std::optional<StringRef> name = o->getString("name");
    if (!name)
      return r.fail("missing 'name'");
    t.spec.name = name->str();
    r.where = "tensor '" + t.spec.name + "'";
    const json::Array *shape = o->getArray("shape");
    if (!shape)
      return r.fail("missing 'shape'");
    for (const json::Value &d : *shape) {
      std::optional<int64_t> dim = d.getAsInteger();
      if (!dim || *dim < -1)
        return r.fail("'shape' must hold sizes (or -1, a size that varies)");
      t.spec.shape.push_back(*dim);
    }
    if (o->get("axis")) {
      int64_t axis;
      if (!r.getInt(*o, "axis", axis))
        return false;
      t.spec.axis = axis;
    }
    if (!r.getInt(*o, "observations", t.observations) ||
        !r.getInt(*o, "count", t.count) || !r.getInt(*o, "nan", t.nanCount) ||
        !r.getInt(*o, "inf", t.infCount) || !r.getFloat(*o, "min", t.min) ||
        !r.getFloat(*o, "max", t.max) ||
        !r.getNumber(*o, "ema_min", t.emaMin) ||
        !r.getNumber(*o, "ema_max", t.emaMax))
      return false;
    const json::Object *ranges = o->getObject("ranges");
    if (!ranges)
      return r.fail("missing 'ranges'");
    for (StringRef method : rangeMethods()) {
      const json::Array *pair = ranges->getArray(method);
      if (!pair)
        continue;
      std::optional<double> lo, hi;
      if (pair->size() == 2) {
        lo = (*pair)[0].getAsNumber();
        hi = (*pair)[1].getAsNumber();
      }
      if (!lo || !hi || *lo > *hi)
        return r.fail("range '" + method + "' must be [lo, hi] with lo <= hi");
      t.ranges[method.str()] = {static_cast<float>(*lo),
                                static_cast<float>(*hi)};
    }
    if (const json::Array *absmax = o->getArray("channel_absmax"))
      for (const json::Value &v : *absmax) {
        std::optional<double> d = v.getAsNumber();
        if (!d)
          return r.fail("'channel_absmax' must hold numbers");
        t.channelAbsmax.push_back(static_cast<float>(*d));
      }
    if (t.spec.axis && !t.channelAbsmax.empty() &&
        (*t.spec.axis < 0 ||
         *t.spec.axis >= static_cast<int64_t>(t.spec.shape.size()) ||
         static_cast<int64_t>(t.channelAbsmax.size()) !=
             t.spec.shape[*t.spec.axis]))
      return r.fail("'channel_absmax' does not match 'shape' and 'axis'");
    if (const json::Object *h = o->getObject("histogram")) {
      int64_t bins;
      if (!r.getInt(*h, "bins", bins) ||
          !r.getNumber(*h, "range", t.histogramRange))
        return false;
      if (bins < 0 || bins > (1 << 24))
        return r.fail("histogram 'bins' out of range");
      t.histogramBins = bins;
      t.histogram.assign(bins, 0);
      const json::Array *counts = h->getArray("counts");
      if (!counts)
        return r.fail("histogram without 'counts'");
      for (const json::Value &c : *counts) {
        const json::Array *pair = c.getAsArray();
        std::optional<int64_t> bin, n;
        if (pair && pair->size() == 2) {
          bin = (*pair)[0].getAsInteger();
          n = (*pair)[1].getAsInteger();
        }
        if (!bin || !n || *bin < 0 || *bin >= bins || *n < 0)
          return r.fail("histogram 'counts' must hold [bin, count] pairs");
        t.histogram[*bin] = *n;
      }
    }
    if (const json::Object *res = o->getObject("reservoir")) {
      if (!r.getInt(*res, "rows", t.reservoirRows) ||
          !r.getInt(*res, "row_length", t.rowLength) ||
          !r.getInt(*res, "rows_seen", t.rowsSeen))
        return false;
      std::optional<StringRef> data = res->getString("f32le_base64");
      std::vector<char> bytes;
      if (!data || decodeBase64(*data, bytes) ||
          static_cast<int64_t>(bytes.size()) !=
              t.reservoirRows * t.rowLength * 4)
        return r.fail("reservoir data does not hold rows x row_length f32");
      t.reservoir.resize(t.reservoirRows * t.rowLength);
      for (size_t k = 0; k < t.reservoir.size(); ++k) {
        uint32_t bits = support::endian::read32le(&bytes[k * 4]);
        memcpy(&t.reservoir[k], &bits, 4);
      }
    }
    table.tensors.push_back(std::move(t));
  }
  return true;
}
