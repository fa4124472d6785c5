// Native-histogram pieces the engine's files share (internal to promql): the running sum and
// mean behind sum, avg, sum_over_time and avg_over_time, and the texts of the annotations
// histogram arithmetic raises.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/histogram.h"
#include "model/histogram_ops.h"

namespace promref::promql::internal {

// A running sum or mean of histograms with Kahan compensation, as Prometheus computes sum and
// avg of histograms (across series and over time). A mean stays a direct sum while that has no
// infinite field, then turns into an incremental mean. Also notes the counter-reset hints
// seen. An addition that returns an error leaves the result undefined: the caller drops it.
class HistogramSum {
 public:
  explicit HistogramSum(const model::FloatHistogram& first);

  model::HistogramOpResult Add(const model::FloatHistogram& h);
  // `count` is the number of histograms including h.
  model::HistogramOpResult AddToMean(const model::FloatHistogram& h, double count);

  model::FloatHistogram Sum() const;               // after Add
  model::FloatHistogram Mean(double count) const;  // after AddToMean
  // Whether a CounterReset hint met a NotCounterReset one.
  bool HintsCollide() const { return reset_seen_ && not_reset_seen_; }

 private:
  void Track(const model::FloatHistogram& h);

  model::FloatHistogram value_;
  std::optional<model::FloatHistogram> mean_, c_;
  bool incremental_ = false;
  bool reset_seen_ = false, not_reset_seen_ = false;
};

// Whether a field of the histogram is infinite (Prometheus' HasOverflow).
bool HistogramHasOverflow(const model::FloatHistogram& h);

// An invalid bucket layout fails the query, as Prometheus panics on it.
void FailOnInvalidLayout(const model::HistogramOpResult& r);

// Annotation texts. `operation` is "addition", "subtraction" or "aggregation".
std::string MixedSchemasText(std::string_view metric_name);
std::string ReconciledBucketsText(std::string_view operation);
std::string CounterResetCollisionText(std::string_view operation);

}  // namespace promref::promql::internal
