#include "remote_promqltest/api_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "promqltest/histogram_util.h"

namespace promconform::remote_promqltest {
namespace {

namespace model = promref::model;
namespace pt = promref::promqltest;
using model::FloatHistogram;
using model::HistogramBucket;

constexpr int32_t kMinSchema = -4, kMaxSchema = 8;

// The exponential bucket index whose upper bound is `bound` (> 0, finite) in `schema`.
std::optional<int32_t> IndexOfUpperBound(double bound, int32_t schema) {
  if (!(bound > 0) || std::isinf(bound)) return std::nullopt;
  const double approx = std::log2(bound) * std::ldexp(1.0, schema);
  if (std::fabs(approx) > 1e9) return std::nullopt;
  const auto center = static_cast<int32_t>(std::llround(approx));
  for (int32_t i = center - 1; i <= center + 1; ++i) {
    if (model::HistogramBucketUpperBound(i, schema, {}) == bound) return i;
  }
  return std::nullopt;
}

// The index of a bucket from its bound away from zero, or (the ±Inf bucket) from the one
// nearer zero.
std::optional<int32_t> IndexOf(double near_zero, double far, int32_t schema) {
  if (!std::isinf(far)) return IndexOfUpperBound(far, schema);
  std::optional<int32_t> below = IndexOfUpperBound(near_zero, schema);
  return below ? std::optional<int32_t>(*below + 1) : std::nullopt;
}

// Spans holding `counts` (absolute index -> count), one per run of consecutive indexes.
void SetBuckets(const std::map<int32_t, double>& counts, std::vector<model::HistogramSpan>* spans,
                std::vector<double>* buckets) {
  int32_t next = 0;
  for (const auto& [index, count] : counts) {
    if (spans->empty() || index != next) {
      spans->push_back({index - next, 0});
    }
    ++spans->back().length;
    buckets->push_back(count);
    next = index + 1;
  }
}

bool SameBuckets(const FloatHistogram& h, const std::vector<HistogramBucket>& want) {
  const std::vector<HistogramBucket> got = pt::ApiJsonBuckets(h);
  return std::equal(got.begin(), got.end(), want.begin(), want.end(), [](const auto& a, const auto& b) {
    return a.lower == b.lower && a.upper == b.upper && a.lower_inclusive == b.lower_inclusive &&
           a.upper_inclusive == b.upper_inclusive && a.count == b.count;
  });
}

std::optional<FloatHistogram> AsExponential(FloatHistogram h, const std::vector<HistogramBucket>& buckets) {
  std::map<int32_t, double> positive, negative;
  for (const HistogramBucket& b : buckets) {
    if (b.lower_inclusive && b.upper_inclusive && b.lower == -b.upper) {  // the zero bucket
      h.zero_threshold = b.upper;
      h.zero_count = b.count;
      continue;
    }
    const bool is_positive = b.upper > 0;
    const std::optional<int32_t> i =
        is_positive ? IndexOf(b.lower, b.upper, h.schema) : IndexOf(-b.upper, -b.lower, h.schema);
    if (!i) return std::nullopt;
    (is_positive ? positive : negative)[*i] = b.count;
  }
  SetBuckets(positive, &h.positive_spans, &h.positive_buckets);
  SetBuckets(negative, &h.negative_spans, &h.negative_buckets);
  return SameBuckets(h, buckets) ? std::optional(h) : std::nullopt;
}

// Custom bounds: every finite bound of the buckets, each bucket at the index of its upper bound.
std::optional<FloatHistogram> AsCustom(FloatHistogram h, const std::vector<HistogramBucket>& buckets) {
  h.schema = model::kCustomBucketsSchema;
  for (const HistogramBucket& b : buckets) {
    for (double bound : {b.lower, b.upper}) {
      if (!std::isinf(bound)) h.custom_values.push_back(bound);
    }
  }
  std::sort(h.custom_values.begin(), h.custom_values.end());
  h.custom_values.erase(std::unique(h.custom_values.begin(), h.custom_values.end()), h.custom_values.end());
  std::map<int32_t, double> positive;
  for (const HistogramBucket& b : buckets) {
    const auto at = std::lower_bound(h.custom_values.begin(), h.custom_values.end(), b.upper);
    positive[static_cast<int32_t>(at - h.custom_values.begin())] = b.count;
  }
  SetBuckets(positive, &h.positive_spans, &h.positive_buckets);
  return SameBuckets(h, buckets) ? std::optional(h) : std::nullopt;
}

}  // namespace

promref::Result<FloatHistogram> HistogramFromApiBuckets(double count, double sum,
                                                        const std::vector<HistogramBucket>& buckets) {
  FloatHistogram h{.count = count, .sum = sum};
  if (buckets.empty()) return h;
  for (int32_t schema = kMaxSchema; schema >= kMinSchema; --schema) {
    h.schema = schema;
    if (auto found = AsExponential(h, buckets)) return *std::move(found);
  }
  h.schema = 0;
  if (auto found = AsCustom(h, buckets)) return *std::move(found);
  return promref::BadData("histogram buckets that neither an exponential schema nor custom bounds give");
}

}  // namespace promconform::remote_promqltest
