// PromQL functions over instant vectors and scalars, one step at a time: math, clamping and
// rounding, dates, label_replace/label_join, sorting, absent (promql/functions.go).
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/function_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {
namespace {

Vector OneSample(double v, int64_t ts) {
  return Vector{Sample{model::Labels(), ts, v, nullptr, false}};
}

// --- Element-wise functions --------------------------------------------------------------------

// Each maps one float sample's value (histogram samples are skipped, and the metric name
// dropped, by the evaluator, which applies these series by series).
#define PROMREF_MATH_FN(fname, expr)                              \
  std::optional<double> fname(double v, const FunctionCall& fc) { \
    return expr;                                                  \
  }
PROMREF_MATH_FN(FnAbs, std::fabs(v))
PROMREF_MATH_FN(FnCeil, std::ceil(v))
PROMREF_MATH_FN(FnFloor, std::floor(v))
PROMREF_MATH_FN(FnExp, std::exp(v))
PROMREF_MATH_FN(FnSqrt, std::sqrt(v))
PROMREF_MATH_FN(FnLn, GoLog(v))
PROMREF_MATH_FN(FnLog2, GoLog2(v))
PROMREF_MATH_FN(FnLog10, GoLog10(v))
PROMREF_MATH_FN(FnSgn, v<0 ? -1.0 : v> 0 ? 1.0 : v)
// Go folds the constant factor first (v * (180 / math.Pi)); multiplying by v first overflows
// for large v (deg(vector(1e306)) is finite in Prometheus).
constexpr double kDegPerRad = 180 / std::numbers::pi;
constexpr double kRadPerDeg = std::numbers::pi / 180;
PROMREF_MATH_FN(FnDeg, v* kDegPerRad)
PROMREF_MATH_FN(FnRad, v* kRadPerDeg)
PROMREF_MATH_FN(FnAcos, std::acos(v))
PROMREF_MATH_FN(FnAcosh, std::acosh(v))
PROMREF_MATH_FN(FnAsin, std::asin(v))
PROMREF_MATH_FN(FnAsinh, std::asinh(v))
PROMREF_MATH_FN(FnAtan, std::atan(v))
PROMREF_MATH_FN(FnAtanh, std::atanh(v))
PROMREF_MATH_FN(FnCos, std::cos(v))
PROMREF_MATH_FN(FnCosh, std::cosh(v))
PROMREF_MATH_FN(FnSin, std::sin(v))
PROMREF_MATH_FN(FnSinh, std::sinh(v))
PROMREF_MATH_FN(FnTan, std::tan(v))
PROMREF_MATH_FN(FnTanh, std::tanh(v))
PROMREF_MATH_FN(FnClampMax, GoMax(-INFINITY, GoMin(fc.scalars[1], v)))
PROMREF_MATH_FN(FnClampMin, GoMax(fc.scalars[1], GoMin(INFINITY, v)))
#undef PROMREF_MATH_FN

std::optional<double> FnClamp(double v, const FunctionCall& fc) {
  const double lo = fc.scalars[1], hi = fc.scalars[2];
  if (hi < lo) return std::nullopt;
  return GoMax(lo, GoMin(hi, v));
}

std::optional<double> FnRound(double v, const FunctionCall& fc) {
  const double to_nearest = fc.call->args.size() > 1 ? fc.scalars[1] : 1;
  const double inverse = 1.0 / to_nearest;
  return std::floor(v * inverse + 0.5) / inverse;
}

Vector FnScalar(const FunctionCall& fc) {
  double v = std::nan("");
  int floats = 0;
  for (const Sample& s : *fc.vectors[0]) {
    if (s.h) continue;
    ++floats;
    v = s.f;
  }
  return OneSample(floats == 1 ? v : std::nan(""), fc.ts);
}

Vector FnVector(const FunctionCall& fc) {
  return OneSample(fc.scalars[0], fc.ts);
}
Vector FnTime(const FunctionCall& fc) {
  return OneSample(static_cast<double>(fc.ts) / 1000, fc.ts);
}
Vector FnPi(const FunctionCall& fc) {
  return OneSample(std::numbers::pi, fc.ts);
}
Vector FnMinOf(const FunctionCall& fc) {
  return OneSample(GoMin(fc.scalars[0], fc.scalars[1]), fc.ts);
}
Vector FnMaxOf(const FunctionCall& fc) {
  return OneSample(GoMax(fc.scalars[0], fc.scalars[1]), fc.ts);
}

Vector FnTimestamp(const FunctionCall& fc) {
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    Sample o = s;
    o.f = static_cast<double>(fc.ts) / 1000;
    o.h.reset();
    DropMetricName(&o, fc.ctx->delayed_name_removal);
    out.push_back(std::move(o));
  }
  return out;
}

// start_timestamp() of anything but a vector selector (which the evaluator answers itself): an
// expression's samples carry no start timestamps, so nothing, as in Prometheus.
Vector FnStartTimestamp(const FunctionCall&) {
  return {};
}

// Date parts of Unix seconds in UTC (Go's time.Unix(int64(v), 0).UTC()).
struct Civil {
  int64_t year;
  int month, day, hour, minute, weekday, yearday, days_in_month;
};

Civil ToCivil(double v) {
  const model::CivilTime t = model::CivilFromUnixSeconds(model::GoFloatToInt64(v));
  const int64_t days = t.days;
  Civil c;
  c.day = t.date.day;
  c.month = t.date.month;
  c.year = t.date.year;
  c.hour = t.hour;
  c.minute = t.minute;
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  const bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
  static constexpr int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  c.yearday = kCum[c.month - 1] + c.day + (leap && c.month > 2 ? 1 : 0);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  c.days_in_month = kDays[c.month - 1] + (leap && c.month == 2 ? 1 : 0);
  return c;
}

Vector DateFn(const FunctionCall& fc, double (*field)(const Civil&)) {
  if (fc.call->args.empty()) return OneSample(field(ToCivil(static_cast<double>(fc.ts) / 1000)), fc.ts);
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    if (s.h) continue;
    Sample o = s;
    o.f = field(ToCivil(s.f));
    DropMetricName(&o, fc.ctx->delayed_name_removal);
    out.push_back(std::move(o));
  }
  return out;
}

Vector FnDayOfMonth(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.day); });
}
Vector FnDayOfWeek(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.weekday); });
}
Vector FnDayOfYear(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.yearday); });
}
Vector FnDaysInMonth(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.days_in_month); });
}
Vector FnHour(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.hour); });
}
Vector FnMinute(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.minute); });
}
Vector FnMonth(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.month); });
}
Vector FnYear(const FunctionCall& fc) {
  return DateFn(fc, [](const Civil& c) { return static_cast<double>(c.year); });
}

Vector FnAbsent(const FunctionCall& fc) {
  if (!fc.vectors[0]->empty()) return {};
  return Vector{Sample{LabelsForAbsent(*fc.call->args[0]), fc.ts, 1, nullptr, false}};
}

// --- Labels ------------------------------------------------------------------------------------

// Go's regexp Expand: $1, ${1}, $name, ${name}; $$ is a literal $. Missing groups are "".
std::string Expand(std::string_view tmpl, const re2::RE2& re, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  auto value_of = [&](std::string_view name) -> std::string_view {
    bool numeric =
        !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
      size_t idx = 0;
      for (char c : name) {
        idx = idx * 10 + static_cast<size_t>(c - '0');
        if (idx > 1000000) return {};
      }
      if (idx < groups.size() && groups[idx].data() != nullptr)
        return {groups[idx].data(), groups[idx].size()};
      return {};
    }
    auto it = names.find(std::string(name));
    if (it == names.end()) return {};
    const auto idx = static_cast<size_t>(it->second);
    if (idx < groups.size() && groups[idx].data() != nullptr) return {groups[idx].data(), groups[idx].size()};
    return {};
  };
  auto is_name_char = [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out.push_back(tmpl[i]);
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (tmpl[i + 1] == '{') {
      const size_t close = tmpl.find('}', i + 2);
      std::string_view name =
          close == std::string_view::npos ? std::string_view() : tmpl.substr(i + 2, close - i - 2);
      if (close == std::string_view::npos || name.empty() ||
          !std::all_of(name.begin(), name.end(), is_name_char)) {
        out.push_back('$');  // malformed reference: kept literally
        continue;
      }
      out += value_of(name);
      i = close;
      continue;
    }
    size_t j = i + 1;
    while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
    if (j == i + 1) {
      out.push_back('$');
      continue;
    }
    out += value_of(tmpl.substr(i + 1, j - i - 1));
    i = j - 1;
  }
  return out;
}

Vector FnLabelReplace(const FunctionCall& fc) {
  const std::string& dst = fc.strings[1];
  const std::string& repl = fc.strings[2];
  const std::string& src = fc.strings[3];
  const std::string& pattern = fc.strings[4];
  re2::RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  re2::RE2 re("^(?s:" + pattern + ")$", opts);
  if (!re.ok() || !model::ValidateRegex(pattern).ok()) {
    Fail(ErrorKind::kExecution, "invalid regular expression in label_replace(): " + pattern);
  }
  if (!model::IsValidLabelName(dst)) {
    Fail(ErrorKind::kExecution, "invalid destination label name in label_replace(): " + dst);
  }
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    Sample o = s;
    const std::string_view value = s.metric.Get(src);
    if (re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), re2::RE2::UNANCHORED,
                 groups.data(), ngroups)) {
      const std::string res = Expand(repl, re, groups);
      model::LabelsBuilder b(s.metric);
      b.Del(dst);
      if (!res.empty()) b.Set(dst, res);
      o.metric = b.Build();
      if (dst == model::kMetricNameLabel) o.drop_name = false;
    }
    out.push_back(std::move(o));
  }
  return out;
}

Vector FnLabelJoin(const FunctionCall& fc) {
  const std::string& dst = fc.strings[1];
  const std::string& sep = fc.strings[2];
  std::vector<std::string> srcs(fc.strings.begin() + 3, fc.strings.end());
  for (const auto& s : srcs) {
    if (!model::IsValidLabelName(s))
      Fail(ErrorKind::kExecution, "invalid source label name in label_join(): " + s);
  }
  if (!model::IsValidLabelName(dst)) {
    Fail(ErrorKind::kExecution, "invalid destination label name in label_join(): " + dst);
  }
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.metric.Get(srcs[i]);
    }
    Sample o = s;
    model::LabelsBuilder b(s.metric);
    b.Set(dst, joined);  // an empty value deletes
    o.metric = b.Build();
    if (dst == model::kMetricNameLabel) o.drop_name = false;
    out.push_back(std::move(o));
  }
  return out;
}

// sort/sort_desc: NaN last in both directions. Go's sort.Sort is not stable; for the small
// inputs seen in practice its insertion sort is, which is what we do.
// Prometheus' preprocessing (preprocessExprHelper): whether a node's value is the same at every
// step, so that it is evaluated once, as an instant query at the start. Selectors and
// subqueries with @, literals, and calls of @-safe functions (or timestamp() of such a
// selector) over such arguments.
bool IsStepInvariant(const Expr& e, const QueryContext& ctx) {
  static const std::set<std::string_view> kAtUnsafe = {
      "days_in_month", "day_of_month",   "day_of_week", "day_of_year", "end",  "hour", "minute",   "month",
      "year",          "predict_linear", "range",       "start",       "step", "time", "timestamp"};
  switch (e.kind) {
    case NodeKind::kVectorSelector: return As<VectorSelector>(e).mods.at != AtKind::kNone;
    case NodeKind::kMatrixSelector: return IsStepInvariant(*As<MatrixSelector>(e).vector_selector, ctx);
    case NodeKind::kSubquery: return As<SubqueryExpr>(e).mods.at != AtKind::kNone;
    case NodeKind::kAggregate: return IsStepInvariant(*As<AggregateExpr>(e).expr, ctx);
    case NodeKind::kBinary:
      return IsStepInvariant(*As<BinaryExpr>(e).lhs, ctx) && IsStepInvariant(*As<BinaryExpr>(e).rhs, ctx);
    case NodeKind::kParen: return IsStepInvariant(*As<ParenExpr>(e).expr, ctx);
    case NodeKind::kUnary: return IsStepInvariant(*As<UnaryExpr>(e).expr, ctx);
    case NodeKind::kStepInvariant: return true;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kDurationExpr: return true;
    case NodeKind::kCall: break;
  }
  const auto& call = As<Call>(e);
  // info()'s answer depends on the step unless every input has the same reference time; its
  // second argument is selector syntax, never evaluated.
  if (call.func->name == "info") {
    return IsStepInvariant(*call.args[0], ctx) && InfoInputsShareReference(*call.args[0], ctx);
  }
  bool all_args = true, selector_args = true;
  for (const auto& a : call.args) {
    const bool invariant = IsStepInvariant(*a, ctx);
    all_args = all_args && invariant;
    selector_args = selector_args && invariant && a->kind == NodeKind::kVectorSelector;
  }
  if (call.func->name == "timestamp") return selector_args;
  return all_args && !kAtUnsafe.count(call.func->name);
}

// Sorting answers of a range query is pointless (series come ordered by labels); Prometheus
// says so, except where the sort is step-invariant and runs once as an instant query.
void WarnSortInRangeQuery(const FunctionCall& fc) {
  if (fc.ctx->query_step != 0 && !IsStepInvariant(*fc.call, *fc.ctx)) {
    fc.ctx->annotations->Warn(
        "sort is ineffective for range queries since results are always ordered by labels", fc.call->pos);
  }
}

Vector SortByValue(const FunctionCall& fc, bool descending) {
  Vector v;
  for (const Sample& s : *fc.vectors[0]) {
    if (!s.h) v.push_back(s);
  }
  auto less = [descending](const Sample& a, const Sample& b) {
    if (std::isnan(a.f)) return false;
    if (std::isnan(b.f)) return true;
    return descending ? a.f > b.f : a.f < b.f;
  };
  std::stable_sort(v.begin(), v.end(), less);
  WarnSortInRangeQuery(fc);
  return v;
}
Vector FnSort(const FunctionCall& fc) {
  return SortByValue(fc, false);
}
Vector FnSortDesc(const FunctionCall& fc) {
  return SortByValue(fc, true);
}

// Natural ("human") string order, as Prometheus' sort_by_label: digit runs compare as numbers.
int NaturalCompare(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9';
    const bool db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
      while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (int c = na.compare(nb); c != 0) return c;
      i = ie, j = je;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i, ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

Vector SortByLabel(const FunctionCall& fc, bool descending) {
  Vector v = *fc.vectors[0];
  std::vector<std::string> names(fc.strings.begin() + 1, fc.strings.end());
  std::stable_sort(v.begin(), v.end(), [&](const Sample& a, const Sample& b) {
    for (const auto& n : names) {
      const int c = NaturalCompare(a.metric.Get(n), b.metric.Get(n));
      if (c != 0) return descending ? c > 0 : c < 0;
    }
    const int c = Compare(a.metric, b.metric);
    return descending ? c > 0 : c < 0;
  });
  WarnSortInRangeQuery(fc);
  return v;
}
Vector FnSortByLabel(const FunctionCall& fc) {
  return SortByLabel(fc, false);
}
Vector FnSortByLabelDesc(const FunctionCall& fc) {
  return SortByLabel(fc, true);
}

}  // namespace

ElementwiseFunction FindElementwiseFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, ElementwiseFunction>{
      {"abs", FnAbs},
      {"ceil", FnCeil},
      {"floor", FnFloor},
      {"exp", FnExp},
      {"sqrt", FnSqrt},
      {"ln", FnLn},
      {"log2", FnLog2},
      {"log10", FnLog10},
      {"sgn", FnSgn},
      {"deg", FnDeg},
      {"rad", FnRad},
      {"acos", FnAcos},
      {"acosh", FnAcosh},
      {"asin", FnAsin},
      {"asinh", FnAsinh},
      {"atan", FnAtan},
      {"atanh", FnAtanh},
      {"cos", FnCos},
      {"cosh", FnCosh},
      {"sin", FnSin},
      {"sinh", FnSinh},
      {"tan", FnTan},
      {"tanh", FnTanh},
      {"clamp", FnClamp},
      {"clamp_max", FnClampMax},
      {"clamp_min", FnClampMin},
      {"round", FnRound},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

VectorFunction FindInstantVectorFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, VectorFunction>{
      {"scalar", FnScalar},
      {"vector", FnVector},
      {"time", FnTime},
      {"pi", FnPi},
      {"min_of", FnMinOf},
      {"max_of", FnMaxOf},
      {"timestamp", FnTimestamp},
      {"start_timestamp", FnStartTimestamp},
      {"day_of_month", FnDayOfMonth},
      {"day_of_week", FnDayOfWeek},
      {"day_of_year", FnDayOfYear},
      {"days_in_month", FnDaysInMonth},
      {"hour", FnHour},
      {"minute", FnMinute},
      {"month", FnMonth},
      {"year", FnYear},
      {"absent", FnAbsent},
      {"label_replace", FnLabelReplace},
      {"label_join", FnLabelJoin},
      {"sort", FnSort},
      {"sort_desc", FnSortDesc},
      {"sort_by_label", FnSortByLabel},
      {"sort_by_label_desc", FnSortByLabelDesc},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

}  // namespace promref::promql::internal
