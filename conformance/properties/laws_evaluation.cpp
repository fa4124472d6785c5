// Laws about when and how an expression is evaluated: instant versus range queries, offset, @,
// GET versus POST.
#include <cmath>

#include "promql/printer.h"
#include "properties/law_support.h"

namespace promconform::properties {
namespace {

using promref::promql::Expr;

bool Any(const Expr&) {
  return true;
}
bool NoClockNoAt(const Expr& e) {
  return !TimeDependent(e) && !HasAt(e);
}

// The points of a range answer at time `t`, by label set.
std::map<LabelMap, Point> AtStep(const Answer& range, int64_t t) {
  std::map<LabelMap, Point> out;
  for (const auto& s : range.series) {
    for (const auto& p : s.points) {
      if (p.t == t) out[s.labels] = p;
    }
  }
  return out;
}

Outcome InstantEqualsRangeStep(LawContext& c, const Trial& tr) {
  const int64_t steps = 6, start = tr.t, end = tr.t + steps * tr.step;
  const Answer range = c.q.Range(tr.expr, start, end, tr.step);
  if (auto s = SkipIfError(range)) return *s;
  const int64_t at = start + (tr.k % (steps + 1)) * tr.step;
  const Answer inst = c.q.Instant(tr.expr, at);
  if (auto f = FailIfError(inst, range)) return *f;
  const auto want = AtStep(range, at);
  const auto got = ByLabels(inst);
  for (const auto& [labels, p] : got) {
    auto it = want.find(labels);
    if (it == want.end())
      return Fail("series " + LabelText(labels) + " missing from the range step", inst, range);
    if (!SameText(p.v, it->second.v, c.tolerance))
      return Fail(LabelText(labels) + ": instant " + p.v + ", range step " + it->second.v, inst, range);
  }
  for (const auto& [labels, p] : want) {
    if (!got.count(labels))
      return Fail("series " + LabelText(labels) + " missing from the instant", inst, range);
  }
  return Outcome::Hold();
}

// Both answers the same: envelope, then every series and point (order aside), values within the
// tolerance (Prometheus sums in map order: two runs of one query may differ in the last bit).
Outcome SameAnswer(const Answer& a, const Answer& b, const ValueTolerance& tol) {
  if (!a.transport_error.empty() || !b.transport_error.empty()) return Fail("no answer", a, b);
  if (a.http != b.http || a.status != b.status || a.error_type != b.error_type)
    return Fail("the envelopes differ", a, b);
  if (a.result_type != b.result_type) return Fail("result types differ", a, b);
  std::map<LabelMap, std::vector<std::pair<int64_t, std::string>>> x, y;
  for (const auto& s : a.series)
    for (const auto& p : s.points) x[s.labels].emplace_back(p.t, p.v);
  for (const auto& s : b.series)
    for (const auto& p : s.points) y[s.labels].emplace_back(p.t, p.v);
  if (x.size() != y.size()) return Fail("the series differ", a, b);
  for (const auto& [labels, points] : x) {
    auto it = y.find(labels);
    if (it == y.end() || it->second.size() != points.size())
      return Fail(LabelText(labels) + " differs", a, b);
    for (size_t i = 0; i < points.size(); ++i) {
      if (points[i].first != it->second[i].first || !SameText(points[i].second, it->second[i].second, tol))
        return Fail(LabelText(labels) + ": " + points[i].second + " vs " + it->second[i].second, a, b);
    }
  }
  return Outcome::Hold();
}

Outcome PostEqualsGet(LawContext& c, const Trial& tr) {
  return SameAnswer(c.q.Instant(tr.expr, tr.t, false), c.q.Instant(tr.expr, tr.t, true), c.tolerance);
}

Outcome RangePostEqualsGet(LawContext& c, const Trial& tr) {
  const int64_t end = tr.t + 5 * tr.step;
  return SameAnswer(c.q.Range(tr.expr, tr.t, end, tr.step, false),
                    c.q.Range(tr.expr, tr.t, end, tr.step, true), c.tolerance);
}

Outcome AtPins(LawContext& c, const Trial& tr) {
  const std::string pinned = PinAt(tr.expr, tr.t);
  const Answer a = c.q.Instant(pinned, tr.t2);
  if (auto s = SkipIfError(a)) return *s;
  return SameInstant(a, c.q.Instant(pinned, tr.t2 + tr.d), c.tolerance);
}

Outcome AtEqualsEvaluationTime(LawContext& c, const Trial& tr) {
  const Answer plain = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(plain)) return *s;
  return SameInstant(plain, c.q.Instant(PinAt(tr.expr, tr.t), tr.t2), c.tolerance);
}

Outcome OffsetShifts(LawContext& c, const Trial& tr, int64_t d) {
  const Answer earlier = c.q.Instant(tr.expr, tr.t - d);
  if (auto s = SkipIfError(earlier)) return *s;
  return SameInstant(earlier, c.q.Instant(ShiftOffsets(tr.expr, d), tr.t), c.tolerance);
}

// timestamp() of a plain selector lies within the lookback window before the (offset) time.
Outcome TimestampWithinLookback(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  const int64_t off = promref::promql::As<promref::promql::VectorSelector>(**parsed).mods.original_offset;
  const Answer a = c.q.Instant("timestamp(" + tr.expr + ")", tr.t);
  if (auto s = SkipIfError(a)) return *s;
  const double hi = static_cast<double>(tr.t - off) / 1000, lo = hi - 300;
  for (const auto& s : a.series) {
    for (const auto& p : s.points) {
      if (!(p.f > lo && p.f <= hi)) {
        return Fail1(LabelText(s.labels) + ": timestamp " + p.v + " outside (" + NumberText(lo) + ", " +
                         NumberText(hi) + "]",
                     a);
      }
    }
  }
  return Outcome::Hold();
}

}  // namespace

void AddEvaluationLaws(std::vector<Law>& out) {
  auto time_free = [](const Expr& e) { return FitsShape(e, Shape::kInstant) && NoClockNoAt(e); };
  out.push_back({"instant-equals-range-step", "an instant query at t equals the step at t of a range query",
                 Shape::kInstant, [](const Expr& e) { return !HasAtStartEnd(e); }, InstantEqualsRangeStep});
  out.push_back({"post-equals-get", "an instant query sent as a POST form answers as its GET", Shape::kAny,
                 Any, PostEqualsGet});
  out.push_back({"range-post-equals-get", "a range query sent by GET answers as its POST form",
                 Shape::kInstant, Any, RangePostEqualsGet});
  out.push_back({"at-pins-result", "x with every selector pinned `@ T` gives the same at any evaluation time",
                 Shape::kInstant, [](const Expr& e) { return !TimeDependent(e); }, AtPins});
  out.push_back({"at-equals-evaluation-at-t", "x pinned `@ T` and evaluated at t' equals x evaluated at T",
                 Shape::kInstant, [](const Expr& e) { return !TimeDependent(e); }, AtEqualsEvaluationTime});
  out.push_back({"offset-shifts-evaluation", "x with every selector offset by d more, at t, equals x at t-d",
                 Shape::kInstant, time_free,
                 [](LawContext& c, const Trial& tr) { return OffsetShifts(c, tr, std::llabs(tr.d)); }});
  out.push_back({"negative-offset-shifts-evaluation",
                 "x with every selector offset by -d more, at t, equals x at t+d", Shape::kInstant, time_free,
                 [](LawContext& c, const Trial& tr) { return OffsetShifts(c, tr, -std::llabs(tr.d)); }});
  out.push_back({"timestamp-within-lookback",
                 "timestamp(x offset o) at t lies in (t-o-5m, t-o] (the lookback window)", Shape::kSelector,
                 [](const Expr& e) { return !HasAt(e); }, TimestampWithinLookback});
}

}  // namespace promconform::properties
