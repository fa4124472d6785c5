#include "promql/ast.h"

#include <algorithm>
#include <bit>
#include <tuple>

namespace promref::promql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone: return "none";
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string_view DocumentedType(ValueType t) {
  switch (t) {
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    default: return ValueTypeName(t);
  }
}

std::string_view CardinalityName(Cardinality c) {
  switch (c) {
    case Cardinality::kOneToOne: return "one-to-one";
    case Cardinality::kManyToOne: return "many-to-one";
    case Cardinality::kOneToMany: return "one-to-many";
    case Cardinality::kManyToMany: return "many-to-many";
  }
  return "";
}

ValueType Expr::Type() const {
  switch (kind) {
    case NodeKind::kAggregate: return ValueType::kVector;
    case NodeKind::kBinary: {
      const auto& b = As<BinaryExpr>(*this);
      if (b.type != ValueType::kNone) return b.type;
      return b.lhs->Type() == ValueType::kScalar && b.rhs->Type() == ValueType::kScalar ? ValueType::kScalar
                                                                                        : ValueType::kVector;
    }
    case NodeKind::kCall: {
      const auto& c = As<Call>(*this);
      return c.func != nullptr ? c.func->return_type : ValueType::kVector;
    }
    case NodeKind::kMatrixSelector:
    case NodeKind::kSubquery: return ValueType::kMatrix;
    case NodeKind::kNumberLiteral:
    case NodeKind::kDurationExpr: return ValueType::kScalar;
    case NodeKind::kParen: return As<ParenExpr>(*this).expr->Type();
    case NodeKind::kStringLiteral: return ValueType::kString;
    case NodeKind::kUnary: return As<UnaryExpr>(*this).expr->Type();
    case NodeKind::kVectorSelector: return ValueType::kVector;
    case NodeKind::kStepInvariant: return As<StepInvariantExpr>(*this).expr->Type();
  }
  return ValueType::kNone;
}

namespace {

ExprPtr CloneOrNull(const ExprPtr& e) {
  return e ? Clone(*e) : nullptr;
}

TimeModifiers CloneMods(const TimeModifiers& m) {
  TimeModifiers out;
  out.original_offset = m.original_offset;
  out.offset_expr = CloneOrNull(m.offset_expr);
  out.at = m.at;
  out.timestamp = m.timestamp;
  return out;
}

bool EqualOrBothNull(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return Equal(*a, *b);
}

bool EqualMods(const TimeModifiers& a, const TimeModifiers& b) {
  return a.original_offset == b.original_offset && a.at == b.at &&
         (a.at != AtKind::kTimestamp || a.timestamp == b.timestamp) &&
         EqualOrBothNull(a.offset_expr, b.offset_expr);
}

// Matchers are a set: their order does not change what a selector selects (the printer sorts
// them).
bool SameMatchers(std::vector<model::Matcher> a, std::vector<model::Matcher> b) {
  auto key = [](const model::Matcher& m) {
    return std::make_tuple(m.name(), static_cast<int>(m.type()), m.value());
  };
  auto less = [&](const model::Matcher& x, const model::Matcher& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

bool SameFloat(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) || (a != a && b != b);
}

bool EqualMatching(const std::optional<VectorMatching>& a, const std::optional<VectorMatching>& b) {
  if (!a || !b) return !a && !b;
  auto same = [](const std::optional<double>& x, const std::optional<double>& y) {
    if (!x || !y) return !x && !y;
    return SameFloat(*x, *y);
  };
  return a->card == b->card && a->matching_labels == b->matching_labels && a->on == b->on &&
         a->include == b->include && same(a->fill_left, b->fill_left) && same(a->fill_right, b->fill_right);
}

}  // namespace

ExprPtr Clone(const Expr& e) {
  ExprPtr out;
  switch (e.kind) {
    case NodeKind::kNumberLiteral: {
      auto n = std::make_unique<NumberLiteral>();
      n->val = As<NumberLiteral>(e).val;
      n->duration = As<NumberLiteral>(e).duration;
      out = std::move(n);
      break;
    }
    case NodeKind::kStringLiteral: {
      auto n = std::make_unique<StringLiteral>();
      n->val = As<StringLiteral>(e).val;
      out = std::move(n);
      break;
    }
    case NodeKind::kDurationExpr: {
      const auto& s = As<DurationExpr>(e);
      auto n = std::make_unique<DurationExpr>();
      n->op = s.op;
      n->lhs = CloneOrNull(s.lhs);
      n->rhs = CloneOrNull(s.rhs);
      n->wrapped = s.wrapped;
      n->start_pos = s.start_pos;
      out = std::move(n);
      break;
    }
    case NodeKind::kVectorSelector: {
      const auto& s = As<VectorSelector>(e);
      auto n = std::make_unique<VectorSelector>();
      n->name = s.name;
      n->matchers = s.matchers;
      n->mods = CloneMods(s.mods);
      n->anchored = s.anchored;
      n->smoothed = s.smoothed;
      n->bypass_empty_matcher_check = s.bypass_empty_matcher_check;
      n->histogram_stats_only = s.histogram_stats_only;
      n->unquoted_utf8_names = s.unquoted_utf8_names;
      out = std::move(n);
      break;
    }
    case NodeKind::kMatrixSelector: {
      const auto& s = As<MatrixSelector>(e);
      auto n = std::make_unique<MatrixSelector>();
      n->vector_selector = Clone(*s.vector_selector);
      n->range = s.range;
      n->range_expr = CloneOrNull(s.range_expr);
      n->end_pos = s.end_pos;
      out = std::move(n);
      break;
    }
    case NodeKind::kSubquery: {
      const auto& s = As<SubqueryExpr>(e);
      auto n = std::make_unique<SubqueryExpr>();
      n->expr = Clone(*s.expr);
      n->range = s.range;
      n->step = s.step;
      n->range_expr = CloneOrNull(s.range_expr);
      n->step_expr = CloneOrNull(s.step_expr);
      n->mods = CloneMods(s.mods);
      n->end_pos = s.end_pos;
      out = std::move(n);
      break;
    }
    case NodeKind::kAggregate: {
      const auto& s = As<AggregateExpr>(e);
      auto n = std::make_unique<AggregateExpr>();
      n->op = s.op;
      n->expr = CloneOrNull(s.expr);
      n->param = CloneOrNull(s.param);
      n->grouping = s.grouping;
      n->without = s.without;
      n->unquoted_utf8_names = s.unquoted_utf8_names;
      out = std::move(n);
      break;
    }
    case NodeKind::kBinary: {
      const auto& s = As<BinaryExpr>(e);
      auto n = std::make_unique<BinaryExpr>();
      n->op = s.op;
      n->lhs = Clone(*s.lhs);
      n->rhs = Clone(*s.rhs);
      n->matching = s.matching;
      n->return_bool = s.return_bool;
      n->type = s.type;
      n->unquoted_utf8_names = s.unquoted_utf8_names;
      out = std::move(n);
      break;
    }
    case NodeKind::kCall: {
      const auto& s = As<Call>(e);
      auto n = std::make_unique<Call>();
      n->func = s.func;
      for (const auto& a : s.args) n->args.push_back(Clone(*a));
      out = std::move(n);
      break;
    }
    case NodeKind::kParen: {
      auto n = std::make_unique<ParenExpr>();
      n->expr = Clone(*As<ParenExpr>(e).expr);
      out = std::move(n);
      break;
    }
    case NodeKind::kUnary: {
      auto n = std::make_unique<UnaryExpr>();
      n->op = As<UnaryExpr>(e).op;
      n->expr = Clone(*As<UnaryExpr>(e).expr);
      out = std::move(n);
      break;
    }
    case NodeKind::kStepInvariant: {
      auto n = std::make_unique<StepInvariantExpr>();
      n->expr = Clone(*As<StepInvariantExpr>(e).expr);
      out = std::move(n);
      break;
    }
  }
  out->pos = e.pos;
  return out;
}

bool Equal(const Expr& a, const Expr& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case NodeKind::kNumberLiteral:
      return SameFloat(As<NumberLiteral>(a).val, As<NumberLiteral>(b).val) &&
             As<NumberLiteral>(a).duration == As<NumberLiteral>(b).duration;
    case NodeKind::kStringLiteral: return As<StringLiteral>(a).val == As<StringLiteral>(b).val;
    case NodeKind::kDurationExpr: {
      const auto& x = As<DurationExpr>(a);
      const auto& y = As<DurationExpr>(b);
      return x.op == y.op && x.wrapped == y.wrapped && EqualOrBothNull(x.lhs, y.lhs) &&
             EqualOrBothNull(x.rhs, y.rhs);
    }
    case NodeKind::kVectorSelector: {
      const auto& x = As<VectorSelector>(a);
      const auto& y = As<VectorSelector>(b);
      return x.name == y.name && SameMatchers(x.matchers, y.matchers) && EqualMods(x.mods, y.mods) &&
             x.anchored == y.anchored && x.smoothed == y.smoothed;
    }
    case NodeKind::kMatrixSelector: {
      const auto& x = As<MatrixSelector>(a);
      const auto& y = As<MatrixSelector>(b);
      return x.range == y.range && Equal(*x.vector_selector, *y.vector_selector) &&
             EqualOrBothNull(x.range_expr, y.range_expr);
    }
    case NodeKind::kSubquery: {
      const auto& x = As<SubqueryExpr>(a);
      const auto& y = As<SubqueryExpr>(b);
      return x.range == y.range && x.step == y.step && Equal(*x.expr, *y.expr) && EqualMods(x.mods, y.mods) &&
             EqualOrBothNull(x.range_expr, y.range_expr) && EqualOrBothNull(x.step_expr, y.step_expr);
    }
    case NodeKind::kAggregate: {
      const auto& x = As<AggregateExpr>(a);
      const auto& y = As<AggregateExpr>(b);
      return x.op == y.op && x.grouping == y.grouping && x.without == y.without &&
             EqualOrBothNull(x.expr, y.expr) && EqualOrBothNull(x.param, y.param);
    }
    case NodeKind::kBinary: {
      const auto& x = As<BinaryExpr>(a);
      const auto& y = As<BinaryExpr>(b);
      return x.op == y.op && x.return_bool == y.return_bool && EqualMatching(x.matching, y.matching) &&
             Equal(*x.lhs, *y.lhs) && Equal(*x.rhs, *y.rhs);
    }
    case NodeKind::kCall: {
      const auto& x = As<Call>(a);
      const auto& y = As<Call>(b);
      if (x.func != y.func || x.args.size() != y.args.size()) return false;
      for (size_t i = 0; i < x.args.size(); ++i) {
        if (!Equal(*x.args[i], *y.args[i])) return false;
      }
      return true;
    }
    case NodeKind::kParen: return Equal(*As<ParenExpr>(a).expr, *As<ParenExpr>(b).expr);
    case NodeKind::kUnary:
      return As<UnaryExpr>(a).op == As<UnaryExpr>(b).op &&
             Equal(*As<UnaryExpr>(a).expr, *As<UnaryExpr>(b).expr);
    case NodeKind::kStepInvariant:
      return Equal(*As<StepInvariantExpr>(a).expr, *As<StepInvariantExpr>(b).expr);
  }
  return false;
}

std::vector<const Expr*> Children(const Expr& e) {
  std::vector<const Expr*> out;
  auto add = [&](const ExprPtr& c) {
    if (c) out.push_back(c.get());
  };
  switch (e.kind) {
    case NodeKind::kAggregate:
      add(As<AggregateExpr>(e).param);
      add(As<AggregateExpr>(e).expr);
      break;
    case NodeKind::kBinary:
      add(As<BinaryExpr>(e).lhs);
      add(As<BinaryExpr>(e).rhs);
      break;
    case NodeKind::kCall:
      for (const ExprPtr& a : As<Call>(e).args) add(a);
      break;
    case NodeKind::kMatrixSelector: add(As<MatrixSelector>(e).vector_selector); break;
    case NodeKind::kSubquery: add(As<SubqueryExpr>(e).expr); break;
    case NodeKind::kParen: add(As<ParenExpr>(e).expr); break;
    case NodeKind::kUnary: add(As<UnaryExpr>(e).expr); break;
    case NodeKind::kStepInvariant: add(As<StepInvariantExpr>(e).expr); break;
    case NodeKind::kDurationExpr:
      add(As<DurationExpr>(e).lhs);
      add(As<DurationExpr>(e).rhs);
      break;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kVectorSelector: break;
  }
  return out;
}

}  // namespace promref::promql
