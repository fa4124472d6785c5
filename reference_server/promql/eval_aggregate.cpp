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

using HistogramPtr = std::shared_ptr<const model::FloatHistogram>;

// The aggregations that select input samples (keeping their labels) instead of computing one
// value per group: Prometheus runs them through aggregationK rather than aggregation.
bool IsKAggregation(TokenType op) {
  return op == TokenType::kTopk || op == TokenType::kBottomk || op == TokenType::kLimitk ||
         op == TokenType::kLimitRatio;
}

// The aggregations that take floats only: a histogram is skipped with an info annotation.
bool IgnoresHistograms(TokenType op) {
  return op == TokenType::kMin || op == TokenType::kMax || op == TokenType::kStddev ||
         op == TokenType::kStdvar || op == TokenType::kQuantile;
}

// Prometheus' "ignored histogram in <op> aggregation" info: at the aggregated expression, but
// at the whole aggregation for topk and bottomk (their code path in Prometheus is another).
void InfoIgnoredHistogram(QueryContext* ctx, const AggregateExpr& a) {
  const bool whole = a.op == TokenType::kTopk || a.op == TokenType::kBottomk;
  ctx->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                         whole ? a.pos : a.expr->pos);
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

// The input series of an aggregation and their groups. Which group each series belongs to is
// worked out once for all steps (as rangeEvalAgg does), not at every step; the cursors carry
// each series' read position from step to step.
class AggregationInput {
 public:
  AggregationInput(const Matrix& in, const std::vector<std::string>& grouping, bool without)
      : in_(in), group_of_(in.size()), cursors_(in.size() * 2, 0) {
    std::unordered_map<model::Labels, size_t, model::LabelsHash> index;
    for (size_t i = 0; i < in.size(); ++i) {
      model::Labels key = GroupingLabels(in[i].metric, grouping, without);
      auto [it, inserted] = index.try_emplace(key, group_labels_.size());
      if (inserted) group_labels_.push_back(std::move(key));
      group_of_[i] = it->second;
    }
  }

  size_t NumSeries() const { return in_.size(); }
  size_t NumGroups() const { return group_labels_.size(); }
  const Series& series(size_t si) const { return in_[si]; }
  size_t GroupOf(size_t si) const { return group_of_[si]; }
  const model::Labels& GroupLabels(size_t g) const { return group_labels_[g]; }

  // The value of series `si` at step `ts`, if it has one there: a float (with *h reset) or a
  // histogram (with *f untouched). Steps must be visited in increasing order.
  bool ValueAt(size_t si, int64_t ts, double* f, HistogramPtr* h) {
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

 private:
  const Matrix& in_;
  std::vector<size_t> group_of_;  // by input series
  std::vector<model::Labels> group_labels_;
  std::vector<size_t> cursors_;  // float and histogram read position, by input series
};

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
      const Series& s = input_.series(si);
      Offer(&groups[input_.GroupOf(si)], Sample{s.metric, ts, f, h, s.drop_name}, k);
    }
    return Emit(&groups);
  }

  // A group's first sample is always taken. topk/bottomk then keep a heap of the best k (the
  // worst at the root, replaced by a better sample; NaN is worse than any number), limitk the
  // first k in input order.
  void Offer(KGroup* g, Sample s, int64_t k) {
    if (!g->seen) {
      g->seen = true;
      g->heap.reserve(static_cast<size_t>(k));
      g->heap.push_back(std::move(s));
      return;
    }
    const bool full = static_cast<int64_t>(g->heap.size()) >= k;
    if (a_.op == TokenType::kLimitk) {
      if (!full) g->heap.push_back(std::move(s));
      return;
    }
    const bool top = a_.op == TokenType::kTopk;
    KHeap heap{&g->heap, top ? ByValue : ByReverseValue};
    if (!full) {
      heap.Push(std::move(s));
      return;
    }
    const double worst = g->heap[0].f;
    if ((top ? worst < s.f : worst > s.f) || (std::isnan(worst) && !std::isnan(s.f))) {
      g->heap[0] = std::move(s);
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

// --- sum, avg, min, max, count, group, stddev, stdvar, quantile (Prometheus' aggregation) ---

// One group's running aggregate at a step.
struct Group {
  bool seen = false;
  bool drop_name = false;  // any member's name is to be dropped (delayed name removal)
  double value = 0;
  double kahan = 0;
  double mean = 0;
  double count = 0;
  bool incremental_mean = false;
  bool has_float = false;
  bool has_histogram = false;
  std::vector<double> values;  // quantile
  // sum and avg of native histograms (none when the group began with a float).
  std::optional<HistogramSum> hsum;
  bool incompatible_histograms = false;  // exponential met custom buckets: no result
};

// The value of a group at a step.
struct GroupValue {
  double f = 0;
  HistogramPtr h;
};

// Computes one value per group and step; each group is one output series, labelled with its
// grouping labels.
class PlainAggregation {
 public:
  PlainAggregation(const AggregateExpr& a, AggregationInput* input, const std::vector<double>& params,
                   QueryContext* ctx)
      : a_(a), input_(*input), params_(params), ctx_(ctx), out_(input->NumGroups()) {
    for (size_t g = 0; g < out_.size(); ++g) out_[g].metric = input->GroupLabels(g);
  }

  // Folds the step's samples into their groups in input order (the first one starts the
  // group), then appends each group's result to its output series.
  void Step(int64_t ts, size_t step) {
    std::vector<Group> groups(input_.NumGroups());
    for (size_t si = 0; si < input_.NumSeries(); ++si) {
      double f = 0;
      HistogramPtr h;
      if (input_.ValueAt(si, ts, &f, &h)) Fold(&groups[input_.GroupOf(si)], si, f, h);
    }
    EmitStep(groups.data(), ts, step);
  }

  // Whether AllSteps may replace Step: only floats in the input, and few enough groups × steps
  // to hold every running aggregate at once.
  bool FitsSeriesMajor(size_t steps) const {
    constexpr size_t kMaxRunningGroups = size_t{1} << 16;
    if (input_.NumGroups() == 0 || steps > kMaxRunningGroups / input_.NumGroups()) return false;
    for (size_t si = 0; si < input_.NumSeries(); ++si) {
      if (!input_.series(si).histograms.empty()) return false;
    }
    return true;
  }

  // Step at every step, with the loops swapped: each input series is read in one sweep into
  // per-(step, group) running aggregates, instead of one cursor hop per series and step (with
  // many series, most of an aggregation's time went to those cache misses). Every (step,
  // group) still meets its samples in input order, so the results are the same bits as Step's.
  void AllSteps(int64_t start, int64_t interval, size_t steps) {
    const size_t ng = input_.NumGroups();
    std::vector<Group> groups(steps * ng);
    for (size_t si = 0; si < input_.NumSeries(); ++si) {
      if (si % 1024 == 0) ctx_->CheckInterrupt("expression evaluation");
      for (const FPoint& p : input_.series(si).floats) {
        const int64_t offset = p.t - start;
        const auto step = static_cast<size_t>(offset / interval);
        if (offset < 0 || offset % interval != 0 || step >= steps) continue;  // off the steps
        Fold(&groups[step * ng + input_.GroupOf(si)], si, p.f, nullptr);
      }
    }
    for (size_t step = 0; step < steps; ++step) {
      EmitStep(&groups[step * ng], start + static_cast<int64_t>(step) * interval, step);
    }
  }

  // The output series that got a point, counted towards the query's samples.
  Matrix Finish() {
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

 private:
  // Folds input series `si`'s sample at a step into its group's running aggregate at that step.
  void Fold(Group* g, size_t si, double f, const HistogramPtr& h) {
    if (g->seen && g->incompatible_histograms) return;
    if (input_.series(si).drop_name) g->drop_name = true;
    si_ = si;
    if (g->seen) {
      Accumulate(g, f, h);
    } else {
      Start(g, f, h);
    }
  }

  // Appends each started group's result at the step (`groups`: the step's, by group).
  void EmitStep(Group* groups, int64_t ts, size_t step) {
    for (size_t gi = 0; gi < input_.NumGroups(); ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      const std::optional<GroupValue> v = Result(&g, step);
      if (!v) continue;
      AddPoint(&out_[gi], ts, v->f, v->h);
      if (g.drop_name) out_[gi].drop_name = true;
    }
  }

  // A group's first sample of the step. A histogram the aggregation ignores leaves the group
  // unstarted, so that its next sample starts it afresh.
  void Start(Group* g, double f, const HistogramPtr& h) {
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
  void Accumulate(Group* g, double f, const HistogramPtr& h) {
    if (h && IgnoresHistograms(a_.op)) {
      InfoIgnoredHistogram(ctx_, a_);
      return;
    }
    switch (a_.op) {
      case TokenType::kSum:
        if (h) {
          SumHistogram(g, *h, input_.series(si_).metric);
        } else {
          g->has_float = true;
          KahanSumInc(f, &g->value, &g->kahan);
        }
        break;
      case TokenType::kAvg:
        g->count += 1;
        if (h) {
          AvgHistogram(g, *h, input_.series(si_).metric);
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
  static void AccumulateAvg(Group* g, double f) {
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
  void SumHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric) {
    g->has_histogram = true;
    if (g->hsum) Checked(g, g->hsum->Add(h), metric);
  }

  // avg of histograms (g->count already includes h).
  void AvgHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric) {
    g->has_histogram = true;
    if (g->hsum) Checked(g, g->hsum->AddToMean(h, g->count), metric);
  }

  // The annotations of one histogram addition; a mix of schemas leaves the group no result.
  void Checked(Group* g, const model::HistogramOpResult& r, const model::Labels& metric) {
    FailOnInvalidLayout(r);
    if (r.error == model::HistogramOpError::kMixedSchemas) {
      ctx_->annotations->Warn(MixedSchemasText(metric.MetricName()), a_.expr->pos);
      g->incompatible_histograms = true;
    } else if (r.nhcb_bounds_reconciled) {
      ctx_->annotations->Info(ReconciledBucketsText("aggregation"), a_.expr->pos);
    }
  }

  // stddev/stdvar: Welford's online update of the mean and the sum of squared deviations.
  static void AccumulateVariance(Group* g, double f) {
    g->count += 1;
    const double delta = f - g->mean;
    g->mean += delta / g->count;
    g->value += delta * (f - g->mean);
  }

  // A started group's value at the step; nullopt when the group has no result.
  std::optional<GroupValue> Result(Group* g, size_t step) {
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
  std::optional<GroupValue> SumOrAvg(Group* g) {
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

  const AggregateExpr& a_;
  AggregationInput& input_;
  const std::vector<double>& params_;
  QueryContext* ctx_;
  std::vector<Series> out_;  // by group
  size_t si_ = 0;            // the input series being folded in
};

}  // namespace

// Prometheus' rangeEvalAgg: count_values has its own path; the others evaluate their
// parameter and input once, group the input series once, then aggregate step by step.
Matrix Evaluator::EvalAggregate(const AggregateExpr& a) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  if (a.op == TokenType::kCountValues) return EvalCountValues(this, a, std::move(grouping));

  const std::vector<double> params = EvalParam(this, a);
  const Matrix in = Eval(*a.expr);
  AggregationInput input(in, grouping, a.without);
  if (IsKAggregation(a.op)) {
    KAggregation agg(a, &input, ctx_);
    ForEachStep(*this, [&](int64_t ts, size_t step) { agg.Step(ts, params[step]); });
    return agg.Finish();
  }
  if (a.op == TokenType::kQuantile) WarnInvalidQuantiles(params, a, ctx_);
  PlainAggregation agg(a, &input, params, ctx_);
  const auto steps = static_cast<size_t>(NumSteps());
  if (agg.FitsSeriesMajor(steps)) {
    agg.AllSteps(start_, interval_, steps);
  } else {
    ForEachStep(*this, [&](int64_t ts, size_t step) { agg.Step(ts, step); });
  }
  return agg.Finish();
}

}  // namespace promref::promql::internal
