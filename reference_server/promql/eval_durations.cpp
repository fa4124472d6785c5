// Duration expressions (ranges, offsets and subquery steps written as arithmetic, step(),
// range(), min_of/max_of): checked when a query is prepared, evaluated when it runs (Prometheus'
// promql/durations.go).

#include <algorithm>
#include <cmath>

#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

// --- Duration expressions ----------------------------------------------------------------------

namespace {

double DurationSeconds(const Expr& e, const QueryContext& ctx) {
  if (e.kind == NodeKind::kNumberLiteral) return As<NumberLiteral>(e).val;
  if (e.kind == NodeKind::kParen) return DurationSeconds(*As<ParenExpr>(e).expr, ctx);
  const auto& d = As<DurationExpr>(e);
  switch (d.op) {
    case TokenType::kStep: return static_cast<double>(ctx.query_step) / 1000;
    case TokenType::kRange: return static_cast<double>(ctx.query_end - ctx.query_start) / 1000;
    case TokenType::kMinOf: return std::min(DurationSeconds(*d.lhs, ctx), DurationSeconds(*d.rhs, ctx));
    case TokenType::kMaxOf: return std::max(DurationSeconds(*d.lhs, ctx), DurationSeconds(*d.rhs, ctx));
    default: break;
  }
  const double r = DurationSeconds(*d.rhs, ctx);
  if (!d.lhs) return d.op == TokenType::kSub ? -r : r;
  const double l = DurationSeconds(*d.lhs, ctx);
  switch (d.op) {
    case TokenType::kAdd: return l + r;
    case TokenType::kSub: return l - r;
    case TokenType::kMul: return l * r;
    case TokenType::kDiv:
      if (r == 0) Fail(ErrorKind::kExecution, "division by zero");
      return l / r;
    case TokenType::kMod:
      if (r == 0) Fail(ErrorKind::kExecution, "modulo by zero");
      return std::fmod(l, r);
    case TokenType::kPow: return std::pow(l, r);
    default: return r;
  }
}

}  // namespace

namespace {

// Prometheus' durationVisitor.evaluateDurationExpr; an error is "<start>:<end>: <what>" with the
// byte offsets of the (sub)expression, as Prometheus words it.
std::optional<double> PrepareSeconds(const Expr& e, const QueryContext& ctx, std::string* error) {
  if (e.kind == NodeKind::kNumberLiteral) return As<NumberLiteral>(e).val;
  if (e.kind == NodeKind::kParen) return PrepareSeconds(*As<ParenExpr>(e).expr, ctx, error);
  const auto& d = As<DurationExpr>(e);
  double l = 0, r = 0;
  if (d.lhs) {
    auto v = PrepareSeconds(*d.lhs, ctx, error);
    if (!v) return std::nullopt;
    l = *v;
  }
  if (d.rhs) {
    auto v = PrepareSeconds(*d.rhs, ctx, error);
    if (!v) return std::nullopt;
    r = *v;
  }
  const std::string where = std::to_string(e.pos.start) + ":" + std::to_string(e.pos.end) + ": ";
  switch (d.op) {
    case TokenType::kStep: return static_cast<double>(ctx.query_step) / 1000;
    case TokenType::kRange: return static_cast<double>(ctx.query_end - ctx.query_start) / 1000;
    case TokenType::kMinOf: return GoMin(l, r);
    case TokenType::kMaxOf: return GoMax(l, r);
    case TokenType::kAdd: return d.lhs ? l + r : r;
    case TokenType::kSub: return d.lhs ? l - r : -r;
    case TokenType::kMul: return l * r;
    case TokenType::kDiv:
    case TokenType::kMod:
      if (r == 0) {
        *error = where + (d.op == TokenType::kDiv ? "division by zero" : "modulo by zero");
        return std::nullopt;
      }
      return d.op == TokenType::kDiv ? l / r : std::fmod(l, r);
    case TokenType::kPow: return std::pow(l, r);
    default: *error = "unexpected duration expression operator"; return std::nullopt;
  }
}

// Prometheus' calculateDuration: the value in ms (truncated, as Go converts), or an error.
std::optional<int64_t> PrepareDuration(const Expr& e, bool allow_negative, const QueryContext& ctx,
                                       std::string* error) {
  const auto secs = PrepareSeconds(e, ctx, error);
  if (!secs) return std::nullopt;
  const std::string where = std::to_string(e.pos.start) + ":" + std::to_string(e.pos.end) + ": ";
  if (!std::isfinite(*secs)) {
    *error = where + "duration is NaN or infinite";
  } else if (*secs <= 0 && !allow_negative) {
    *error = where + "duration must be greater than 0";
  } else if (std::fabs(*secs) > 9223372036.854775807) {
    *error = where + "duration is out of range";
  } else {
    return static_cast<int64_t>(*secs * 1000);
  }
  return std::nullopt;
}

}  // namespace

std::string CheckDurationExprs(const Expr& root, const QueryContext& ctx) {
  std::string error;
  std::vector<const Expr*> stack = {&root};
  while (!stack.empty() && error.empty()) {
    const Expr& e = *stack.back();
    stack.pop_back();
    std::vector<std::pair<const Expr*, bool>> durations;  // expression, negative allowed
    if (e.kind == NodeKind::kVectorSelector) {
      durations.push_back({As<VectorSelector>(e).mods.offset_expr.get(), true});
    } else if (e.kind == NodeKind::kMatrixSelector) {
      durations.push_back({As<MatrixSelector>(e).range_expr.get(), false});
    } else if (e.kind == NodeKind::kSubquery) {
      const auto& sq = As<SubqueryExpr>(e);
      durations = {
          {sq.mods.offset_expr.get(), true}, {sq.step_expr.get(), false}, {sq.range_expr.get(), false}};
    }
    for (const auto& [d, negative_ok] : durations) {
      if (d != nullptr && !PrepareDuration(*d, negative_ok, ctx, &error)) break;
    }
    for (const Expr* c : Children(e)) stack.push_back(c);
  }
  return error;
}

int64_t EvalDurationExpr(const Expr& e, const QueryContext& ctx) {
  const double secs = DurationSeconds(e, ctx);
  if (!std::isfinite(secs) || std::fabs(secs) > 9223372036.854775) {
    Fail(ErrorKind::kExecution, "duration out of range");
  }
  return static_cast<int64_t>(secs * 1000);  // truncated, as Go's time.Duration(secs*1000)
}

}  // namespace promref::promql::internal
