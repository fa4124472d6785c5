#include "remote_promqltest/expr_time.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "promql/parser.h"
#include "promql/printer.h"

namespace promconform::remote_promqltest {
namespace {

namespace pq = promref::promql;
using pq::As;
using pq::Expr;
using pq::NodeKind;
using pq::TokenType;

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kWeekMs = 7 * kDayMs;

// --- Durations ----------------------------------------------------------------------------

// A duration expression's value in seconds for a query with this step and range; nullopt when
// it cannot be computed (division by zero: the query fails before reading anything).
std::optional<double> DurationSeconds(const Expr& e, const QueryTimes& q) {
  if (e.kind == NodeKind::kNumberLiteral) return As<pq::NumberLiteral>(e).val;
  if (e.kind == NodeKind::kParen) return DurationSeconds(*As<pq::ParenExpr>(e).expr, q);
  if (e.kind != NodeKind::kDurationExpr) return std::nullopt;
  const auto& d = As<pq::DurationExpr>(e);
  if (d.op == TokenType::kStep) return static_cast<double>(q.step) / 1000;
  if (d.op == TokenType::kRange) return static_cast<double>(q.end - q.start) / 1000;
  std::optional<double> r = d.rhs ? DurationSeconds(*d.rhs, q) : std::nullopt;
  std::optional<double> l = d.lhs ? DurationSeconds(*d.lhs, q) : std::nullopt;
  if (!r) return std::nullopt;
  if (!d.lhs) return d.op == TokenType::kSub ? -*r : *r;
  if (!l) return std::nullopt;
  switch (d.op) {
    case TokenType::kMinOf: return std::min(*l, *r);
    case TokenType::kMaxOf: return std::max(*l, *r);
    case TokenType::kAdd: return *l + *r;
    case TokenType::kSub: return *l - *r;
    case TokenType::kMul: return *l * *r;
    case TokenType::kDiv: return *r == 0 ? std::nullopt : std::optional<double>(*l / *r);
    case TokenType::kMod: return *r == 0 ? std::nullopt : std::optional<double>(std::fmod(*l, *r));
    case TokenType::kPow: return std::pow(*l, *r);
    default: return std::nullopt;
  }
}

int64_t Millis(std::optional<double> seconds) {
  if (!seconds || !std::isfinite(*seconds) || std::fabs(*seconds) > 9.2e9) return 0;
  return static_cast<int64_t>(std::llround(*seconds * 1000));
}

int64_t OffsetOf(const pq::TimeModifiers& m, const QueryTimes& q) {
  return m.offset_expr ? Millis(DurationSeconds(*m.offset_expr, q)) : m.original_offset;
}

// --- Read spans ---------------------------------------------------------------------------

// The evaluation times of a node with these modifiers, when its parent evaluates it over
// [lo, hi]: `@` pins them.
Interval ReferenceTimes(const pq::TimeModifiers& m, Interval t, const QueryTimes& q) {
  switch (m.at) {
    case pq::AtKind::kTimestamp: return {m.timestamp, m.timestamp};
    case pq::AtKind::kStart: return {q.start, q.start};
    case pq::AtKind::kEnd: return {q.end, q.end};
    case pq::AtKind::kNone: return t;
  }
  return t;
}

// Samples a selector reads when evaluated over `t`: (ref - offset - range - lookback, ref -
// offset]; anchored and smoothed selectors also look a lookback beyond both ends.
Interval SelectorSpan(const pq::VectorSelector& vs, int64_t range, Interval t, const QueryTimes& q,
                      const EngineTimes& engine) {
  const Interval ref = ReferenceTimes(vs.mods, t, q);
  const int64_t off = OffsetOf(vs.mods, q);
  const int64_t before = range > 0 ? range : engine.lookback_ms;
  const int64_t extra = (vs.anchored || vs.smoothed) ? engine.lookback_ms : 0;
  return {ref.lo - off - before - extra, ref.hi - off + extra};
}

void CollectSpan(const Expr& e, Interval t, const QueryTimes& q, const EngineTimes& engine, Interval* out) {
  switch (e.kind) {
    case NodeKind::kVectorSelector:
      out->Extend(SelectorSpan(As<pq::VectorSelector>(e), 0, t, q, engine));
      return;
    case NodeKind::kMatrixSelector: {
      const auto& m = As<pq::MatrixSelector>(e);
      const int64_t range = m.range_expr ? Millis(DurationSeconds(*m.range_expr, q)) : m.range;
      out->Extend(SelectorSpan(As<pq::VectorSelector>(*m.vector_selector), std::max<int64_t>(range, 1), t, q,
                               engine));
      return;
    }
    case NodeKind::kSubquery: {
      const auto& sq = As<pq::SubqueryExpr>(e);
      const Interval ref = ReferenceTimes(sq.mods, t, q);
      const int64_t off = OffsetOf(sq.mods, q);
      const int64_t range = sq.range_expr ? Millis(DurationSeconds(*sq.range_expr, q)) : sq.range;
      int64_t step = sq.step_expr ? Millis(DurationSeconds(*sq.step_expr, q)) : sq.step;
      if (step <= 0) step = engine.default_subquery_step_ms;
      // Inner steps are aligned down to multiples of the step: one step of slack.
      CollectSpan(*sq.expr, {ref.lo - off - range - step, ref.hi - off}, q, engine, out);
      return;
    }
    case NodeKind::kCall: {
      const auto& call = As<pq::Call>(e);
      // info() without a selector of its own reads target_info at the same times.
      if (call.func != nullptr && call.func->name == "info") out->Extend({t.lo - engine.lookback_ms, t.hi});
      break;
    }
    case NodeKind::kDurationExpr: return;
    default: break;
  }
  for (const Expr* c : pq::Children(e)) CollectSpan(*c, t, q, engine, out);
}

void CollectSteps(const Expr& e, const EngineTimes& engine, std::vector<int64_t>* out) {
  if (e.kind == NodeKind::kSubquery) {
    const auto& sq = As<pq::SubqueryExpr>(e);
    // A step written as a duration expression is taken at an instant query's step (0): the
    // promqltest scripts only use constant ones.
    int64_t step = sq.step_expr ? Millis(DurationSeconds(*sq.step_expr, {})) : sq.step;
    out->push_back(step > 0 ? step : engine.default_subquery_step_ms);
  }
  for (const Expr* c : pq::Children(e)) CollectSteps(*c, engine, out);
}

// --- Time dependence ----------------------------------------------------------------------

TimeDependence Shift(int k) {
  return TimeDependence{.seconds_per_shift = k};
}

TimeDependence Unknown(std::string why) {
  return TimeDependence{.seconds_per_shift = std::nullopt, .why = std::move(why)};
}

TimeDependence WithPeriod(TimeDependence d, int64_t period) {
  d.period_ms = std::max(d.period_ms, period);  // every period used here divides the next
  return d;
}

bool Moves(const TimeDependence& d) {
  return !d.seconds_per_shift || *d.seconds_per_shift != 0;
}

// Functions whose result is one of their input values (or a function of its order), so a
// uniform shift of the inputs shifts the result by the same amount.
bool KeepsShift(std::string_view f) {
  static const std::set<std::string_view> kKeep = {
      "sort",          "sort_desc",          "sort_by_label",  "sort_by_label_desc",
      "label_replace", "label_join",         "last_over_time", "first_over_time",
      "max_over_time", "min_over_time",      "vector",         "scalar",
      "info",          "quantile_over_time", "avg_over_time",  "limitk",
      "limit_ratio"};
  return kKeep.count(f) > 0;
}

// Functions whose result does not depend on their inputs' values at all.
bool IgnoresValues(std::string_view f) {
  static const std::set<std::string_view> kIgnore = {"absent", "absent_over_time", "count_over_time",
                                                     "present_over_time"};
  return kIgnore.count(f) > 0;
}

bool ReturnsTimestamps(std::string_view f) {
  // start() and end() (experimental) are the query's own start and end.
  static const std::set<std::string_view> kTs = {"time",
                                                 "timestamp",
                                                 "start",
                                                 "end",
                                                 "ts_of_max_over_time",
                                                 "ts_of_min_over_time",
                                                 "ts_of_last_over_time",
                                                 "ts_of_first_over_time"};
  return kTs.count(f) > 0;
}

TimeDependence AnalyzeNode(const Expr& e);

// minute(), hour(), day_of_week() ... of a value that moves by `arg`.
TimeDependence DateFunction(std::string_view f, const TimeDependence& arg) {
  if (!Moves(arg) && arg.seconds_per_shift) return arg;
  if (!arg.seconds_per_shift || *arg.seconds_per_shift != 1)
    return Unknown(std::string(f) + "() of " + arg.why);
  if (f == "minute") return WithPeriod(Shift(0), std::max(arg.period_ms, kHourMs));
  if (f == "hour") return WithPeriod(Shift(0), std::max(arg.period_ms, kDayMs));
  if (f == "day_of_week") return WithPeriod(Shift(0), std::max(arg.period_ms, kWeekMs));
  return Unknown(std::string(f) + "() of a time: the calendar date moves with the window");
}

TimeDependence AnalyzeCall(const pq::Call& call) {
  const std::string& f = call.func->name;
  std::vector<TimeDependence> args;
  for (const auto& a : call.args) args.push_back(AnalyzeNode(*a));
  for (const TimeDependence& a : args) {
    if (!a.seconds_per_shift) return a;
  }
  int64_t period = 0;
  for (const TimeDependence& a : args) period = std::max(period, a.period_ms);
  if (ReturnsTimestamps(f)) return WithPeriod(Shift(1), period);
  // A start timestamp moves with the window, but an unknown one reads as 0, which does not:
  // no uniform shift of the answer undoes the move.
  if (f == "start_timestamp")
    return Unknown("start_timestamp(): unknown start timestamps read as 0, known ones move");
  static const std::set<std::string_view> kDate = {
      "minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"};
  if (kDate.count(f)) return DateFunction(f, args.empty() ? Shift(1) : args.front());
  if (IgnoresValues(f)) return WithPeriod(Shift(0), period);
  // The value argument is the first vector/matrix one (vector(s): its scalar); the others
  // (k, φ, bounds, labels) must not move.
  size_t value_at = 0;
  while (value_at < args.size() && call.args[value_at]->Type() != pq::ValueType::kVector &&
         call.args[value_at]->Type() != pq::ValueType::kMatrix) {
    ++value_at;
  }
  if (value_at == args.size()) value_at = 0;
  const TimeDependence* value = args.empty() ? nullptr : &args[value_at];
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != value_at && Moves(args[i])) return Unknown(f + "() with a time-valued parameter");
  }
  if (value == nullptr || !Moves(*value)) return WithPeriod(Shift(0), period);
  if (KeepsShift(f)) return WithPeriod(*value, period);
  return Unknown(f + "() of a time-valued argument");
}

TimeDependence AnalyzeAggregate(const pq::AggregateExpr& a) {
  TimeDependence inner = AnalyzeNode(*a.expr);
  if (!inner.seconds_per_shift) return inner;
  if (a.param && Moves(AnalyzeNode(*a.param)))
    return Unknown("an aggregation parameter that depends on time");
  switch (a.op) {
    case TokenType::kCount:
    case TokenType::kGroup: return WithPeriod(Shift(0), inner.period_ms);
    case TokenType::kMin:
    case TokenType::kMax:
    case TokenType::kAvg:
    case TokenType::kQuantile:
    case TokenType::kTopk:
    case TokenType::kBottomk:
    case TokenType::kLimitk:
    case TokenType::kLimitRatio: return inner;
    default: break;
  }
  if (!Moves(inner)) return inner;
  return Unknown("an aggregation of time values whose result is not one of them");
}

TimeDependence AnalyzeBinary(const pq::BinaryExpr& b) {
  TimeDependence l = AnalyzeNode(*b.lhs);
  TimeDependence r = AnalyzeNode(*b.rhs);
  if (!l.seconds_per_shift) return l;
  if (!r.seconds_per_shift) return r;
  const int64_t period = std::max(l.period_ms, r.period_ms);
  const int kl = *l.seconds_per_shift;
  const int kr = *r.seconds_per_shift;
  if (b.matching && (b.matching->fill_left || b.matching->fill_right) && (kl != 0 || kr != 0)) {
    return Unknown("a fill modifier next to time values");
  }
  switch (b.op) {
    case TokenType::kAdd: return WithPeriod(Shift(kl + kr), period);
    case TokenType::kSub: return WithPeriod(Shift(kl - kr), period);
    case TokenType::kLand:
    case TokenType::kLunless: return WithPeriod(Shift(kl), period);
    case TokenType::kLor:
      if (kl == kr) return WithPeriod(Shift(kl), period);
      return Unknown("`or` of values that move differently");
    default: break;
  }
  if (pq::IsComparisonOperator(b.op)) {
    // The comparison holds after the shift only if both sides move alike; the kept value is
    // then either side's.
    if (kl != kr) return Unknown("a comparison of a time with a value that does not move with it");
    return WithPeriod(Shift(b.return_bool ? 0 : kl), period);
  }
  if (kl == 0 && kr == 0) return WithPeriod(Shift(0), period);
  return Unknown("arithmetic on a time value other than + and -");
}

TimeDependence AnalyzeNode(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kVectorSelector:
    case NodeKind::kMatrixSelector:
    case NodeKind::kDurationExpr: return Shift(0);
    case NodeKind::kParen: return AnalyzeNode(*As<pq::ParenExpr>(e).expr);
    case NodeKind::kStepInvariant: return AnalyzeNode(*As<pq::StepInvariantExpr>(e).expr);
    case NodeKind::kSubquery: return AnalyzeNode(*As<pq::SubqueryExpr>(e).expr);
    case NodeKind::kUnary: {
      TimeDependence d = AnalyzeNode(*As<pq::UnaryExpr>(e).expr);
      if (d.seconds_per_shift && As<pq::UnaryExpr>(e).op == TokenType::kSub) *d.seconds_per_shift *= -1;
      return d;
    }
    case NodeKind::kBinary: return AnalyzeBinary(As<pq::BinaryExpr>(e));
    case NodeKind::kAggregate: return AnalyzeAggregate(As<pq::AggregateExpr>(e));
    case NodeKind::kCall: return AnalyzeCall(As<pq::Call>(e));
  }
  return Unknown("an unknown node");
}

void ShiftAts(Expr& e, int64_t delta, bool* changed) {
  auto shift = [&](pq::TimeModifiers& m) {
    if (m.at == pq::AtKind::kTimestamp) {
      m.timestamp += delta;
      *changed = true;
    }
  };
  if (e.kind == NodeKind::kVectorSelector) shift(As<pq::VectorSelector>(e).mods);
  if (e.kind == NodeKind::kSubquery) shift(As<pq::SubqueryExpr>(e).mods);
  for (const Expr* c : pq::Children(e)) ShiftAts(const_cast<Expr&>(*c), delta, changed);
}

}  // namespace

void Interval::Extend(const Interval& o) {
  if (o.empty()) return;
  if (empty()) {
    *this = o;
    return;
  }
  lo = std::min(lo, o.lo);
  hi = std::max(hi, o.hi);
}

Interval ReadSpan(const Expr& e, const QueryTimes& q, const EngineTimes& engine) {
  Interval out;
  CollectSpan(e, {q.start, q.end}, q, engine, &out);
  return out;
}

std::vector<int64_t> SubquerySteps(const Expr& e, const EngineTimes& engine) {
  std::vector<int64_t> out;
  CollectSteps(e, engine, &out);
  return out;
}

TimeDependence AnalyzeTimeDependence(const Expr& e) {
  return AnalyzeNode(e);
}

std::string ShiftAtModifiers(std::string_view expr, int64_t delta_ms, bool experimental) {
  // As the script runner parses: an experimental run takes unquoted UTF-8 names too.
  auto parsed = pq::ParseExpr(expr, {.experimental = experimental, .unquoted_utf8_names = experimental});
  if (!parsed.ok()) return std::string(expr);
  bool changed = false;
  ShiftAts(**parsed, delta_ms, &changed);
  return changed ? pq::ToString(**parsed) : std::string(expr);
}

}  // namespace promconform::remote_promqltest
