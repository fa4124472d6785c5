// Laws about aggregation operators: partial aggregations, counts, averages, order statistics.
#include <cmath>
#include <set>

#include "properties/law_support.h"

namespace promconform::properties {
namespace {

using promref::promql::Expr;

bool Any(const Expr&) {
  return true;
}

std::string By(const Trial& tr) {
  return " by (" + tr.label + ") ";
}

size_t NaNs(const Answer& a) {
  size_t n = 0;
  for (const auto& s : a.series)
    for (const auto& p : s.points) n += std::isnan(p.f) ? 1 : 0;
  return n;
}

Outcome SumOfPartialSums(LawContext& c, const Trial& tr) {
  const Answer whole = c.q.Instant("sum(" + tr.expr + ")", tr.t);
  if (auto s = SkipIfError(whole)) return *s;
  return SameInstant(whole, c.q.Instant("sum(sum" + By(tr) + "(" + tr.expr + "))", tr.t), Loose(c.tolerance));
}

Outcome CountOfPartialCounts(LawContext& c, const Trial& tr) {
  const Answer whole = c.q.Instant("count(" + tr.expr + ")", tr.t);
  if (auto s = SkipIfError(whole)) return *s;
  return SameInstant(whole, c.q.Instant("sum(count" + By(tr) + "(" + tr.expr + "))", tr.t), c.tolerance);
}

Outcome CountNaNSplit(LawContext& c, const Trial& tr) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const std::string e = "(" + tr.expr + ")";
  const Answer split = c.q.Instant(e + " > -Inf or " + e + " <= -Inf", tr.t);
  if (auto f = FailIfError(split, x)) return *f;
  if (x.series.size() != split.series.size() + NaNs(x)) {
    return Fail("count(x) = " + std::to_string(x.series.size()) + " but count(x > -Inf or x <= -Inf) = " +
                    std::to_string(split.series.size()) + " and x has " + std::to_string(NaNs(x)) + " NaN",
                x, split);
  }
  return Outcome::Hold();
}

// Per group of `by (label)`: asks every aggregation of `ops` ("avg", or "quantile:0" for one with a
// parameter) and checks `f` on their values, in the order of `ops`.
template <typename F>
Outcome PerGroupStats(LawContext& c, const Trial& tr, const std::vector<std::string>& ops, const F& f) {
  std::vector<Answer> answers;
  for (const auto& op : ops) {
    const size_t colon = op.find(':');
    const std::string param = colon == std::string::npos ? "" : op.substr(colon + 1) + ", ";
    answers.push_back(c.q.Instant(op.substr(0, colon) + By(tr) + "(" + param + tr.expr + ")", tr.t));
    if (answers.size() == 1) {
      if (auto s = SkipIfError(answers[0])) return *s;
    } else if (auto fail = FailIfError(answers.back(), answers[0])) {
      return *fail;
    }
  }
  std::vector<std::map<LabelMap, Point>> maps;
  for (const auto& a : answers) maps.push_back(ByLabels(a));
  for (const auto& [g, p] : maps[0]) {
    std::vector<double> v = {p.f};
    for (size_t i = 1; i < maps.size(); ++i) {
      auto it = maps[i].find(g);
      if (it == maps[i].end())
        return Fail("group " + LabelText(g) + " missing from " + ops[i], answers[0], answers[i]);
      v.push_back(it->second.f);
    }
    if (auto why = f(v); !why.empty()) return Fail(LabelText(g) + ": " + why, answers[0], answers.back());
  }
  for (size_t i = 1; i < maps.size(); ++i) {
    if (maps[i].size() != maps[0].size()) return Fail("the groups differ", answers[0], answers[i]);
  }
  return Outcome::Hold();
}

Outcome AvgIsSumOverCount(LawContext& c, const Trial& tr) {
  const ValueTolerance tol = Loose(c.tolerance);
  return PerGroupStats(c, tr, {"avg", "sum", "count"}, [&](const std::vector<double>& v) -> std::string {
    if (std::isinf(v[1]) && std::isfinite(v[0])) return "";  // the sum overflowed, the mean did not
    if (Near(v[0], v[1] / v[2], tol)) return "";
    return "avg " + NumberText(v[0]) + " != sum/count " + NumberText(v[1]) + "/" + NumberText(v[2]);
  });
}

Outcome MinAvgMax(LawContext& c, const Trial& tr) {
  const ValueTolerance tol = Loose(c.tolerance);
  return PerGroupStats(c, tr, {"avg", "min", "max"}, [&](const std::vector<double>& v) -> std::string {
    if (std::isnan(v[0])) return "";
    const bool ok = (v[1] <= v[0] || Near(v[1], v[0], tol)) && (v[0] <= v[2] || Near(v[0], v[2], tol));
    return ok ? "" : "min " + NumberText(v[1]) + ", avg " + NumberText(v[0]) + ", max " + NumberText(v[2]);
  });
}

Outcome StdvarIsStddevSquared(LawContext& c, const Trial& tr) {
  const ValueTolerance tol = Loose(c.tolerance);
  return PerGroupStats(c, tr, {"stdvar", "stddev"}, [&](const std::vector<double>& v) -> std::string {
    if (Near(v[0], v[1] * v[1], tol) && !(v[1] < 0)) return "";
    return "stdvar " + NumberText(v[0]) + ", stddev " + NumberText(v[1]);
  });
}

Outcome GroupIsOne(LawContext& c, const Trial& tr) {
  return PerGroupStats(c, tr, {"count", "group"}, [&](const std::vector<double>& v) -> std::string {
    return v[1] == 1 && v[0] >= 1 ? "" : "count " + NumberText(v[0]) + ", group " + NumberText(v[1]);
  });
}

Outcome QuantileExtremes(LawContext& c, const Trial& tr) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  // NaN: quantile and min/max treat it differently; infinities: Prometheus 2.x interpolates
  // Inf + (Inf - Inf) * 0 = NaN between two of them.
  for (const auto& s : x.series) {
    for (const auto& p : s.points) {
      if (!std::isfinite(p.f)) return Outcome::Skip("NaN or infinite values");
    }
  }
  return PerGroupStats(c, tr, {"min", "quantile:0", "max", "quantile:1"},
                       [&](const std::vector<double>& v) -> std::string {
                         if (Near(v[0], v[1], c.tolerance) && Near(v[2], v[3], c.tolerance)) return "";
                         return "min " + NumberText(v[0]) + " quantile(0) " + NumberText(v[1]) + ", max " +
                                NumberText(v[2]) + " quantile(1) " + NumberText(v[3]);
                       });
}

// The elements of `sel` (topk/bottomk) are elements of x, at most k per group; every element of
// x not selected is on the right side of the selected ones.
Outcome SelectionLaw(LawContext& c, const Trial& tr, bool top, bool check_order) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const std::string op = top ? "topk" : "bottomk";
  const Answer sel = c.q.Instant(op + By(tr) + "(" + std::to_string(tr.k) + ", " + tr.expr + ")", tr.t);
  if (auto f = FailIfError(sel, x)) return *f;
  const auto all = ByLabels(x);
  std::map<LabelMap, std::vector<double>> chosen;
  std::map<LabelMap, size_t> available;
  for (const auto& [l, p] : all) ++available[GroupOf(l, {tr.label}, false)];
  std::set<LabelMap> picked;
  for (const auto& s : sel.series) {
    auto it = all.find(s.labels);
    if (it == all.end()) return Fail(LabelText(s.labels) + " is not an element of x", x, sel);
    if (s.points.empty() || !SameText(s.points[0].v, it->second.v, c.tolerance))
      return Fail(LabelText(s.labels) + ": value changed", x, sel);
    chosen[GroupOf(s.labels, {tr.label}, false)].push_back(it->second.f);
    picked.insert(s.labels);
  }
  for (const auto& [g, n] : available) {
    const size_t want = std::min<size_t>(n, static_cast<size_t>(tr.k));
    if (chosen[g].size() != want)
      return Fail("group " + LabelText(g) + ": " + std::to_string(chosen[g].size()) + " selected, expected " +
                      std::to_string(want),
                  x, sel);
  }
  if (!check_order) return Outcome::Hold();
  for (const auto& [l, p] : all) {
    if (picked.count(l) || std::isnan(p.f)) continue;
    for (double v : chosen[GroupOf(l, {tr.label}, false)]) {
      if (std::isnan(v) || (top ? p.f > v : p.f < v))
        return Fail(LabelText(l) + " (" + p.v + ") should have been selected before " + NumberText(v), x,
                    sel);
    }
  }
  return Outcome::Hold();
}

Outcome MaxEqualsTopOne(LawContext& c, const Trial& tr) {
  const Answer mx = c.q.Instant("max" + By(tr) + "(" + tr.expr + ")", tr.t);
  if (auto s = SkipIfError(mx)) return *s;
  const Answer top = c.q.Instant("topk" + By(tr) + "(1, " + tr.expr + ")", tr.t);
  if (auto f = FailIfError(top, mx)) return *f;
  std::map<LabelMap, double> tops;
  for (const auto& s : top.series)
    if (!s.points.empty()) tops[GroupOf(s.labels, {tr.label}, false)] = s.points[0].f;
  const auto maxes = ByLabels(mx);
  if (maxes.size() != tops.size()) return Fail("the groups differ", mx, top);
  for (const auto& [g, p] : maxes) {
    auto it = tops.find(g);
    if (it == tops.end()) return Fail("group " + LabelText(g) + " missing from topk", mx, top);
    if (!Near(p.f, it->second, c.tolerance))
      return Fail(LabelText(g) + ": max " + p.v + ", topk(1) " + NumberText(it->second), mx, top);
  }
  return Outcome::Hold();
}

Outcome Sorted(LawContext& c, const Trial& tr, bool desc) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const Answer sorted = c.q.Instant(std::string(desc ? "sort_desc(" : "sort(") + tr.expr + ")", tr.t);
  if (auto o = SameInstant(x, sorted, c.tolerance, true, true); o.status != Outcome::kHold) return o;
  double prev = desc ? INFINITY : -INFINITY;
  for (const auto& s : sorted.series) {
    if (s.points.empty() || std::isnan(s.points[0].f)) continue;
    const double v = s.points[0].f;
    if (desc ? v > prev : v < prev)
      return Fail1(LabelText(s.labels) + " (" + s.points[0].v + ") comes after " + NumberText(prev), sorted);
    prev = v;
  }
  return Outcome::Hold();
}

Outcome CountValuesCountsEverything(LawContext& c, const Trial& tr) {
  const Answer n = c.q.Instant("count(" + tr.expr + ")", tr.t);
  if (auto s = SkipIfError(n)) return *s;
  const Answer cv = c.q.Instant("sum(count_values(\"pc_value\", " + tr.expr + "))", tr.t);
  return SameInstant(n, cv, c.tolerance);
}

Outcome ByEqualsWithoutComplement(LawContext& c, const Trial& tr, bool everything) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  std::string others;
  for (const auto& l : LabelNamesOf(x)) {
    if (!everything && l == tr.label) continue;
    others += (others.empty() ? "" : ", ") + l;
  }
  const Answer by =
      c.q.Instant(everything ? "sum(" + tr.expr + ")" : "sum" + By(tr) + "(" + tr.expr + ")", tr.t);
  if (auto f = FailIfError(by, x)) return *f;
  return SameInstant(by, c.q.Instant("sum without (" + others + ") (" + tr.expr + ")", tr.t),
                     Loose(c.tolerance));
}

}  // namespace

void AddAggregationLaws(std::vector<Law>& out) {
  const Shape V = Shape::kVector;
  out.push_back({"sum-of-partial-sums", "sum(x) == sum(sum by (l) (x))", V, Any, SumOfPartialSums});
  out.push_back(
      {"count-of-partial-counts", "count(x) == sum(count by (l) (x))", V, Any, CountOfPartialCounts});
  out.push_back({"count-nan-split", "count(x) == count(x > -Inf or x <= -Inf) + the number of NaN in x", V,
                 Any, CountNaNSplit});
  out.push_back({"avg-is-sum-over-count", "avg by (l) (x) == sum by (l) (x) / count by (l) (x)", V, Any,
                 AvgIsSumOverCount});
  out.push_back(
      {"min-le-avg-le-max", "min by (l) (x) <= avg by (l) (x) <= max by (l) (x)", V, Any, MinAvgMax});
  out.push_back({"stdvar-is-stddev-squared", "stdvar by (l) (x) == stddev by (l) (x) ^ 2, stddev >= 0", V,
                 Any, StdvarIsStddevSquared});
  out.push_back({"group-is-one", "group by (l) (x) is 1 on exactly the groups of count by (l) (x)", V, Any,
                 GroupIsOne});
  out.push_back({"quantile-extremes",
                 "quantile by (l) (0, x) == min by (l) (x), quantile(1, x) == max (no NaN)", V, Any,
                 QuantileExtremes});
  out.push_back({"max-equals-topk-1", "max by (l) (x) equals the value topk by (l) (1, x) keeps", V, Any,
                 MaxEqualsTopOne});
  out.push_back({"topk-subset", "topk by (l) (k, x) is a subset of x with min(k, group size) per group", V,
                 Any, [](LawContext& c, const Trial& tr) { return SelectionLaw(c, tr, true, false); }});
  out.push_back({"bottomk-subset", "bottomk by (l) (k, x) is a subset of x with min(k, group size) per group",
                 V, Any, [](LawContext& c, const Trial& tr) { return SelectionLaw(c, tr, false, false); }});
  out.push_back({"topk-keeps-largest",
                 "no element of x left out by topk by (l) (k, x) is larger than one kept", V, Any,
                 [](LawContext& c, const Trial& tr) { return SelectionLaw(c, tr, true, true); }});
  out.push_back({"bottomk-keeps-smallest",
                 "no element of x left out by bottomk by (l) (k, x) is smaller than one kept", V, Any,
                 [](LawContext& c, const Trial& tr) { return SelectionLaw(c, tr, false, true); }});
  out.push_back({"sort-ascending", "sort(x) holds x's elements, non-NaN values in ascending order", V, Any,
                 [](LawContext& c, const Trial& tr) { return Sorted(c, tr, false); }});
  out.push_back({"sort-desc-descending",
                 "sort_desc(x) holds x's elements, non-NaN values in descending order", V, Any,
                 [](LawContext& c, const Trial& tr) { return Sorted(c, tr, true); }});
  out.push_back(
      {"count-values-total", "sum(count_values(\"v\", x)) == count(x)", V, Any, CountValuesCountsEverything});
  out.push_back({"by-equals-without-complement", "sum by (l) (x) == sum without (every other label of x) (x)",
                 V, Any,
                 [](LawContext& c, const Trial& tr) { return ByEqualsWithoutComplement(c, tr, false); }});
  out.push_back({"without-everything-is-sum", "sum without (every label of x) (x) == sum(x)", V, Any,
                 [](LawContext& c, const Trial& tr) { return ByEqualsWithoutComplement(c, tr, true); }});
}

}  // namespace promconform::properties
