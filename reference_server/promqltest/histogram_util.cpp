#include "promqltest/histogram_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "model/go_strconv.h"
#include "model/histogram_ops.h"
#include "promqltest/compare.h"

namespace promref::promqltest {
namespace {

using model::CounterResetHint;
using model::FloatHistogram;
using model::HistogramSpan;

// Buckets addressed by absolute index, in index order.
using BucketMap = std::map<int32_t, double>;

BucketMap ToMap(const std::vector<HistogramSpan>& spans, const std::vector<double>& buckets) {
  BucketMap m;
  int32_t index = 0;
  size_t b = 0;
  for (size_t s = 0; s < spans.size(); ++s) {
    index += spans[s].offset;
    for (uint32_t j = 0; j < spans[s].length && b < buckets.size(); ++j, ++index, ++b) {
      m[index] += buckets[b];
    }
  }
  return m;
}

// Spans over the indexes present in `m` (consecutive indexes share a span).
void FromMap(const BucketMap& m, std::vector<HistogramSpan>* spans, std::vector<double>* buckets) {
  spans->clear();
  buckets->clear();
  bool first = true;
  int32_t next = 0;  // the index right after the last bucket written
  for (const auto& [index, count] : m) {
    if (!first && index == next) {
      spans->back().length++;
    } else {
      spans->push_back({first ? index : index - next, 1});
    }
    buckets->push_back(count);
    next = index + 1;
    first = false;
  }
}

// The layout this file's results have: one span per run of consecutive bucket indexes (empty
// buckets kept).
void Normalize(FloatHistogram* h) {
  FromMap(ToMap(h->positive_spans, h->positive_buckets), &h->positive_spans, &h->positive_buckets);
  FromMap(ToMap(h->negative_spans, h->negative_buckets), &h->negative_spans, &h->negative_buckets);
}

// h += sign * other with model::HistogramAdd/Sub, except that custom-bucket histograms with
// different bounds are refused (a script that writes them means a mistake).
Status Combine(FloatHistogram* h, const FloatHistogram& other, bool add) {
  if (h->UsesCustomBuckets() != other.UsesCustomBuckets()) {
    return BadData(
        "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas");
  }
  if (h->UsesCustomBuckets() && h->custom_values != other.custom_values) {
    return BadData("cannot apply this operation on custom buckets histograms with different custom bounds");
  }
  const model::HistogramOpResult r = add ? model::HistogramAdd(h, other) : model::HistogramSub(h, other);
  if (!r.ok()) return BadData("histogram has an invalid bucket layout");
  Normalize(h);
  return {};
}

bool BucketsMatch(const std::vector<std::pair<int32_t, double>>& a,
                  const std::vector<std::pair<int32_t, double>>& b, double epsilon) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !AlmostEqual(a[i].second, b[i].second, epsilon)) return false;
  }
  return true;
}

std::string G(double v) {
  return model::FormatFloat(v, 'g');
}

void AppendBuckets(std::string* out, const char* offset_key, const char* buckets_key,
                   const std::vector<std::pair<int32_t, double>>& buckets) {
  if (buckets.empty()) return;
  if (buckets.front().first != 0) {
    *out += std::string(" ") + offset_key + ":" + std::to_string(buckets.front().first);
  }
  *out += std::string(" ") + buckets_key + ":[";
  int32_t index = buckets.front().first;
  bool first = true;
  for (const auto& [i, count] : buckets) {
    for (; index < i; ++index) *out += first ? "0" : " 0";
    *out += first ? G(count) : " " + G(count);
    first = false;
    index = i + 1;
  }
  *out += "]";
}

}  // namespace

Status AddHistogram(FloatHistogram* h, const FloatHistogram& other) {
  return Combine(h, other, true);
}

Status SubHistogram(FloatHistogram* h, const FloatHistogram& other) {
  return Combine(h, other, false);
}

FloatHistogram ReduceResolution(const FloatHistogram& h, int32_t target_schema) {
  if (h.UsesCustomBuckets() || target_schema >= h.schema) return h;
  FloatHistogram out = model::HistogramCopyToSchema(h, target_schema);
  Normalize(&out);
  return out;
}

std::vector<std::pair<int32_t, double>> NonEmptyBuckets(const std::vector<HistogramSpan>& spans,
                                                        const std::vector<double>& buckets) {
  std::vector<std::pair<int32_t, double>> out;
  int32_t index = 0;
  size_t b = 0;
  for (const HistogramSpan& span : spans) {
    index += span.offset;
    for (uint32_t j = 0; j < span.length && b < buckets.size(); ++j, ++index, ++b) {
      if (buckets[b] != 0) out.emplace_back(index, buckets[b]);
    }
  }
  return out;
}

FloatHistogram Compact(const FloatHistogram& h) {
  FloatHistogram out = model::HistogramCompact(h, 0);
  Normalize(&out);
  return out;
}

bool HistogramsMatchForTest(const FloatHistogram& expected, const FloatHistogram& actual,
                            bool compare_counter_reset_hint, double epsilon) {
  if (expected.schema != actual.schema || !AlmostEqual(expected.count, actual.count, epsilon) ||
      !AlmostEqual(expected.sum, actual.sum, epsilon)) {
    return false;
  }
  if (expected.UsesCustomBuckets() && expected.custom_values != actual.custom_values) return false;
  if (expected.zero_threshold != actual.zero_threshold ||
      !AlmostEqual(expected.zero_count, actual.zero_count, epsilon)) {
    return false;
  }
  if (!BucketsMatch(NonEmptyBuckets(expected.negative_spans, expected.negative_buckets),
                    NonEmptyBuckets(actual.negative_spans, actual.negative_buckets), epsilon) ||
      !BucketsMatch(NonEmptyBuckets(expected.positive_spans, expected.positive_buckets),
                    NonEmptyBuckets(actual.positive_spans, actual.positive_buckets), epsilon)) {
    return false;
  }
  return !compare_counter_reset_hint || expected.counter_reset_hint == actual.counter_reset_hint;
}

std::vector<model::HistogramBucket> ApiJsonBuckets(const FloatHistogram& h) {
  std::vector<model::HistogramBucket> out = model::AllBuckets(h);
  std::erase_if(out, [](const model::HistogramBucket& b) { return b.count == 0; });
  return out;
}

namespace {

bool ApiJsonBucketsMatch(const model::HistogramBucket& e, const model::HistogramBucket& a, double epsilon) {
  return e.lower_inclusive == a.lower_inclusive && e.upper_inclusive == a.upper_inclusive &&
         AlmostEqual(e.lower, a.lower, epsilon) && AlmostEqual(e.upper, a.upper, epsilon) &&
         AlmostEqual(e.count, a.count, epsilon);
}

}  // namespace

bool HistogramsMatchAsApiJson(const FloatHistogram& expected, const FloatHistogram& actual, double epsilon) {
  if (!AlmostEqual(expected.count, actual.count, epsilon) ||
      !AlmostEqual(expected.sum, actual.sum, epsilon)) {
    return false;
  }
  const std::vector<model::HistogramBucket> e = ApiJsonBuckets(expected), a = ApiJsonBuckets(actual);
  return std::equal(e.begin(), e.end(), a.begin(), a.end(),
                    [&](const auto& x, const auto& y) { return ApiJsonBucketsMatch(x, y, epsilon); });
}

bool HistogramsMatch(const FloatHistogram& expected, const FloatHistogram& actual,
                     bool compare_counter_reset_hint, HistogramDetail detail, double epsilon) {
  return detail == HistogramDetail::kApiJson
             ? HistogramsMatchAsApiJson(expected, actual, epsilon)
             : HistogramsMatchForTest(expected, actual, compare_counter_reset_hint, epsilon);
}

std::string HistogramTestExpression(const FloatHistogram& h) {
  std::string out;
  if (h.schema != 0) out += " schema:" + std::to_string(h.schema);
  if (h.count != 0) out += " count:" + G(h.count);
  if (h.sum != 0) out += " sum:" + G(h.sum);
  if (h.zero_count != 0) out += " z_bucket:" + G(h.zero_count);
  if (h.zero_threshold != 0) out += " z_bucket_w:" + G(h.zero_threshold);
  if (h.UsesCustomBuckets()) {
    out += " custom_values:[";
    for (size_t i = 0; i < h.custom_values.size(); ++i) out += (i ? " " : "") + G(h.custom_values[i]);
    out += "]";
  }
  switch (h.counter_reset_hint) {
    case CounterResetHint::kUnknown: break;
    case CounterResetHint::kCounterReset: out += " counter_reset_hint:reset"; break;
    case CounterResetHint::kNotCounterReset: out += " counter_reset_hint:not_reset"; break;
    case CounterResetHint::kGauge: out += " counter_reset_hint:gauge"; break;
  }
  AppendBuckets(&out, "offset", "buckets", NonEmptyBuckets(h.positive_spans, h.positive_buckets));
  AppendBuckets(&out, "n_offset", "n_buckets", NonEmptyBuckets(h.negative_spans, h.negative_buckets));
  return "{{" + (out.empty() ? out : out.substr(1)) + "}}";
}

// --- Classic histograms to NHCB ---------------------------------------------------------------

void ClassicHistogramBuilder::SetBucketCount(double le, double count) {
  if (!error_.empty()) return;
  if (count < 0) {
    error_ = "bucket count must be non-negative: le=" + G(le) + ", count=" + G(count);
    return;
  }
  // Buckets arrive in any order (one series per bound); keep them sorted by bound, ignore a
  // repeated bound, and insist on cumulative counts.
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), le,
                             [](const Bucket& b, double v) { return b.le < v; });
  if (it != buckets_.end() && it->le == le) return;
  if (it != buckets_.begin() && count < std::prev(it)->count) {
    error_ = "count is not cumulative: " + G(count) + " < " + G(std::prev(it)->count);
    return;
  }
  if (it != buckets_.end() && count > it->count) {
    error_ = "count is not cumulative: " + G(count) + " > " + G(it->count);
    return;
  }
  buckets_.insert(it, Bucket{le, count});
}

void ClassicHistogramBuilder::SetCount(double count) {
  if (!error_.empty()) return;
  if (count < 0) {
    error_ = "count must be non-negative: count=" + G(count);
    return;
  }
  count_ = count;
  has_count_ = true;
}

void ClassicHistogramBuilder::SetSum(double sum) {
  if (error_.empty()) sum_ = sum;
}

Result<FloatHistogram> ClassicHistogramBuilder::Build() const {
  if (!error_.empty()) return BadData(error_);
  std::vector<Bucket> buckets = buckets_;
  double count = count_;
  // Without a _count series the total is the highest bucket's count.
  if (!has_count_ && !buckets.empty()) count = buckets.back().count;
  // Without a +Inf bucket the last bucket is +Inf holding the total.
  const double inf = std::numeric_limits<double>::infinity();
  if (buckets.empty() || buckets.back().le != inf) buckets.push_back({inf, count});
  if (count != buckets.back().count) {
    return BadData("count mismatch: count=" + G(count) + " != le=" + G(buckets.back().le) +
                   " count=" + G(buckets.back().count));
  }
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.count = count;
  h.sum = sum_;
  h.positive_spans.push_back({0, static_cast<uint32_t>(buckets.size())});
  double previous = 0;
  for (const Bucket& b : buckets) {
    h.positive_buckets.push_back(b.count - previous);
    previous = b.count;
    if (b.le != inf) h.custom_values.push_back(b.le);
  }
  return Compact(h);
}

}  // namespace promref::promqltest
