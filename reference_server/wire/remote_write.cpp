#include "wire/remote_write.h"

#include <snappy.h>

#include <bit>
#include <cstring>
#include <optional>

#include "remote.pb.h"
#include "wire/internal/histogram_proto.h"
#include "wire/internal/proto_reader.h"

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
  WriteRequestView view;
  if (Status st = view.Decode(bytes); !st.ok()) return st.error();
  auto own = [](std::span<const model::LabelView> labels) {
    RawLabels out;
    out.reserve(labels.size());
    for (const model::LabelView& l : labels) out.emplace_back(l.name, l.value);
    return out;
  };
  WriteRequest out;
  out.timeseries.reserve(view.series().size());
  for (const WriteRequestView::Series& s : view.series()) {
    TimeSeries ts;
    ts.labels = own(view.LabelsOf(s));
    const auto samples = view.SamplesOf(s);
    ts.samples.assign(samples.begin(), samples.end());
    for (const auto& e : view.ExemplarsOf(s))
      ts.exemplars.push_back({own(view.LabelsOf(e)), e.value, e.timestamp});
    const auto histograms = view.HistogramsOf(s);
    ts.histograms.assign(histograms.begin(), histograms.end());
    out.timeseries.push_back(std::move(ts));
  }
  out.metadata.assign(view.metadata().begin(), view.metadata().end());
  return out;
}

// --- WriteRequestView ------------------------------------------------------------------------
//
// Field numbers are prompb's (types.proto, remote.proto). A known field with the wrong wire
// type is malformed, as gogo-generated Go code says ("proto: wrong wireType"); unknown fields
// are skipped.

namespace {

using internal::ProtoReader;
using internal::WireType;

constexpr std::string_view kMalformed = "proto: cannot parse invalid wire-format data";

// Calls `on_field(number, type, reader)` for every field of a message; `on_field` consumes the
// value of the fields it knows and returns false on malformed input, or returns nullopt to have
// the field skipped.
template <typename OnField>
bool ForEachField(std::string_view bytes, OnField on_field) {
  ProtoReader r(bytes);
  while (!r.done()) {
    uint32_t number;
    WireType type;
    if (!r.NextField(&number, &type)) return false;
    const std::optional<bool> known = on_field(number, type, r);
    if (known.has_value() ? !*known : !r.Skip(number, type)) return false;
  }
  return true;
}

bool ReadString(WireType type, ProtoReader& r, std::string_view* out) {
  return type == WireType::kBytes && r.ReadBytes(out);
}
bool ReadDouble(WireType type, ProtoReader& r, double* out) {
  uint64_t bits;
  if (type != WireType::kFixed64 || !r.ReadFixed64(&bits)) return false;
  *out = std::bit_cast<double>(bits);
  return true;
}
bool ReadInt64(WireType type, ProtoReader& r, int64_t* out) {
  uint64_t v;
  if (type != WireType::kVarint || !r.ReadVarint(&v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// Every sender writes a label as its name (field 1) then its value (field 2), each shorter
// than 128 bytes, and nothing else: that layout is read straight off the bytes. Anything else
// (other orders, repeats, unknown fields, empty strings, which Go omits) goes through
// ForEachField, which reads this layout the same way.
bool DecodeCommonLabel(std::string_view bytes, model::LabelView* l) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  if (size < 4 || b[0] != 0x0A || b[1] >= 0x80) return false;
  const size_t name_len = b[1];
  if (name_len + 4 > size || b[name_len + 2] != 0x12 || b[name_len + 3] >= 0x80) return false;
  const size_t value_len = b[name_len + 3];
  if (name_len + value_len + 4 != size) return false;
  l->name = bytes.substr(2, name_len);
  l->value = bytes.substr(name_len + 4, value_len);
  return true;
}

// Likewise a sample: its value (field 1, fixed64) then its timestamp (field 2, varint). Go
// omits a zero value or timestamp, and those take the general path.
bool DecodeCommonSample(std::string_view bytes, model::Sample* s) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 11 || b[0] != 0x09 || b[9] != 0x10) return false;
  ProtoReader r(bytes.substr(10));
  uint64_t t;
  if (!r.ReadVarint(&t) || !r.done()) return false;
  uint64_t bits;
  std::memcpy(&bits, b + 1, 8);
  s->v = std::bit_cast<double>(bits);
  s->t = static_cast<int64_t>(t);
  return true;
}

// A prometheus.Label (name = 1, value = 2) appended to `out`.
bool DecodeLabel(std::string_view bytes, std::vector<model::LabelView>* out) {
  model::LabelView l;
  if (DecodeCommonLabel(bytes, &l)) {
    out->push_back(l);
    return true;
  }
  const bool ok = ForEachField(bytes, [&](uint32_t n, WireType t, ProtoReader& r) -> std::optional<bool> {
    if (n == 1) return ReadString(t, r, &l.name);
    if (n == 2) return ReadString(t, r, &l.value);
    return std::nullopt;
  });
  out->push_back(l);
  return ok;
}

// A field holding a sub-message: its bytes.
bool ReadMessage(WireType type, ProtoReader& r, std::string_view* out) {
  return ReadString(type, r, out);
}

bool DecodeMetadata(std::string_view bytes, std::vector<MetricMetadata>* out) {
  MetricMetadata m;
  std::string_view family, help, unit;
  const bool ok = ForEachField(bytes, [&](uint32_t n, WireType t, ProtoReader& r) -> std::optional<bool> {
    int64_t type;
    switch (n) {
      case 1:
        if (!ReadInt64(t, r, &type)) return false;
        m.type = static_cast<MetricType>(static_cast<int32_t>(type));
        return true;
      case 2: return ReadString(t, r, &family);
      case 4: return ReadString(t, r, &help);
      case 5: return ReadString(t, r, &unit);
      default: return std::nullopt;
    }
  });
  m.family = family;
  m.help = help;
  m.unit = unit;
  out->push_back(std::move(m));
  return ok;
}

}  // namespace

void WriteRequestView::Clear() {
  series_.clear();
  labels_.clear();
  samples_.clear();
  exemplars_.clear();
  exemplar_labels_.clear();
  histograms_.clear();
  metadata_.clear();
}

Status WriteRequestView::Decode(std::string_view bytes) {
  Clear();
  if (!DecodeRequest(bytes)) {
    Clear();
    return BadData(std::string(kMalformed));
  }
  return {};
}

bool WriteRequestView::DecodeRequest(std::string_view bytes) {
  return ForEachField(bytes, [&](uint32_t n, WireType t, ProtoReader& r) -> std::optional<bool> {
    std::string_view msg;
    if (n == 1) return ReadMessage(t, r, &msg) && DecodeSeries(msg);
    if (n == 3) return ReadMessage(t, r, &msg) && DecodeMetadata(msg, &metadata_);
    return std::nullopt;
  });
}

bool WriteRequestView::DecodeSeries(std::string_view bytes) {
  auto index = [](const auto& v) { return static_cast<uint32_t>(v.size()); };
  Series s;
  s.labels_begin = index(labels_);
  s.samples_begin = index(samples_);
  s.exemplars_begin = index(exemplars_);
  s.histograms_begin = index(histograms_);
  const bool ok = ForEachField(bytes, [&](uint32_t n, WireType t, ProtoReader& r) -> std::optional<bool> {
    std::string_view msg;
    switch (n) {
      case 1: return ReadMessage(t, r, &msg) && DecodeLabel(msg, &labels_);
      case 2: {
        model::Sample sample{0, 0};
        if (!ReadMessage(t, r, &msg)) return false;
        const bool sample_ok =
            DecodeCommonSample(msg, &sample) ||
            ForEachField(msg, [&](uint32_t sn, WireType st, ProtoReader& sr) -> std::optional<bool> {
              if (sn == 1) return ReadDouble(st, sr, &sample.v);
              if (sn == 2) return ReadInt64(st, sr, &sample.t);
              return std::nullopt;
            });
        samples_.push_back(sample);
        return sample_ok;
      }
      case 3: return ReadMessage(t, r, &msg) && DecodeExemplar(msg);
      case 4: {
        // Rare in practice: the generated parser is good enough here.
        prometheus::Histogram h;
        if (!ReadMessage(t, r, &msg) || !h.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) {
          return false;
        }
        histograms_.push_back(HistogramFromProto(h));
        return true;
      }
      default: return std::nullopt;
    }
  });
  s.labels_end = index(labels_);
  s.samples_end = index(samples_);
  s.exemplars_end = index(exemplars_);
  s.histograms_end = index(histograms_);
  series_.push_back(s);
  return ok;
}

bool WriteRequestView::DecodeExemplar(std::string_view bytes) {
  ExemplarRef e;
  e.labels_begin = static_cast<uint32_t>(exemplar_labels_.size());
  const bool ok = ForEachField(bytes, [&](uint32_t n, WireType t, ProtoReader& r) -> std::optional<bool> {
    std::string_view msg;
    if (n == 1) return ReadMessage(t, r, &msg) && DecodeLabel(msg, &exemplar_labels_);
    if (n == 2) return ReadDouble(t, r, &e.value);
    if (n == 3) return ReadInt64(t, r, &e.timestamp);
    return std::nullopt;
  });
  e.labels_end = static_cast<uint32_t>(exemplar_labels_.size());
  exemplars_.push_back(e);
  return ok;
}

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

Result<std::string> SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes) {
  std::string out;
  if (Status st = SnappyDecompressInto(compressed, max_decoded_bytes, &out); !st.ok()) return st.error();
  return out;
}

Status SnappyDecompressInto(std::string_view compressed, size_t max_decoded_bytes, std::string* out) {
  out->clear();
  size_t len = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &len)) {
    return BadData("snappy: corrupt input");
  }
  if (len > max_decoded_bytes) return BadData("snappy: decoded block is too large");
  if (!snappy::Uncompress(compressed.data(), compressed.size(), out)) {
    out->clear();
    return BadData("snappy: corrupt input");
  }
  return {};
}

}  // namespace promref::wire
