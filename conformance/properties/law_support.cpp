#include "properties/law_support.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "compare/comparer.h"
#include "model/go_strconv.h"
#include "promql/printer.h"

namespace promconform::properties {
namespace {

using promref::promql::AtKind;
using promref::promql::Expr;
using promref::promql::ExprPtr;
using promref::promql::NodeKind;

// Calls `f` on every node, parents first.
template <typename F>
void Walk(const Expr& e, const F& f) {
  using namespace promref::promql;
  f(e);
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      if (a.param) Walk(*a.param, f);
      Walk(*a.expr, f);
      break;
    }
    case NodeKind::kBinary:
      Walk(*As<BinaryExpr>(e).lhs, f);
      Walk(*As<BinaryExpr>(e).rhs, f);
      break;
    case NodeKind::kCall:
      for (const auto& a : As<Call>(e).args) Walk(*a, f);
      break;
    case NodeKind::kMatrixSelector: Walk(*As<MatrixSelector>(e).vector_selector, f); break;
    case NodeKind::kSubquery: Walk(*As<SubqueryExpr>(e).expr, f); break;
    case NodeKind::kParen: Walk(*As<ParenExpr>(e).expr, f); break;
    case NodeKind::kUnary: Walk(*As<UnaryExpr>(e).expr, f); break;
    case NodeKind::kStepInvariant: Walk(*As<StepInvariantExpr>(e).expr, f); break;
    default: break;
  }
}

// Applies `f` to the TimeModifiers of every outermost selector and subquery (not descending
// into subqueries, whose inner selectors are relative to the subquery's steps).
template <typename F>
void EachOuterMods(Expr& e, const F& f) {
  using namespace promref::promql;
  switch (e.kind) {
    case NodeKind::kVectorSelector: f(As<VectorSelector>(e).mods); break;
    case NodeKind::kMatrixSelector: f(As<VectorSelector>(*As<MatrixSelector>(e).vector_selector).mods); break;
    case NodeKind::kSubquery: f(As<SubqueryExpr>(e).mods); break;
    case NodeKind::kAggregate: {
      auto& a = As<AggregateExpr>(e);
      if (a.param) EachOuterMods(*a.param, f);
      EachOuterMods(*a.expr, f);
      break;
    }
    case NodeKind::kBinary:
      EachOuterMods(*As<BinaryExpr>(e).lhs, f);
      EachOuterMods(*As<BinaryExpr>(e).rhs, f);
      break;
    case NodeKind::kCall:
      for (auto& a : As<Call>(e).args) EachOuterMods(*a, f);
      break;
    case NodeKind::kParen: EachOuterMods(*As<ParenExpr>(e).expr, f); break;
    case NodeKind::kUnary: EachOuterMods(*As<UnaryExpr>(e).expr, f); break;
    case NodeKind::kStepInvariant: EachOuterMods(*As<StepInvariantExpr>(e).expr, f); break;
    default: break;
  }
}

template <typename F>
std::string Rewrite(const std::string& text, const F& f) {
  auto parsed = ParseGenerated(text, true);
  if (!parsed.ok()) return text;
  EachOuterMods(**parsed, f);
  return promref::promql::ToString(**parsed);
}

}  // namespace

bool TimeDependent(const Expr& e) {
  using namespace promref::promql;
  // predict_linear extrapolates from the evaluation time itself, whatever its range's @ or offset.
  static const std::set<std::string> kClock = {"time",  "timestamp", "start",         "end",
                                               "range", "step",      "predict_linear"};
  static const std::set<std::string> kDates = {"day_of_month", "day_of_week", "day_of_year", "days_in_month",
                                               "hour",         "minute",      "month",       "year"};
  bool dep = false;
  Walk(e, [&](const Expr& n) {
    if (n.kind == NodeKind::kCall) {
      const auto& c = As<Call>(n);
      if (kClock.count(c.func->name) || (kDates.count(c.func->name) && c.args.empty())) dep = true;
    }
    const TimeModifiers* m = nullptr;
    if (n.kind == NodeKind::kVectorSelector) m = &As<VectorSelector>(n).mods;
    if (n.kind == NodeKind::kSubquery) m = &As<SubqueryExpr>(n).mods;
    if (m && (m->at == AtKind::kStart || m->at == AtKind::kEnd)) dep = true;
  });
  return dep;
}

bool TieSensitive(const Expr& e) {
  using namespace promref::promql;
  bool ties = false;
  Walk(e, [&](const Expr& n) {
    if (n.kind != NodeKind::kAggregate) return;
    const TokenType op = As<AggregateExpr>(n).op;
    if (op == TokenType::kTopk || op == TokenType::kBottomk || op == TokenType::kLimitk ||
        op == TokenType::kLimitRatio) {
      ties = true;
    }
  });
  return ties;
}

bool HasDefaultStepSubquery(const Expr& e) {
  using namespace promref::promql;
  bool found = false;
  Walk(e, [&](const Expr& n) {
    if (n.kind == NodeKind::kSubquery && As<SubqueryExpr>(n).step == 0 && !As<SubqueryExpr>(n).step_expr) {
      found = true;
    }
  });
  return found;
}

bool HasAtStartEnd(const Expr& e) {
  using namespace promref::promql;
  bool at = false;
  Walk(e, [&](const Expr& n) {
    const TimeModifiers* m = nullptr;
    if (n.kind == NodeKind::kVectorSelector) m = &As<VectorSelector>(n).mods;
    if (n.kind == NodeKind::kSubquery) m = &As<SubqueryExpr>(n).mods;
    if (m && (m->at == AtKind::kStart || m->at == AtKind::kEnd)) at = true;
  });
  return at;
}

bool HasAt(const Expr& e) {
  using namespace promref::promql;
  bool at = false;
  Walk(e, [&](const Expr& n) {
    if (n.kind == NodeKind::kVectorSelector && As<VectorSelector>(n).mods.at != AtKind::kNone) at = true;
    if (n.kind == NodeKind::kSubquery && As<SubqueryExpr>(n).mods.at != AtKind::kNone) at = true;
  });
  return at;
}

bool TimeFreeInstant(const Expr& e) {
  return FitsShape(e, Shape::kInstant) && !TimeDependent(e);
}

std::string ShiftOffsets(const std::string& expr, int64_t d_ms) {
  return Rewrite(expr, [&](promref::promql::TimeModifiers& m) { m.original_offset += d_ms; });
}

std::string PinAt(const std::string& expr, int64_t t_ms) {
  return Rewrite(expr, [&](promref::promql::TimeModifiers& m) {
    if (m.at != AtKind::kNone) return;
    m.at = AtKind::kTimestamp;
    m.timestamp = t_ms;
  });
}

std::string DurationText(int64_t ms) {
  std::string sign = ms < 0 ? "-" : "";
  int64_t a = ms < 0 ? -ms : ms;
  if (a % 60000 == 0) return sign + std::to_string(a / 60000) + "m";
  if (a % 1000 == 0) return sign + std::to_string(a / 1000) + "s";
  return sign + std::to_string(a) + "ms";
}

std::string NumberText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return promref::model::FormatFloat(v, 'g');
}

LabelMap WithoutName(LabelMap l) {
  l.erase("__name__");
  return l;
}

std::map<LabelMap, Point> ByLabels(const Answer& a, bool drop_name) {
  std::map<LabelMap, Point> out;
  for (const auto& s : a.series) {
    if (s.points.empty()) continue;
    out[drop_name ? WithoutName(s.labels) : s.labels] = s.points.back();
  }
  return out;
}

LabelMap GroupOf(const LabelMap& l, const std::vector<std::string>& labels, bool without) {
  LabelMap g;
  for (const auto& [k, v] : l) {
    const bool listed = std::find(labels.begin(), labels.end(), k) != labels.end();
    if (without ? (!listed && k != "__name__") : listed) g[k] = v;
  }
  return g;
}

ValueTolerance Loose(const ValueTolerance& t) {
  ValueTolerance l = t;
  l.fraction = std::max(l.fraction, 1e-9);
  l.margin = std::max(l.margin, 1e-9);
  return l;
}

bool Near(double a, double b, const ValueTolerance& t) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= std::max(t.fraction * std::min(std::fabs(a), std::fabs(b)), t.margin);
}

bool SameText(const std::string& a, const std::string& b, const ValueTolerance& t) {
  return ValuesEqual(a, b, t);
}

Outcome Fail(std::string detail, const Answer& lhs, const Answer& rhs) {
  Outcome o;
  o.status = Outcome::kFail;
  o.detail = std::move(detail);
  o.lhs = lhs.Summary();
  o.rhs = rhs.Summary();
  o.curl = {lhs.curl, rhs.curl};
  return o;
}

Outcome Fail1(std::string detail, const Answer& a) {
  Outcome o;
  o.status = Outcome::kFail;
  o.detail = std::move(detail);
  o.lhs = a.Summary();
  o.curl = {a.curl};
  return o;
}

std::optional<Outcome> SkipIfError(const Answer& a) {
  if (a.ok()) return std::nullopt;
  if (!a.transport_error.empty())
    return Outcome{Outcome::kFail, "no answer: " + a.transport_error, "", "", {a.curl}};
  return Outcome::Skip("the expression is an error here: " + a.Summary());
}

std::optional<Outcome> FailIfError(const Answer& derived, const Answer& base) {
  if (derived.ok()) return std::nullopt;
  return Fail("the derived query fails where the expression evaluates", base, derived);
}

Outcome SameInstant(const Answer& lhs, const Answer& rhs, const ValueTolerance& t, bool drop_name_lhs,
                    bool drop_name_rhs) {
  if (auto f = FailIfError(rhs, lhs)) return *f;
  if (lhs.result_type != rhs.result_type) {
    return Fail("result types differ: " + lhs.result_type + " vs " + rhs.result_type, lhs, rhs);
  }
  const auto a = ByLabels(lhs, drop_name_lhs);
  const auto b = ByLabels(rhs, drop_name_rhs);
  for (const auto& [labels, p] : a) {
    auto it = b.find(labels);
    if (it == b.end()) return Fail("series " + LabelText(labels) + " only on the left", lhs, rhs);
    if (!SameText(p.v, it->second.v, t)) {
      return Fail(LabelText(labels) + ": " + p.v + " vs " + it->second.v, lhs, rhs);
    }
  }
  for (const auto& [labels, p] : b) {
    if (!a.count(labels)) return Fail("series " + LabelText(labels) + " only on the right", lhs, rhs);
  }
  return Outcome::Hold();
}

std::vector<std::string> LabelNamesOf(const Answer& a) {
  std::set<std::string> names;
  for (const auto& s : a.series) {
    for (const auto& [k, v] : s.labels) {
      if (k != "__name__") names.insert(k);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace promconform::properties
