#include "promql/tests/expr_generator.h"

#include <cmath>

namespace promref::promql::testing {
namespace {

template <typename T>
T Pick(const std::vector<T>& v) {
  return *rc::gen::elementOf(v);
}

int Choose(int n) {
  return *rc::gen::inRange(0, n);
}

std::string GenLabelName() {
  return Pick<std::string>({"job", "instance", "le", "code", "a", "b_1", "_x", "method", "mode"});
}

std::string GenValue() {
  return *rc::gen::oneOf(rc::gen::element<std::string>("", "api", "a\"b", "x\\y", "é", "\n", "5..", "a b"),
                         rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~')));
}

model::Matcher GenMatcher(bool non_empty) {
  const auto type = static_cast<model::MatchType>(Choose(4));
  std::string value;
  switch (type) {
    case model::MatchType::kEqual:
    case model::MatchType::kNotEqual: value = GenValue(); break;
    default: value = Pick<std::string>({"a.*", ".+", "(a|b)", "[0-9]+", "x", "", ".*", "(?i)abc"}); break;
  }
  if (non_empty) return *model::Matcher::Make(model::MatchType::kEqual, GenLabelName(), "v" + value);
  return *model::Matcher::Make(type, GenLabelName(), value);
}

int64_t GenDurationMs(bool allow_zero) {
  const int64_t units[] = {1, 1000, 60'000, 3'600'000, 86'400'000, 7 * 86'400'000LL};
  const int64_t v = *rc::gen::inRange<int64_t>(allow_zero ? 0 : 1, 100) * units[Choose(6)];
  return v;
}

TimeModifiers GenMods() {
  TimeModifiers m;
  if (Choose(3) == 0) m.original_offset = GenDurationMs(false) * (Choose(2) == 0 ? 1 : -1);
  switch (Choose(5)) {
    case 0:
      m.at = AtKind::kTimestamp;
      m.timestamp = *rc::gen::inRange<int64_t>(-1'000'000'000'000, 10'000'000'000'000);
      break;
    case 1: m.at = AtKind::kStart; break;
    case 2: m.at = AtKind::kEnd; break;
    default: break;
  }
  return m;
}

ExprPtr GenVectorSelector(bool with_mods) {
  auto vs = std::make_unique<VectorSelector>();
  const bool named = Choose(4) != 0;
  if (named)
    vs->name =
        Pick<std::string>({"up", "http_requests_total", "x", "a:b", "sum", "offset", "by", "node_cpu"});
  const int n = Choose(3);
  for (int i = 0; i < n; ++i) vs->matchers.push_back(GenMatcher(false));
  if (!named) vs->matchers.push_back(GenMatcher(true));
  if (named) vs->matchers.push_back(*model::Matcher::Make(model::MatchType::kEqual, "__name__", vs->name));
  if (with_mods) vs->mods = GenMods();
  return vs;
}

ExprPtr Paren(ExprPtr e) {
  auto p = std::make_unique<ParenExpr>();
  p->expr = std::move(e);
  return p;
}

ExprPtr Number(double v) {
  auto n = std::make_unique<NumberLiteral>();
  n->val = v;
  return n;
}

// Numbers that print with a sign ("-1", "+Inf") read back as a unary operation.
bool IsNegativeNumber(const Expr& e) {
  if (e.kind != NodeKind::kNumberLiteral) return false;
  const double v = As<NumberLiteral>(e).val;
  return std::signbit(v) || std::isinf(v);
}

// Wraps an operand in parentheses when printing it bare would parse differently.
ExprPtr Operand(ExprPtr e, TokenType parent, bool is_lhs) {
  const int pp = Precedence(parent);
  if (e->kind == NodeKind::kBinary) {
    const int cp = Precedence(As<BinaryExpr>(*e).op);
    const bool right_assoc = IsRightAssociative(parent);
    const bool needs = cp < pp || (cp == pp && (is_lhs ? right_assoc : !right_assoc));
    if (needs) return Paren(std::move(e));
  }
  if (parent == TokenType::kPow && is_lhs && (e->kind == NodeKind::kUnary || IsNegativeNumber(*e))) {
    return Paren(std::move(e));
  }
  return e;
}

std::vector<std::string> GenLabelList() {
  std::vector<std::string> out;
  const int n = Choose(3);
  for (int i = 0; i < n; ++i) out.push_back(GenLabelName());
  return out;
}

ExprPtr GenScalar(int depth);
ExprPtr GenVector(int depth);

ExprPtr GenMatrix(int depth) {
  if (depth <= 0 || Choose(3) != 0) {
    auto m = std::make_unique<MatrixSelector>();
    m->vector_selector = GenVectorSelector(false);
    auto& vs = As<VectorSelector>(*m->vector_selector);
    vs.mods = GenMods();
    m->range = GenDurationMs(false);
    return m;
  }
  auto sq = std::make_unique<SubqueryExpr>();
  ExprPtr inner = GenVector(depth - 1);
  if (inner->kind == NodeKind::kBinary || inner->kind == NodeKind::kUnary) inner = Paren(std::move(inner));
  sq->expr = std::move(inner);
  sq->range = GenDurationMs(false);
  if (Choose(2) == 0) sq->step = GenDurationMs(false);
  sq->mods = GenMods();
  return sq;
}

ExprPtr GenString() {
  auto s = std::make_unique<StringLiteral>();
  s->val = GenValue();
  return s;
}

ExprPtr GenCall(ValueType want, int depth) {
  std::vector<const Function*> candidates;
  for (const Function& f : AllFunctions()) {
    if (f.return_type == want && !f.experimental) candidates.push_back(&f);
  }
  const Function* f = Pick(candidates);
  auto call = std::make_unique<Call>();
  call->func = f;
  size_t nargs = f->arg_types.size();
  if (f->variadic > 0) nargs = nargs - 1 + static_cast<size_t>(Choose(f->variadic + 1));
  if (f->variadic < 0) nargs = nargs - 1 + static_cast<size_t>(Choose(3));
  for (size_t i = 0; i < nargs; ++i) {
    const ValueType t = f->arg_types[std::min(i, f->arg_types.size() - 1)];
    switch (t) {
      case ValueType::kScalar: call->args.push_back(GenScalar(depth - 1)); break;
      case ValueType::kVector: call->args.push_back(GenVector(depth - 1)); break;
      case ValueType::kMatrix: call->args.push_back(GenMatrix(depth - 1)); break;
      case ValueType::kString: call->args.push_back(GenString()); break;
      default: break;
    }
  }
  return call;
}

ExprPtr GenScalar(int depth) {
  const int choice = depth <= 0 ? 0 : Choose(6);
  switch (choice) {
    case 1: return GenCall(ValueType::kScalar, depth);
    case 2: {
      auto b = std::make_unique<BinaryExpr>();
      b->op = Pick<TokenType>({TokenType::kAdd, TokenType::kSub, TokenType::kMul, TokenType::kDiv,
                               TokenType::kMod, TokenType::kPow, TokenType::kAtan2, TokenType::kEqlc,
                               TokenType::kGtr});
      b->return_bool = IsComparisonOperator(b->op);
      b->lhs = Operand(GenScalar(depth - 1), b->op, true);
      b->rhs = Operand(GenScalar(depth - 1), b->op, false);
      return b;
    }
    case 3: {
      auto u = std::make_unique<UnaryExpr>();
      u->op = TokenType::kSub;
      ExprPtr operand = GenScalar(depth - 1);
      // -<number> is folded into a negative literal by the parser; -(-x) needs parentheses.
      if (operand->kind == NodeKind::kNumberLiteral || operand->kind == NodeKind::kUnary ||
          (operand->kind == NodeKind::kBinary && As<BinaryExpr>(*operand).op != TokenType::kPow)) {
        operand = Paren(std::move(operand));
      }
      u->expr = std::move(operand);
      return u;
    }
    case 4: return Paren(GenScalar(depth - 1));
    default: {
      const double v =
          *rc::gen::oneOf(rc::gen::element(0.0, 1.0, 0.5, 1e6, 1e-7, 123.456, INFINITY, NAN, -1.0, -INFINITY),
                          rc::gen::map(rc::gen::arbitrary<int>(), [](int x) { return x / 8.0; }));
      return Number(v);
    }
  }
}

ExprPtr GenVector(int depth) {
  const int choice = depth <= 0 ? 0 : Choose(6);
  switch (choice) {
    case 1: return GenCall(ValueType::kVector, depth);
    case 2: {
      auto a = std::make_unique<AggregateExpr>();
      a->op = Pick<TokenType>({TokenType::kSum, TokenType::kAvg, TokenType::kCount, TokenType::kMin,
                               TokenType::kMax, TokenType::kGroup, TokenType::kStddev, TokenType::kStdvar,
                               TokenType::kTopk, TokenType::kBottomk, TokenType::kQuantile,
                               TokenType::kCountValues});
      a->grouping = GenLabelList();
      a->without = Choose(3) == 0;
      if (a->op == TokenType::kCountValues) {
        a->param = GenString();
      } else if (IsAggregatorWithParam(a->op)) {
        a->param = GenScalar(depth - 1);
      }
      a->expr = GenVector(depth - 1);
      return a;
    }
    case 3: {
      auto b = std::make_unique<BinaryExpr>();
      b->op = Pick<TokenType>({TokenType::kAdd, TokenType::kSub, TokenType::kMul, TokenType::kDiv,
                               TokenType::kPow, TokenType::kEqlc, TokenType::kNeq, TokenType::kLss,
                               TokenType::kGte, TokenType::kLand, TokenType::kLor, TokenType::kLunless,
                               TokenType::kAtan2, TokenType::kMod});
      const bool set = IsSetOperator(b->op);
      const bool scalar_side = !set && Choose(3) == 0;
      ExprPtr lhs = GenVector(depth - 1);
      ExprPtr rhs = scalar_side ? GenScalar(depth - 1) : GenVector(depth - 1);
      if (scalar_side && Choose(2) == 0) std::swap(lhs, rhs);
      b->return_bool = IsComparisonOperator(b->op) && Choose(2) == 0;
      if (!scalar_side) {
        VectorMatching vm;
        vm.card = set ? Cardinality::kManyToMany : Cardinality::kOneToOne;
        if (Choose(2) == 0) {
          vm.on = Choose(2) == 0;
          vm.matching_labels = GenLabelList();
          if (!set && Choose(3) == 0) {
            vm.card = Choose(2) == 0 ? Cardinality::kManyToOne : Cardinality::kOneToMany;
            // ignoring() with no labels is not printed, so it must name one to keep the group.
            if (!vm.on && vm.matching_labels.empty()) vm.matching_labels.push_back("instance");
            if (!vm.on) vm.include = GenLabelList();
          }
        }
        b->matching = vm;
      }
      b->lhs = Operand(std::move(lhs), b->op, true);
      b->rhs = Operand(std::move(rhs), b->op, false);
      return b;
    }
    case 4: {
      auto u = std::make_unique<UnaryExpr>();
      u->op = Choose(2) == 0 ? TokenType::kSub : TokenType::kAdd;
      ExprPtr operand = GenVector(depth - 1);
      if (operand->kind == NodeKind::kUnary ||
          (operand->kind == NodeKind::kBinary && As<BinaryExpr>(*operand).op != TokenType::kPow)) {
        operand = Paren(std::move(operand));
      }
      u->expr = std::move(operand);
      return u;
    }
    case 5: return Paren(GenVector(depth - 1));
    default: return GenVectorSelector(true);
  }
}

}  // namespace

ExprPtr GenExpr(ValueType type, int depth) {
  switch (type) {
    case ValueType::kScalar: return GenScalar(depth);
    case ValueType::kMatrix: return GenMatrix(depth);
    case ValueType::kString: return GenString();
    default: return GenVector(depth);
  }
}

}  // namespace promref::promql::testing
