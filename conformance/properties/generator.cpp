#include "properties/generator.h"

#include <algorithm>

#include "model/go_strconv.h"
#include "model/value_text.h"
#include "promql/parser.h"
#include "promql/printer.h"

namespace promconform::properties {
namespace {

using promref::promql::Function;
using promref::promql::ValueType;

template <typename T>
const T& PickOf(Rng& rng, const std::vector<T>& v) {
  return v[Below(rng, v.size())];
}

std::string Pick(Rng& rng, std::initializer_list<const char*> items) {
  return *(items.begin() + Below(rng, items.size()));
}

// Go's regexp.QuoteMeta: the value matched literally.
std::string QuoteMeta(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string Quote(const std::string& s) {
  return promref::model::GoQuote(s);
}

const char* const kRanges[] = {"30s", "1m", "2m", "5m", "10m"};
const char* const kSubqueryRanges[] = {"1m", "2m", "5m", "10m"};
const char* const kSubquerySteps[] = {"", "15s", "30s", "1m"};
const char* const kOffsets[] = {"30s", "1m", "5m", "10m", "-1m", "-5m"};

}  // namespace

std::string_view ShapeName(Shape s) {
  switch (s) {
    case Shape::kVector: return "vector";
    case Shape::kScalar: return "scalar";
    case Shape::kInstant: return "instant";
    case Shape::kMatrix: return "matrix";
    case Shape::kSelector: return "selector";
    case Shape::kCounterMatrix: return "counter-matrix";
    case Shape::kBuckets: return "buckets";
    case Shape::kAny: return "any";
  }
  return "?";
}

Generator::Generator(const Vocabulary& vocabulary, GeneratorOptions options)
    : vocab_(vocabulary), options_(std::move(options)) {}

std::string Generator::Generate(Rng& rng, Shape shape) const {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string text;
    const int depth = static_cast<int>(Below(rng, static_cast<uint64_t>(options_.max_depth) + 1));
    switch (shape) {
      case Shape::kVector: text = Vector(rng, depth); break;
      case Shape::kScalar: text = Scalar(rng, depth); break;
      case Shape::kInstant: text = Chance(rng, 1, 5) ? Scalar(rng, depth) : Vector(rng, depth); break;
      case Shape::kMatrix: text = Matrix(rng, depth); break;
      case Shape::kSelector: text = Selector(rng, true); break;
      case Shape::kCounterMatrix: text = CounterMatrix(rng); break;
      case Shape::kBuckets: text = Buckets(rng); break;
      case Shape::kAny: {
        const uint64_t r = Below(rng, 10);
        text = r < 6 ? Vector(rng, depth) : (r < 8 ? Scalar(rng, depth) : Matrix(rng, depth));
        break;
      }
    }
    auto parsed = ParseGenerated(text, options_.experimental);
    if (parsed.ok() && FitsShape(**parsed, shape)) return promref::promql::ToString(**parsed);
  }
  return "pc_up";  // not reached in practice: the generator writes valid text
}

std::string Generator::LabelName(Rng& rng) const {
  return PickOf(rng, vocab_.label_names);
}

std::string Generator::Number(Rng& rng) const {
  if (Chance(rng, 1, 25)) return Pick(rng, {"Inf", "-Inf", "NaN"});
  return Pick(rng, {"0", "1", "2", "0.5", "-1", "3", "10", "100", "0.001", "2.5", "-0.25"});
}

std::string Generator::Selector(Rng& rng, bool modifiers) const {
  const MetricInfo& m = PickOf(rng, vocab_.metrics);
  std::vector<std::string> matchers;
  std::vector<std::string> names;
  for (const auto& [k, v] : m.labels) names.push_back(k);
  const uint64_t n = names.empty() ? 0 : Below(rng, 3);
  for (uint64_t i = 0; i < n; ++i) {
    const std::string& l = PickOf(rng, names);
    const auto& values = m.labels.at(l);
    const std::string& v = PickOf(rng, values);
    switch (Below(rng, 6)) {
      case 0:
      case 1: matchers.push_back(l + "=" + Quote(v)); break;
      case 2: matchers.push_back(l + "!=" + Quote(v)); break;
      case 3: {
        const std::string& w = PickOf(rng, values);
        matchers.push_back(l + "=~" + Quote(QuoteMeta(v) + "|" + QuoteMeta(w)));
        break;
      }
      case 4: matchers.push_back(l + "!~" + Quote(QuoteMeta(v))); break;
      default: matchers.push_back(l + "=~" + Quote(QuoteMeta(v.substr(0, v.size() / 2)) + ".*")); break;
    }
  }
  std::string out;
  if (Chance(rng, 1, 8)) {
    matchers.insert(matchers.begin(), std::string("__name__=") + Quote(m.name));
  } else {
    out = m.name;
  }
  if (!matchers.empty()) {
    out += "{";
    for (size_t i = 0; i < matchers.size(); ++i) out += (i ? ", " : "") + matchers[i];
    out += "}";
  }
  return modifiers ? out + Modifiers(rng) : out;
}

std::string Generator::Modifiers(Rng& rng) const {
  std::string out;
  if (options_.at_modifiers && Chance(rng, 1, 7)) {
    const uint64_t k = Below(rng, 4);
    if (k == 0) {
      out += " @ start()";
    } else if (k == 1) {
      out += " @ end()";
    } else {
      const int64_t rel = 5 * 60000 + static_cast<int64_t>(Below(rng, 45 * 60)) * 1000 + 234;
      out += " @ " + promref::model::FormatScalarTimestamp(options_.base_ms + rel);
    }
  }
  if (Chance(rng, 1, 5)) out += std::string(" offset ") + kOffsets[Below(rng, std::size(kOffsets))];
  return out;
}

std::string Generator::Matrix(Rng& rng, int depth) const {
  if (depth <= 0 || Chance(rng, 3, 5)) {
    return Selector(rng, false) + "[" + kRanges[Below(rng, std::size(kRanges))] + "]" + Modifiers(rng);
  }
  const std::string step = kSubquerySteps[Below(rng, std::size(kSubquerySteps))];
  return "(" + Vector(rng, depth - 1) + ")[" + kSubqueryRanges[Below(rng, std::size(kSubqueryRanges))] + ":" +
         step + "]" + Modifiers(rng);
}

std::string Generator::CounterMatrix(Rng& rng) const {
  for (int i = 0; i < 100; ++i) {
    std::string s = Selector(rng, false);
    const size_t brace = s.find('{');
    std::string name = s.substr(0, brace);
    if (name.empty()) continue;  // {__name__="..."} spelling: keep it simple here
    const MetricInfo* m = vocab_.Find(name);
    if (m == nullptr || !m->counter) continue;
    std::string offset = Chance(rng, 1, 4) ? std::string(" offset ") + kOffsets[Below(rng, 4)] : "";
    return s + "[" + kRanges[1 + Below(rng, std::size(kRanges) - 1)] + "]" + offset;
  }
  return "pc_http_requests_total[5m]";
}

std::string Generator::Buckets(Rng& rng) const {
  std::vector<const MetricInfo*> hist;
  for (const auto& m : vocab_.metrics) {
    if (m.buckets) hist.push_back(&m);
  }
  const MetricInfo& m = *PickOf(rng, hist);
  std::string sel = m.name;
  if (m.labels.count("instance") && Chance(rng, 1, 2)) {
    sel += "{instance=" + Quote(PickOf(rng, m.labels.at("instance"))) + "}";
  }
  std::string rate = std::string(Chance(rng, 1, 2) ? "rate" : "increase") + "(" + sel + "[" +
                     kRanges[1 + Below(rng, std::size(kRanges) - 1)] + "])";
  switch (Below(rng, 3)) {
    case 0: return rate;
    case 1: return "sum by (le) (" + rate + ")";
    default: return m.labels.count("job") ? "sum by (le, job) (" + rate + ")" : rate;
  }
}

std::string Generator::Grouping(Rng& rng) const {
  const uint64_t k = Below(rng, 5);
  if (k == 0) return "";
  std::string labels;
  const uint64_t n = Below(rng, 3);
  std::set<std::string> seen;
  for (uint64_t i = 0; i < n; ++i) {
    const std::string l = LabelName(rng);
    if (!seen.insert(l).second) continue;
    labels += (labels.empty() ? "" : ", ") + l;
  }
  return std::string(k == 4 ? "without" : "by") + " (" + labels + ") ";
}

std::string Generator::Aggregation(Rng& rng, int depth) const {
  std::vector<std::string> ops = {"sum",    "avg",    "min",  "max",     "count",    "group",
                                  "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"};
  if (options_.experimental) {
    ops.push_back("limitk");
    ops.push_back("limit_ratio");
  }
  const std::string op = PickOf(rng, ops);
  std::string param;
  if (op == "topk" || op == "bottomk" || op == "limitk") {
    param = Chance(rng, 1, 8) ? "scalar(" + Vector(rng, depth - 1) + ")" : Pick(rng, {"1", "2", "3"});
  } else if (op == "quantile") {
    param = Pick(rng, {"0", "0.25", "0.5", "0.9", "1"});
  } else if (op == "count_values") {
    param = "\"pc_value\"";
  } else if (op == "limit_ratio") {
    param = Pick(rng, {"0.5", "-0.5", "1"});
  }
  const std::string inner = Vector(rng, depth - 1);
  return op + " " + Grouping(rng) + "(" + (param.empty() ? "" : param + ", ") + inner + ")";
}

std::string Generator::VectorBinary(Rng& rng, int depth) const {
  const std::string arith = Pick(rng, {"+", "-", "*", "/", "%", "^", "atan2"});
  const std::string cmp = Pick(rng, {"==", "!=", ">", "<", ">=", "<="});
  const std::string set = Pick(rng, {"and", "or", "unless"});
  // An arithmetic or comparison operator (with bool half of the time for comparisons).
  auto op = [&]() -> std::string {
    if (Chance(rng, 1, 2)) return arith;
    return Chance(rng, 1, 2) ? cmp + " bool" : cmp;
  };
  const std::string l = LabelName(rng);
  auto agg = [&](const std::string& by) {
    return Pick(rng, {"sum", "max", "min", "avg", "count"}) + std::string(" by (") + by + ") (" +
           Vector(rng, depth - 1) + ")";
  };
  switch (Below(rng, 8)) {
    case 0: return Vector(rng, depth - 1) + " " + op() + " " + Scalar(rng, depth - 1);
    case 1: return Scalar(rng, depth - 1) + " " + op() + " " + Vector(rng, depth - 1);
    case 2: return agg(l) + " " + op() + (Chance(rng, 1, 2) ? " on (" + l + ") " : " ") + agg(l);
    case 3: return Vector(rng, depth - 1) + " " + op() + " on (" + l + ") group_left " + agg(l);
    case 4: return agg(l) + " " + op() + " on (" + l + ") group_right () " + Vector(rng, depth - 1);
    case 5: {
      const std::string sel = Selector(rng, false);
      const std::string name = sel.substr(0, sel.find('{'));
      return sel + " " + op() + " ignoring (" + l + ") group_left sum without (" + l + ") (" +
             (name.empty() ? sel : name) + ")";
    }
    case 6: {
      const uint64_t m = Below(rng, 3);
      const std::string matching = m == 0 ? "" : (m == 1 ? " on (" + l + ")" : " ignoring (" + l + ")");
      return Vector(rng, depth - 1) + " " + set + matching + " " + Vector(rng, depth - 1);
    }
    default: return Vector(rng, depth - 1) + " " + op() + " " + Vector(rng, depth - 1);
  }
}

bool Generator::Usable(const Function& f) const {
  if (f.experimental && !options_.experimental) return false;
  if (f.name == "holt_winters") return false;  // removed in 3.0
  return options_.skip_functions.count(f.name) == 0;
}

std::string Generator::Argument(Rng& rng, int depth, const Function& f, size_t i) const {
  const std::string& n = f.name;
  const ValueType t = i < f.arg_types.size() ? f.arg_types[i] : f.arg_types.back();
  switch (t) {
    case ValueType::kVector:
      if ((n == "histogram_quantile" || n == "histogram_fraction" || n == "histogram_quantiles") &&
          Chance(rng, 3, 4)) {
        return Buckets(rng);
      }
      if (n == "absent" && Chance(rng, 1, 2)) return Selector(rng, true);
      return Vector(rng, depth - 1);
    case ValueType::kMatrix: return Matrix(rng, depth - 1);
    case ValueType::kString:
      if (n == "label_replace") {
        if (i == 1) return Quote(Chance(rng, 1, 2) ? LabelName(rng) : "pc_new");
        if (i == 2) return Quote(Pick(rng, {"$1", "x-$1", "", "$1$2", "${1}z"}));
        if (i == 3) return Quote(LabelName(rng));
        return Quote(Pick(rng, {"(.*)", "host-(.*)", "(.+)-(.*)", "(a.*)", "([0-9]+)"}));
      }
      if (n == "label_join") {
        if (i == 1) return Quote(Chance(rng, 1, 2) ? LabelName(rng) : "pc_new");
        if (i == 2) return Quote(Pick(rng, {",", "-", ""}));
        return Quote(LabelName(rng));
      }
      if (n == "histogram_quantiles") return Quote("pc_q");
      return Quote(LabelName(rng));
    case ValueType::kScalar:
      if (Chance(rng, 1, 6)) return Scalar(rng, depth - 1);
      if (n == "quantile_over_time" || n == "histogram_quantile" || n == "histogram_quantiles")
        return Pick(rng, {"0", "0.1", "0.5", "0.9", "0.99", "1"});
      if (n == "round") return Pick(rng, {"0.1", "1", "5", "0.25"});
      if (n == "clamp") return i == 1 ? Pick(rng, {"-1", "0", "2"}) : Pick(rng, {"5", "10", "1e6"});
      if (n == "clamp_min" || n == "clamp_max") return Pick(rng, {"-1", "0", "1", "20", "1e9"});
      if (n == "predict_linear") return Pick(rng, {"60", "300", "-60", "0"});
      if (n == "histogram_fraction") return i == 0 ? Pick(rng, {"0", "0.1"}) : Pick(rng, {"0.5", "1", "Inf"});
      if (n == "double_exponential_smoothing") return Pick(rng, {"0.1", "0.5", "0.9"});
      if (n == "integral") return Pick(rng, {"60", "1"});
      return Number(rng);
    default: return "0";
  }
}

std::string Generator::Call(Rng& rng, int depth, ValueType want) const {
  std::vector<const Function*> fs;
  for (const Function& f : promref::promql::AllFunctions()) {
    if (f.return_type == want && Usable(f)) fs.push_back(&f);
  }
  if (fs.empty()) return want == ValueType::kScalar ? Number(rng) : Selector(rng, true);
  const Function& f = *PickOf(rng, fs);
  size_t nargs = f.arg_types.size();
  if (f.variadic == 1 && Chance(rng, 1, 2)) --nargs;  // optional last argument left out
  if (f.variadic < 0 && Chance(rng, 1, 2)) ++nargs;   // one more label for label_join
  if (f.variadic > 1 && Chance(rng, 1, 2)) ++nargs;   // another quantile
  std::string out = f.name + "(";
  for (size_t i = 0; i < nargs; ++i) out += (i ? ", " : "") + Argument(rng, depth, f, i);
  return out + ")";
}

std::string Generator::Scalar(Rng& rng, int depth) const {
  if (depth <= 0) {
    const uint64_t k = Below(rng, 8);
    return k == 0 ? "time()" : (k == 1 ? "pi()" : Number(rng));
  }
  switch (Below(rng, 7)) {
    case 0:
    case 1: return Number(rng);
    case 2: return "scalar(" + Vector(rng, depth - 1) + ")";
    case 3: return Call(rng, depth, ValueType::kScalar);
    case 4: {
      const bool compare = Chance(rng, 1, 3);
      const std::string op = compare ? Pick(rng, {"==", "!=", ">", "<", ">=", "<="}) + std::string(" bool")
                                     : Pick(rng, {"+", "-", "*", "/", "%", "^", "atan2"});
      return Scalar(rng, depth - 1) + " " + op + " " + Scalar(rng, depth - 1);
    }
    case 5: return "-" + Scalar(rng, depth - 1);
    default: return "(" + Scalar(rng, depth - 1) + ")";
  }
}

std::string Generator::Vector(Rng& rng, int depth) const {
  if (depth <= 0) return Selector(rng, true);
  switch (Below(rng, 14)) {
    case 0:
    case 1:
    case 2: return Selector(rng, true);
    case 3:
    case 4:
    case 5:
    case 6: return Call(rng, depth, ValueType::kVector);
    case 7:
    case 8:
    case 9: return Aggregation(rng, depth);
    case 10:
    case 11: return VectorBinary(rng, depth);
    case 12: return "-" + Vector(rng, depth - 1);
    default: return "(" + Vector(rng, depth - 1) + ")";
  }
}

bool FitsShape(const promref::promql::Expr& e, Shape shape) {
  using promref::promql::NodeKind;
  const ValueType t = e.Type();
  switch (shape) {
    case Shape::kVector:
    case Shape::kBuckets: return t == ValueType::kVector;
    case Shape::kScalar: return t == ValueType::kScalar;
    case Shape::kInstant: return t == ValueType::kVector || t == ValueType::kScalar;
    case Shape::kMatrix: return t == ValueType::kMatrix;
    case Shape::kSelector: return e.kind == NodeKind::kVectorSelector;
    case Shape::kCounterMatrix: return e.kind == NodeKind::kMatrixSelector;
    case Shape::kAny: return t != ValueType::kString && t != ValueType::kNone;
  }
  return false;
}

promref::Result<promref::promql::ExprPtr> ParseGenerated(std::string_view text, bool experimental) {
  promref::promql::ParseOptions o;
  o.experimental = experimental;
  return promref::promql::ParseExpr(text, o);
}

}  // namespace promconform::properties
