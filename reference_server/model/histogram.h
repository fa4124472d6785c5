// Native histograms, in the float form the query engine works with (an integer histogram
// received on the wire converts to this exactly while counts stay below 2^53).
//
// Layout as Prometheus' FloatHistogram: exponential buckets of base 2^(2^-schema), addressed
// by spans of consecutive bucket indexes; schema -53 means custom bucket bounds
// (`custom_values`, the NHCB form). Bucket counts here are absolute, not deltas.
#pragma once

#include <cstdint>
#include <vector>

namespace promref::model {

enum class CounterResetHint : uint8_t { kUnknown, kCounterReset, kNotCounterReset, kGauge };

struct HistogramSpan {
  int32_t offset = 0;  // gap to the previous span (or the start index for the first)
  uint32_t length = 0;
  friend bool operator==(const HistogramSpan&, const HistogramSpan&) = default;
};

inline constexpr int32_t kCustomBucketsSchema = -53;

struct FloatHistogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  std::vector<HistogramSpan> positive_spans;
  std::vector<HistogramSpan> negative_spans;
  std::vector<double> positive_buckets;
  std::vector<double> negative_buckets;
  std::vector<double> custom_values;  // upper bounds, schema kCustomBucketsSchema only

  bool UsesCustomBuckets() const { return schema == kCustomBucketsSchema; }
  friend bool operator==(const FloatHistogram&, const FloatHistogram&) = default;
};

}  // namespace promref::model
