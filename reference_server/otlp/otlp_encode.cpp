#include "otlp/otlp_encode.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "model/text_encoding.h"

namespace promref::otlp {
namespace {

class Writer {
 public:
  std::string out;

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void Tag(int field, int wt) { Varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wt)); }
  void VarintField(int field, uint64_t v) {
    Tag(field, 0);
    Varint(v);
  }
  void Fixed64(int field, uint64_t v) {
    Tag(field, 1);
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
  }
  void Double(int field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    Fixed64(field, v);
  }
  void Bytes(int field, std::string_view b) {
    Tag(field, 2);
    Varint(b.size());
    out.append(b);
  }
  void StringIf(int field, const std::string& s) {
    if (!s.empty()) Bytes(field, s);
  }
};

uint64_t ZigZag(int32_t v) {
  return static_cast<uint32_t>((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

std::string AnyValueProto(const AnyValue& v);

std::string KeyValueProto(const KeyValue& kv) {
  Writer w;
  w.Bytes(1, kv.key);
  w.Bytes(2, AnyValueProto(kv.value));
  return w.out;
}

std::string AnyValueProto(const AnyValue& v) {
  Writer w;
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: break;
    case AnyValue::Kind::kString: w.Bytes(1, v.str); break;
    case AnyValue::Kind::kBool: w.VarintField(2, v.b ? 1 : 0); break;
    case AnyValue::Kind::kInt: w.VarintField(3, static_cast<uint64_t>(v.i)); break;
    case AnyValue::Kind::kDouble: w.Double(4, v.d); break;
    case AnyValue::Kind::kArray: {
      Writer a;
      for (const AnyValue& e : v.array) a.Bytes(1, AnyValueProto(e));
      w.Bytes(5, a.out);
      break;
    }
    case AnyValue::Kind::kKvlist: {
      Writer a;
      for (const KeyValue& e : v.kvlist) a.Bytes(1, KeyValueProto(e));
      w.Bytes(6, a.out);
      break;
    }
    case AnyValue::Kind::kBytes: w.Bytes(7, v.str); break;
  }
  return w.out;
}

void AttributesProto(Writer& w, int field, const Attributes& attrs) {
  for (const KeyValue& kv : attrs) w.Bytes(field, KeyValueProto(kv));
}

std::string ExemplarProto(const Exemplar& e) {
  Writer w;
  if (e.time_unix_nano != 0) w.Fixed64(2, e.time_unix_nano);
  if (e.value_kind == ValueKind::kDouble) w.Double(3, e.as_double);
  if (e.value_kind == ValueKind::kInt) w.Fixed64(6, static_cast<uint64_t>(e.as_int));
  const auto nonzero = [](const auto& id) {
    for (auto b : id) {
      if (b != 0) return true;
    }
    return false;
  };
  if (nonzero(e.span_id)) w.Bytes(4, std::string_view(reinterpret_cast<const char*>(e.span_id.data()), 8));
  if (nonzero(e.trace_id)) w.Bytes(5, std::string_view(reinterpret_cast<const char*>(e.trace_id.data()), 16));
  AttributesProto(w, 7, e.filtered_attributes);
  return w.out;
}

std::string NumberProto(const NumberDataPoint& p) {
  Writer w;
  if (p.start_time_unix_nano != 0) w.Fixed64(2, p.start_time_unix_nano);
  if (p.time_unix_nano != 0) w.Fixed64(3, p.time_unix_nano);
  if (p.value_kind == ValueKind::kDouble) w.Double(4, p.as_double);
  for (const Exemplar& e : p.exemplars) w.Bytes(5, ExemplarProto(e));
  if (p.value_kind == ValueKind::kInt) w.Fixed64(6, static_cast<uint64_t>(p.as_int));
  AttributesProto(w, 7, p.attributes);
  if (p.flags != 0) w.VarintField(8, p.flags);
  return w.out;
}

std::string PackedFixed64(const std::vector<uint64_t>& v) {
  std::string out(v.size() * 8, '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::string HistogramProto(const HistogramDataPoint& p) {
  Writer w;
  if (p.start_time_unix_nano != 0) w.Fixed64(2, p.start_time_unix_nano);
  if (p.time_unix_nano != 0) w.Fixed64(3, p.time_unix_nano);
  w.Fixed64(4, p.count);
  if (p.has_sum) w.Double(5, p.sum);
  if (!p.bucket_counts.empty()) w.Bytes(6, PackedFixed64(p.bucket_counts));
  if (!p.explicit_bounds.empty()) {
    std::vector<uint64_t> bits(p.explicit_bounds.size());
    std::memcpy(bits.data(), p.explicit_bounds.data(), bits.size() * 8);
    w.Bytes(7, PackedFixed64(bits));
  }
  for (const Exemplar& e : p.exemplars) w.Bytes(8, ExemplarProto(e));
  AttributesProto(w, 9, p.attributes);
  if (p.flags != 0) w.VarintField(10, p.flags);
  if (p.has_min) w.Double(11, p.min);
  if (p.has_max) w.Double(12, p.max);
  return w.out;
}

std::string BucketsProto(const Buckets& b) {
  Writer w;
  if (b.offset != 0) w.VarintField(1, ZigZag(b.offset));
  if (!b.bucket_counts.empty()) {
    Writer packed;
    for (uint64_t c : b.bucket_counts) packed.Varint(c);
    w.Bytes(2, packed.out);
  }
  return w.out;
}

std::string ExponentialProto(const ExponentialHistogramDataPoint& p) {
  Writer w;
  AttributesProto(w, 1, p.attributes);
  if (p.start_time_unix_nano != 0) w.Fixed64(2, p.start_time_unix_nano);
  if (p.time_unix_nano != 0) w.Fixed64(3, p.time_unix_nano);
  w.Fixed64(4, p.count);
  if (p.has_sum) w.Double(5, p.sum);
  if (p.scale != 0) w.VarintField(6, ZigZag(p.scale));
  if (p.zero_count != 0) w.Fixed64(7, p.zero_count);
  w.Bytes(8, BucketsProto(p.positive));
  w.Bytes(9, BucketsProto(p.negative));
  if (p.flags != 0) w.VarintField(10, p.flags);
  for (const Exemplar& e : p.exemplars) w.Bytes(11, ExemplarProto(e));
  if (p.has_min) w.Double(12, p.min);
  if (p.has_max) w.Double(13, p.max);
  if (p.zero_threshold != 0) w.Double(14, p.zero_threshold);
  return w.out;
}

std::string SummaryProto(const SummaryDataPoint& p) {
  Writer w;
  if (p.start_time_unix_nano != 0) w.Fixed64(2, p.start_time_unix_nano);
  if (p.time_unix_nano != 0) w.Fixed64(3, p.time_unix_nano);
  w.Fixed64(4, p.count);
  w.Double(5, p.sum);
  for (const ValueAtQuantile& q : p.quantile_values) {
    Writer qw;
    qw.Double(1, q.quantile);
    qw.Double(2, q.value);
    w.Bytes(6, qw.out);
  }
  AttributesProto(w, 7, p.attributes);
  if (p.flags != 0) w.VarintField(8, p.flags);
  return w.out;
}

std::string MetricProto(const Metric& m) {
  Writer w;
  w.StringIf(1, m.name);
  w.StringIf(2, m.description);
  w.StringIf(3, m.unit);
  Writer d;
  switch (m.kind) {
    case MetricKind::kEmpty: return w.out;
    case MetricKind::kGauge:
      for (const auto& p : m.number_points) d.Bytes(1, NumberProto(p));
      w.Bytes(5, d.out);
      break;
    case MetricKind::kSum:
      for (const auto& p : m.number_points) d.Bytes(1, NumberProto(p));
      if (m.temporality != 0) d.VarintField(2, static_cast<uint64_t>(m.temporality));
      if (m.is_monotonic) d.VarintField(3, 1);
      w.Bytes(7, d.out);
      break;
    case MetricKind::kHistogram:
      for (const auto& p : m.histogram_points) d.Bytes(1, HistogramProto(p));
      if (m.temporality != 0) d.VarintField(2, static_cast<uint64_t>(m.temporality));
      w.Bytes(9, d.out);
      break;
    case MetricKind::kExponentialHistogram:
      for (const auto& p : m.exponential_points) d.Bytes(1, ExponentialProto(p));
      if (m.temporality != 0) d.VarintField(2, static_cast<uint64_t>(m.temporality));
      w.Bytes(10, d.out);
      break;
    case MetricKind::kSummary:
      for (const auto& p : m.summary_points) d.Bytes(1, SummaryProto(p));
      w.Bytes(11, d.out);
      break;
  }
  return w.out;
}

// ---- JSON ----

using Json = nlohmann::ordered_json;

Json JsonDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

Json AnyValueJson(const AnyValue& v);

Json AttributesJson(const Attributes& attrs) {
  Json a = Json::array();
  for (const KeyValue& kv : attrs) a.push_back(Json{{"key", kv.key}, {"value", AnyValueJson(kv.value)}});
  return a;
}

Json AnyValueJson(const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: return Json::object();
    case AnyValue::Kind::kString: return Json{{"stringValue", v.str}};
    case AnyValue::Kind::kBool: return Json{{"boolValue", v.b}};
    case AnyValue::Kind::kInt: return Json{{"intValue", std::to_string(v.i)}};
    case AnyValue::Kind::kDouble: return Json{{"doubleValue", JsonDouble(v.d)}};
    case AnyValue::Kind::kBytes: return Json{{"bytesValue", model::Base64Encode(v.str)}};
    case AnyValue::Kind::kArray: {
      Json a = Json::array();
      for (const AnyValue& e : v.array) a.push_back(AnyValueJson(e));
      return Json{{"arrayValue", Json{{"values", a}}}};
    }
    case AnyValue::Kind::kKvlist: return Json{{"kvlistValue", Json{{"values", AttributesJson(v.kvlist)}}}};
  }
  return Json::object();
}

Json ExemplarsJson(const std::vector<Exemplar>& in) {
  Json a = Json::array();
  for (const Exemplar& e : in) {
    Json j = Json::object();
    if (!e.filtered_attributes.empty()) j["filteredAttributes"] = AttributesJson(e.filtered_attributes);
    j["timeUnixNano"] = std::to_string(e.time_unix_nano);
    if (e.value_kind == ValueKind::kDouble) j["asDouble"] = JsonDouble(e.as_double);
    if (e.value_kind == ValueKind::kInt) j["asInt"] = std::to_string(e.as_int);
    j["spanId"] = model::HexEncode(e.span_id);
    j["traceId"] = model::HexEncode(e.trace_id);
    a.push_back(j);
  }
  return a;
}

template <typename P>
Json PointJson(const P& p) {
  Json j = Json::object();
  j["attributes"] = AttributesJson(p.attributes);
  j["startTimeUnixNano"] = std::to_string(p.start_time_unix_nano);
  j["timeUnixNano"] = std::to_string(p.time_unix_nano);
  if (p.flags != 0) j["flags"] = p.flags;
  return j;
}

std::string TemporalityName(int32_t t) {
  switch (t) {
    case kTemporalityDelta: return "AGGREGATION_TEMPORALITY_DELTA";
    case kTemporalityCumulative: return "AGGREGATION_TEMPORALITY_CUMULATIVE";
    default: return "AGGREGATION_TEMPORALITY_UNSPECIFIED";
  }
}

Json MetricJson(const Metric& m) {
  Json j = Json::object();
  j["name"] = m.name;
  if (!m.description.empty()) j["description"] = m.description;
  if (!m.unit.empty()) j["unit"] = m.unit;
  Json d = Json::object();
  Json points = Json::array();
  switch (m.kind) {
    case MetricKind::kEmpty: return j;
    case MetricKind::kGauge:
    case MetricKind::kSum:
      for (const auto& p : m.number_points) {
        Json pj = PointJson(p);
        if (p.value_kind == ValueKind::kDouble) pj["asDouble"] = JsonDouble(p.as_double);
        if (p.value_kind == ValueKind::kInt) pj["asInt"] = std::to_string(p.as_int);
        if (!p.exemplars.empty()) pj["exemplars"] = ExemplarsJson(p.exemplars);
        points.push_back(pj);
      }
      break;
    case MetricKind::kHistogram:
      for (const auto& p : m.histogram_points) {
        Json pj = PointJson(p);
        pj["count"] = std::to_string(p.count);
        if (p.has_sum) pj["sum"] = JsonDouble(p.sum);
        Json counts = Json::array(), bounds = Json::array();
        for (uint64_t c : p.bucket_counts) counts.push_back(std::to_string(c));
        for (double b : p.explicit_bounds) bounds.push_back(JsonDouble(b));
        pj["bucketCounts"] = counts;
        pj["explicitBounds"] = bounds;
        if (!p.exemplars.empty()) pj["exemplars"] = ExemplarsJson(p.exemplars);
        if (p.has_min) pj["min"] = JsonDouble(p.min);
        if (p.has_max) pj["max"] = JsonDouble(p.max);
        points.push_back(pj);
      }
      break;
    case MetricKind::kExponentialHistogram:
      for (const auto& p : m.exponential_points) {
        Json pj = PointJson(p);
        pj["count"] = std::to_string(p.count);
        if (p.has_sum) pj["sum"] = JsonDouble(p.sum);
        pj["scale"] = p.scale;
        pj["zeroCount"] = std::to_string(p.zero_count);
        for (const auto& [key, b] :
             {std::pair{"positive", &p.positive}, std::pair{"negative", &p.negative}}) {
          Json counts = Json::array();
          for (uint64_t c : b->bucket_counts) counts.push_back(std::to_string(c));
          pj[key] = Json{{"offset", b->offset}, {"bucketCounts", counts}};
        }
        if (!p.exemplars.empty()) pj["exemplars"] = ExemplarsJson(p.exemplars);
        if (p.zero_threshold != 0) pj["zeroThreshold"] = JsonDouble(p.zero_threshold);
        points.push_back(pj);
      }
      break;
    case MetricKind::kSummary:
      for (const auto& p : m.summary_points) {
        Json pj = PointJson(p);
        pj["count"] = std::to_string(p.count);
        pj["sum"] = JsonDouble(p.sum);
        Json qs = Json::array();
        for (const auto& q : p.quantile_values)
          qs.push_back(Json{{"quantile", JsonDouble(q.quantile)}, {"value", JsonDouble(q.value)}});
        pj["quantileValues"] = qs;
        points.push_back(pj);
      }
      break;
  }
  d["dataPoints"] = points;
  if (m.kind == MetricKind::kSum || m.kind == MetricKind::kHistogram ||
      m.kind == MetricKind::kExponentialHistogram) {
    d["aggregationTemporality"] = TemporalityName(m.temporality);
  }
  if (m.kind == MetricKind::kSum) d["isMonotonic"] = m.is_monotonic;
  static const char* kKeys[] = {"", "gauge", "sum", "histogram", "exponentialHistogram", "summary"};
  j[kKeys[static_cast<int>(m.kind)]] = d;
  return j;
}

}  // namespace

std::string EncodeProtobuf(const ExportRequest& req) {
  Writer w;
  for (const ResourceMetrics& rm : req.resource_metrics) {
    Writer r;
    Writer res;
    AttributesProto(res, 1, rm.resource_attributes);
    r.Bytes(1, res.out);
    for (const ScopeMetrics& sm : rm.scope_metrics) {
      Writer s;
      Writer scope;
      scope.StringIf(1, sm.scope.name);
      scope.StringIf(2, sm.scope.version);
      AttributesProto(scope, 3, sm.scope.attributes);
      s.Bytes(1, scope.out);
      for (const Metric& m : sm.metrics) s.Bytes(2, MetricProto(m));
      s.StringIf(3, sm.schema_url);
      r.Bytes(2, s.out);
    }
    r.StringIf(3, rm.schema_url);
    w.Bytes(1, r.out);
  }
  return w.out;
}

std::string EncodeJson(const ExportRequest& req) {
  Json rms = Json::array();
  for (const ResourceMetrics& rm : req.resource_metrics) {
    Json sms = Json::array();
    for (const ScopeMetrics& sm : rm.scope_metrics) {
      Json metrics = Json::array();
      for (const Metric& m : sm.metrics) metrics.push_back(MetricJson(m));
      Json scope = Json{{"name", sm.scope.name}, {"version", sm.scope.version}};
      if (!sm.scope.attributes.empty()) scope["attributes"] = AttributesJson(sm.scope.attributes);
      Json s = Json{{"scope", scope}, {"metrics", metrics}};
      if (!sm.schema_url.empty()) s["schemaUrl"] = sm.schema_url;
      sms.push_back(s);
    }
    Json r = Json{{"resource", Json{{"attributes", AttributesJson(rm.resource_attributes)}}},
                  {"scopeMetrics", sms}};
    if (!rm.schema_url.empty()) r["schemaUrl"] = rm.schema_url;
    rms.push_back(r);
  }
  return Json{{"resourceMetrics", rms}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace promref::otlp
