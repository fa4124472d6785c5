#include "wire/received_histogram.h"

#include "model/histogram_ops.h"

namespace promref::wire {

model::FloatHistogram ToFloatHistogram(const Histogram& h) {
  model::FloatHistogram fh;
  fh.schema = h.schema;
  fh.zero_threshold = h.zero_threshold;
  fh.sum = h.sum;
  fh.count = h.is_float ? h.count_float : static_cast<double>(h.count_int);
  fh.zero_count = h.is_float ? h.zero_count_float : static_cast<double>(h.zero_count_int);
  for (const auto& s : h.positive_spans) fh.positive_spans.push_back({s.offset, s.length});
  for (const auto& s : h.negative_spans) fh.negative_spans.push_back({s.offset, s.length});
  if (h.is_float) {
    fh.positive_buckets = h.positive_counts;
    fh.negative_buckets = h.negative_counts;
  } else {
    double acc = 0;
    for (int64_t d : h.positive_deltas) fh.positive_buckets.push_back(acc += static_cast<double>(d));
    acc = 0;
    for (int64_t d : h.negative_deltas) fh.negative_buckets.push_back(acc += static_cast<double>(d));
  }
  fh.custom_values = h.custom_values;
  fh.counter_reset_hint = static_cast<model::CounterResetHint>(h.reset_hint);
  return fh;
}

// The order is Prometheus': its time-limit appender reduces, then the head appender validates
// (so a reduction's own layout error wins over validation's).
Result<model::FloatHistogram> ReceivedHistogram(const Histogram& h) {
  constexpr int32_t kMaxSchema = 8, kMaxReservedSchema = 52;
  model::FloatHistogram fh = ToFloatHistogram(h);
  if (fh.schema > kMaxSchema && fh.schema <= kMaxReservedSchema) {
    auto reduced = model::HistogramTryCopyToSchema(fh, kMaxSchema);
    if (!reduced.ok()) return Error(ErrorKind::kBadData, reduced.error().message());
    const model::CounterResetHint hint = fh.counter_reset_hint;
    fh = std::move(*reduced);
    fh.counter_reset_hint = hint;
  }
  const auto kind = h.is_float ? model::HistogramKind::kFloat : model::HistogramKind::kInteger;
  if (Status st = model::HistogramValidate(fh, kind); !st.ok()) return st.error();
  return fh;
}

namespace {

int WireResetHint(model::CounterResetHint hint) {
  switch (hint) {
    case model::CounterResetHint::kUnknown: return 0;
    case model::CounterResetHint::kCounterReset: return 1;
    case model::CounterResetHint::kNotCounterReset: return 2;
    case model::CounterResetHint::kGauge: return 3;
  }
  return 0;
}

std::vector<BucketSpan> WireSpans(const std::vector<model::HistogramSpan>& spans) {
  std::vector<BucketSpan> out;
  out.reserve(spans.size());
  for (const model::HistogramSpan& s : spans) out.push_back({s.offset, s.length});
  return out;
}

}  // namespace

Histogram ToWireHistogram(const model::FloatHistogram& h, int64_t t) {
  Histogram out;
  out.is_float = true;
  out.count_float = h.count;
  out.sum = h.sum;
  out.schema = h.schema;
  out.zero_threshold = h.zero_threshold;
  out.zero_count_float = h.zero_count;
  out.negative_spans = WireSpans(h.negative_spans);
  out.negative_counts = h.negative_buckets;
  out.positive_spans = WireSpans(h.positive_spans);
  out.positive_counts = h.positive_buckets;
  out.reset_hint = WireResetHint(h.counter_reset_hint);
  out.timestamp = t;
  out.custom_values = h.custom_values;
  return out;
}

}  // namespace promref::wire
