// Subqueries: the inner evaluation at its own step, aligned to the epoch (Prometheus' engine:
// SubqueryExpr).

#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

std::vector<LoadedSeries> Evaluator::EvalSubqueryPoints(const SubqueryExpr& sq) {
  const int64_t offset = OffsetOf(sq.mods);
  const int64_t range = sq.range_expr ? EvalDurationExpr(*sq.range_expr, *ctx_) : sq.range;
  int64_t step = sq.step_expr ? EvalDurationExpr(*sq.step_expr, *ctx_) : sq.step;
  if (step <= 0) step = ctx_->options->default_subquery_step_ms;
  int64_t outer_start = start_, outer_end = end_;
  if (sq.mods.at == AtKind::kTimestamp) outer_start = outer_end = sq.mods.timestamp;
  const int64_t lower = WrapSub(WrapSub(outer_start, offset), range);
  // The first inner step is the smallest multiple of the step after (3.x: strictly after)
  // the start of the first window.
  int64_t inner_start = WrapMul(step, lower / step);
  if (inner_start <= lower) inner_start = WrapAdd(inner_start, step);
  const int64_t inner_end = WrapSub(outer_end, offset);
  std::vector<LoadedSeries> out;
  if (inner_start > inner_end) return out;
  Evaluator inner(ctx_, inner_start, inner_end, step);
  Matrix m = inner.Eval(*sq.expr);
  for (Series& s : m) {
    LoadedSeries ls;
    ls.labels = std::move(s.metric);
    ls.drop_name = s.drop_name;
    size_t fi = 0, hi = 0;
    while (fi < s.floats.size() || hi < s.histograms.size()) {
      if (hi >= s.histograms.size() || (fi < s.floats.size() && s.floats[fi].t < s.histograms[hi].t)) {
        ls.points.push_back({s.floats[fi].t, s.floats[fi].f, nullptr});
        ++fi;
      } else {
        ls.points.push_back({s.histograms[hi].t, 0, s.histograms[hi].h});
        ++hi;
      }
    }
    out.push_back(std::move(ls));
  }
  return out;
}

}  // namespace promref::promql::internal
