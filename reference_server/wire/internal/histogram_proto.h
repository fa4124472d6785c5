// The native-histogram fields (1-16) shared by remote write 1.0's prometheus.Histogram and
// 2.0's io.prometheus.write.v2.Histogram. The two generated classes have the same fields and
// accessors but no common type, so the codec is written once as templates over the message.
#pragma once

#include <vector>

#include "wire/remote_write.h"

namespace promref::wire::internal {

template <typename SpanField>
void SpansToProto(const std::vector<BucketSpan>& spans, SpanField* out) {
  for (const BucketSpan& s : spans) {
    auto* p = out->Add();
    p->set_offset(s.offset);
    p->set_length(s.length);
  }
}

template <typename SpanField>
std::vector<BucketSpan> SpansFromProto(const SpanField& spans) {
  std::vector<BucketSpan> out;
  for (const auto& s : spans) out.push_back({s.offset(), s.length()});
  return out;
}

template <typename Proto>
void HistogramToProto(const Histogram& h, Proto* p) {
  if (h.is_float) {
    p->set_count_float(h.count_float);
    p->set_zero_count_float(h.zero_count_float);
  } else {
    p->set_count_int(h.count_int);
    p->set_zero_count_int(h.zero_count_int);
  }
  p->set_sum(h.sum);
  p->set_schema(h.schema);
  p->set_zero_threshold(h.zero_threshold);
  SpansToProto(h.negative_spans, p->mutable_negative_spans());
  for (int64_t d : h.negative_deltas) p->add_negative_deltas(d);
  for (double c : h.negative_counts) p->add_negative_counts(c);
  SpansToProto(h.positive_spans, p->mutable_positive_spans());
  for (int64_t d : h.positive_deltas) p->add_positive_deltas(d);
  for (double c : h.positive_counts) p->add_positive_counts(c);
  p->set_reset_hint(static_cast<decltype(p->reset_hint())>(h.reset_hint));
  p->set_timestamp(h.timestamp);
  for (double v : h.custom_values) p->add_custom_values(v);
}

template <typename Proto>
Histogram HistogramFromProto(const Proto& p) {
  Histogram h;
  h.is_float = p.count_case() == Proto::kCountFloat;
  h.count_int = p.count_int();
  h.count_float = p.count_float();
  h.sum = p.sum();
  h.schema = p.schema();
  h.zero_threshold = p.zero_threshold();
  h.zero_count_int = p.zero_count_int();
  h.zero_count_float = p.zero_count_float();
  h.negative_spans = SpansFromProto(p.negative_spans());
  h.negative_deltas.assign(p.negative_deltas().begin(), p.negative_deltas().end());
  h.negative_counts.assign(p.negative_counts().begin(), p.negative_counts().end());
  h.positive_spans = SpansFromProto(p.positive_spans());
  h.positive_deltas.assign(p.positive_deltas().begin(), p.positive_deltas().end());
  h.positive_counts.assign(p.positive_counts().begin(), p.positive_counts().end());
  h.reset_hint = static_cast<int>(p.reset_hint());
  h.timestamp = p.timestamp();
  h.custom_values.assign(p.custom_values().begin(), p.custom_values().end());
  return h;
}

}  // namespace promref::wire::internal
