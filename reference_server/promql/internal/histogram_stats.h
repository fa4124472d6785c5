// Read-only statistics over one native histogram, as Prometheus 3.16 computes them for
// histogram_quantile, histogram_fraction, histogram_avg, histogram_stddev and histogram_stdvar
// (internal to the engine). Pure functions: the caller words and positions the annotations
// the result flags ask for.
//
// Every result is the same float64 as Prometheus' for the same histogram: the buckets are
// visited in the same order, the arithmetic is done in the same order, and logarithms and
// powers of two are Go's (GoLog2, GoExp2), not the C library's.
#pragma once

#include "model/histogram.h"

namespace promref::promql::internal {

// histogram_quantile of a native histogram (Prometheus' HistogramQuantile).
//
// q < 0 gives -Inf, q > 1 gives +Inf (both before anything else), then NaN when the count is
// 0 or q is NaN. (The "quantile value should be between 0 and 1" warning for such q is the
// caller's, as it is once per call, not per histogram.) The rank is found from below for
// q < 0.5 and from above otherwise, except that a histogram whose sum is NaN (it may have NaN
// observations, which only the count holds) is always walked from below. Inside an exponential
// bucket the value is interpolated on a log2 scale; inside the zero bucket and custom buckets
// linearly. In the zero bucket, 0 is the lower bound when the histogram has only positive
// buckets and the upper bound when it has only negative ones. For custom buckets the first
// bucket reaches from 0 to its upper bound when that is positive, else the result is its upper
// bound; a result in the +Inf bucket is that bucket's lower bound.
struct HistogramQuantileResult {
  double value = 0;
  // Info "input to histogram_quantile has NaN observations, result is NaN": the rank lies
  // above every bucket and the sum is NaN (the value is NaN then).
  bool nan_result = false;
  // Info "input to histogram_quantile has NaN observations, result is skewed higher": the sum
  // is NaN and the buckets hold fewer observations than the count.
  bool nan_skew = false;
};
HistogramQuantileResult HistogramQuantile(double q, const model::FloatHistogram& h);

// histogram_fraction of a native histogram (Prometheus' HistogramFraction): the share of the
// count between lower and upper, interpolated inside the buckets the bounds fall in as
// HistogramQuantile interpolates. NaN when the count is 0 or a bound is NaN, then 0 when
// lower >= upper. A bound inside a bucket with an infinite bound is not interpolated: the
// observations of the first custom bucket (from -Inf, upper bound <= 0) all lie below it,
// those of the +Inf bucket all above it. NaN observations count in no bucket, so the
// fraction of (-Inf, +Inf) is then below 1.
struct HistogramFractionResult {
  double value = 0;
  // Info "input to histogram_fraction has NaN observations, which are excluded from all
  // fractions": the sum is NaN and the buckets hold fewer observations than the count.
  bool nan_observations = false;
};
HistogramFractionResult HistogramFraction(double lower, double upper, const model::FloatHistogram& h);

// histogram_avg: sum / count.
double HistogramAvg(const model::FloatHistogram& h);

// histogram_stdvar: the count-weighted mean of (m - sum/count)^2 over the non-empty buckets,
// m being a bucket's midpoint: the geometric mean of its bounds for exponential buckets
// (negated for negative buckets), 0 for the zero bucket, the arithmetic mean for custom
// buckets (infinite for the first and the last custom bucket, so observations in them make
// the result +Inf). Summed with Kahan-Neumaier compensation in bucket order; NaN for an empty
// histogram.
double HistogramStdVar(const model::FloatHistogram& h);
// histogram_stddev: the square root of HistogramStdVar.
double HistogramStdDev(const model::FloatHistogram& h);

}  // namespace promref::promql::internal
