// The evaluator behind Engine (internal): evaluates an expression over a range of steps
// [start, end] with an interval, producing a Matrix (one point per step and series), as
// Prometheus' evaluator does. Instant queries are one step.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/error.h"
#include "promql/ast.h"
#include "promql/engine.h"
#include "promql/internal/annotations.h"
#include "promql/value.h"
#include "storage/storage.h"

namespace promref::promql::internal {

// Thrown to abort an evaluation with an API error (execution, timeout, canceled, ...).
struct EvalAbort {
  Error error;
};

[[noreturn]] inline void Fail(ErrorKind kind, std::string message) {
  throw EvalAbort{Error(kind, std::move(message))};
}

// State shared by the evaluators of one query (subqueries get their own evaluator).
struct QueryContext {
  storage::Querier* querier = nullptr;
  AnnotationSet* annotations = nullptr;
  const EngineOptions* options = nullptr;
  int64_t lookback = 0;
  // The outer query's range, for @ start()/end() and the query-context functions.
  int64_t query_start = 0;
  int64_t query_end = 0;
  int64_t query_step = 0;  // 0 for instant queries
  std::chrono::steady_clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  int64_t current_samples = 0;
  int64_t peak_samples = 0;
  int64_t total_samples = 0;
  bool delayed_name_removal = false;

  void CheckInterrupt(const char* where) const;
  // The check made at every series a selector reads, with Prometheus' errors for it.
  void CheckExpanding() const;
  void AddSamples(int64_t n);  // fails with "too many samples" beyond the limit
};

// A sample source for range functions: one series' points inside a time span.
struct Point {
  int64_t t = 0;
  double f = 0;
  std::shared_ptr<const model::FloatHistogram> h;  // set for histogram samples
  // The start timestamp (ms), 0 = unknown. Read from storage only with use_start_timestamps,
  // and only for a selector's own samples: what a subquery or other expression gives has none.
  int64_t st = 0;
};

struct LoadedSeries {
  model::Labels labels;
  std::vector<Point> points;  // increasing t
  bool drop_name = false;
  // How many points were read from storage (stale markers included), which is what counts
  // towards the query's samples while the selection runs.
  size_t read_points = 0;
  // What range functions would otherwise find again in every window of a range query, each
  // rescanning the points its neighbours did (PrepareForWindows in functions.h fills them in;
  // `indexed` false: nothing is known).
  bool indexed = false;
  bool has_histograms = false;
  bool has_floats = false;
  // irregular_pairs[i]: how many j in [1, i] have points[j-1], points[j] not a plain float
  // increase (a counter reset, a start-time overlap, or a histogram in the pair). Filled in
  // (`pairs_indexed`) only for the functions that read it.
  bool pairs_indexed = false;
  std::vector<uint32_t> irregular_pairs;
  // Set when the loading thread has already evaluated a range function's windows over this
  // series (ForEachSelected's `ahead`): the function's output points.
  bool evaluated = false;
  std::vector<FPoint> evaluated_points;
};

struct FunctionCall;  // functions.h
// A function of one float sample's value at a step (abs, round, clamp, ...): nullopt drops the
// sample. The evaluator applies it series by series, skips histograms and drops the name.
using ElementwiseFunction = std::optional<double> (*)(double v, const FunctionCall& fc);

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
      : ctx_(ctx), start_(start), end_(end), interval_(interval) {}

  // Evaluates a non-string expression.
  Matrix Eval(const Expr& e);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  int NumSteps() const { return static_cast<int>((end_ - start_) / interval_) + 1; }
  QueryContext* ctx() const { return ctx_; }

  // The raw samples of a range selector or subquery at the single step of this evaluator
  // (a top-level range vector in an instant query).
  Matrix EvalRangeVectorAtStart(const Expr& e);

 private:
  // Eval without the sample accounting of the finished node.
  Matrix EvalNode(const Expr& e);
  Matrix EvalNumber(double v);
  Matrix EvalVectorSelector(const VectorSelector& vs);
  // A `smoothed` selector (experimental): interpolated between the samples around each step.
  Matrix EvalSmoothedSelector(const VectorSelector& vs);
  Matrix EvalUnary(const UnaryExpr& u);
  Matrix EvalBinary(const BinaryExpr& b);
  Matrix EvalAggregate(const AggregateExpr& a);
  Matrix EvalCall(const Call& c);
  Matrix EvalRangeFunction(const Call& c, size_t matrix_arg);
  // The output series of a range function over its matrix argument (a matrix selector or a
  // subquery), one at a time in the order EvalRangeFunction returns them (those with at least
  // one point), each given to `emit`, which may take from it. absent_over_time's series are
  // those of its input's windows. No labelset check and no sample accounting: callers do both.
  void ForEachRangeFunctionSeries(const Call& c, size_t matrix_arg, const std::function<void(Series&)>& emit);
  // An aggregation (sum, avg, ...; not topk and the like) of a range function over a matrix
  // selector, folded series by series as the function gives them, without the function's
  // output matrix. The same result, annotations and sample accounting as the step-by-step
  // path. nullopt when it does not apply, or gives up midway (a series holds histograms, the
  // groups are too many to hold every step's aggregate, two series may share labels): the
  // annotations and sample counts are then as they were before it started.
  std::optional<Matrix> EvalAggregateOfRangeFunction(const AggregateExpr& a,
                                                     const std::vector<std::string>& grouping,
                                                     const std::vector<double>& params);
  // An element-wise function (abs, round, ...) over its evaluated arguments series by series,
  // each output series' labels worked out once. nullopt when two input series would end up
  // with the same labels: the step-by-step path then merges them, or fails, as Prometheus does.
  std::optional<Matrix> EvalElementwise(ElementwiseFunction f, const std::vector<Matrix>& args,
                                        FunctionCall* fc);
  // timestamp() or start_timestamp() of a vector selector: of the sample each step reads.
  Matrix EvalTimestampOfSelector(const Call& c, const VectorSelector& vs);
  Matrix EvalInfo(const Call& c);

  // Loads the series a selector picks with their points in (mint, maxt].
  std::vector<LoadedSeries> Select(const VectorSelector& vs, int64_t mint, int64_t maxt);
  // The same one series at a time, in one reused buffer: a query that reduces each series
  // right away never holds every series' raw points at once (hundreds of MB on large ranges,
  // and as many fresh pages to fault in).
  // For a range function (`for_range` set), the series come ready for windows: stale markers
  // dropped and the points indexed (PrepareForWindows, with the pair index when *for_range), work
  // done on the loading thread rather than the evaluating one.
  // `ahead` (for_range only): work on a loaded series that gives the same result on either
  // thread, which the loading thread may do (SeriesPrefetcher::Ahead, as
  // EngineOptions::evaluate_ahead says).
  void ForEachSelected(const VectorSelector& vs, int64_t mint, int64_t maxt,
                       const std::function<void(LoadedSeries&)>& fn,
                       std::optional<bool> for_range = std::nullopt,
                       std::function<void(LoadedSeries*)> ahead = nullptr);
  // Evaluates a subquery's inner expression at its own steps; returns the points and sets
  // *range/*offset/*at for windowing.
  std::vector<LoadedSeries> EvalSubqueryPoints(const SubqueryExpr& sq);

  // The reference time (ms) of a selector or subquery at step ts: @ pins it, offset shifts it.
  int64_t RefTime(const TimeModifiers& mods, int64_t ts) const;
  int64_t OffsetOf(const TimeModifiers& mods) const;
  int64_t RangeOf(const MatrixSelector& m) const;
  // How many steps `points` samples can give a value to when each reaches `window` ms ahead:
  // what to reserve for a selector's or range function's output series.
  size_t StepsReached(size_t points, int64_t window) const;

  QueryContext* ctx_;
  int64_t start_;
  int64_t end_;
  int64_t interval_;
};

// Evaluates a duration expression (step(), range(), arithmetic) to milliseconds for the
// query; fails with an execution error when the result is not a valid duration.
int64_t EvalDurationExpr(const Expr& e, const QueryContext& ctx);

// Prometheus evaluates every duration expression of selectors and subqueries (offsets, ranges,
// subquery steps) once, when it prepares the query: the first that is invalid for this query
// (a range or step not above zero, NaN, out of range, a division by zero) as its error text,
// "" when all are valid.
std::string CheckDurationExprs(const Expr& root, const QueryContext& ctx);

// Whether the selectors on every vector-producing path of info()'s first argument share one
// reference time (@ and offset): info() then reads its info series at that time at every
// step, and is step invariant when its argument is (Prometheus' infoSelectTimestampAndOffset).
bool InfoInputsShareReference(const Expr& e, const QueryContext& ctx);

// --- Helpers shared with the function implementations -------------------------------------

// Prometheus' check that a range function's output holds no two series with the same labels,
// which dropping the metric name can cause. Not made where it cannot fail: with delayed name
// removal, or when the function keeps the labels of a selector's (distinct) series. It keeps
// the labels' hashes only: a query's output series need not be held to be checked.
class DistinctLabelsets {
 public:
  DistinctLabelsets(const Call& c, size_t matrix_arg, const QueryContext& ctx);
  void Add(const model::Labels& metric) {
    if (check_) hashes_.push_back(metric.Hash());
  }
  // Whether two of the label sets added may be the same: two share a hash. Only then does
  // the caller compare the label sets themselves (Check).
  bool MaybeDuplicates();
  // Fails the query if two of `series` have the same labels.
  static void Check(const Matrix& series);

 private:
  bool check_;
  std::vector<uint64_t> hashes_;
};

// Deletes the metric name and the other metadata labels that go with it (__type__, __unit__).
void DropMetadataLabels(model::LabelsBuilder* b);
// The same for a label set.
model::Labels WithoutMetadataLabels(const model::Labels& l);

// Removes __name__ (and __type__/__unit__) now, or marks it for removal at the end (delayed
// name removal).
void DropMetricName(Sample* s, bool delayed);
void DropMetricName(Series* s, bool delayed);
// Sets s->metric to `metric` as DropMetricName would leave it, without a copy to drop from.
void SetMetricWithoutName(Series* s, const model::Labels& metric, bool delayed);

// Appends a point for step `ts` to a series, float or histogram.
void AddPoint(Series* s, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h);

// One series' point at a step: its index in the matrix and its value.
struct StepPoint {
  size_t series = 0;
  double f = 0;                                                     // 0 for histograms
  const std::shared_ptr<const model::FloatHistogram>* h = nullptr;  // set for histograms
};

// The points of a matrix at step `ts`, in matrix order, without copying labels. `cursors` is
// as for VectorAt.
void PointsAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors, std::vector<StepPoint>* out);

// The input vector of a matrix at step `ts` (series with a point there). `cursors` carries the
// read position per series from step to step (steps must be visited in increasing order);
// `series_index`, when given, receives the matrix index of each returned sample.
Vector VectorAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors,
                std::vector<size_t>* series_index = nullptr);

}  // namespace promref::promql::internal
