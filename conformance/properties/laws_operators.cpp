// Laws about binary operators: set operators on a vector and itself, comparisons as filters and
// as bool, identities of arithmetic, vector matching with group_left/group_right, scalars.
#include <cmath>
#include <set>

#include "properties/law_support.h"

namespace promconform::properties {
namespace {

using promref::promql::Expr;

bool Any(const Expr&) {
  return true;
}

std::string P(const Trial& tr) {
  return "(" + tr.expr + ")";
}

// Whether the elements' label sets stay distinct once __name__ is dropped (else arithmetic on
// them is an error by definition, and the law does not apply).
bool UniqueWithoutName(const Answer& a) {
  std::set<LabelMap> seen;
  for (const auto& s : a.series) {
    if (!seen.insert(WithoutName(s.labels)).second) return false;
  }
  return true;
}

size_t NaNs(const Answer& a) {
  size_t n = 0;
  for (const auto& s : a.series)
    for (const auto& p : s.points) n += std::isnan(p.f) ? 1 : 0;
  return n;
}

bool Compare(double a, const std::string& op, double b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == ">") return a > b;
  if (op == "<") return a < b;
  if (op == ">=") return a >= b;
  return a <= b;
}

Outcome SelfSet(LawContext& c, const Trial& tr, const std::string& op) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const Answer y = c.q.Instant(P(tr) + " " + op + " " + P(tr), tr.t);
  if (op != "unless") return SameInstant(x, y, c.tolerance);
  if (auto f = FailIfError(y, x)) return *f;
  return y.series.empty() ? Outcome::Hold() : Fail("x unless x is not empty", x, y);
}

Outcome FilterMatchesBool(LawContext& c, const Trial& tr) {
  const std::string k = NumberText(tr.c);
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  if (!UniqueWithoutName(x)) return Outcome::Skip("elements differ only by name");
  const Answer filtered = c.q.Instant(P(tr) + " " + tr.cmp + " " + k, tr.t);
  const Answer boolean = c.q.Instant(P(tr) + " " + tr.cmp + " bool " + k, tr.t);
  if (auto f = FailIfError(filtered, x)) return *f;
  if (auto f = FailIfError(boolean, x)) return *f;
  const auto xs = ByLabels(x, true);
  const auto fs = ByLabels(filtered, true);
  const auto bs = ByLabels(boolean, true);
  if (bs.size() != xs.size())
    return Fail("x " + tr.cmp + " bool c has not one element per element of x", x, boolean);
  for (const auto& [l, p] : xs) {
    auto b = bs.find(l);
    if (b == bs.end()) return Fail(LabelText(l) + " missing from the bool result", x, boolean);
    const bool want = Compare(p.f, tr.cmp, tr.c);
    if (b->second.f != (want ? 1 : 0))
      return Fail(LabelText(l) + " (" + p.v + "): bool gives " + b->second.v, x, boolean);
    auto f = fs.find(l);
    if (want != (f != fs.end())) return Fail(LabelText(l) + " (" + p.v + ") filtered wrongly", x, filtered);
    if (want && !SameText(f->second.v, p.v, c.tolerance))
      return Fail(LabelText(l) + ": value changed", x, filtered);
  }
  return Outcome::Hold();
}

Outcome ComparisonPartition(LawContext& c, const Trial& tr) {
  const std::string k = NumberText(tr.c);
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const Answer gt = c.q.Instant(P(tr) + " > " + k, tr.t);
  const Answer le = c.q.Instant(P(tr) + " <= " + k, tr.t);
  if (auto f = FailIfError(gt, x)) return *f;
  if (auto f = FailIfError(le, x)) return *f;
  if (gt.series.size() + le.series.size() + NaNs(x) != x.series.size())
    return Fail("|x > c| + |x <= c| + NaNs != |x|", gt, le);
  return Outcome::Hold();
}

// `-(-x)` and `x * 1` give x back (without its name: arithmetic drops it).
Outcome Identity(LawContext& c, const Trial& tr, const std::string& expr) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  if (!UniqueWithoutName(x)) return Outcome::Skip("elements differ only by name");
  return SameInstant(x, c.q.Instant(expr, tr.t), c.tolerance, true, true);
}

// x / on(l) group_left sum by (l) (x), or sum by (l) (x) - on(l) group_right x: one element per
// element of x, with x's labels (no name) and the value computed from the two sides.
Outcome GroupJoin(LawContext& c, const Trial& tr, bool left) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  if (!UniqueWithoutName(x)) return Outcome::Skip("elements differ only by name");
  const std::string sum = "sum by (" + tr.label + ") (" + tr.expr + ")";
  const Answer sums = c.q.Instant(sum, tr.t);
  const Answer joined = c.q.Instant(left ? P(tr) + " / on (" + tr.label + ") group_left " + sum
                                         : sum + " - on (" + tr.label + ") group_right () " + P(tr),
                                    tr.t);
  if (auto f = FailIfError(sums, x)) return *f;
  if (auto f = FailIfError(joined, x)) return *f;
  const auto groups = ByLabels(sums);
  const auto got = ByLabels(joined, true);
  const auto xs = ByLabels(x, true);
  if (got.size() != xs.size()) return Fail("not one element per element of x", x, joined);
  const ValueTolerance tol = Loose(c.tolerance);
  for (const auto& [l, p] : xs) {
    auto g = groups.find(GroupOf(l, {tr.label}, false));
    auto j = got.find(l);
    if (g == groups.end() || j == got.end()) return Fail(LabelText(l) + " not joined", x, joined);
    const double want = left ? p.f / g->second.f : g->second.f - p.f;
    if (!Near(j->second.f, want, tol))
      return Fail(LabelText(l) + ": " + j->second.v + ", expected " + NumberText(want), x, joined);
  }
  return Outcome::Hold();
}

Outcome ScalarVectorRoundTrip(LawContext& c, const Trial& tr) {
  const Answer s = c.q.Instant(tr.expr, tr.t);
  if (auto sk = SkipIfError(s)) return *sk;
  const Answer v = c.q.Instant("vector(" + tr.expr + ")", tr.t);
  const Answer back = c.q.Instant("scalar(vector(" + tr.expr + "))", tr.t);
  if (auto f = FailIfError(v, s)) return *f;
  if (auto f = FailIfError(back, s)) return *f;
  if (v.series.size() != 1 || !v.series[0].labels.empty())
    return Fail("vector(s) is not one label-less element", s, v);
  if (!SameText(v.series[0].points[0].v, s.series[0].points[0].v, c.tolerance))
    return Fail("vector(s) != s", s, v);
  return SameInstant(s, back, c.tolerance);
}

Outcome ScalarBoolComparison(LawContext& c, const Trial& tr) {
  const Answer s = c.q.Instant(tr.expr, tr.t);
  if (auto sk = SkipIfError(s)) return *sk;
  const Answer b = c.q.Instant(P(tr) + " " + tr.cmp + " bool " + NumberText(tr.c), tr.t);
  if (auto f = FailIfError(b, s)) return *f;
  if (b.result_type != "scalar" || b.series.empty()) return Fail("not a scalar", s, b);
  const double want = Compare(s.series[0].points[0].f, tr.cmp, tr.c) ? 1 : 0;
  if (b.series[0].points[0].f != want)
    return Fail("s " + tr.cmp + " bool c should be " + NumberText(want), s, b);
  return Outcome::Hold();
}

Outcome ClampEqualsMinMax(LawContext& c, const Trial& tr) {
  const double lo = tr.c, hi = tr.c + static_cast<double>(std::llabs(tr.d)) / 1000;
  const Answer a =
      c.q.Instant("clamp(" + tr.expr + ", " + NumberText(lo) + ", " + NumberText(hi) + ")", tr.t);
  if (auto s = SkipIfError(a)) return *s;
  const Answer b = c.q.Instant(
      "clamp_max(clamp_min(" + tr.expr + ", " + NumberText(lo) + "), " + NumberText(hi) + ")", tr.t);
  if (auto o = SameInstant(a, b, c.tolerance, true, true); o.status != Outcome::kHold) return o;
  for (const auto& s : a.series) {
    const double v = s.points.empty() ? 0 : s.points[0].f;
    if (!std::isnan(v) && (v < lo || v > hi)) return Fail1(LabelText(s.labels) + " outside [lo, hi]", a);
  }
  return Outcome::Hold();
}

}  // namespace

void AddOperatorLaws(std::vector<Law>& out) {
  const Shape V = Shape::kVector;
  out.push_back({"and-self-identity", "x and x == x", V, Any,
                 [](LawContext& c, const Trial& tr) { return SelfSet(c, tr, "and"); }});
  out.push_back({"or-self-identity", "x or x == x", V, Any,
                 [](LawContext& c, const Trial& tr) { return SelfSet(c, tr, "or"); }});
  out.push_back({"unless-self-empty", "x unless x is empty", V, Any,
                 [](LawContext& c, const Trial& tr) { return SelfSet(c, tr, "unless"); }});
  out.push_back({"filter-matches-bool",
                 "x CMP c keeps exactly the elements where x CMP bool c is 1, values unchanged", V, Any,
                 FilterMatchesBool});
  out.push_back(
      {"comparison-partition", "|x > c| + |x <= c| + (NaNs in x) == |x|", V, Any, ComparisonPartition});
  out.push_back({"double-negation-identity", "-(-x) == x (without __name__)", V, Any,
                 [](LawContext& c, const Trial& tr) { return Identity(c, tr, "-(-" + P(tr) + ")"); }});
  out.push_back({"multiply-one-identity", "x * 1 == x (without __name__)", V, Any,
                 [](LawContext& c, const Trial& tr) { return Identity(c, tr, P(tr) + " * 1"); }});
  out.push_back({"group-left-join",
                 "x / on(l) group_left sum by (l) (x) is each element over its group's sum", V, Any,
                 [](LawContext& c, const Trial& tr) { return GroupJoin(c, tr, true); }});
  out.push_back({"group-right-join",
                 "sum by (l) (x) - on(l) group_right x is each group's sum minus the element", V, Any,
                 [](LawContext& c, const Trial& tr) { return GroupJoin(c, tr, false); }});
  out.push_back({"scalar-vector-roundtrip", "vector(s) is one label-less element s, scalar(vector(s)) == s",
                 Shape::kScalar, Any, ScalarVectorRoundTrip});
  out.push_back({"scalar-bool-comparison", "s CMP bool c is 1 or 0 as the comparison of the values says",
                 Shape::kScalar, Any, ScalarBoolComparison});
  out.push_back({"clamp-equals-min-max",
                 "clamp(x, lo, hi) == clamp_max(clamp_min(x, lo), hi), within [lo, hi]", V, Any,
                 ClampEqualsMinMax});
}

}  // namespace promconform::properties
