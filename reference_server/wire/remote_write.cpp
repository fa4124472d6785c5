#include "wire/remote_write.h"

#include <snappy.h>

#include "remote.pb.h"

namespace promref::wire {
namespace {

void ToProto(const RawLabels& labels, google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  out->Reserve(static_cast<int>(labels.size()));
  for (const auto& [name, value] : labels) {
    prometheus::Label* l = out->Add();
    l->set_name(name);
    l->set_value(value);
  }
}

RawLabels FromProto(const google::protobuf::RepeatedPtrField<prometheus::Label>& labels) {
  RawLabels out;
  out.reserve(static_cast<size_t>(labels.size()));
  for (const auto& l : labels) out.emplace_back(l.name(), l.value());
  return out;
}

void SpansToProto(const std::vector<BucketSpan>& spans,
                  google::protobuf::RepeatedPtrField<prometheus::BucketSpan>* out) {
  for (const BucketSpan& s : spans) {
    auto* p = out->Add();
    p->set_offset(s.offset);
    p->set_length(s.length);
  }
}

std::vector<BucketSpan> SpansFromProto(
    const google::protobuf::RepeatedPtrField<prometheus::BucketSpan>& spans) {
  std::vector<BucketSpan> out;
  for (const auto& s : spans) out.push_back({s.offset(), s.length()});
  return out;
}

void HistogramToProto(const Histogram& h, prometheus::Histogram* p) {
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
  p->set_reset_hint(static_cast<prometheus::Histogram_ResetHint>(h.reset_hint));
  p->set_timestamp(h.timestamp);
  for (double v : h.custom_values) p->add_custom_values(v);
}

Histogram HistogramFromProto(const prometheus::Histogram& p) {
  Histogram h;
  h.is_float = p.count_case() == prometheus::Histogram::kCountFloat;
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

}  // namespace

std::string EncodeWriteRequest(const WriteRequest& request) {
  prometheus::WriteRequest p;
  p.mutable_timeseries()->Reserve(static_cast<int>(request.timeseries.size()));
  for (const TimeSeries& ts : request.timeseries) {
    prometheus::TimeSeries* pts = p.add_timeseries();
    ToProto(ts.labels, pts->mutable_labels());
    pts->mutable_samples()->Reserve(static_cast<int>(ts.samples.size()));
    for (const model::Sample& s : ts.samples) {
      prometheus::Sample* ps = pts->add_samples();
      ps->set_value(s.v);
      ps->set_timestamp(s.t);
    }
    for (const Exemplar& e : ts.exemplars) {
      prometheus::Exemplar* pe = pts->add_exemplars();
      ToProto(e.labels, pe->mutable_labels());
      pe->set_value(e.value);
      pe->set_timestamp(e.timestamp);
    }
    for (const Histogram& h : ts.histograms) HistogramToProto(h, pts->add_histograms());
  }
  for (const MetricMetadata& m : request.metadata) {
    prometheus::MetricMetadata* pm = p.add_metadata();
    pm->set_type(static_cast<prometheus::MetricMetadata_MetricType>(m.type));
    pm->set_metric_family_name(m.family);
    pm->set_help(m.help);
    pm->set_unit(m.unit);
  }
  return p.SerializeAsString();
}

Result<WriteRequest> DecodeWriteRequest(std::string_view bytes) {
  prometheus::WriteRequest p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return BadData("proto: cannot parse invalid wire-format data");
  }
  WriteRequest out;
  out.timeseries.reserve(static_cast<size_t>(p.timeseries_size()));
  for (const auto& pts : p.timeseries()) {
    TimeSeries ts;
    ts.labels = FromProto(pts.labels());
    ts.samples.reserve(static_cast<size_t>(pts.samples_size()));
    for (const auto& s : pts.samples()) ts.samples.push_back({s.timestamp(), s.value()});
    for (const auto& e : pts.exemplars())
      ts.exemplars.push_back({FromProto(e.labels()), e.value(), e.timestamp()});
    for (const auto& h : pts.histograms()) ts.histograms.push_back(HistogramFromProto(h));
    out.timeseries.push_back(std::move(ts));
  }
  for (const auto& m : p.metadata()) {
    out.metadata.push_back({static_cast<MetricType>(m.type()), m.metric_family_name(), m.help(), m.unit()});
  }
  return out;
}

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

Result<std::string> SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes) {
  size_t len = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &len)) {
    return BadData("snappy: corrupt input");
  }
  if (len > max_decoded_bytes) return BadData("snappy: decoded block is too large");
  std::string out;
  if (!snappy::Uncompress(compressed.data(), compressed.size(), &out)) {
    return BadData("snappy: corrupt input");
  }
  return out;
}

}  // namespace promref::wire
