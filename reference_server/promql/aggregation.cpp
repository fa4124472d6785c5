// Grouping and the value aggregations (Prometheus' engine: aggregation), shared by the
// step-by-step and the series-by-series evaluation of eval_aggregate.cpp.

#include "promql/internal/aggregation.h"

#include <cmath>

#include "promql/internal/eval_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

bool IgnoresHistograms(TokenType op) {
  return op == TokenType::kMin || op == TokenType::kMax || op == TokenType::kStddev ||
         op == TokenType::kStdvar || op == TokenType::kQuantile;
}

void InfoIgnoredHistogram(QueryContext* ctx, const AggregateExpr& a) {
  const bool whole = a.op == TokenType::kTopk || a.op == TokenType::kBottomk;
  ctx->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                         whole ? a.pos : a.expr->pos);
}

// --- Grouping ----------------------------------------------------------------------------------

size_t GroupIndex::Of(const model::Labels& metric) {
  model::Labels key = GroupingLabels(metric, grouping_, without_);
  auto [it, inserted] = index_.try_emplace(key, labels_.size());
  if (inserted) labels_.push_back(std::move(key));
  return it->second;
}

AggregationInput::AggregationInput(const Matrix& in, const std::vector<std::string>& grouping, bool without)
    : in_(in), groups_(grouping, without), group_of_(in.size()), cursors_(in.size() * 2, 0) {
  for (size_t i = 0; i < in.size(); ++i) group_of_[i] = groups_.Of(in[i].metric);
}

bool AggregationInput::HasHistograms() const {
  for (const Series& s : in_) {
    if (!s.histograms.empty()) return true;
  }
  return false;
}

bool AggregationInput::ValueAt(size_t si, int64_t ts, double* f, HistogramPtr* h) {
  const Series& s = in_[si];
  size_t& fc = cursors_[si * 2];
  size_t& hc = cursors_[si * 2 + 1];
  while (fc < s.floats.size() && s.floats[fc].t < ts) ++fc;
  while (hc < s.histograms.size() && s.histograms[hc].t < ts) ++hc;
  if (fc < s.floats.size() && s.floats[fc].t == ts) {
    *f = s.floats[fc].f;
    h->reset();
    return true;
  }
  if (hc < s.histograms.size() && s.histograms[hc].t == ts) {
    *h = s.histograms[hc].h;
    return true;
  }
  return false;
}

// --- sum, avg, min, max, count, group, stddev, stdvar, quantile --------------------------------

PlainAggregation::PlainAggregation(const AggregateExpr& a, const GroupIndex& groups,
                                   const std::vector<double>& params, QueryContext* ctx, int64_t start,
                                   int64_t interval, size_t steps)
    : a_(a), groups_(groups), params_(params), ctx_(ctx), start_(start), interval_(interval), steps_(steps) {}

void PlainAggregation::AddNewGroups() {
  while (out_.size() < groups_.size()) out_.push_back(Series{groups_.labels(out_.size()), {}, {}, false});
}

void PlainAggregation::Step(AggregationInput& input, int64_t ts, size_t step) {
  AddNewGroups();
  std::vector<Group> groups(groups_.size());
  for (size_t si = 0; si < input.NumSeries(); ++si) {
    double f = 0;
    HistogramPtr h;
    if (input.ValueAt(si, ts, &f, &h)) Fold(&groups[input.GroupOf(si)], input.series(si), f, h);
  }
  EmitStep(groups.data(), 1, ts, step);
}

void PlainAggregation::FoldSeries(const Series& s, size_t group) {
  if (by_group_step_.size() < (group + 1) * steps_) by_group_step_.resize((group + 1) * steps_);
  Group* row = &by_group_step_[group * steps_];
  current_ = &s;
  // What Fold and Accumulate do for a float when no group holds a histogram (the only input
  // this fold takes), with the operator chosen once per series instead of once per point.
  switch (a_.op) {
    case TokenType::kSum:
      FoldFloats(s, row, [](Group* g, double f) {
        g->has_float = true;
        KahanSumInc(f, &g->value, &g->kahan);
      });
      break;
    case TokenType::kAvg:
      FoldFloats(s, row, [](Group* g, double f) {
        g->count += 1;
        AccumulateAvg(g, f);
      });
      break;
    default: FoldFloats(s, row, [this](Group* g, double f) { Accumulate(g, f, nullptr); }); break;
  }
}

template <typename Add>
void PlainAggregation::FoldFloats(const Series& s, Group* row, Add add) {
  // A series' points are mostly on consecutive steps: the step after the last one found is
  // tried first, saving a 64-bit division per point.
  size_t next = 0;
  for (const FPoint& p : s.floats) {
    size_t step = next;
    if (step >= steps_ || p.t != start_ + static_cast<int64_t>(step) * interval_) {
      const int64_t offset = p.t - start_;
      step = static_cast<size_t>(offset / interval_);
      if (offset < 0 || offset % interval_ != 0 || step >= steps_) continue;  // off the steps
    }
    Group* g = &row[step];
    if (s.drop_name) g->drop_name = true;
    if (g->seen) {
      add(g, p.f);
    } else {
      Start(g, p.f, nullptr);
    }
    next = step + 1;
  }
}

void PlainAggregation::FinishSeriesMajor() {
  AddNewGroups();
  by_group_step_.resize(groups_.size() * steps_);  // groups whose series had no point on a step
  for (size_t step = 0; step < steps_; ++step) {
    EmitStep(by_group_step_.data() + step, steps_, start_ + static_cast<int64_t>(step) * interval_, step);
  }
}

Matrix PlainAggregation::Finish() {
  Matrix result;
  int64_t n = 0;
  for (Series& s : out_) {
    if (s.floats.empty() && s.histograms.empty()) continue;
    n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
    result.push_back(std::move(s));
  }
  ctx_->AddSamples(n);
  return result;
}

// Folds series `s`'s sample at a step into its group's running aggregate at that step.
void PlainAggregation::Fold(Group* g, const Series& s, double f, const HistogramPtr& h) {
  if (g->seen && g->incompatible_histograms) return;
  if (s.drop_name) g->drop_name = true;
  current_ = &s;
  if (g->seen) {
    Accumulate(g, f, h);
  } else {
    Start(g, f, h);
  }
}

// Appends each started group's result at the step: group gi's running aggregate is
// first[gi * stride].
void PlainAggregation::EmitStep(Group* first, size_t stride, int64_t ts, size_t step) {
  for (size_t gi = 0; gi < out_.size(); ++gi) {
    Group& g = first[gi * stride];
    if (!g.seen) continue;
    const std::optional<GroupValue> v = Result(&g, step);
    if (!v) continue;
    AddPoint(&out_[gi], ts, v->f, v->h);
    if (g.drop_name) out_[gi].drop_name = true;
  }
}

// A group's first sample of the step. A histogram the aggregation ignores leaves the group
// unstarted, so that its next sample starts it afresh.
void PlainAggregation::Start(Group* g, double f, const HistogramPtr& h) {
  const bool drop = g->drop_name;
  *g = Group{};
  g->drop_name = drop;
  g->seen = true;
  g->value = f;
  g->mean = f;
  g->count = 1;
  if (h && IgnoresHistograms(a_.op)) {
    g->seen = false;
    InfoIgnoredHistogram(ctx_, a_);
  }
  switch (a_.op) {
    case TokenType::kSum:
    case TokenType::kAvg:
      if (h) {
        g->has_histogram = true;
        g->hsum.emplace(*h);
      } else {
        g->has_float = true;
      }
      break;
    case TokenType::kStddev:
    case TokenType::kStdvar:
      if (!h) g->value = std::isnan(f) || std::isinf(f) ? std::nan("") : 0;
      break;
    case TokenType::kQuantile: g->values = {f}; break;
    case TokenType::kGroup: g->value = 1; break;
    default: break;
  }
}

// A further sample of a started group.
void PlainAggregation::Accumulate(Group* g, double f, const HistogramPtr& h) {
  if (h && IgnoresHistograms(a_.op)) {
    InfoIgnoredHistogram(ctx_, a_);
    return;
  }
  switch (a_.op) {
    case TokenType::kSum:
      if (h) {
        SumHistogram(g, *h, current_->metric);
      } else {
        g->has_float = true;
        KahanSumInc(f, &g->value, &g->kahan);
      }
      break;
    case TokenType::kAvg:
      g->count += 1;
      if (h) {
        AvgHistogram(g, *h, current_->metric);
      } else {
        AccumulateAvg(g, f);
      }
      break;
    case TokenType::kMax:
      if (g->value < f || std::isnan(g->value)) g->value = f;
      break;
    case TokenType::kMin:
      if (g->value > f || std::isnan(g->value)) g->value = f;
      break;
    case TokenType::kCount: g->count += 1; break;
    case TokenType::kStddev:
    case TokenType::kStdvar: AccumulateVariance(g, f); break;
    case TokenType::kQuantile: g->values.push_back(f); break;
    default: break;  // group
  }
}

// avg of floats (g->count already includes f): a Kahan sum while it stays finite, then, as
// Prometheus does to avoid overflow, an incremental mean.
void PlainAggregation::AccumulateAvg(Group* g, double f) {
  g->has_float = true;
  if (!g->incremental_mean) {
    double sum = g->value, c = g->kahan;
    KahanSumInc(f, &sum, &c);
    if (!std::isinf(sum)) {
      g->value = sum;
      g->kahan = c;
      return;
    }
    g->incremental_mean = true;
    g->mean = g->value / (g->count - 1);
    g->kahan /= g->count - 1;
  }
  const double q = (g->count - 1) / g->count;
  double mean = q * g->mean, c = q * g->kahan;
  KahanSumInc(f / g->count, &mean, &c);
  g->mean = mean;
  g->kahan = c;
}

// sum of histograms: a Kahan sum (unless the group began with a float, when the mix gives
// no result anyway).
void PlainAggregation::SumHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric) {
  g->has_histogram = true;
  if (g->hsum) Checked(g, g->hsum->Add(h), metric);
}

// avg of histograms (g->count already includes h).
void PlainAggregation::AvgHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric) {
  g->has_histogram = true;
  if (g->hsum) Checked(g, g->hsum->AddToMean(h, g->count), metric);
}

// The annotations of one histogram addition; a mix of schemas leaves the group no result.
void PlainAggregation::Checked(Group* g, const model::HistogramOpResult& r, const model::Labels& metric) {
  FailOnInvalidLayout(r);
  if (r.error == model::HistogramOpError::kMixedSchemas) {
    ctx_->annotations->Warn(MixedSchemasText(metric.MetricName()), a_.expr->pos);
    g->incompatible_histograms = true;
  } else if (r.nhcb_bounds_reconciled) {
    ctx_->annotations->Info(ReconciledBucketsText("aggregation"), a_.expr->pos);
  }
}

// stddev/stdvar: Welford's online update of the mean and the sum of squared deviations.
void PlainAggregation::AccumulateVariance(Group* g, double f) {
  g->count += 1;
  const double delta = f - g->mean;
  g->mean += delta / g->count;
  g->value += delta * (f - g->mean);
}

// A started group's value at the step; nullopt when the group has no result.
std::optional<GroupValue> PlainAggregation::Result(Group* g, size_t step) {
  switch (a_.op) {
    case TokenType::kSum:
    case TokenType::kAvg: return SumOrAvg(g);
    case TokenType::kCount: return GroupValue{g->count};
    case TokenType::kStdvar: return GroupValue{g->value / g->count};
    case TokenType::kStddev: return GroupValue{std::sqrt(g->value / g->count)};
    case TokenType::kQuantile: return GroupValue{Quantile(params_[step], std::move(g->values))};
    default: return GroupValue{g->value};  // min, max, group
  }
}

// sum/avg: a mix of floats and histograms gives nothing, with a warning; so do histograms of
// incompatible schemas (warned about when met).
std::optional<GroupValue> PlainAggregation::SumOrAvg(Group* g) {
  if (g->has_float && g->has_histogram) {
    ctx_->annotations->Warn("encountered a mix of histograms and floats for aggregation", a_.expr->pos);
    return std::nullopt;
  }
  if (g->incompatible_histograms) return std::nullopt;
  if (g->has_histogram) {
    const model::FloatHistogram h = a_.op == TokenType::kAvg ? g->hsum->Mean(g->count) : g->hsum->Sum();
    if (g->hsum->HintsCollide()) {
      ctx_->annotations->Warn(CounterResetCollisionText("aggregation"), a_.expr->pos);
    }
    return GroupValue{0, std::make_shared<const model::FloatHistogram>(model::HistogramCompact(h))};
  }
  if (a_.op == TokenType::kSum) return GroupValue{g->value + g->kahan};
  if (g->incremental_mean) return GroupValue{g->mean + g->kahan};
  return GroupValue{g->value / g->count + g->kahan / g->count};
}

}  // namespace promref::promql::internal
