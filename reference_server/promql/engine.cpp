// Query set-up and result assembly; the evaluation itself is in evaluator.cpp.
#include "promql/engine.h"

#include <algorithm>
#include <chrono>

#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/annotations.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/histogram_stats_decoding.h"

namespace promref::promql {
namespace {

using internal::EvalAbort;
using internal::QueryContext;

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

const Expr& Unwrap(const Expr& e) {
  if (e.kind == NodeKind::kParen) return Unwrap(*As<ParenExpr>(e).expr);
  if (e.kind == NodeKind::kStepInvariant) return Unwrap(*As<StepInvariantExpr>(e).expr);
  return e;
}

// Resolves `@ start()` and `@ end()` to the query's start and end.
void ResolveAtModifiers(Expr& e, int64_t start, int64_t end) {
  auto fix = [&](TimeModifiers& m) {
    if (m.at == AtKind::kStart) m.timestamp = start, m.at = AtKind::kTimestamp;
    if (m.at == AtKind::kEnd) m.timestamp = end, m.at = AtKind::kTimestamp;
  };
  switch (e.kind) {
    case NodeKind::kVectorSelector: fix(As<VectorSelector>(e).mods); break;
    case NodeKind::kMatrixSelector:
      ResolveAtModifiers(*As<MatrixSelector>(e).vector_selector, start, end);
      break;
    case NodeKind::kSubquery: {
      auto& s = As<SubqueryExpr>(e);
      fix(s.mods);
      ResolveAtModifiers(*s.expr, start, end);
      break;
    }
    case NodeKind::kAggregate: {
      auto& a = As<AggregateExpr>(e);
      if (a.expr) ResolveAtModifiers(*a.expr, start, end);
      if (a.param) ResolveAtModifiers(*a.param, start, end);
      break;
    }
    case NodeKind::kBinary:
      ResolveAtModifiers(*As<BinaryExpr>(e).lhs, start, end);
      ResolveAtModifiers(*As<BinaryExpr>(e).rhs, start, end);
      break;
    case NodeKind::kCall:
      for (auto& a : As<Call>(e).args) ResolveAtModifiers(*a, start, end);
      break;
    case NodeKind::kParen: ResolveAtModifiers(*As<ParenExpr>(e).expr, start, end); break;
    case NodeKind::kUnary: ResolveAtModifiers(*As<UnaryExpr>(e).expr, start, end); break;
    case NodeKind::kStepInvariant: ResolveAtModifiers(*As<StepInvariantExpr>(e).expr, start, end); break;
    default: break;
  }
}

// The widest time span any selector of the query may read: [mint, maxt]. (Selectors read
// precisely what they need; this only bounds the querier.)
void MinMaxTime(const Expr& e, int64_t start, int64_t end, int64_t lookback, int64_t* mint, int64_t* maxt) {
  // Offsets, @ and nested subqueries can move reads anywhere; a generous bound keeps this simple
  // and correct: the query range widened by every range, offset and lookback in the tree.
  int64_t widen = lookback;
  // Saturating: many ranges and offsets (or duration expressions, counted as a quarter of the
  // time range each) must not overflow.
  auto grow = [&widen](int64_t d) { widen = d > model::kMaxTimeMs - widen ? model::kMaxTimeMs : widen + d; };
  int64_t lo_pin = model::kMaxTimeMs, hi_pin = model::kMinTimeMs;
  std::vector<const Expr*> stack = {&e};
  while (!stack.empty()) {
    const Expr* n = stack.back();
    stack.pop_back();
    auto mods = [&](const TimeModifiers& m) {
      grow(std::abs(m.original_offset));
      if (m.at == AtKind::kTimestamp) {
        lo_pin = std::min(lo_pin, m.timestamp);
        hi_pin = std::max(hi_pin, m.timestamp);
      }
      if (m.offset_expr) grow(model::kMaxTimeMs / 4);
    };
    switch (n->kind) {
      case NodeKind::kVectorSelector: {
        const auto& vs = As<VectorSelector>(*n);
        mods(vs.mods);
        // Extended range selectors read up to a lookback delta on either side.
        if (vs.anchored || vs.smoothed) grow(2 * lookback);
        break;
      }
      case NodeKind::kMatrixSelector: {
        const auto& m = As<MatrixSelector>(*n);
        grow(m.range_expr ? model::kMaxTimeMs / 4 : m.range);
        stack.push_back(m.vector_selector.get());
        break;
      }
      case NodeKind::kSubquery: {
        const auto& s = As<SubqueryExpr>(*n);
        grow(s.range_expr ? model::kMaxTimeMs / 4 : s.range + std::max<int64_t>(s.step, 0) + 60'000);
        mods(s.mods);
        stack.push_back(s.expr.get());
        break;
      }
      case NodeKind::kAggregate:
        if (As<AggregateExpr>(*n).expr) stack.push_back(As<AggregateExpr>(*n).expr.get());
        if (As<AggregateExpr>(*n).param) stack.push_back(As<AggregateExpr>(*n).param.get());
        break;
      case NodeKind::kBinary:
        stack.push_back(As<BinaryExpr>(*n).lhs.get());
        stack.push_back(As<BinaryExpr>(*n).rhs.get());
        break;
      case NodeKind::kCall:
        for (const auto& a : As<Call>(*n).args) stack.push_back(a.get());
        break;
      case NodeKind::kParen: stack.push_back(As<ParenExpr>(*n).expr.get()); break;
      case NodeKind::kUnary: stack.push_back(As<UnaryExpr>(*n).expr.get()); break;
      case NodeKind::kStepInvariant: stack.push_back(As<StepInvariantExpr>(*n).expr.get()); break;
      default: break;
    }
  }
  auto sat_sub = [](int64_t a, int64_t b) { return a < model::kMinTimeMs + b ? model::kMinTimeMs : a - b; };
  auto sat_add = [](int64_t a, int64_t b) { return a > model::kMaxTimeMs - b ? model::kMaxTimeMs : a + b; };
  *mint = sat_sub(std::min(start, lo_pin), widen);
  *maxt = sat_add(std::max(end, hi_pin), widen);
}

bool ContainsSameLabelset(const std::vector<model::Labels>& labels) {
  std::vector<const model::Labels*> ptrs;
  for (const auto& l : labels) ptrs.push_back(&l);
  std::sort(ptrs.begin(), ptrs.end(), [](const auto* a, const auto* b) { return Compare(*a, *b) < 0; });
  for (size_t i = 1; i < ptrs.size(); ++i) {
    if (*ptrs[i] == *ptrs[i - 1]) return true;
  }
  return false;
}

// Merges series that have the same labels (after delayed name removal) as long as no step has
// two values; otherwise that is the "same labelset" error.
Matrix MergeSameLabelsets(Matrix m) {
  std::sort(m.begin(), m.end(),
            [](const Series& a, const Series& b) { return Compare(a.metric, b.metric) < 0; });
  Matrix out;
  for (Series& s : m) {
    if (out.empty() || !(out.back().metric == s.metric)) {
      out.push_back(std::move(s));
      continue;
    }
    Series& into = out.back();
    std::vector<int64_t> ts;
    for (const auto& p : into.floats) ts.push_back(p.t);
    for (const auto& p : into.histograms) ts.push_back(p.t);
    for (const auto& p : s.floats) ts.push_back(p.t);
    for (const auto& p : s.histograms) ts.push_back(p.t);
    std::sort(ts.begin(), ts.end());
    if (std::adjacent_find(ts.begin(), ts.end()) != ts.end()) {
      internal::Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    }
    into.floats.insert(into.floats.end(), s.floats.begin(), s.floats.end());
    into.histograms.insert(into.histograms.end(), s.histograms.begin(), s.histograms.end());
    std::sort(into.floats.begin(), into.floats.end(),
              [](const FPoint& a, const FPoint& b) { return a.t < b.t; });
    std::sort(into.histograms.begin(), into.histograms.end(),
              [](const HPoint& a, const HPoint& b) { return a.t < b.t; });
  }
  return out;
}

QueryResult Run(const EngineOptions& options, storage::Queryable& storage, std::string_view query,
                int64_t start, int64_t end, int64_t step, const QueryOptions& qopts, bool instant) {
  const auto t0 = std::chrono::steady_clock::now();
  QueryResult result;
  ParseResult parsed = ParseExprDetailed(query, options.parse_options());
  if (!parsed.ok()) {
    result.status = BadData(parsed.errors.front().ToString(query));
    return result;
  }
  Expr& expr = *parsed.expr;
  {
    QueryContext durations;
    durations.query_start = start;
    durations.query_end = end;
    durations.query_step = instant ? 0 : step;
    if (std::string error = internal::CheckDurationExprs(expr, durations); !error.empty()) {
      result.status = BadData(std::move(error));
      return result;
    }
  }
  if (!instant) {
    const ValueType t = expr.Type();
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      result.status = BadData("invalid expression type \"" + std::string(DocumentedType(t)) +
                              "\" for range query, must be Scalar or instant Vector");
      return result;
    }
  }
  ResolveAtModifiers(expr, start, end);
  internal::MarkHistogramStatsSelectors(expr);

  internal::AnnotationSet annotations(query);
  QueryContext ctx;
  ctx.annotations = &annotations;
  ctx.options = &options;
  ctx.lookback = qopts.lookback_delta_ms > 0 ? qopts.lookback_delta_ms : options.lookback_delta_ms;
  ctx.query_start = start;
  ctx.query_end = end;
  ctx.query_step = instant ? 0 : step;
  ctx.deadline = t0 + std::chrono::milliseconds(options.timeout_ms);
  if (qopts.deadline) ctx.deadline = std::min(ctx.deadline, *qopts.deadline);
  ctx.cancel = qopts.cancel;
  ctx.delayed_name_removal = options.enable_delayed_name_removal;

  // Prometheus checks the query's context once before it prepares the evaluation, so a
  // deadline that has already passed (a tiny `timeout`) fails here, "in query execution".
  try {
    ctx.CheckInterrupt("query execution");
  } catch (const EvalAbort& abort) {
    result.status = abort.error;
    return result;
  }

  int64_t mint, maxt;
  MinMaxTime(expr, start, end, ctx.lookback, &mint, &maxt);
  auto querier = storage.MakeQuerier(mint, maxt);
  if (!querier.ok()) {
    result.status = querier.error();
    return result;
  }
  ctx.querier = querier->get();
  const auto t_prepared = std::chrono::steady_clock::now();

  try {
    internal::Evaluator ev(&ctx, start, end, instant ? 1 : step);
    const Expr& top = Unwrap(expr);
    Value& v = result.value;
    if (expr.Type() == ValueType::kString) {
      v.type = ResultType::kString;
      v.t = start;
      v.str = As<StringLiteral>(top).val;
    } else if (expr.Type() == ValueType::kMatrix) {
      v.type = ResultType::kMatrix;
      v.matrix = ev.EvalRangeVectorAtStart(top);
    } else {
      Matrix m = ev.Eval(expr);
      if (instant && expr.Type() == ValueType::kScalar) {
        v.type = ResultType::kScalar;
        v.t = start;
        v.scalar = m.empty() || m[0].floats.empty() ? 0 : m[0].floats[0].f;
      } else if (instant) {
        v.type = ResultType::kVector;
        v.vector.reserve(m.size());
        for (Series& s : m) {
          Sample smp;
          smp.metric = std::move(s.metric);
          smp.t = start;
          smp.drop_name = s.drop_name;
          if (!s.floats.empty()) {
            smp.f = s.floats[0].f;
          } else if (!s.histograms.empty()) {
            smp.h = s.histograms[0].h;
          } else {
            continue;
          }
          v.vector.push_back(std::move(smp));
        }
      } else {
        v.type = ResultType::kMatrix;
        v.matrix = std::move(m);
      }
    }
    // Delayed name removal: drop __name__ where an operation asked for it, now. Range results
    // whose series become identical are merged when their steps do not collide.
    if (v.type == ResultType::kVector) {
      std::vector<model::Labels> labels;
      for (Sample& s : v.vector) {
        if (s.drop_name) s.metric = internal::WithoutMetadataLabels(s.metric);
        labels.push_back(s.metric);
      }
      if (ctx.delayed_name_removal && ContainsSameLabelset(labels)) {
        internal::Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
      }
    } else if (v.type == ResultType::kMatrix) {
      for (Series& s : v.matrix) {
        if (s.drop_name) s.metric = internal::WithoutMetadataLabels(s.metric);
      }
      if (ctx.delayed_name_removal) v.matrix = MergeSameLabelsets(std::move(v.matrix));
    }
    const auto t_eval = std::chrono::steady_clock::now();
    if (v.type == ResultType::kMatrix) {
      std::sort(v.matrix.begin(), v.matrix.end(),
                [](const Series& a, const Series& b) { return Compare(a.metric, b.metric) < 0; });
    }
    const auto t_sorted = std::chrono::steady_clock::now();
    result.stats.inner_eval_seconds = Seconds(t_eval - t_prepared);
    result.stats.result_sort_seconds = Seconds(t_sorted - t_eval);
  } catch (const EvalAbort& abort) {
    result.status = abort.error;
    result.value = Value{};
  }
  const auto t_done = std::chrono::steady_clock::now();
  result.annotations.warnings = annotations.warnings();
  result.annotations.infos = annotations.infos();
  result.stats.total_queryable_samples = ctx.total_samples;
  result.stats.peak_samples = ctx.peak_samples;
  result.stats.query_preparation_seconds = Seconds(t_prepared - t0);
  result.stats.eval_total_seconds = Seconds(t_done - t0);
  result.stats.exec_total_seconds = Seconds(t_done - t0);
  return result;
}

}  // namespace

QueryResult Engine::InstantQuery(storage::Queryable& storage, std::string_view query, int64_t ts,
                                 const QueryOptions& options) const {
  return Run(options_, storage, query, ts, ts, 0, options, true);
}

QueryResult Engine::RangeQuery(storage::Queryable& storage, std::string_view query, int64_t start,
                               int64_t end, int64_t step, const QueryOptions& options) const {
  if (step <= 0) {
    QueryResult r;
    r.status =
        BadData("zero or negative query resolution step widths are not accepted. Try a positive integer");
    return r;
  }
  return Run(options_, storage, query, start, end, step, options, false);
}

}  // namespace promref::promql
