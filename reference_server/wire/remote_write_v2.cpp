#include "wire/remote_write_v2.h"

#include <unordered_map>

#include "wire/internal/histogram_proto.h"
#include "write_v2.pb.h"

namespace promref::wire::v2 {
namespace {

namespace pb = io::prometheus::write::v2;

class SymbolTable {
 public:
  SymbolTable() { Ref(""); }
  uint32_t Ref(const std::string& s) {
    auto [it, inserted] = index_.try_emplace(s, static_cast<uint32_t>(symbols_.size()));
    if (inserted) symbols_.push_back(s);
    return it->second;
  }
  std::vector<std::string> Take() { return std::move(symbols_); }

 private:
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, uint32_t> index_;
};

std::vector<uint32_t> RefsFor(SymbolTable& table, const RawLabels& labels) {
  std::vector<uint32_t> refs;
  refs.reserve(labels.size() * 2);
  for (const auto& [name, value] : labels) {
    refs.push_back(table.Ref(name));
    refs.push_back(table.Ref(value));
  }
  return refs;
}

Result<RawLabels> LabelsFor(const std::vector<uint32_t>& refs, const std::vector<std::string>& symbols) {
  std::vector<model::LabelView> views;
  if (Status st = LabelViewsFor(refs, symbols, &views); !st.ok()) return st.error();
  RawLabels out;
  out.reserve(views.size());
  for (const model::LabelView& l : views) out.emplace_back(l.name, l.value);
  return out;
}

void HistogramToProto(const HistogramV2& hv, pb::Histogram* p) {
  internal::HistogramToProto(hv.h, p);
  p->set_start_timestamp(hv.start_timestamp);
}

HistogramV2 HistogramFromProto(const pb::Histogram& p) {
  return {internal::HistogramFromProto(p), p.start_timestamp()};
}

}  // namespace

namespace {

// The refs of one label set against the symbol table, without resolving them.
Status CheckLabelRefs(std::span<const uint32_t> refs, const std::vector<std::string>& symbols) {
  if (refs.size() % 2 != 0) return BadData("invalid labelRefs length " + std::to_string(refs.size()));
  for (size_t i = 0; i < refs.size(); i += 2) {
    if (refs[i] >= symbols.size() || refs[i + 1] >= symbols.size()) {
      return BadData("labelRefs " + std::to_string(refs[i]) + " (name) = " + std::to_string(refs[i + 1]) +
                     " (value) outside of symbols table (size " + std::to_string(symbols.size()) + ")");
    }
  }
  return {};
}

}  // namespace

Status LabelViewsFor(std::span<const uint32_t> refs, const std::vector<std::string>& symbols,
                     std::vector<model::LabelView>* out) {
  if (Status st = CheckLabelRefs(refs, symbols); !st.ok()) return st;
  for (size_t i = 0; i < refs.size(); i += 2) out->push_back({symbols[refs[i]], symbols[refs[i + 1]]});
  return {};
}

SymbolizedRequest Symbolize(const RequestV2& request) {
  SymbolTable table;
  SymbolizedRequest out;
  out.timeseries.reserve(request.timeseries.size());
  for (const TimeSeries& ts : request.timeseries) {
    SymbolizedSeries s;
    s.labels_refs = RefsFor(table, ts.labels);
    s.samples = ts.samples;
    s.histograms = ts.histograms;
    s.type = ts.metadata.type;
    if (!ts.metadata.help.empty()) s.help_ref = table.Ref(ts.metadata.help);
    if (!ts.metadata.unit.empty()) s.unit_ref = table.Ref(ts.metadata.unit);
    for (const Exemplar& e : ts.exemplars) {
      s.exemplars.push_back({RefsFor(table, e.labels), e.value, e.timestamp});
    }
    out.timeseries.push_back(std::move(s));
  }
  out.symbols = table.Take();
  return out;
}

Status CheckMetadataRefs(const SymbolizedSeries& s, const std::vector<std::string>& symbols) {
  // The unit first, as Prometheus checks them.
  if (s.unit_ref >= symbols.size()) {
    return BadData("metadata unit_ref " + std::to_string(s.unit_ref) + " outside of symbols table (size " +
                   std::to_string(symbols.size()) + ")");
  }
  if (s.help_ref >= symbols.size()) {
    return BadData("metadata help_ref " + std::to_string(s.help_ref) + " outside of symbols table (size " +
                   std::to_string(symbols.size()) + ")");
  }
  return {};
}

Status CheckRefs(const SymbolizedSeries& s, const std::vector<std::string>& symbols) {
  if (Status st = CheckLabelRefs(s.labels_refs, symbols); !st.ok()) return st;
  if (Status st = CheckMetadataRefs(s, symbols); !st.ok()) return st;
  for (const SymbolizedExemplar& e : s.exemplars) {
    if (Status st = CheckLabelRefs(e.labels_refs, symbols); !st.ok()) return st;
  }
  return {};
}

Result<TimeSeries> ResolveSeries(const SymbolizedSeries& s, const std::vector<std::string>& symbols) {
  if (Status st = CheckRefs(s, symbols); !st.ok()) return st.error();
  TimeSeries ts;
  ts.labels = *LabelsFor(s.labels_refs, symbols);
  ts.samples = s.samples;
  ts.histograms = s.histograms;
  ts.metadata = {s.type, symbols[s.help_ref], symbols[s.unit_ref]};
  for (const SymbolizedExemplar& e : s.exemplars) {
    ts.exemplars.push_back({*LabelsFor(e.labels_refs, symbols), e.value, e.timestamp});
  }
  return ts;
}

Result<RequestV2> Resolve(const SymbolizedRequest& request) {
  RequestV2 out;
  out.timeseries.reserve(request.timeseries.size());
  for (const SymbolizedSeries& s : request.timeseries) {
    auto ts = ResolveSeries(s, request.symbols);
    if (!ts.ok()) return ts.error();
    out.timeseries.push_back(std::move(*ts));
  }
  return out;
}

std::string EncodeSymbolized(const SymbolizedRequest& request) {
  pb::Request p;
  for (const std::string& s : request.symbols) p.add_symbols(s);
  p.mutable_timeseries()->Reserve(static_cast<int>(request.timeseries.size()));
  for (const SymbolizedSeries& s : request.timeseries) {
    pb::TimeSeries* pts = p.add_timeseries();
    for (uint32_t r : s.labels_refs) pts->add_labels_refs(r);
    for (const Sample& smp : s.samples) {
      pb::Sample* ps = pts->add_samples();
      ps->set_value(smp.value);
      ps->set_timestamp(smp.timestamp);
      ps->set_start_timestamp(smp.start_timestamp);
    }
    for (const HistogramV2& h : s.histograms) HistogramToProto(h, pts->add_histograms());
    for (const SymbolizedExemplar& e : s.exemplars) {
      pb::Exemplar* pe = pts->add_exemplars();
      for (uint32_t r : e.labels_refs) pe->add_labels_refs(r);
      pe->set_value(e.value);
      pe->set_timestamp(e.timestamp);
    }
    if (s.type != MetricType::kUnknown || s.help_ref != 0 || s.unit_ref != 0) {
      pb::Metadata* m = pts->mutable_metadata();
      m->set_type(static_cast<pb::Metadata_MetricType>(s.type));
      m->set_help_ref(s.help_ref);
      m->set_unit_ref(s.unit_ref);
    }
  }
  return p.SerializeAsString();
}

Result<SymbolizedRequest> DecodeSymbolized(std::string_view bytes) {
  pb::Request p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return BadData("proto: cannot parse invalid wire-format data");
  }
  SymbolizedRequest out;
  out.symbols.assign(p.symbols().begin(), p.symbols().end());
  out.timeseries.reserve(static_cast<size_t>(p.timeseries_size()));
  for (const auto& pts : p.timeseries()) {
    SymbolizedSeries s;
    s.labels_refs.assign(pts.labels_refs().begin(), pts.labels_refs().end());
    for (const auto& smp : pts.samples())
      s.samples.push_back({smp.value(), smp.timestamp(), smp.start_timestamp()});
    for (const auto& h : pts.histograms()) s.histograms.push_back(HistogramFromProto(h));
    for (const auto& e : pts.exemplars()) {
      s.exemplars.push_back({{e.labels_refs().begin(), e.labels_refs().end()}, e.value(), e.timestamp()});
    }
    s.type = static_cast<MetricType>(pts.metadata().type());
    s.help_ref = pts.metadata().help_ref();
    s.unit_ref = pts.metadata().unit_ref();
    out.timeseries.push_back(std::move(s));
  }
  return out;
}

std::string EncodeRequestV2(const RequestV2& request) {
  return EncodeSymbolized(Symbolize(request));
}

Result<RequestV2> DecodeRequestV2(std::string_view bytes) {
  auto s = DecodeSymbolized(bytes);
  if (!s.ok()) return s.error();
  return Resolve(*s);
}

}  // namespace promref::wire::v2
