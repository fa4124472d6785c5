#include "remote_promqltest/wire_histogram.h"

#include "model/sample.h"

namespace promconform::remote_promqltest {
namespace {

namespace model = promref::model;
namespace wire = promref::wire;

int WireResetHint(model::CounterResetHint hint) {
  switch (hint) {
    case model::CounterResetHint::kUnknown: return 0;
    case model::CounterResetHint::kCounterReset: return 1;
    case model::CounterResetHint::kNotCounterReset: return 2;
    case model::CounterResetHint::kGauge: return 3;
  }
  return 0;
}

std::vector<wire::BucketSpan> WireSpans(const std::vector<model::HistogramSpan>& spans) {
  std::vector<wire::BucketSpan> out;
  out.reserve(spans.size());
  for (const model::HistogramSpan& s : spans) out.push_back({s.offset, s.length});
  return out;
}

}  // namespace

wire::Histogram ToWireHistogram(const model::FloatHistogram& h, int64_t t) {
  wire::Histogram out;
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

wire::Histogram StaleWireHistogram(int64_t t) {
  wire::Histogram out;
  out.is_float = true;
  out.sum = model::StaleNaN();
  out.timestamp = t;
  return out;
}

}  // namespace promconform::remote_promqltest
