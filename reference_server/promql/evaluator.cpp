// The PromQL evaluator's core: the node dispatch, number literals, unary minus and the
// helpers every part shares, following Prometheus 3.x's engine (promql/engine.go). The parts
// live beside it, one concern per file: eval_selectors.cpp (selectors and range windows),
// eval_subquery.cpp, eval_binary.cpp (operators and vector matching), eval_aggregate.cpp,
// eval_call.cpp (function calls and range functions), eval_info.cpp, eval_durations.cpp.
#include "promql/internal/evaluator.h"

#include <algorithm>
#include <unordered_map>

#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

// --- Shared helpers --------------------------------------------------------------------------

void QueryContext::CheckInterrupt(const char* where) const {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    Fail(ErrorKind::kCanceled, std::string("query was canceled in ") + where);
  }
  if (std::chrono::steady_clock::now() > deadline) {
    Fail(ErrorKind::kTimeout, std::string("query timed out in ") + where);
  }
}

void QueryContext::CheckExpanding() const {
  // Prometheus' expandSeriesSet returns the context's bare error, which its evaluator wraps:
  // the API then answers an execution error for a deadline (a cancellation stays one).
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    Fail(ErrorKind::kCanceled, "expanding series: context canceled");
  }
  if (std::chrono::steady_clock::now() > deadline) {
    Fail(ErrorKind::kExecution, "expanding series: context deadline exceeded");
  }
}

void QueryContext::AddSamples(int64_t n) {
  current_samples += n;
  total_samples += n;
  peak_samples = std::max(peak_samples, current_samples);
  if (current_samples > options->max_samples) {
    Fail(ErrorKind::kExecution,
         "query processing would load too many samples into memory in query execution");
  }
}

void DropMetadataLabels(model::LabelsBuilder* b) {
  b->Del(model::kMetricNameLabel);
  b->Del("__type__");
  b->Del("__unit__");
}

namespace {
bool HasMetadataLabels(const model::Labels& l) {
  return l.Has(model::kMetricNameLabel) || l.Has("__type__") || l.Has("__unit__");
}
}  // namespace

model::Labels WithoutMetadataLabels(const model::Labels& l) {
  return l.Filter([](std::string_view name) { return !IsMetadataLabel(name); });
}

void DropMetricName(Sample* s, bool delayed) {
  if (delayed) {
    s->drop_name = true;
  } else if (HasMetadataLabels(s->metric)) {
    s->metric = WithoutMetadataLabels(s->metric);
  }
}

void DropMetricName(Series* s, bool delayed) {
  if (delayed) {
    s->drop_name = true;
  } else if (HasMetadataLabels(s->metric)) {
    s->metric = WithoutMetadataLabels(s->metric);
  }
}

void SetMetricWithoutName(Series* s, const model::Labels& metric, bool delayed) {
  if (delayed) {
    s->metric = metric;
    s->drop_name = true;
  } else if (HasMetadataLabels(metric)) {
    s->metric = WithoutMetadataLabels(metric);
  } else {
    s->metric = metric;
  }
}

void AddPoint(Series* s, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
  if (h) {
    s->histograms.push_back({ts, h});
  } else {
    s->floats.push_back({ts, f});
  }
}

void PointsAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors, std::vector<StepPoint>* out) {
  out->clear();
  cursors->resize(m.size() * 2, 0);
  for (size_t i = 0; i < m.size(); ++i) {
    const Series& s = m[i];
    size_t& fc = (*cursors)[i * 2];
    size_t& hc = (*cursors)[i * 2 + 1];
    while (fc < s.floats.size() && s.floats[fc].t < ts) ++fc;
    while (hc < s.histograms.size() && s.histograms[hc].t < ts) ++hc;
    if (fc < s.floats.size() && s.floats[fc].t == ts) {
      out->push_back(StepPoint{i, s.floats[fc].f, nullptr});
    } else if (hc < s.histograms.size() && s.histograms[hc].t == ts) {
      out->push_back(StepPoint{i, 0, &s.histograms[hc].h});
    }
  }
}

Vector VectorAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors,
                std::vector<size_t>* series_index) {
  std::vector<StepPoint> points;
  PointsAt(m, ts, cursors, &points);
  Vector out;
  out.reserve(points.size());
  if (series_index != nullptr) series_index->clear();
  for (const StepPoint& p : points) {
    const Series& s = m[p.series];
    out.push_back(Sample{s.metric, ts, p.f, p.h != nullptr ? *p.h : nullptr, s.drop_name});
    if (series_index != nullptr) series_index->push_back(p.series);
  }
  return out;
}

// --- Evaluator ---------------------------------------------------------------------------------

int64_t Evaluator::OffsetOf(const TimeModifiers& mods) const {
  if (mods.offset_expr) return EvalDurationExpr(*mods.offset_expr, *ctx_);
  return mods.original_offset;
}

int64_t Evaluator::RefTime(const TimeModifiers& mods, int64_t ts) const {
  const int64_t base = mods.at == AtKind::kTimestamp ? mods.timestamp : ts;
  return WrapSub(base, OffsetOf(mods));
}

int64_t Evaluator::RangeOf(const MatrixSelector& m) const {
  if (m.range_expr) return EvalDurationExpr(*m.range_expr, *ctx_);
  return m.range;
}

Matrix Evaluator::Eval(const Expr& e) {
  // As in Prometheus, what a node needed while it was evaluated (its operands' results, its
  // loaded points) is released once it is done: from then on only its result counts towards
  // the sample limit. Without this, nested scalar arithmetic over fine subquery steps
  // accumulates every intermediate result (functions.test, integral of a polynomial).
  const int64_t before = ctx_->current_samples;
  Matrix m = EvalNode(e);
  int64_t n = 0;
  for (const Series& s : m) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->current_samples = before + n;
  ctx_->peak_samples = std::max(ctx_->peak_samples, ctx_->current_samples);
  return m;
}

Matrix Evaluator::EvalNode(const Expr& e) {
  ctx_->CheckInterrupt("expression evaluation");
  switch (e.kind) {
    case NodeKind::kNumberLiteral: return EvalNumber(As<NumberLiteral>(e).val);
    case NodeKind::kParen: return Eval(*As<ParenExpr>(e).expr);
    case NodeKind::kStepInvariant: return Eval(*As<StepInvariantExpr>(e).expr);
    case NodeKind::kVectorSelector: return EvalVectorSelector(As<VectorSelector>(e));
    case NodeKind::kUnary: return EvalUnary(As<UnaryExpr>(e));
    case NodeKind::kBinary: return EvalBinary(As<BinaryExpr>(e));
    case NodeKind::kAggregate: return EvalAggregate(As<AggregateExpr>(e));
    case NodeKind::kCall: return EvalCall(As<Call>(e));
    case NodeKind::kDurationExpr: return EvalNumber(static_cast<double>(EvalDurationExpr(e, *ctx_)) / 1000.0);
    case NodeKind::kMatrixSelector:
    case NodeKind::kSubquery:
    case NodeKind::kStringLiteral: break;
  }
  Fail(ErrorKind::kInternal, "unexpected expression type in evaluation");
}

Matrix Evaluator::EvalNumber(double v) {
  Series s;
  s.floats.reserve(static_cast<size_t>(NumSteps()));
  for (int64_t ts = start_; ts <= end_; ts += interval_) s.floats.push_back({ts, v});
  ctx_->AddSamples(static_cast<int64_t>(s.floats.size()));
  return Matrix{std::move(s)};
}

Matrix Evaluator::EvalUnary(const UnaryExpr& u) {
  Matrix m = Eval(*u.expr);
  if (u.op != TokenType::kSub) return m;
  for (Series& s : m) {
    DropMetricName(&s, ctx_->delayed_name_removal);
    for (FPoint& p : s.floats) p.f = -p.f;
    for (HPoint& p : s.histograms) {
      auto h = std::make_shared<model::FloatHistogram>(*p.h);
      h->count = -h->count;
      h->sum = -h->sum;
      h->zero_count = -h->zero_count;
      for (double& b : h->positive_buckets) b = -b;
      for (double& b : h->negative_buckets) b = -b;
      h->counter_reset_hint = model::CounterResetHint::kGauge;
      p.h = std::move(h);
    }
  }
  if (!ctx_->delayed_name_removal) {
    std::unordered_map<model::Labels, int, model::LabelsHash> seen;
    for (const Series& s : m) {
      if (++seen[s.metric] > 1)
        Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    }
  }
  return m;
}

}  // namespace promref::promql::internal
