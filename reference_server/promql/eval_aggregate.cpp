// Aggregations: sum, avg, min, max, count, group, stddev, stdvar, topk/bottomk, quantile,
// count_values, limitk/limit_ratio, by/without grouping (Prometheus' engine: rangeEval of
// AggregateExpr, aggregation, aggregationK, aggregationCountValues).

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/histogram_buckets.h"
#include "model/histogram_ops.h"
#include "model/sample.h"
#include "promql/internal/aggregation.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_sum.h"

namespace promref::promql::internal {

// --- Aggregations ------------------------------------------------------------------------------

namespace {

// Go's container/heap with Prometheus' orderings, so topk/bottomk pick (and order) exactly as
// Prometheus does, including ties and NaN.
struct KHeap {
  std::vector<Sample>* h;
  bool (*less)(const Sample&, const Sample&);
  void Up(size_t j) {
    while (j > 0) {
      const size_t i = (j - 1) / 2;
      if (i == j || !less((*h)[j], (*h)[i])) break;
      std::swap((*h)[i], (*h)[j]);
      j = i;
    }
  }
  bool Down(size_t i0, size_t n) {
    size_t i = i0;
    while (true) {
      const size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      size_t j = j1;
      if (const size_t j2 = j1 + 1; j2 < n && less((*h)[j2], (*h)[j1])) j = j2;
      if (!less((*h)[j], (*h)[i])) break;
      std::swap((*h)[i], (*h)[j]);
      i = j;
    }
    return i > i0;
  }
  void Push(Sample s) {
    h->push_back(std::move(s));
    Up(h->size() - 1);
  }
  void Fix(size_t i) {
    if (!Down(i, h->size())) Up(i);
  }
};

// vectorByValueHeap: NaN is the smallest.
bool ByValue(const Sample& a, const Sample& b) {
  if (std::isnan(a.f)) return true;
  return a.f < b.f;
}
// vectorByReverseValueHeap: NaN is the smallest, then larger values first.
bool ByReverseValue(const Sample& a, const Sample& b) {
  if (std::isnan(a.f)) return true;
  return a.f > b.f;
}

// Go's sort.Sort(sort.Reverse(data)) for the small slices topk/bottomk produce: insertion sort
// (what Go's pdqsort does below 12 elements) with the reversed order; larger inputs are
// sorted stably.
void SortReverse(std::vector<Sample>* v, bool (*less)(const Sample&, const Sample&)) {
  auto rless = [less](const Sample& a, const Sample& b) { return less(b, a); };
  if (v->size() <= 12) {
    for (size_t i = 1; i < v->size(); ++i) {
      for (size_t j = i; j > 0 && rless((*v)[j], (*v)[j - 1]); --j) std::swap((*v)[j], (*v)[j - 1]);
    }
    return;
  }
  std::stable_sort(v->begin(), v->end(), rless);
}

}  // namespace

namespace {

// count_values: at each step, how many series of each group have each value. An input series'
// grouping labels (less the value label) are worked out once, and the output labels of each
// (group, value) pair once; a step formats values and counts.
class CountValues {
 public:
  CountValues(const Matrix& in, std::string label, std::vector<std::string> grouping, bool without)
      : in_(in),
        label_(std::move(label)),
        grouping_(std::move(grouping)),
        without_(without),
        // The value label stays in the output unless without(...) drops it.
        label_kept_(!without || (!IsMetadataLabel(label_) &&
                                 std::find(grouping_.begin(), grouping_.end(), label_) == grouping_.end())),
        group_of_(in.size(), kNoGroup) {}

  void Step(int64_t ts, MatrixBuilder* out) {
    PointsAt(in_, ts, &cursors_, &points_);
    ++step_;
    counted_.clear();
    for (const StepPoint& p : points_) {
      std::string value = !label_kept_     ? std::string()
                          : p.h != nullptr ? model::HistogramString(**p.h)
                                           : model::FormatFloat(p.f, 'f');
      auto [it, inserted] = outputs_.try_emplace({GroupOf(p.series), std::move(value)});
      Output& o = it->second;
      if (inserted) o.series.metric = OutputLabels(it->first.first, it->first.second);
      if (o.step != step_) {
        o.step = step_;
        o.count = 0;
        counted_.push_back(&o);
      }
      o.count += 1;
    }
    for (Output* o : counted_) out->Append(&o->series, ts, o->count, nullptr);
  }

 private:
  static constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();
  struct Output {
    OutputSeries series;
    uint64_t step = 0;  // the step `count` is for
    double count = 0;
  };

  uint32_t GroupOf(size_t series) {
    uint32_t& g = group_of_[series];
    if (g == kNoGroup) {
      const model::Labels metric = in_[series].metric.Filter([&](std::string_view n) { return n != label_; });
      auto [it, inserted] = group_ids_.try_emplace(GroupingLabels(metric, grouping_, without_),
                                                   static_cast<uint32_t>(groups_.size()));
      if (inserted) groups_.push_back(it->first);
      g = it->second;
    }
    return g;
  }
  model::Labels OutputLabels(uint32_t group, const std::string& value) const {
    if (!label_kept_) return groups_[group];
    model::LabelsBuilder b(groups_[group]);
    b.Set(label_, value);
    return b.Build();
  }

  const Matrix& in_;
  const std::string label_;
  const std::vector<std::string> grouping_;
  const bool without_;
  const bool label_kept_;
  std::vector<uint32_t> group_of_;  // by input series
  std::unordered_map<model::Labels, uint32_t, model::LabelsHash> group_ids_;
  std::vector<model::Labels> groups_;
  std::map<std::pair<uint32_t, std::string>, Output> outputs_;  // by group and formatted value
  std::vector<size_t> cursors_;
  std::vector<StepPoint> points_;
  uint64_t step_ = 0;
  std::vector<Output*> counted_;  // this step's outputs, in order of first appearance
};

}  // namespace

namespace {

// The aggregations that select input samples (keeping their labels) instead of computing one
// value per group: Prometheus runs them through aggregationK rather than aggregation.
bool IsKAggregation(TokenType op) {
  return op == TokenType::kTopk || op == TokenType::kBottomk || op == TokenType::kLimitk ||
         op == TokenType::kLimitRatio;
}

// Runs `step_fn(ts, step)` at every step of `ev`, checking for cancellation and timeout before
// each step as Prometheus' rangeEvalAgg does.
template <typename StepFn>
void ForEachStep(const Evaluator& ev, StepFn step_fn) {
  size_t step = 0;
  for (int64_t ts = ev.start(); ts <= ev.end(); ts += ev.interval(), ++step) {
    ev.ctx()->CheckInterrupt("expression evaluation");
    step_fn(ts, step);
  }
}

// count_values: the label to write values to must be valid, and with by(...) it is one more
// grouping label (with without(...) it stays off the grouping, CountValues keeps it).
Matrix EvalCountValues(Evaluator* ev, const AggregateExpr& a, std::vector<std::string> grouping) {
  const std::string label = As<StringLiteral>(Unwrap(*a.param)).val;
  if (!model::IsValidLabelName(label))
    Fail(ErrorKind::kExecution, "invalid label name " + model::GoQuote(label));
  if (!a.without) {
    grouping.push_back(label);
    std::sort(grouping.begin(), grouping.end());
  }
  Matrix in = ev->Eval(*a.expr);
  CountValues counter(in, label, grouping, a.without);
  MatrixBuilder builder;
  for (int64_t ts = ev->start(); ts <= ev->end(); ts += ev->interval()) counter.Step(ts, &builder);
  return builder.Finish();
}

// The parameter at each step: k for topk/bottomk/limitk, φ for quantile, the ratio for
// limit_ratio; none without a parameter. Its samples do not count towards the query's
// current samples (Prometheus restores the count after evaluating it).
std::vector<double> EvalParam(Evaluator* ev, const AggregateExpr& a) {
  std::vector<double> params;
  if (!a.param) return params;
  const int64_t saved = ev->ctx()->current_samples;
  Matrix p = ev->Eval(*a.param);
  for (const FPoint& fp : p[0].floats) params.push_back(fp.f);
  ev->ctx()->current_samples = saved;
  return params;
}

// quantile with φ outside [0, 1] gives ±Inf (or NaN) rather than failing, so it is only
// warned about: for each step's φ, before any step is aggregated.
void WarnInvalidQuantiles(const std::vector<double>& params, const AggregateExpr& a, QueryContext* ctx) {
  for (double q : params) {
    if (std::isnan(q) || q < 0 || q > 1) {
      ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                             a.param->pos);
    }
  }
}

// Whether the series-major fold may hold a running aggregate for every group and step.
bool FitsSeriesMajor(size_t groups, size_t steps) {
  return groups > 0 && groups <= PlainAggregation::kMaxRunningGroups / steps;
}

// --- topk, bottomk, limitk, limit_ratio (Prometheus' aggregationK) -------------------------

// Whether limit_ratio keeps a series: a deterministic sample by the hash of its labels, so the
// same series are kept at every step; a negative ratio takes the complement.
bool RatioKeeps(const model::Labels& metric, double ratio) {
  const double offset = static_cast<double>(metric.Hash()) / 18446744073709551615.0;
  return ratio >= 0 ? offset < ratio : offset >= 1 + ratio;
}

// One group's selection at a step.
struct KGroup {
  bool seen = false;
  std::vector<Sample> heap;  // topk/bottomk: a heap of the best k; limitk: the first k
};

// Selects input samples at each step; the output series are those of the selected samples,
// in order of first appearance.
class KAggregation {
 public:
  KAggregation(const AggregateExpr& a, AggregationInput* input, QueryContext* ctx)
      : a_(a), input_(*input), ctx_(ctx) {}

  void Step(int64_t ts, double param) {
    if (a_.op == TokenType::kLimitRatio) {
      builder_.Add(ts, LimitRatio(ts, param));
      return;
    }
    const int64_t k = KOf(param);
    if (k < 1) {
      builder_.Add(ts, {});
      return;
    }
    builder_.Add(ts, SelectK(ts, k));
  }

  Matrix Finish() { return builder_.Finish(); }

 private:
  // limit_ratio (experimental): the samples of the series RatioKeeps keeps, group by group.
  Vector LimitRatio(int64_t ts, double param) {
    const double ratio = CappedRatio(param);
    if (ratio == 0) return {};
    std::vector<Vector> by_group(input_.NumGroups());
    for (size_t si = 0; si < input_.NumSeries(); ++si) {
      double f = 0;
      HistogramPtr h;
      if (!input_.ValueAt(si, ts, &f, &h)) continue;
      const Series& s = input_.series(si);
      if (RatioKeeps(s.metric, ratio))
        by_group[input_.GroupOf(si)].push_back(Sample{s.metric, ts, f, h, s.drop_name});
    }
    Vector out;
    for (Vector& g : by_group) {
      for (Sample& smp : g) out.push_back(std::move(smp));
    }
    return out;
  }

  // The ratio of a step: NaN fails the query; beyond ±1 it is capped, with a warning.
  double CappedRatio(double param) {
    if (std::isnan(param)) Fail(ErrorKind::kExecution, "Ratio value is NaN");
    if (param >= -1 && param <= 1) return param;
    const double ratio = param < -1 ? -1 : 1;
    ctx_->annotations->Warn("ratio value should be between -1 and 1, got " + model::FormatFloat(param, 'g') +
                                ", capping to " + model::FormatFloat(ratio, 'g'),
                            a_.param->pos);
    return ratio;
  }

  // k of a step, truncated to an integer as Go's int64(f) does and capped at the number of
  // input series; NaN and values beyond int64 fail the query.
  int64_t KOf(double param) const {
    if (std::isnan(param)) Fail(ErrorKind::kExecution, "Parameter value is NaN");
    if (param >= 9223372036854775807.0 || param < -9223372036854775808.0) {
      Fail(ErrorKind::kExecution, "Scalar value " + model::FormatFloat(param, 'g') + " overflows int64");
    }
    const int64_t k = static_cast<int64_t>(param);
    return std::min(k, static_cast<int64_t>(input_.NumSeries()));
  }

  // topk/bottomk/limitk: offers every sample of the step to its group, then emits the groups'
  // selections. topk and bottomk take floats only.
  Vector SelectK(int64_t ts, int64_t k) {
    std::vector<KGroup> groups(input_.NumGroups());
    for (size_t si = 0; si < input_.NumSeries(); ++si) {
      double f = 0;
      HistogramPtr h;
      if (!input_.ValueAt(si, ts, &f, &h)) continue;
      if (h && a_.op != TokenType::kLimitk) {
        InfoIgnoredHistogram(ctx_, a_);
        continue;
      }
      Offer(&groups[input_.GroupOf(si)], input_.series(si), ts, f, h, k);
    }
    return Emit(&groups);
  }

  // A group's first sample is always taken. topk/bottomk then keep a heap of the best k (the
  // worst at the root, replaced by a better sample; NaN is worse than any number), limitk the
  // first k in input order. The sample (and its copy of the labels) is made only when taken:
  // most of a large input is not.
  void Offer(KGroup* g, const Series& s, int64_t ts, double f, const HistogramPtr& h, int64_t k) {
    auto sample = [&] { return Sample{s.metric, ts, f, h, s.drop_name}; };
    if (!g->seen) {
      g->seen = true;
      g->heap.reserve(static_cast<size_t>(k));
      g->heap.push_back(sample());
      return;
    }
    const bool full = static_cast<int64_t>(g->heap.size()) >= k;
    if (a_.op == TokenType::kLimitk) {
      if (!full) g->heap.push_back(sample());
      return;
    }
    const bool top = a_.op == TokenType::kTopk;
    KHeap heap{&g->heap, top ? ByValue : ByReverseValue};
    if (!full) {
      heap.Push(sample());
      return;
    }
    const double worst = g->heap[0].f;
    if ((top ? worst < f : worst > f) || (std::isnan(worst) && !std::isnan(f))) {
      g->heap[0] = sample();
      if (k > 1) heap.Fix(0);
    }
  }

  // The step's output: group by group, topk/bottomk best first (as Prometheus sorts its heaps
  // in reverse), limitk in input order.
  Vector Emit(std::vector<KGroup>* groups) const {
    Vector out;
    for (KGroup& g : *groups) {
      if (!g.seen) continue;
      if (a_.op == TokenType::kTopk && g.heap.size() > 1) SortReverse(&g.heap, ByValue);
      if (a_.op == TokenType::kBottomk && g.heap.size() > 1) SortReverse(&g.heap, ByReverseValue);
      for (Sample& s : g.heap) out.push_back(std::move(s));
    }
    return out;
  }

  const AggregateExpr& a_;
  AggregationInput& input_;
  QueryContext* ctx_;
  MatrixBuilder builder_;
};

}  // namespace

// Prometheus' rangeEvalAgg: count_values has its own path; the others evaluate their
// parameter and input once, group the input series once, then aggregate step by step (or,
// where that gives the same, series by series).
Matrix Evaluator::EvalAggregate(const AggregateExpr& a) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  if (a.op == TokenType::kCountValues) return EvalCountValues(this, a, std::move(grouping));

  const std::vector<double> params = EvalParam(this, a);
  if (!IsKAggregation(a.op)) {
    if (std::optional<Matrix> m = EvalAggregateOfRangeFunction(a, grouping, params)) return *std::move(m);
  }
  const Matrix in = Eval(*a.expr);
  AggregationInput input(in, grouping, a.without);
  if (IsKAggregation(a.op)) {
    KAggregation agg(a, &input, ctx_);
    ForEachStep(*this, [&](int64_t ts, size_t step) { agg.Step(ts, params[step]); });
    return agg.Finish();
  }
  if (a.op == TokenType::kQuantile) WarnInvalidQuantiles(params, a, ctx_);
  const auto steps = static_cast<size_t>(NumSteps());
  PlainAggregation agg(a, input.groups(), params, ctx_, start_, interval_, steps);
  if (FitsSeriesMajor(input.NumGroups(), steps) && !input.HasHistograms()) {
    for (size_t si = 0; si < input.NumSeries(); ++si) {
      if (si % 1024 == 0) ctx_->CheckInterrupt("expression evaluation");
      agg.FoldSeries(input.series(si), input.GroupOf(si));
    }
    agg.FinishSeriesMajor();
  } else {
    ForEachStep(*this, [&](int64_t ts, size_t step) { agg.Step(input, ts, step); });
  }
  return agg.Finish();
}

std::optional<Matrix> Evaluator::EvalAggregateOfRangeFunction(const AggregateExpr& a,
                                                              const std::vector<std::string>& grouping,
                                                              const std::vector<double>& params) {
  const Expr& arg = Unwrap(*a.expr);
  if (arg.kind != NodeKind::kCall) return std::nullopt;
  const Call& c = As<Call>(arg);
  const std::optional<size_t> range_arg = RangeArgument(c);
  if (!range_arg || Unwrap(*c.args[*range_arg]).kind != NodeKind::kMatrixSelector ||
      c.func->name == "absent_over_time") {
    return std::nullopt;
  }
  // What the step-by-step path starts from, should this one give up midway.
  const AnnotationSet annotations = *ctx_->annotations;
  const int64_t current = ctx_->current_samples, peak = ctx_->peak_samples, total = ctx_->total_samples;

  const auto steps = static_cast<size_t>(NumSteps());
  GroupIndex groups(grouping, a.without);
  PlainAggregation agg(a, groups, params, ctx_, start_, interval_, steps);
  DistinctLabelsets distinct(c, *range_arg, *ctx_);
  int64_t n = 0;
  struct GiveUp {};
  try {
    ForEachRangeFunctionSeries(c, *range_arg, [&](Series& s) {
      const size_t g = groups.Of(s.metric);
      if (!s.histograms.empty() || !FitsSeriesMajor(groups.size(), steps)) throw GiveUp{};
      agg.FoldSeries(s, g);
      distinct.Add(s.metric);
      n += static_cast<int64_t>(s.floats.size());
    });
    // Two series may have the same labels: the other path holds them to tell, and fails.
    if (distinct.MaybeDuplicates()) throw GiveUp{};
  } catch (const GiveUp&) {
    *ctx_->annotations = annotations;
    ctx_->current_samples = current;
    ctx_->peak_samples = peak;
    ctx_->total_samples = total;
    return std::nullopt;
  }
  // The function's output counts as if it were held, as on the step-by-step path.
  ctx_->AddSamples(n);
  if (a.op == TokenType::kQuantile) WarnInvalidQuantiles(params, a, ctx_);
  agg.FinishSeriesMajor();
  return agg.Finish();
}

}  // namespace promref::promql::internal
