// The buckets of a native histogram, with their bounds: what quantile, fraction and
// statistics functions, the JSON renderer and the test comparison iterate over.
//
// Bounds follow Prometheus' getBound: an exponential bucket with index i covers
// (2^((i-1)/2^schema), 2^(i/2^schema)] (mirrored for negative buckets); the last finite
// bucket ends at the largest float64 and the one after it counts ±Inf. A custom-bucket
// (schema -53) bucket i covers (custom_values[i-1], custom_values[i]], the first from -Inf,
// the one past the last bound up to +Inf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/histogram.h"

namespace promref::model {

struct HistogramBucket {
  double lower = 0;
  double upper = 0;
  bool lower_inclusive = false;
  bool upper_inclusive = false;
  double count = 0;
  int32_t index = 0;  // meaningless for the zero bucket
};

// The upper bound of bucket `index` in `schema` (custom_values for schema -53; index -1 is
// -Inf there and index custom_values.size() is +Inf).
double HistogramBucketUpperBound(int32_t index, int32_t schema, const std::vector<double>& custom_values);

// Positive buckets in ascending order, every bucket the spans hold (empty ones included).
std::vector<HistogramBucket> PositiveBuckets(const FloatHistogram& h);
// Negative buckets from the one nearest zero outwards (descending bounds), as Go's
// NegativeBucketIterator.
std::vector<HistogramBucket> NegativeBuckets(const FloatHistogram& h);

// Every bucket in ascending order of bounds: negative buckets, the zero bucket when its count
// is above zero, positive buckets; a bucket that overlaps the zero bucket is clipped at the
// zero threshold (Go's AllBucketIterator).
std::vector<HistogramBucket> AllBuckets(const FloatHistogram& h);

// The zero bucket [-threshold, threshold] (exponential schemas only).
HistogramBucket ZeroBucket(const FloatHistogram& h);

// The fraction of the bucket's width at or below v, for lower < v < upper: linear for custom
// and zero buckets, on a log2 scale for exponential buckets (Go's Bucket.FractionBelow).
double FractionBelow(const HistogramBucket& b, double v, bool linear);

// Prometheus' FloatHistogram.String: "{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}",
// the non-empty buckets in ascending order (what count_values labels a histogram with).
std::string HistogramString(const FloatHistogram& h);

}  // namespace promref::model
