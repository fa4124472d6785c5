// Laws about range vectors: the *_over_time family, counters' rates, absent_over_time, and
// subqueries against the range query they stand for.
#include <cmath>

#include "promql/printer.h"
#include "properties/law_support.h"

namespace promconform::properties {
namespace {

using promref::promql::Expr;

bool Any(const Expr&) {
  return true;
}

// Asks `fn(m)` for each function and compares the values per series (names dropped) with `f`.
template <typename F>
Outcome PerSeries(LawContext& c, const Trial& tr, const std::vector<std::string>& fns, const F& f) {
  std::vector<Answer> as;
  for (const auto& fn : fns) {
    as.push_back(c.q.Instant(fn + "(" + tr.expr + ")", tr.t));
    if (as.size() == 1) {
      if (auto s = SkipIfError(as[0])) return *s;
    } else if (auto fail = FailIfError(as.back(), as[0])) {
      return *fail;
    }
  }
  std::vector<std::map<LabelMap, Point>> ms;
  for (const auto& a : as) ms.push_back(ByLabels(a, true));
  for (size_t i = 1; i < ms.size(); ++i) {
    if (ms[i].size() != ms[0].size())
      return Fail(fns[0] + " and " + fns[i] + " have different series", as[0], as[i]);
  }
  for (const auto& [l, p] : ms[0]) {
    std::vector<double> v = {p.f};
    for (size_t i = 1; i < ms.size(); ++i) {
      auto it = ms[i].find(l);
      if (it == ms[i].end()) return Fail(LabelText(l) + " missing from " + fns[i], as[0], as[i]);
      v.push_back(it->second.f);
    }
    if (auto why = f(v); !why.empty()) return Fail(LabelText(l) + ": " + why, as[0], as.back());
  }
  return Outcome::Hold();
}

bool Le(double a, double b, const ValueTolerance& t) {
  return a <= b || Near(a, b, t);
}

Outcome MaxGeMin(LawContext& c, const Trial& tr) {
  return PerSeries(c, tr, {"max_over_time", "min_over_time"},
                   [&](const std::vector<double>& v) -> std::string {
                     if (std::isnan(v[0]) || std::isnan(v[1]) || v[0] >= v[1]) return "";
                     return "max " + NumberText(v[0]) + " < min " + NumberText(v[1]);
                   });
}

Outcome AvgBetween(LawContext& c, const Trial& tr) {
  const ValueTolerance t = Loose(c.tolerance);
  return PerSeries(c, tr, {"avg_over_time", "min_over_time", "max_over_time"},
                   [&](const std::vector<double>& v) -> std::string {
                     if (std::isnan(v[0]) || (Le(v[1], v[0], t) && Le(v[0], v[2], t))) return "";
                     return "min " + NumberText(v[1]) + ", avg " + NumberText(v[0]) + ", max " +
                            NumberText(v[2]);
                   });
}

Outcome SumIsAvgTimesCount(LawContext& c, const Trial& tr) {
  const ValueTolerance t = Loose(c.tolerance);
  return PerSeries(c, tr, {"sum_over_time", "avg_over_time", "count_over_time"},
                   [&](const std::vector<double>& v) -> std::string {
                     if (std::isinf(v[0]) && std::isfinite(v[1])) return "";  // the sum overflowed
                     if (Near(v[0], v[1] * v[2], t)) return "";
                     return "sum " + NumberText(v[0]) + ", avg " + NumberText(v[1]) + ", count " +
                            NumberText(v[2]);
                   });
}

Outcome PresentMatchesCount(LawContext& c, const Trial& tr) {
  return PerSeries(
      c, tr, {"present_over_time", "count_over_time"}, [&](const std::vector<double>& v) -> std::string {
        return v[0] == 1 && v[1] >= 1 ? "" : "present " + NumberText(v[0]) + ", count " + NumberText(v[1]);
      });
}

Outcome ResetsLeChanges(LawContext& c, const Trial& tr) {
  return PerSeries(
      c, tr, {"resets", "changes", "count_over_time"}, [&](const std::vector<double>& v) -> std::string {
        if (v[0] <= v[1] && v[1] <= v[2] - 1 && v[0] >= 0) return "";
        return "resets " + NumberText(v[0]) + ", changes " + NumberText(v[1]) + ", count " + NumberText(v[2]);
      });
}

Outcome CounterRatesNonNegative(LawContext& c, const Trial& tr) {
  return PerSeries(c, tr, {"rate", "irate", "increase"}, [&](const std::vector<double>& v) -> std::string {
    if (v[0] >= 0 && v[1] >= 0 && v[2] >= 0) return "";
    return "rate " + NumberText(v[0]) + ", irate " + NumberText(v[1]) + ", increase " + NumberText(v[2]);
  });
}

Outcome IncreaseIsRateTimesRange(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  const double secs =
      static_cast<double>(promref::promql::As<promref::promql::MatrixSelector>(**parsed).range) / 1000;
  const ValueTolerance t = Loose(c.tolerance);
  return PerSeries(c, tr, {"increase", "rate"}, [&](const std::vector<double>& v) -> std::string {
    if (Near(v[0], v[1] * secs, t)) return "";
    return "increase " + NumberText(v[0]) + ", rate*range " + NumberText(v[1] * secs);
  });
}

Outcome AbsentComplement(LawContext& c, const Trial& tr, bool over_time) {
  const Answer x = c.q.Instant(over_time ? "count_over_time(" + tr.expr + ")" : tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const Answer a = c.q.Instant((over_time ? "absent_over_time(" : "absent(") + tr.expr + ")", tr.t);
  if (auto f = FailIfError(a, x)) return *f;
  if (x.series.empty() == a.series.empty())
    return Fail("absent and the expression are both (non-)empty", x, a);
  if (!a.series.empty() && (a.series.size() != 1 || a.series[0].points[0].f != 1))
    return Fail("absent is not one element of value 1", x, a);
  return Outcome::Hold();
}

// The subquery `fn((x)[r:s])` at t against the range query of x over the subquery's steps.
Outcome SubqueryAgainstRange(LawContext& c, const Trial& tr, bool max) {
  const int64_t s = tr.step, r = tr.range;
  const int64_t first = ((tr.t - r) / s + 1) * s, last = tr.t / s * s;
  const std::string fn = max ? "max_over_time" : "count_over_time";
  const Answer sub =
      c.q.Instant(fn + "((" + tr.expr + ")[" + DurationText(r) + ":" + DurationText(s) + "])", tr.t);
  if (auto sk = SkipIfError(sub)) return *sk;
  const Answer range = c.q.Range(tr.expr, first, last, s);
  if (auto f = FailIfError(range, sub)) return *f;
  std::map<LabelMap, double> want;
  for (const auto& series : range.series) {
    double v = max ? NAN : 0;
    for (const auto& p : series.points) {
      if (max) {
        if (std::isnan(v) || p.f > v) v = p.f;
      } else {
        v += 1;
      }
    }
    if (!series.points.empty()) want[WithoutName(series.labels)] = v;
  }
  const auto got = ByLabels(sub, true);
  if (got.size() != want.size())
    return Fail("the subquery and the range query have different series", sub, range);
  for (const auto& [l, p] : got) {
    auto it = want.find(l);
    if (it == want.end()) return Fail(LabelText(l) + " missing from the range query", sub, range);
    if (!Near(p.f, it->second, c.tolerance))
      return Fail(LabelText(l) + ": subquery " + p.v + ", range query " + NumberText(it->second), sub, range);
  }
  return Outcome::Hold();
}

// A plain selector's sample at t is the last one of the 5 minutes before it.
Outcome InstantWithinLastOverTime(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  auto& vs = promref::promql::As<promref::promql::VectorSelector>(**parsed);
  const int64_t off = vs.mods.original_offset;
  vs.mods.original_offset = 0;
  const std::string m = promref::promql::ToString(vs) + "[5m]" + (off ? " offset " + DurationText(off) : "");
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const Answer last = c.q.Instant("last_over_time(" + m + ")", tr.t);
  if (auto f = FailIfError(last, x)) return *f;
  const auto ls = ByLabels(last, true);
  for (const auto& [l, p] : ByLabels(x, true)) {
    auto it = ls.find(l);
    if (it == ls.end()) return Fail(LabelText(l) + " missing from last_over_time", x, last);
    if (!SameText(p.v, it->second.v, c.tolerance)) return Fail(LabelText(l) + ": values differ", x, last);
  }
  return Outcome::Hold();
}

}  // namespace

void AddRangeLaws(std::vector<Law>& out) {
  const Shape M = Shape::kMatrix;
  out.push_back({"max-over-time-ge-min", "max_over_time(m) >= min_over_time(m)", M, Any, MaxGeMin});
  out.push_back({"avg-over-time-between", "min_over_time(m) <= avg_over_time(m) <= max_over_time(m)", M, Any,
                 AvgBetween});
  out.push_back({"sum-over-time-is-avg-times-count",
                 "sum_over_time(m) == avg_over_time(m) * count_over_time(m)", M, Any, SumIsAvgTimesCount});
  out.push_back({"present-over-time-matches-count",
                 "present_over_time(m) is 1 exactly where count_over_time(m) is", M, Any,
                 PresentMatchesCount});
  out.push_back({"resets-le-changes", "0 <= resets(m) <= changes(m) <= count_over_time(m) - 1", M, Any,
                 ResetsLeChanges});
  out.push_back({"counter-rates-nonnegative",
                 "rate(c[r]), irate(c[r]) and increase(c[r]) are >= 0 for counters", Shape::kCounterMatrix,
                 Any, CounterRatesNonNegative});
  out.push_back({"increase-is-rate-times-range", "increase(c[r]) == rate(c[r]) * r (in seconds)",
                 Shape::kCounterMatrix, Any, IncreaseIsRateTimesRange});
  out.push_back({"absent-complement", "absent(x) is {..} 1 exactly when x is empty", Shape::kVector, Any,
                 [](LawContext& c, const Trial& tr) { return AbsentComplement(c, tr, false); }});
  out.push_back({"absent-over-time-complement",
                 "absent_over_time(m) is 1 exactly when count_over_time(m) is empty", M, Any,
                 [](LawContext& c, const Trial& tr) { return AbsentComplement(c, tr, true); }});
  auto no_start_end = [](const Expr& e) { return !HasAtStartEnd(e); };
  out.push_back({"subquery-max-equals-range-max",
                 "max_over_time((x)[r:s]) at t == the max of x's range query over the subquery's steps",
                 Shape::kVector, no_start_end,
                 [](LawContext& c, const Trial& tr) { return SubqueryAgainstRange(c, tr, true); }});
  out.push_back({"subquery-count-equals-range-points",
                 "count_over_time((x)[r:s]) at t == the number of points of x's range query over those steps",
                 Shape::kVector, no_start_end,
                 [](LawContext& c, const Trial& tr) { return SubqueryAgainstRange(c, tr, false); }});
  out.push_back({"instant-within-last-over-time",
                 "x at t equals last_over_time(x[5m]) at t for a plain selector", Shape::kSelector,
                 [](const Expr& e) { return !HasAt(e); }, InstantWithinLastOverTime});
}

}  // namespace promconform::properties
