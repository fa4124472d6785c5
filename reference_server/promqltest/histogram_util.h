// Native-histogram arithmetic the script format needs: `{{a}}+{{b}}xN` expansions, the NHCB
// conversion of `load_with_nhcb`, the tolerant comparison of expected and actual histograms
// and their text in failure messages.
//
// The arithmetic is model/histogram_ops' (Prometheus' FloatHistogram semantics); what is this
// file's own is the script format's needs around it: refusing custom bounds that differ, the
// layout of results (one span per run of consecutive buckets) and the test comparison.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/histogram_buckets.h"

namespace promref::promqltest {

// h += other (or h -= other), reconciling schemas (to the lower resolution) and zero
// thresholds (to the wider one). Buckets present in either operand stay, even when their sum
// is zero; Compact-style normalisation is left to the comparison. Errors for a mix of custom
// and exponential buckets, and for custom bounds that differ.
Status AddHistogram(model::FloatHistogram* h, const model::FloatHistogram& other);
Status SubHistogram(model::FloatHistogram* h, const model::FloatHistogram& other);

// The histogram at a lower resolution (target_schema <= h.schema; exponential schemas only).
model::FloatHistogram ReduceResolution(const model::FloatHistogram& h, int32_t target_schema);

// (absolute bucket index, count) of every bucket whose count is not exactly zero: the layout
// Prometheus' Compact(0) leaves.
std::vector<std::pair<int32_t, double>> NonEmptyBuckets(const std::vector<model::HistogramSpan>& spans,
                                                        const std::vector<double>& buckets);

// The same histogram with spans holding only non-empty buckets (Compact(0)).
model::FloatHistogram Compact(const model::FloatHistogram& h);

// Prometheus' test comparison (compareNativeHistogram on Compact(0) forms): schema, zero
// threshold, bucket layout and custom bounds exactly; count, sum, zero count and bucket counts
// within the relative tolerance `epsilon`; the counter reset hint only when the expectation
// spelled one.
bool HistogramsMatchForTest(const model::FloatHistogram& expected, const model::FloatHistogram& actual,
                            bool compare_counter_reset_hint, double epsilon);

// How much of a histogram an evaluator's answers carry, and so what a comparison can judge.
enum class HistogramDetail {
  kFull,  // the histogram itself (the in-process engine): HistogramsMatchForTest
  // What the query API's JSON shows (a remote endpoint): count, sum and the non-empty buckets
  // with their bounds. Schema and spans are not in it (bounds tell only the buckets that are
  // populated), nor the zero threshold of an empty zero bucket, nor the counter reset hint.
  kApiJson,
};

// The buckets the query API's JSON lists for `h` (Prometheus' MarshalHistogram): those of
// model::AllBuckets whose count is not zero, in ascending order.
std::vector<model::HistogramBucket> ApiJsonBuckets(const model::FloatHistogram& h);

// The comparison for kApiJson: count and sum within the relative tolerance `epsilon`, and the
// same non-empty buckets of model::AllBuckets (what the JSON's `buckets` lists): the same
// closed sides, bounds and counts within `epsilon`.
bool HistogramsMatchAsApiJson(const model::FloatHistogram& expected, const model::FloatHistogram& actual,
                              double epsilon);

// The comparison `detail` allows (the hint is compared only with kFull).
bool HistogramsMatch(const model::FloatHistogram& expected, const model::FloatHistogram& actual,
                     bool compare_counter_reset_hint, HistogramDetail detail, double epsilon);

// The histogram as a test literal, `{{schema:1 count:3 sum:5 buckets:[1 2]}}` (the text of
// Prometheus' TestExpression: zero fields left out, one span per sign).
std::string HistogramTestExpression(const model::FloatHistogram& h);

// Collects one timestamp's classic-histogram samples (`_bucket{le}`, `_count`, `_sum`) and
// turns them into a native histogram with custom buckets, as Prometheus' convertnhcb does.
class ClassicHistogramBuilder {
 public:
  void SetBucketCount(double le, double cumulative_count);
  void SetCount(double count);
  void SetSum(double sum);
  // The NHCB (schema -53). Errors as convertnhcb's: negative counts, counts that are not
  // cumulative, count different from the +Inf bucket.
  Result<model::FloatHistogram> Build() const;

 private:
  struct Bucket {
    double le;
    double count;
  };
  std::vector<Bucket> buckets_;  // sorted by le
  double count_ = 0;
  double sum_ = 0;
  bool has_count_ = false;
  std::string error_;
};

}  // namespace promref::promqltest
