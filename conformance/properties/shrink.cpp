#include "properties/shrink.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "promql/printer.h"
#include "properties/generator.h"

namespace promconform::properties {
namespace {

using namespace promref::promql;

// Every owning slot of the tree in preorder, the root's first.
void Slots(ExprPtr& slot, std::vector<ExprPtr*>& out) {
  out.push_back(&slot);
  Expr& e = *slot;
  switch (e.kind) {
    case NodeKind::kAggregate: {
      auto& a = As<AggregateExpr>(e);
      if (a.param) Slots(a.param, out);
      Slots(a.expr, out);
      break;
    }
    case NodeKind::kBinary:
      Slots(As<BinaryExpr>(e).lhs, out);
      Slots(As<BinaryExpr>(e).rhs, out);
      break;
    case NodeKind::kCall:
      for (auto& a : As<Call>(e).args) Slots(a, out);
      break;
    case NodeKind::kMatrixSelector: Slots(As<MatrixSelector>(e).vector_selector, out); break;
    case NodeKind::kSubquery: Slots(As<SubqueryExpr>(e).expr, out); break;
    case NodeKind::kParen: Slots(As<ParenExpr>(e).expr, out); break;
    case NodeKind::kUnary: Slots(As<UnaryExpr>(e).expr, out); break;
    case NodeKind::kStepInvariant: Slots(As<StepInvariantExpr>(e).expr, out); break;
    default: break;
  }
}

std::unique_ptr<NumberLiteral> Number(double v) {
  auto n = std::make_unique<NumberLiteral>();
  n->val = v;
  return n;
}

bool ClearMods(TimeModifiers& m, bool at) {
  if (at && m.at != AtKind::kNone) {
    m.at = AtKind::kNone;
    return true;
  }
  if (!at && (m.original_offset != 0 || m.offset_expr)) {
    m.original_offset = 0;
    m.offset_expr.reset();
    return true;
  }
  return false;
}

// The simplifications of one node, each applied to a fresh copy of the tree: `mutate(slot, k)`
// applies the k-th simplification and says whether it applies. Kept as one switch so that the
// order of candidates is fixed.
bool Mutate(ExprPtr& slot, int k) {
  Expr& e = *slot;
  const ValueType type = e.Type();
  // 0..7: replace the node by its i-th same-typed child, or by a selector it contains.
  if (k < 8) {
    std::vector<ExprPtr*> sub;
    Slots(slot, sub);
    std::vector<ExprPtr*> same;
    for (size_t i = 1; i < sub.size(); ++i) {
      const Expr& c = **sub[i];
      if (c.Type() == type && c.kind != NodeKind::kNumberLiteral && c.kind != NodeKind::kStringLiteral) {
        same.push_back(sub[i]);
      }
    }
    if (static_cast<size_t>(k) >= same.size()) return false;
    ExprPtr child = std::move(*same[static_cast<size_t>(k)]);
    slot = std::move(child);
    return true;
  }
  switch (k) {
    case 8:  // a scalar computation as a literal
      if (type != ValueType::kScalar || e.kind == NodeKind::kNumberLiteral) return false;
      slot = Number(1);
      return true;
    case 9:
      if (type != ValueType::kScalar || e.kind == NodeKind::kNumberLiteral) return false;
      slot = Number(0);
      return true;
    case 10:
    case 11: {  // drop @ (10) or offset (11)
      if (e.kind == NodeKind::kVectorSelector) return ClearMods(As<VectorSelector>(e).mods, k == 10);
      if (e.kind == NodeKind::kSubquery) return ClearMods(As<SubqueryExpr>(e).mods, k == 10);
      return false;
    }
    case 12:  // shorter range / subquery without its step
      if (e.kind == NodeKind::kMatrixSelector) {
        auto& m = As<MatrixSelector>(e);
        if (m.range_expr || m.range <= 60000) return false;
        m.range = 60000;
        return true;
      }
      if (e.kind == NodeKind::kSubquery) {
        auto& s = As<SubqueryExpr>(e);
        if (s.step_expr || s.step == 0) return false;
        s.step = 0;
        return true;
      }
      return false;
    case 13:  // no grouping, or no vector matching
      if (e.kind == NodeKind::kAggregate) {
        auto& a = As<AggregateExpr>(e);
        if (a.grouping.empty() && !a.without) return false;
        a.grouping.clear();
        a.without = false;
        return true;
      }
      if (e.kind == NodeKind::kBinary) {
        auto& b = As<BinaryExpr>(e);
        if (!b.matching || (b.matching->matching_labels.empty() && !b.matching->on &&
                            b.matching->card == Cardinality::kOneToOne && b.matching->include.empty())) {
          return false;
        }
        b.matching->matching_labels.clear();
        b.matching->on = false;
        b.matching->include.clear();
        if (b.matching->card != Cardinality::kManyToMany) b.matching->card = Cardinality::kOneToOne;
        return true;
      }
      return false;
    case 14:  // comparison without bool
      if (e.kind != NodeKind::kBinary || !As<BinaryExpr>(e).return_bool) return false;
      As<BinaryExpr>(e).return_bool = false;
      return true;
    case 15:  // a simpler number
      if (e.kind == NodeKind::kNumberLiteral) {
        auto& n = As<NumberLiteral>(e);
        if (n.duration || n.val == 0 || n.val == 1) return false;
        n.val = (std::isfinite(n.val) && std::fabs(n.val) > 1) ? std::trunc(n.val / 2) : 1;
        return true;
      }
      return false;
    case 16:  // an optional argument dropped
      if (e.kind == NodeKind::kCall) {
        auto& c = As<Call>(e);
        if (c.func == nullptr || c.func->variadic == 0 || c.args.size() <= 1 ||
            c.args.size() < c.func->arg_types.size())
          return false;
        c.args.pop_back();
        return true;
      }
      return false;
    default: break;
  }
  // 17+: drop the (k-17)-th matcher (never the metric name's).
  if (e.kind != NodeKind::kVectorSelector) return false;
  auto& vs = As<VectorSelector>(e);
  size_t seen = 0;
  for (size_t i = 0; i < vs.matchers.size(); ++i) {
    const auto& m = vs.matchers[i];
    if (m.name() == "__name__" && !vs.name.empty()) continue;
    if (seen++ == static_cast<size_t>(k - 17)) {
      vs.matchers.erase(vs.matchers.begin() + static_cast<long>(i));
      return !vs.matchers.empty();
    }
  }
  return false;
}

constexpr int kMutations = 17 + 4;  // up to four matchers per selector

}  // namespace

std::vector<std::string> ShrinkCandidates(const std::string& expr, bool experimental) {
  auto parsed = ParseGenerated(expr, experimental);
  if (!parsed.ok()) return {};
  std::vector<ExprPtr*> slots;
  ExprPtr root = std::move(*parsed);
  Slots(root, slots);
  const size_t n = slots.size();
  std::vector<std::string> out;
  std::set<std::string> seen = {expr};
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < kMutations; ++k) {
      ExprPtr copy = Clone(*root);
      std::vector<ExprPtr*> cs;
      Slots(copy, cs);
      if (!Mutate(*cs[i], k)) continue;
      auto reparsed = ParseGenerated(ToString(*copy), experimental);
      if (!reparsed.ok()) continue;
      std::string text = ToString(**reparsed);
      if (seen.insert(text).second) out.push_back(std::move(text));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  return out;
}

ShrinkResult Shrink(const std::string& expr, const std::function<bool(const std::string&)>& fails,
                    int max_tries, bool experimental) {
  ShrinkResult r;
  r.expr = expr;
  bool progress = true;
  while (progress && r.tries < max_tries) {
    progress = false;
    for (const auto& c : ShrinkCandidates(r.expr, experimental)) {
      if (r.tries >= max_tries) break;
      ++r.tries;
      if (fails(c)) {
        r.expr = c;
        ++r.steps;
        progress = true;
        break;
      }
    }
  }
  return r;
}

}  // namespace promconform::properties
