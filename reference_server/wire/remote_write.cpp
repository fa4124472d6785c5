#include "wire/remote_write.h"

#include <snappy.h>

#include "remote.pb.h"
#include "wire/internal/histogram_proto.h"

namespace promref::wire {
namespace {

using internal::HistogramFromProto;
using internal::HistogramToProto;

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
