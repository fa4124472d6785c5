// The PromQL functions, one step at a time (promql/functions.go in Prometheus). Native
// histogram arithmetic arrives with its own issue; until then histogram samples are skipped
// by the float functions exactly where Prometheus ignores them, and the histogram-only
// functions return nothing for float input.
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

// --- Classic histograms ------------------------------------------------------------------------

struct Bucket {
  double upper;
  double count;
};

struct BucketGroup {
  model::Labels metric;
  bool drop_name = false;
  std::vector<Bucket> buckets;
};

// Groups classic bucket series by all labels except `le`; a missing or malformed `le` skips
// the series with a warning.
std::vector<BucketGroup> GroupBuckets(const FunctionCall& fc, const Vector& in, const Expr& arg) {
  std::vector<BucketGroup> groups;
  std::unordered_map<std::string, size_t> index;
  for (const Sample& s : in) {
    if (s.h) continue;
    const std::string_view le = s.metric.Get("le");
    const model::ParsedFloat upper = model::ParseFloat(le);
    if (!upper.ok() || std::isnan(upper.value)) {
      std::string msg = "bucket label \"le\" is missing or has a malformed value of " + model::GoQuote(le);
      // Prometheus names the metric only with delayed name removal.
      if (const auto name = s.metric.MetricName(); fc.ctx->delayed_name_removal && !name.empty())
        msg += " for metric name " + model::GoQuote(name);
      fc.ctx->annotations->Warn(msg, arg.pos);
      continue;
    }
    model::LabelsBuilder b(s.metric);
    b.Del("le");
    model::Labels key = b.Build();
    auto [it, inserted] = index.try_emplace(std::string(key.Encoded()), groups.size());
    if (inserted) {
      BucketGroup g;
      g.metric = key;
      g.drop_name = true;
      if (!fc.ctx->delayed_name_removal) {
        DropMetadataLabels(&b);
        g.metric = b.Build();
      }
      groups.push_back(std::move(g));
    }
    groups[it->second].buckets.push_back({upper.value, s.f});
  }
  return groups;
}

// What making the buckets monotonic took, for the info annotation: the lowest and highest
// upper bound of a bucket raised, and the largest raise.
struct MonotonicityFix {
  bool forced = false;
  double min_bucket = std::numeric_limits<double>::infinity();
  double max_bucket = -std::numeric_limits<double>::infinity();
  double max_diff = 0;
};

// Sorts by upper bound and merges equal bounds (Prometheus' coalesceBuckets). Returns false
// when the last bucket is not +Inf.
bool SortAndCoalesceBuckets(std::vector<Bucket>* buckets) {
  std::stable_sort(buckets->begin(), buckets->end(),
                   [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  if (buckets->empty() || !(std::isinf(buckets->back().upper) && buckets->back().upper > 0)) return false;
  std::vector<Bucket> merged;
  for (const Bucket& b : *buckets) {
    if (!merged.empty() && merged.back().upper == b.upper) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  *buckets = std::move(merged);
  return true;
}

// Sorts, merges equal bounds, and fixes monotonicity as Prometheus' BucketQuantile does
// (coalesceBuckets, ensureMonotonicAndIgnoreSmallDeltas). Returns false when the buckets
// cannot describe a distribution.
bool PrepareBuckets(std::vector<Bucket>* buckets, MonotonicityFix* fix) {
  if (!SortAndCoalesceBuckets(buckets)) return false;
  double prev = (*buckets)[0].count;
  for (size_t i = 1; i < buckets->size(); ++i) {
    Bucket& b = (*buckets)[i];
    const double curr = b.count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, 1e-12)) {
      b.count = prev;
      continue;
    }
    if (curr < prev) {
      b.count = prev;
      fix->forced = true;
      if (b.upper < fix->min_bucket) fix->min_bucket = b.upper;
      if (b.upper > fix->max_bucket) fix->max_bucket = b.upper;
      if (prev - curr > fix->max_diff) fix->max_diff = prev - curr;
      continue;
    }
    prev = curr;
  }
  return buckets->size() >= 2;
}

double BucketQuantile(double q, std::vector<Bucket> buckets, MonotonicityFix* fix) {
  *fix = MonotonicityFix();
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  if (!PrepareBuckets(&buckets, fix)) return std::nan("");
  const double observations = buckets.back().count;
  if (observations == 0) return std::nan("");
  double rank = q * observations;
  // Go's sort.Search over all but the last bucket: a binary search, which with NaN counts (the
  // only way the counts are not ordered now) lands where Prometheus' does and a scan would not.
  size_t b = 0;
  for (size_t hi = buckets.size() - 1; b < hi;) {
    const size_t h = b + (hi - b) / 2;
    if (buckets[h].count >= rank) {
      hi = h;
    } else {
      b = h + 1;
    }
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper;
  if (b == 0 && buckets[0].upper <= 0) return buckets[0].upper;
  double start = 0;
  const double end = buckets[b].upper;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

// Reports a forced monotonicity (merged across series and steps by the annotation set). The
// metric is named only with delayed name removal, as in Prometheus (its name is gone otherwise).
void ForcedMonotonicityInfo(const FunctionCall& fc, const BucketGroup& g, const Expr& arg,
                            const MonotonicityFix& fix) {
  const std::string_view name = fc.ctx->delayed_name_removal ? g.metric.MetricName() : std::string_view();
  fc.ctx->annotations->ForcedMonotonicity(name, arg.pos, fc.ts, fix.min_bucket, fix.max_bucket, fix.max_diff);
}

Vector FnHistogramQuantile(const FunctionCall& fc) {
  const double q = fc.scalars[0];
  if (std::isnan(q) || q < 0 || q > 1) {
    fc.ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                              fc.call->args[0]->pos);
  }
  Vector out;
  for (BucketGroup& g : GroupBuckets(fc, *fc.vectors[1], *fc.call->args[1])) {
    MonotonicityFix fix;
    const double v = BucketQuantile(q, std::move(g.buckets), &fix);
    if (fix.forced) ForcedMonotonicityInfo(fc, g, *fc.call->args[1], fix);
    out.push_back(Sample{g.metric, fc.ts, v, nullptr, g.drop_name});
  }
  return out;
}

// Prometheus' labels.FormatOpenMetricsFloat: how histogram_quantiles names a quantile.
std::string OpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string s = model::FormatFloat(f, 'g');
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

// histogram_quantiles(v, "label", q0, q1, ...) (experimental): histogram_quantile for every
// quantile, each result labelled with its quantile; quantile by quantile.
Vector FnHistogramQuantiles(const FunctionCall& fc) {
  const std::string& label = fc.strings[1];
  std::vector<double> qs;
  for (size_t i = 2; i < fc.scalars.size(); ++i) {
    const double q = fc.scalars[i];
    if (std::isnan(q) || q < 0 || q > 1) {
      fc.ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                                fc.call->args[i]->pos);
    }
    qs.push_back(q);
  }
  std::vector<BucketGroup> groups = GroupBuckets(fc, *fc.vectors[0], *fc.call->args[0]);
  Vector out;
  for (double q : qs) {
    const std::string value = OpenMetricsFloat(q);
    for (const BucketGroup& g : groups) {
      MonotonicityFix fix;
      const double v = BucketQuantile(q, g.buckets, &fix);
      if (fix.forced) ForcedMonotonicityInfo(fc, g, *fc.call->args[0], fix);
      model::LabelsBuilder b(g.metric);
      b.Set(label, value);
      out.push_back(Sample{b.Build(), fc.ts, v, nullptr, g.drop_name});
    }
  }
  return out;
}

// The fraction of observations in [lower, upper], as Prometheus' BucketFraction computes it:
// buckets sorted and merged but, unlike for quantiles, not made monotonic (a bucket whose
// cumulative count drops counts negatively); the first bucket starts at 0 (or at -Inf when its
// upper bound is not positive), values are interpolated linearly inside finite buckets, and a
// bound inside an infinitely wide bucket counts none of it.
double BucketFraction(double lower, double upper, std::vector<Bucket> buckets) {
  if (std::isnan(lower) || std::isnan(upper)) return std::nan("");
  if (!SortAndCoalesceBuckets(&buckets)) return std::nan("");
  const double total = buckets.back().count;
  if (total == 0) return std::nan("");
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  // How much of bucket [lo, hi] (holding `count`) lies below x, for lo < x < hi.
  auto part = [](double lo, double hi, double count, double x) {
    if (std::isinf(lo)) return count;
    if (std::isinf(hi)) return 0.0;
    return count * (x - lo) / (hi - lo);
  };
  double prev_upper = 0, prev_count = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double hi = buckets[i].upper;
    const double lo = i == 0 ? (hi > 0 ? 0.0 : -std::numeric_limits<double>::infinity()) : prev_upper;
    const double count = buckets[i].count - prev_count;
    prev_upper = hi;
    prev_count = buckets[i].count;
    if (!lower_set && lo >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lo >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lo < lower && hi > lower) {
      lower_rank = rank + part(lo, hi, count, lower);
      lower_set = true;
    }
    if (!upper_set && lo < upper && hi > upper) {
      upper_rank = rank + part(lo, hi, count, upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += count;
  }
  if (!lower_set || lower_rank > total) lower_rank = total;
  if (!upper_set || upper_rank > total) upper_rank = total;
  return (upper_rank - lower_rank) / total;
}

Vector FnHistogramFraction(const FunctionCall& fc) {
  Vector out;
  for (BucketGroup& g : GroupBuckets(fc, *fc.vectors[2], *fc.call->args[2])) {
    out.push_back(Sample{g.metric, fc.ts, BucketFraction(fc.scalars[0], fc.scalars[1], std::move(g.buckets)),
                         nullptr, g.drop_name});
  }
  return out;
}

// Histogram-only functions: float samples are ignored, so float input yields nothing.
Vector FnHistogramOnly(const FunctionCall& fc) {
  (void)fc;
  return {};
}

// --- Range functions ---------------------------------------------------------------------------

bool HasHistograms(const Window& w) {
  return std::any_of(w.points.begin(), w.points.end(), [](const Point& p) { return p.h != nullptr; });
}

std::vector<double> Floats(const Window& w) {
  std::vector<double> v;
  v.reserve(w.points.size());
  for (const Point& p : w.points) {
    if (!p.h) v.push_back(p.f);
  }
  return v;
}

RangeResult Float(double f) {
  return RangeResult{true, f, nullptr};
}

void MixedWarning(const Window& w, const FunctionCall& fc) {
  fc.ctx->annotations->Warn("encountered a mix of histograms and floats for metric name " +
                                model::GoQuote(w.series->labels.MetricName()),
                            ArgPosition(*fc.call, 0));
}

RangeResult FnAvgOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return {};
    MixedWarning(w, fc);
    return {};
  }
  const auto& p = w.points;
  double sum = p[0].f, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < p.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum, new_c = c;
      KahanSumInc(p[i].f, &new_sum, &new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum, c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, mc = q * c;
    KahanSumInc(p[i].f / count, &m, &mc);
    mean = m, c = mc;
  }
  return Float(incremental ? mean + c : sum / count + c / count);
}

RangeResult FnSumOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return {};
    MixedWarning(w, fc);
    return {};
  }
  double sum = 0, c = 0;
  for (const Point& p : w.points) KahanSumInc(p.f, &sum, &c);
  return Float(sum + c);
}

RangeResult FnCountOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.size()));
}

RangeResult FnPresentOverTime(const Window&, const FunctionCall&) {
  return Float(1);
}

RangeResult FnLastOverTime(const Window& w, const FunctionCall&) {
  const Point& p = w.points.back();
  return RangeResult{true, p.f, p.h};
}
RangeResult FnFirstOverTime(const Window& w, const FunctionCall&) {
  const Point& p = w.points.front();
  return RangeResult{true, p.f, p.h};
}

void IgnoredHistogramsInfo(const Window& w, const FunctionCall& fc) {
  fc.ctx->annotations->Info(
      "ignored histograms in a range containing both floats and histograms for metric name " +
          model::GoQuote(w.series->labels.MetricName()),
      ArgPosition(*fc.call, 0));
}

// Applies `fn` to the window's floats; histograms are ignored (with an info when mixed).
template <typename F>
RangeResult OverFloats(const Window& w, const FunctionCall& fc, size_t min_floats, F fn) {
  std::vector<double> v = Floats(w);
  if (v.size() != w.points.size() && !v.empty()) IgnoredHistogramsInfo(w, fc);
  if (v.size() < std::max<size_t>(min_floats, 1)) return {};
  return Float(fn(v));
}

RangeResult FnMaxOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    double m = v[0];
    for (double f : v) {
      if (f > m || std::isnan(m)) m = f;
    }
    return m;
  });
}
RangeResult FnMinOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    double m = v[0];
    for (double f : v) {
      if (f < m || std::isnan(m)) m = f;
    }
    return m;
  });
}

double StdvarOf(const std::vector<double>& v) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (double f : v) {
    count += 1;
    const double delta = f - (mean + c_mean);
    KahanSumInc(delta / count, &mean, &c_mean);
    KahanSumInc(delta * (f - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}
RangeResult FnStdvarOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, StdvarOf);
}
RangeResult FnStddevOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) { return std::sqrt(StdvarOf(v)); });
}

RangeResult FnQuantileOverTime(const Window& w, const FunctionCall& fc) {
  const double q = fc.scalars[0];
  if (std::isnan(q) || q < 0 || q > 1) {
    fc.ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                              fc.call->args[0]->pos);
  }
  return OverFloats(w, fc, 1, [q](const std::vector<double>& v) { return Quantile(q, v); });
}

RangeResult FnMadOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    if (std::any_of(v.begin(), v.end(), [](double f) { return std::isnan(f); })) return std::nan("");
    const double median = Quantile(0.5, v);
    std::vector<double> dev;
    for (double f : v) dev.push_back(std::fabs(f - median));
    return Quantile(0.5, dev);
  });
}

RangeResult FnTsOfLastOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.back().t) / 1000);
}
RangeResult FnTsOfFirstOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.front().t) / 1000);
}
RangeResult TsOfExtreme(const Window& w, const FunctionCall& fc, bool max) {
  std::vector<const Point*> floats;
  for (const Point& p : w.points) {
    if (!p.h) floats.push_back(&p);
  }
  if (floats.size() != w.points.size() && !floats.empty()) IgnoredHistogramsInfo(w, fc);
  if (floats.empty()) return {};
  double best = floats[0]->f;
  int64_t t = floats[0]->t;
  for (const Point* p : floats) {
    // The last sample holding the extreme value.
    if ((max ? p->f >= best : p->f <= best) || std::isnan(best)) {
      best = p->f;
      t = p->t;
    }
  }
  return Float(static_cast<double>(t) / 1000);
}
RangeResult FnTsOfMaxOverTime(const Window& w, const FunctionCall& fc) {
  return TsOfExtreme(w, fc, true);
}
RangeResult FnTsOfMinOverTime(const Window& w, const FunctionCall& fc) {
  return TsOfExtreme(w, fc, false);
}

// The points changes()/resets() look at: for an anchored range, the extended points.
std::span<const Point> ChangePoints(const Window& w, std::vector<Point>* storage) {
  if (!w.anchored) return w.points;
  *storage = ExtendFloats(w.points, w.range_start, w.range_end, false);
  return *storage;
}

RangeResult FnChanges(const Window& w, const FunctionCall&) {
  std::vector<Point> storage;
  const std::span<const Point> points = ChangePoints(w, &storage);
  if (points.empty()) return {};
  double changes = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const Point& prev = points[i - 1];
    const Point& cur = points[i];
    if (static_cast<bool>(prev.h) != static_cast<bool>(cur.h)) {
      changes += 1;
      continue;
    }
    if (cur.h) {
      if (!(*cur.h == *prev.h)) changes += 1;
      continue;
    }
    if (cur.f != prev.f && !(std::isnan(cur.f) && std::isnan(prev.f))) changes += 1;
  }
  return Float(changes);
}

RangeResult FnResets(const Window& w, const FunctionCall&) {
  std::vector<Point> storage;
  const std::span<const Point> points = ChangePoints(w, &storage);
  if (points.empty()) return {};
  double resets = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const Point& prev = points[i - 1];
    const Point& cur = points[i];
    if (static_cast<bool>(prev.h) != static_cast<bool>(cur.h)) {
      resets += 1;
      continue;
    }
    if (!cur.h && cur.f < prev.f) resets += 1;
    if (cur.h && (cur.h->count < prev.h->count)) resets += 1;
  }
  return Float(resets);
}

// Go's sort.Search(n, pred) over point indexes.
template <typename Pred>
size_t SearchPoints(size_t n, Pred pred) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (!pred(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Linear interpolation between two points at t; a counter that went down is taken to have
// restarted from zero.
double Interpolate(const Point& p1, const Point& p2, int64_t t, bool is_counter) {
  double y1 = p1.f;
  const double y2 = p2.f;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) / static_cast<double>(p2.t - p1.t);
}

double PickOrInterpolateLeft(std::span<const Point> f, size_t first, int64_t range_start, bool smoothed,
                             bool is_counter) {
  if (smoothed && f[first].t < range_start)
    return Interpolate(f[first], f[first + 1], range_start, is_counter);
  return f[first].f;
}

double PickOrInterpolateRight(std::span<const Point> f, size_t last, int64_t range_end, bool smoothed,
                              bool is_counter) {
  if (smoothed && last > 0 && f[last].t > range_end)
    return Interpolate(f[last - 1], f[last], range_end, is_counter);
  return f[last].f;
}

// rate/increase/delta over an anchored or smoothed range (Prometheus' extendedRate): the
// difference between the boundary values (the sample at or before each boundary, or for
// smoothed the value interpolated there), corrected for counter resets in between; no
// extrapolation.
RangeResult ExtendedRate(const Window& w, bool is_counter, bool is_rate) {
  const std::span<const Point> f = w.points;
  if (f.empty()) return {};
  size_t last = f.size() - 1;
  const size_t found = SearchPoints(last, [&](size_t i) { return f[i].t > w.range_start; });
  size_t first = found == 0 ? 0 : found - 1;
  if (w.smoothed) last = SearchPoints(last, [&](size_t i) { return f[i].t >= w.range_end; });
  if (f[last].t <= w.range_start) return {};
  if (w.smoothed && f[first].t > w.range_end) return {};
  const double left = PickOrInterpolateLeft(f, first, w.range_start, w.smoothed, is_counter);
  const double right = PickOrInterpolateRight(f, last, w.range_end, w.smoothed, is_counter);
  double result = right - left;
  if (is_counter) {
    // Only the samples strictly inside the range: the boundaries handled resets already.
    const size_t from = f[first].t <= w.range_start ? first + 1 : first;
    const size_t to = f[last].t >= w.range_end ? last : last + 1;  // exclusive
    double correction = 0;
    double prev = left;
    for (size_t i = from; i < to; ++i) {
      if (f[i].f < prev) correction += prev;
      prev = f[i].f;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (is_rate) result /= static_cast<double>(w.range) / 1000;
  return Float(result);
}

// rate/increase/delta with Prometheus 3.x's extrapolation.
RangeResult ExtrapolatedRate(const Window& w, const FunctionCall& fc, bool is_counter, bool is_rate) {
  if (w.anchored || w.smoothed) {
    if (HasHistograms(w)) {
      if (!Floats(w).empty()) MixedWarning(w, fc);
      return {};  // native histogram rates arrive with their issue
    }
    return ExtendedRate(w, is_counter, is_rate);
  }
  if (HasHistograms(w)) {
    if (!Floats(w).empty()) MixedWarning(w, fc);
    return {};  // native histogram rates arrive with their issue
  }
  const auto& p = w.points;
  if (p.size() < 2) return {};
  const size_t n_minus_one = p.size() - 1;
  const int64_t first_t = p.front().t;
  const int64_t last_t = p.back().t;
  double result = p.back().f - p.front().f;
  if (is_counter) {
    double prev = p.front().f;
    for (size_t i = 1; i < p.size(); ++i) {
      if (p[i].f < prev) result += prev;
      prev = p[i].f;
    }
  }
  double to_start = static_cast<double>(first_t - w.range_start) / 1000;
  double to_end = static_cast<double>(w.range_end - last_t) / 1000;
  const double sampled = static_cast<double>(last_t - first_t) / 1000;
  const double average = sampled / static_cast<double>(n_minus_one);
  const double threshold = average * 1.1;
  if (to_start >= threshold) to_start = average / 2;
  if (is_counter) {
    double to_zero = to_start;
    if (result > 0 && p.front().f >= 0) to_zero = sampled * (p.front().f / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = average / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= static_cast<double>(w.range) / 1000;
  return Float(result * factor);
}
RangeResult FnRate(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, true, true);
}
RangeResult FnIncrease(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, true, false);
}
RangeResult FnDelta(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, false, false);
}

RangeResult InstantValue(const Window& w, const FunctionCall&, bool is_rate) {
  if (w.points.size() < 2) return {};
  const Point& last = w.points[w.points.size() - 1];
  const Point& prev = w.points[w.points.size() - 2];
  if (last.h || prev.h) return {};  // native histograms arrive with their issue
  double v = is_rate && last.f < prev.f ? last.f : last.f - prev.f;
  if (is_rate) {
    const int64_t interval = last.t - prev.t;
    if (interval == 0) return {};
    v /= static_cast<double>(interval) / 1000;
  }
  return Float(v);
}
RangeResult FnIrate(const Window& w, const FunctionCall& fc) {
  return InstantValue(w, fc, true);
}
RangeResult FnIdelta(const Window& w, const FunctionCall& fc) {
  return InstantValue(w, fc, false);
}

// Least-squares fit with Kahan sums, x measured from `intercept_time`.
void LinearRegression(const std::vector<const Point*>& p, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  const double init_y = p[0]->f;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i]->f != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i]->t - intercept_time) / 1e3;
    KahanSumInc(x, &sx, &cx);
    KahanSumInc(p[i]->f, &sy, &cy);
    KahanSumInc(x * p[i]->f, &sxy, &cxy);
    KahanSumInc(x * x, &sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sx += cx, sy += cy, sxy += cxy, sx2 += cx2;
  const double cov = sxy - sx * sy / n;
  const double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

std::vector<const Point*> FloatPoints(const Window& w, const FunctionCall& fc) {
  std::vector<const Point*> out;
  for (const Point& p : w.points) {
    if (!p.h) out.push_back(&p);
  }
  if (out.size() != w.points.size() && !out.empty()) IgnoredHistogramsInfo(w, fc);
  return out;
}

RangeResult FnDeriv(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double slope, intercept;
  LinearRegression(p, p[0]->t, &slope, &intercept);
  return Float(slope);
}

RangeResult FnPredictLinear(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double slope, intercept;
  LinearRegression(p, fc.ts, &slope, &intercept);
  return Float(slope * fc.scalars[1] + intercept);
}

RangeResult FnDoubleExponentialSmoothing(const Window& w, const FunctionCall& fc) {
  const double sf = fc.scalars[1], tf = fc.scalars[2];
  if (sf <= 0 || sf >= 1) {
    Fail(ErrorKind::kExecution,
         "invalid smoothing factor. Expected: 0 < sf < 1, got: " + model::FormatFloatPrec(sf, 'f', 6));
  }
  if (tf <= 0 || tf >= 1) {
    Fail(ErrorKind::kExecution,
         "invalid trend factor. Expected: 0 < tf < 1, got: " + model::FormatFloatPrec(tf, 'f', 6));
  }
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double s0 = 0, s1 = p[0]->f, b = p[1]->f - p[0]->f;
  for (size_t i = 1; i < p.size(); ++i) {
    const double x = sf * p[i]->f;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return Float(s1);
}

// --- integral() (experimental) -----------------------------------------------------------------

// The quadrature rules of integral()'s second argument.
enum class IntegralRule { kLeftPoint = 0, kRightPoint = 1, kTrapezoidal = 2 };

// The rule asked for; anything but 0, 1 or 2 falls back to the trapezoidal default with a
// warning, as in Prometheus.
IntegralRule IntegralRuleOf(const FunctionCall& fc) {
  if (fc.call->args.size() < 2) return IntegralRule::kTrapezoidal;
  const double arg = fc.scalars[1];
  if (std::isnan(arg) || std::isinf(arg) || std::trunc(arg) != arg || arg < 0 || arg > 2) {
    fc.ctx->annotations->Warn(
        "strategy should be 0, 1, or 2 (default), using 2, got " + model::FormatFloat(arg, 'g'),
        fc.call->args[1]->pos);
    return IntegralRule::kTrapezoidal;
  }
  return static_cast<IntegralRule>(static_cast<int>(arg));
}

// The height of the rectangle between two neighbouring samples under `rule`, with its Kahan
// compensation. NaN counts as zero, so that the neighbouring values alone cover the gap.
void IntegralHeight(IntegralRule rule, double prev, double curr, double* value, double* c) {
  if (std::isnan(prev)) prev = 0;
  if (std::isnan(curr)) curr = 0;
  *value = 0, *c = 0;
  switch (rule) {
    case IntegralRule::kLeftPoint: *value = prev; return;
    case IntegralRule::kRightPoint: *value = curr; return;
    case IntegralRule::kTrapezoidal:
      if (prev == 0 && curr == 0) return;
      *value = prev;
      KahanSumInc(curr, value, c);
      if (std::isinf(*value) && !std::isinf(curr) && !std::isinf(prev)) {
        // Two finite samples whose sum overflows: halve them first.
        *value = prev / 2, *c = 0;
        KahanSumInc(curr / 2, value, c);
      } else {
        *value /= 2, *c /= 2;
      }
      return;
  }
}

// integral(v range-vector[, rule]): the area under the float samples of the window, in
// value-seconds; histograms are ignored (with an info when mixed with floats).
RangeResult FnIntegral(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.empty()) return {};
  const IntegralRule rule = IntegralRuleOf(fc);
  double sum = 0, c = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    double value, value_c;
    IntegralHeight(rule, p[i - 1]->f, p[i]->f, &value, &value_c);
    // Like Prometheus, only non-zero heights are added (a zero would still reset the
    // compensation of an infinite sum).
    if (value == 0 && value_c == 0) continue;
    const double dt = static_cast<double>(p[i]->t - p[i - 1]->t) / 1000;
    double step_c = c + value_c * dt;
    KahanSumInc(value * dt, &sum, &step_c);
    c = step_c;
  }
  return Float(std::isinf(sum) ? sum : sum + c);
}

}  // namespace

PositionRange ArgPosition(const Call& c, size_t i) {
  const Expr* e = c.args[i].get();
  while (e->kind == NodeKind::kParen) e = As<ParenExpr>(*e).expr.get();
  if (e->kind == NodeKind::kSubquery) return {};
  return c.args[i]->pos;
}

double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  // Stable, as Go's sort.Sort is for the small inputs it insertion-sorts (ties such as -0 and 0
  // keep their input order).
  std::stable_sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  // On a sample exactly, that sample: interpolating would turn ±Inf into NaN (Inf * 0) and -0
  // into 0 (-0 + 0), as Prometheus 3.x no longer does.
  if (weight == 0) return values[static_cast<size_t>(lower)];
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

model::Labels LabelsForAbsent(const Expr& arg) {
  const Expr* e = &arg;
  if (e->kind == NodeKind::kMatrixSelector) e = As<MatrixSelector>(*e).vector_selector.get();
  if (e->kind != NodeKind::kVectorSelector) return {};
  model::LabelsBuilder b;
  std::unordered_map<std::string, bool> has;
  for (const model::Matcher& m : As<VectorSelector>(*e).matchers) {
    // The metadata labels (__name__, __type__, __unit__) never describe the absent series.
    if (m.name() == model::kMetricNameLabel || m.name() == "__type__" || m.name() == "__unit__") continue;
    if (m.type() == model::MatchType::kEqual && !has[m.name()]) {
      b.Set(m.name(), m.value());
      has[m.name()] = true;
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

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

VectorFunction FindVectorFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, VectorFunction>{
      {"scalar", FnScalar},
      {"vector", FnVector},
      {"time", FnTime},
      {"pi", FnPi},
      {"min_of", FnMinOf},
      {"max_of", FnMaxOf},
      {"timestamp", FnTimestamp},
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
      {"histogram_quantile", FnHistogramQuantile},
      {"histogram_quantiles", FnHistogramQuantiles},
      {"histogram_fraction", FnHistogramFraction},
      {"histogram_count", FnHistogramOnly},
      {"histogram_sum", FnHistogramOnly},
      {"histogram_avg", FnHistogramOnly},
      {"histogram_stddev", FnHistogramOnly},
      {"histogram_stdvar", FnHistogramOnly},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

RangeFunction FindRangeFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, RangeFunction>{
      {"avg_over_time", FnAvgOverTime},
      {"sum_over_time", FnSumOverTime},
      {"count_over_time", FnCountOverTime},
      {"present_over_time", FnPresentOverTime},
      {"last_over_time", FnLastOverTime},
      {"first_over_time", FnFirstOverTime},
      {"max_over_time", FnMaxOverTime},
      {"min_over_time", FnMinOverTime},
      {"stddev_over_time", FnStddevOverTime},
      {"stdvar_over_time", FnStdvarOverTime},
      {"quantile_over_time", FnQuantileOverTime},
      {"mad_over_time", FnMadOverTime},
      {"ts_of_last_over_time", FnTsOfLastOverTime},
      {"ts_of_first_over_time", FnTsOfFirstOverTime},
      {"ts_of_max_over_time", FnTsOfMaxOverTime},
      {"ts_of_min_over_time", FnTsOfMinOverTime},
      {"changes", FnChanges},
      {"resets", FnResets},
      {"rate", FnRate},
      {"increase", FnIncrease},
      {"delta", FnDelta},
      {"irate", FnIrate},
      {"idelta", FnIdelta},
      {"deriv", FnDeriv},
      {"predict_linear", FnPredictLinear},
      {"double_exponential_smoothing", FnDoubleExponentialSmoothing},
      {"integral", FnIntegral},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

std::vector<Point> ExtendFloats(std::span<const Point> f, int64_t range_start, int64_t range_end,
                                bool smoothed) {
  std::vector<Point> out;
  if (f.empty()) return out;
  size_t last = f.size() - 1;
  const size_t found = SearchPoints(last, [&](size_t i) { return f[i].t > range_start; });
  size_t first = found == 0 ? 0 : found - 1;
  if (smoothed) last = SearchPoints(last, [&](size_t i) { return f[i].t >= range_end; });
  if (f[last].t <= range_start) return out;
  const double left = PickOrInterpolateLeft(f, first, range_start, smoothed, false);
  const double right = PickOrInterpolateRight(f, last, range_end, smoothed, false);
  if (f[first].t <= range_start) ++first;
  const bool drop_last = f[last].t >= range_end;
  out.push_back({range_start, left, nullptr});
  for (size_t i = first; i <= last; ++i) {
    if (i == last && drop_last) break;
    out.push_back(f[i]);
  }
  out.push_back({range_end, right, nullptr});
  return out;
}

bool RangeFunctionKeepsName(std::string_view name) {
  return name == "last_over_time" || name == "first_over_time";
}

}  // namespace promref::promql::internal
