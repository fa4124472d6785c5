// The parts of the aggregations (internal) that more than one evaluation path uses: the
// grouping of input series, and the value aggregations (sum, avg, min, max, count, group,
// stddev, stdvar, quantile: Prometheus' `aggregation`), which fold either step by step over a
// whole input matrix or series by series as the series come (eval_aggregate.cpp decides).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "promql/ast.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/histogram_sum.h"
#include "promql/value.h"

namespace promref::promql::internal {

using HistogramPtr = std::shared_ptr<const model::FloatHistogram>;

// The aggregations that take floats only: a histogram is skipped with an info annotation.
bool IgnoresHistograms(TokenType op);

// Prometheus' "ignored histogram in <op> aggregation" info: at the aggregated expression, but
// at the whole aggregation for topk and bottomk (their code path in Prometheus is another).
void InfoIgnoredHistogram(QueryContext* ctx, const AggregateExpr& a);

// An aggregation's output groups, numbered in the order their first series came.
class GroupIndex {
 public:
  GroupIndex(const std::vector<std::string>& grouping, bool without)
      : grouping_(grouping), without_(without) {}

  // The group of a series with labels `metric`, added when it is the first of its group.
  size_t Of(const model::Labels& metric);
  size_t size() const { return labels_.size(); }
  const model::Labels& labels(size_t g) const { return labels_[g]; }

 private:
  const std::vector<std::string>& grouping_;  // sorted
  bool without_;
  std::unordered_map<model::Labels, size_t, model::LabelsHash> index_;
  std::vector<model::Labels> labels_;
};

// The input series of an aggregation and their groups. Which group each series belongs to is
// worked out once for all steps (as rangeEvalAgg does), not at every step; the cursors carry
// each series' read position from step to step.
class AggregationInput {
 public:
  AggregationInput(const Matrix& in, const std::vector<std::string>& grouping, bool without);

  size_t NumSeries() const { return in_.size(); }
  const GroupIndex& groups() const { return groups_; }
  size_t NumGroups() const { return groups_.size(); }
  const Series& series(size_t si) const { return in_[si]; }
  size_t GroupOf(size_t si) const { return group_of_[si]; }
  bool HasHistograms() const;

  // The value of series `si` at step `ts`, if it has one there: a float (with *h reset) or a
  // histogram (with *f untouched). Steps must be visited in increasing order.
  bool ValueAt(size_t si, int64_t ts, double* f, HistogramPtr* h);

 private:
  const Matrix& in_;
  GroupIndex groups_;
  std::vector<size_t> group_of_;  // by input series
  std::vector<size_t> cursors_;   // float and histogram read position, by input series
};

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

// Computes one value per group and step; each group of `groups` is one output series,
// labelled with its grouping labels. Every (step, group) meets its samples in input order
// (the first one starts it), whichever fold is used, so both give the same bits: Kahan sums
// and incremental means depend on that order.
class PlainAggregation {
 public:
  // `params`: φ of quantile by step. Steps are start, start + interval, ... (`steps` of them).
  PlainAggregation(const AggregateExpr& a, const GroupIndex& groups, const std::vector<double>& params,
                   QueryContext* ctx, int64_t start, int64_t interval, size_t steps);

  // Step by step: folds the step's samples of every input series into their groups, then
  // appends each group's result to its output series. Steps in increasing order.
  void Step(AggregationInput& input, int64_t ts, size_t step);

  // Series by series, with the loops swapped: a series' float points go into per-(group,
  // step) running aggregates in one sweep, instead of one cursor hop per series and step (with
  // many series, most of an aggregation's time went to those cache misses); FinishSeriesMajor
  // then emits every step. For inputs of floats only, `group` of `groups`.
  void FoldSeries(const Series& s, size_t group);
  void FinishSeriesMajor();
  // How many running aggregates the series-major fold holds per group (one per step); it
  // holds at most kMaxRunningGroups in all.
  static constexpr size_t kMaxRunningGroups = size_t{1} << 16;
  size_t steps() const { return steps_; }

  // The output series that got a point, counted towards the query's samples.
  Matrix Finish();

 private:
  void Fold(Group* g, const Series& s, double f, const HistogramPtr& h);
  // FoldSeries' sweep: `add(g, f)` folds a float into a started group.
  template <typename Add>
  void FoldFloats(const Series& s, Group* row, Add add);
  void EmitStep(Group* first, size_t stride, int64_t ts, size_t step);
  void Start(Group* g, double f, const HistogramPtr& h);
  void Accumulate(Group* g, double f, const HistogramPtr& h);
  static void AccumulateAvg(Group* g, double f);
  void SumHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric);
  void AvgHistogram(Group* g, const model::FloatHistogram& h, const model::Labels& metric);
  void Checked(Group* g, const model::HistogramOpResult& r, const model::Labels& metric);
  static void AccumulateVariance(Group* g, double f);
  std::optional<GroupValue> Result(Group* g, size_t step);
  std::optional<GroupValue> SumOrAvg(Group* g);
  // Output series for the groups added since the last call.
  void AddNewGroups();

  const AggregateExpr& a_;
  const GroupIndex& groups_;
  const std::vector<double>& params_;
  QueryContext* ctx_;
  int64_t start_;
  int64_t interval_;
  size_t steps_;
  std::vector<Series> out_;           // by group
  std::vector<Group> by_group_step_;  // series-major running aggregates: [group * steps + step]
  const Series* current_ = nullptr;   // the input series being folded in
};

}  // namespace promref::promql::internal
