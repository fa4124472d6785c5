// Implementations of the PromQL functions (internal to the engine). The evaluator does the
// plumbing (evaluating arguments step by step, windowing range vectors); these compute one
// step's result.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/sample.h"
#include "promql/ast.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/window_sums.h"

namespace promref::promql::internal {

// One step of a call whose arguments are instant vectors, scalars and strings.
struct FunctionCall {
  const Call* call = nullptr;
  int64_t ts = 0;
  std::vector<const Vector*> vectors;  // by argument index; null for non-vector arguments
  std::vector<double> scalars;         // by argument index
  std::vector<std::string> strings;    // by argument index
  QueryContext* ctx = nullptr;
};

// A call's argument slots, empty, sized to its arguments.
FunctionCall NewFunctionCall(const Call& c, QueryContext* ctx);

using VectorFunction = Vector (*)(const FunctionCall& fc);
// nullptr when `name` is not evaluated this way.
VectorFunction FindVectorFunction(std::string_view name);

// ElementwiseFunction (evaluator.h); nullptr when `name` is not evaluated this way.
ElementwiseFunction FindElementwiseFunction(std::string_view name);

// One series' window for a range function at one step.
struct Window {
  const LoadedSeries* series = nullptr;
  std::span<const Point> points;  // in (range_start, range_end], stale markers removed
  int64_t range_start = 0;
  int64_t range_end = 0;
  int64_t range = 0;
  // Extended range selectors (experimental): `points` then also holds the samples up to one
  // lookback delta before range_start (anchored, smoothed) and after range_end (smoothed).
  bool anchored = false;
  bool smoothed = false;
  // range_start minus the lookback delta: the earliest start an anchored or smoothed range lets
  // a counter's start timestamp have for its value to count from zero at that start.
  int64_t lookback_start = 0;
};

// Prometheus' extendFloats: the points of an anchored or smoothed range in
// [range_start, range_end], with a synthetic point on each boundary (the sample at or before
// it, or for smoothed the value interpolated there). Empty when no sample is inside the range.
std::vector<Point> ExtendFloats(std::span<const Point> points, int64_t range_start, int64_t range_end,
                                bool smoothed);

// Prometheus' interpolate: the value at t on the line between two float points; a counter
// that went down is taken to have restarted from zero.
double InterpolateFloats(const Point& p1, const Point& p2, int64_t t, bool is_counter);

// Prometheus' interpolateHistograms: the histogram at t between two histogram points, p1 +
// (p2 - p1) * fraction, or for a counter that reset between them p2 * fraction (restarted
// from zero); either point itself at its own time. `h` is empty when the two mix exponential
// and custom buckets; an invalid layout fails the query.
struct InterpolatedHistogram {
  std::optional<model::FloatHistogram> h;
  bool sub_reconciled = false;  // custom bucket bounds were reconciled subtracting p1
  bool add_reconciled = false;  // ... adding it back
};
InterpolatedHistogram InterpolateHistograms(const Point& p1, const Point& p2, int64_t t, bool is_counter);

struct RangeResult {
  bool present = false;
  double f = 0;
  std::shared_ptr<const model::FloatHistogram> h;
};

// `scalars` holds the call's scalar arguments at this step, by argument index.
using RangeFunction = RangeResult (*)(const Window& w, const FunctionCall& fc);
// Readies a series' points for a range function's windows: drops its stale markers (they never
// enter a window) and fills in its index (LoadedSeries::indexed and what it guards), with the
// index of irregular pairs when `pairs` (what the function needs: ReadsPairIndex).
void PrepareForWindows(LoadedSeries* ls, bool pairs);

// PrepareForWindows done point by point as a series is read, so that the points are written
// once: Add (or AddFloats) each point in time order, then Finish.
class WindowIndexBuilder {
 public:
  // Starts `ls` over with no points.
  WindowIndexBuilder(LoadedSeries* ls, bool pairs);
  void Add(Point p);
  // Add of n float samples without start timestamps, the common case: the vectors grow once,
  // and the loop keeps their ends in registers (a push_back per sample reloads them, as its
  // stores might alias them).
  void AddFloats(const int64_t* t, const double* v, size_t n);
  void Finish();

 private:
  LoadedSeries* ls_;
  bool pairs_;
  uint32_t irregular_ = 0;
  bool has_floats_ = false, has_histograms_ = false;
};

// Whether the neighbouring points prev, cur are not a plain float increase: a counter reset, a
// start-time overlap, or a histogram in the pair (LoadedSeries::irregular_pairs counts them).
bool IrregularPair(const Point& prev, const Point& cur);
bool ReadsPairIndex(std::string_view function);
// Whether a range function's value over a window of float samples (no histograms, no start
// timestamps, not anchored or smoothed) depends on the window's points alone: no scalar
// arguments, no annotations, no errors. Such windows may be evaluated on any thread.
bool PureOnFloatWindows(std::string_view function);
RangeFunction FindRangeFunction(std::string_view name);

// The windows of one float series (no histograms) at the steps of a range query, for a range
// function's form over all of them at once.
struct FloatWindows {
  std::span<const Point> points;
  std::span<const WindowSpan> spans;  // each window's points
  std::span<const int64_t> ends;      // each window's range end; its start is end - range
  int64_t range = 0;
  // LoadedSeries::irregular_pairs when the series has them (pairs_indexed), else empty.
  std::span<const uint32_t> irregular_pairs;
};

// A range function's form for all the windows of a float series at once: out[k] is the value
// its RangeFunction gives for window k (not anchored or smoothed), with the same bits.
struct FloatWindowsFunction {
  void (*fn)(const FloatWindows& w, double* out) = nullptr;
  // Windows with fewer points have no value (rate needs two) and must not be passed.
  uint32_t min_points = 1;
  // Whether the points' start timestamps would change the values: then points with start
  // timestamps must go through the RangeFunction instead.
  bool reads_start_timestamps = false;
  explicit operator bool() const { return fn != nullptr; }
};
// No fn when `name` has no such form.
FloatWindowsFunction FindFloatWindowsFunction(std::string_view name);
// rate, increase and delta (functions_rate.cpp).
FloatWindowsFunction FindRateWindowsFunction(std::string_view name);

// Whether the function keeps the input's metric name (last_over_time, first_over_time).
bool RangeFunctionKeepsName(std::string_view name);

// Prometheus' quantile over values (NaN sorts first; φ outside [0, 1] gives ∓Inf).
double Quantile(double q, std::vector<double> values);

// Where an annotation about argument i of c points. A subquery has none: Prometheus replaces it
// by its evaluated matrix, which has no position, before the function runs.
PositionRange ArgPosition(const Call& c, size_t i);

// Labels for absent()/absent_over_time() from a selector argument's matchers.
model::Labels LabelsForAbsent(const Expr& arg);

}  // namespace promref::promql::internal
