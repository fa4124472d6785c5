#include "promql/internal/histogram_sum.h"

#include <algorithm>
#include <cmath>

#include "model/go_strconv.h"
#include "promql/internal/evaluator.h"

namespace promref::promql::internal {

HistogramSum::HistogramSum(const model::FloatHistogram& first) : value_(first) {
  Track(first);
}

void HistogramSum::Track(const model::FloatHistogram& h) {
  if (h.counter_reset_hint == model::CounterResetHint::kCounterReset) reset_seen_ = true;
  if (h.counter_reset_hint == model::CounterResetHint::kNotCounterReset) not_reset_seen_ = true;
}

model::HistogramOpResult HistogramSum::Add(const model::FloatHistogram& h) {
  Track(h);
  return model::HistogramKahanAdd(&value_, h, &c_);
}

model::HistogramOpResult HistogramSum::AddToMean(const model::FloatHistogram& h, double count) {
  Track(h);
  if (!incremental_) {
    model::FloatHistogram v = value_;
    std::optional<model::FloatHistogram> c = c_;
    const model::HistogramOpResult r = model::HistogramKahanAdd(&v, h, &c);
    if (!r.ok()) return r;
    if (!HistogramHasOverflow(v)) {
      value_ = std::move(v);
      c_ = std::move(c);
      return r;
    }
    // The direct sum would overflow: from here on, an incremental mean.
    incremental_ = true;
    mean_ = value_;
    model::HistogramDiv(&*mean_, count - 1);
    if (c_) model::HistogramDiv(&*c_, count - 1);
  }
  const double q = (count - 1) / count;
  if (c_) model::HistogramMul(&*c_, q);
  model::FloatHistogram to_add = h;
  model::HistogramDiv(&to_add, count);
  model::HistogramMul(&*mean_, q);
  return model::HistogramKahanAdd(&*mean_, to_add, &c_);
}

// The final additions of the compensation cannot fail once every Kahan step succeeded.
model::FloatHistogram HistogramSum::Sum() const {
  model::FloatHistogram v = value_;
  if (c_) model::HistogramAdd(&v, *c_);
  return v;
}

model::FloatHistogram HistogramSum::Mean(double count) const {
  if (incremental_) {
    model::FloatHistogram v = *mean_;
    if (c_) model::HistogramAdd(&v, *c_);
    return v;
  }
  model::FloatHistogram v = value_;
  model::HistogramDiv(&v, count);
  if (c_) {
    model::FloatHistogram c = *c_;
    model::HistogramDiv(&c, count);
    model::HistogramAdd(&v, c);
  }
  return v;
}

bool HistogramHasOverflow(const model::FloatHistogram& h) {
  auto inf = [](double v) { return std::isinf(v); };
  return inf(h.zero_count) || inf(h.count) || inf(h.sum) ||
         std::any_of(h.positive_buckets.begin(), h.positive_buckets.end(), inf) ||
         std::any_of(h.negative_buckets.begin(), h.negative_buckets.end(), inf) ||
         std::any_of(h.custom_values.begin(), h.custom_values.end(), inf);
}

void FailOnInvalidLayout(const model::HistogramOpResult& r) {
  if (r.error == model::HistogramOpError::kInvalidLayout) {
    Fail(ErrorKind::kExecution, "histogram has an invalid bucket layout");
  }
}

std::string MixedSchemasText(std::string_view metric_name) {
  return "vector contains a mix of histograms with exponential and custom buckets schemas for metric name " +
         model::GoQuote(metric_name);
}

std::string ReconciledBucketsText(std::string_view operation) {
  return "mismatched custom buckets were reconciled during " + std::string(operation);
}

std::string CounterResetCollisionText(std::string_view operation) {
  return "conflicting counter resets during histogram " + std::string(operation);
}

}  // namespace promref::promql::internal
