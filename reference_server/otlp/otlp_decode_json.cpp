// DecodeJson: ExportMetricsServiceRequest in OTLP/JSON (protojson field names, int64 as strings,
// bytes as base64, enums by name or number), as pdata's reader accepts it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "model/go_strconv.h"
#include "otlp/internal/decode_error.h"
#include "otlp/name_translation.h"
#include "otlp/otlp_decode.h"

namespace promref::otlp {
namespace {

using internal::DecodeError;
using internal::Throw;

// ---- JSON ----------------------------------------------------------------------------------

using Json = nlohmann::ordered_json;

// Builds the document of a JSON value, with a depth limit.
class DomBuilder : public nlohmann::json_sax<Json> {
 public:
  Json root;
  std::string error;

  bool null() override { return Put(Json(nullptr)); }
  bool boolean(bool v) override { return Put(Json(v)); }
  bool number_integer(number_integer_t v) override { return Put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Put(Json(v)); }
  bool string(string_t& v) override { return Put(Json(std::move(v))); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    if (stack_.size() > 4 * kMaxNesting + 32) {
      error = "JSON nested too deeply";
      return false;
    }
    Json* j = Put(Json::object());
    stack_.push_back(j);
    return true;
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (stack_.size() > 4 * kMaxNesting + 32) {
      error = "JSON nested too deeply";
      return false;
    }
    Json* j = Put(Json::array());
    stack_.push_back(j);
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    error = ex.what();
    return false;
  }

 private:
  Json* Put(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    Json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  std::vector<Json*> stack_;
  std::string key_;
};

const char* TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::null: return "null";
    default: return "number";
  }
}

// ReadObject: the fields of an object; null reads as an empty one.
template <typename F>
void Object(const Json& j, const char* what, F&& field) {
  if (j.is_null()) return;
  if (!j.is_object())
    Throw(std::string("ReadObject: expect { or n, but found ") + TypeName(j) + " for " + what);
  for (const auto& [k, v] : j.items()) field(k, v);
}

// ReadArray: the elements; null reads as none.
template <typename F>
void Array(const Json& j, const char* what, F&& elem) {
  if (j.is_null()) return;
  if (!j.is_array())
    Throw(std::string("ReadArray: expect [ or n, but found ") + TypeName(j) + " for " + what);
  for (const auto& v : j) elem(v);
}

std::string String(const Json& j) {
  if (j.is_null()) return "";
  if (!j.is_string()) Throw(std::string("ReadString: expects \" or n, but found ") + TypeName(j));
  return j.get<std::string>();
}

bool Bool(const Json& j) {
  if (!j.is_boolean()) Throw(std::string("ReadBool: expect t or f, but found ") + TypeName(j));
  return j.get<bool>();
}

uint64_t Uint64(const Json& j, const char* op, uint64_t max) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<uint64_t>();
    if (v > max) Throw(std::string(op) + ": overflow");
    return v;
  }
  if (j.is_number_integer()) Throw(std::string(op) + ": negative value");
  if (j.is_string()) {
    // strconv.ParseUint(s, 10, bits): digits only, in range.
    const std::string s = j.get<std::string>();
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      Throw(std::string(op) + ": strconv.ParseUint: parsing " + model::GoQuote(s) + ": invalid syntax");
    }
    uint64_t v = 0;
    bool range = false;
    for (char c : s) {
      const auto d = static_cast<uint64_t>(c - '0');
      if (v > (UINT64_MAX - d) / 10) range = true;
      v = v * 10 + d;
    }
    if (range || v > max) {
      Throw(std::string(op) + ": strconv.ParseUint: parsing " + model::GoQuote(s) + ": value out of range");
    }
    return v;
  }
  Throw(std::string(op) + ": unsupported value type");
}

int64_t Int64(const Json& j, const char* op, int64_t min, int64_t max) {
  int64_t v = 0;
  if (j.is_number_integer() && !j.is_number_unsigned()) {
    v = j.get<int64_t>();
  } else if (j.is_number_unsigned()) {
    const auto u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) Throw(std::string(op) + ": overflow");
    v = static_cast<int64_t>(u);
  } else if (j.is_string()) {
    const std::string s = j.get<std::string>();
    std::string_view digits = s;
    const bool neg = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      Throw(std::string(op) + ": strconv.ParseInt: parsing " + model::GoQuote(s) + ": invalid syntax");
    }
    uint64_t acc = 0;
    bool range = false;
    for (char c : digits) {
      const auto d = static_cast<uint64_t>(c - '0');
      if (acc > (UINT64_MAX - d) / 10) range = true;
      acc = acc * 10 + d;
    }
    // The magnitude's limit: max, or -min for a negative value.
    const uint64_t limit = neg ? static_cast<uint64_t>(-(min + 1)) + 1 : static_cast<uint64_t>(max);
    if (range || acc > limit) {
      Throw(std::string(op) + ": strconv.ParseInt: parsing " + model::GoQuote(s) + ": value out of range");
    }
    return neg ? static_cast<int64_t>(0 - acc) : static_cast<int64_t>(acc);
  } else if (j.is_number_float()) {
    Throw(std::string(op) + ": not an integer");
  } else {
    Throw(std::string(op) + ": unsupported value type");
  }
  if (v < min || v > max) Throw(std::string(op) + ": overflow");
  return v;
}

double Float64(const Json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    const model::ParsedFloat p = model::ParseFloat(s);
    if (p.error.has_value() && *p.error == model::ParseNumError::kSyntax) {
      Throw("ReadUint64: strconv.ParseFloat: parsing " + model::GoQuote(s) + ": invalid syntax");
    }
    return p.value;
  }
  Throw("ReadUint64: unsupported value type");
}

uint32_t Uint32(const Json& j) {
  return static_cast<uint32_t>(Uint64(j, "ReadUint32", UINT32_MAX));
}

int32_t Int32(const Json& j) {
  return static_cast<int32_t>(Int64(j, "ReadInt32", INT32_MIN, INT32_MAX));
}

int32_t Temporality(const Json& j) {
  if (j.is_number()) return Int32(j);
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "AGGREGATION_TEMPORALITY_UNSPECIFIED") return kTemporalityUnspecified;
    if (s == "AGGREGATION_TEMPORALITY_DELTA") return kTemporalityDelta;
    if (s == "AGGREGATION_TEMPORALITY_CUMULATIVE") return kTemporalityCumulative;
    Throw("ReadEnumValue: unknown string value");
  }
  Throw("ReadEnumValue: unsupported value type");
}

// encoding/base64's StdEncoding (padding required; \r and \n skipped).
std::string Base64(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string clean;
  for (char c : in) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  if (clean.size() % 4 != 0)
    Throw("base64.Decode: illegal base64 data at input byte " + std::to_string(clean.size() / 4 * 4));
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    uint32_t acc = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + k];
      if (c == '=' && i + 4 == clean.size() && k >= 2) {
        ++pad;
        acc <<= 6;
        continue;
      }
      const size_t v = kAlphabet.find(c);
      if (v == std::string::npos || pad > 0)
        Throw("base64.Decode: illegal base64 data at input byte " + std::to_string(i + k));
      acc = (acc << 6) | static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>((acc >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((acc >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(acc & 0xFF));
  }
  return out;
}

template <size_t N>
void HexId(const Json& j, std::array<uint8_t, N>* id) {
  id->fill(0);
  const std::string s = String(j);
  if (s.empty()) return;
  if (s.size() != 2 * N) Throw("ID.UnmarshalJSONIter: length mismatch");
  const auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    Throw("ID.UnmarshalJSONIter: encoding/hex: invalid byte");
  };
  for (size_t i = 0; i < N; ++i)
    (*id)[i] = static_cast<uint8_t>(nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]));
}

bool Is(const std::string& k, const char* camel, const char* snake) {
  return k == camel || k == snake;
}

void JsonKeyValue(const Json& j, KeyValue* kv, int depth);

void JsonAnyValue(const Json& j, AnyValue* v, int depth) {
  if (depth > kMaxNesting) Throw("attribute values nested too deeply");
  Object(j, "AnyValue", [&](const std::string& k, const Json& x) {
    if (Is(k, "stringValue", "string_value")) {
      *v = AnyValue{};
      v->kind = AnyValue::Kind::kString;
      v->str = String(x);
    } else if (Is(k, "boolValue", "bool_value")) {
      *v = AnyValue{};
      v->kind = AnyValue::Kind::kBool;
      v->b = Bool(x);
    } else if (Is(k, "intValue", "int_value")) {
      *v = AnyValue{};
      v->kind = AnyValue::Kind::kInt;
      v->i = Int64(x, "ReadInt64", INT64_MIN, INT64_MAX);
    } else if (Is(k, "doubleValue", "double_value")) {
      *v = AnyValue{};
      v->kind = AnyValue::Kind::kDouble;
      v->d = Float64(x);
    } else if (Is(k, "arrayValue", "array_value")) {
      AnyValue out;
      out.kind = AnyValue::Kind::kArray;
      Object(x, "ArrayValue", [&](const std::string& ak, const Json& ax) {
        if (ak == "values") {
          Array(ax, "values", [&](const Json& e) { JsonAnyValue(e, &out.array.emplace_back(), depth + 1); });
        }
      });
      *v = std::move(out);
    } else if (Is(k, "kvlistValue", "kvlist_value")) {
      AnyValue out;
      out.kind = AnyValue::Kind::kKvlist;
      Object(x, "KeyValueList", [&](const std::string& ak, const Json& ax) {
        if (ak == "values") {
          Array(ax, "values", [&](const Json& e) { JsonKeyValue(e, &out.kvlist.emplace_back(), depth + 1); });
        }
      });
      *v = std::move(out);
    } else if (Is(k, "bytesValue", "bytes_value")) {
      *v = AnyValue{};
      v->kind = AnyValue::Kind::kBytes;
      v->str = Base64(String(x));
    } else if (Is(k, "stringValueStrindex", "string_value_strindex")) {
      Int32(x);
      *v = AnyValue{};
    }
  });
}

void JsonKeyValue(const Json& j, KeyValue* kv, int depth) {
  Object(j, "KeyValue", [&](const std::string& k, const Json& x) {
    if (k == "key") {
      kv->key = String(x);
    } else if (k == "value") {
      JsonAnyValue(x, &kv->value, depth + 1);
    } else if (Is(k, "keyStrindex", "key_strindex")) {
      Int32(x);
    }
  });
}

void JsonAttributes(const Json& j, Attributes* attrs) {
  Array(j, "attributes", [&](const Json& e) { JsonKeyValue(e, &attrs->emplace_back(), 0); });
}

void JsonExemplar(const Json& j, Exemplar* e) {
  Object(j, "Exemplar", [&](const std::string& k, const Json& x) {
    if (Is(k, "filteredAttributes", "filtered_attributes")) {
      JsonAttributes(x, &e->filtered_attributes);
    } else if (Is(k, "timeUnixNano", "time_unix_nano")) {
      e->time_unix_nano = Uint64(x, "ReadUint64", UINT64_MAX);
    } else if (Is(k, "asDouble", "as_double")) {
      e->value_kind = ValueKind::kDouble;
      e->as_double = Float64(x);
    } else if (Is(k, "asInt", "as_int")) {
      e->value_kind = ValueKind::kInt;
      e->as_int = Int64(x, "ReadInt64", INT64_MIN, INT64_MAX);
    } else if (Is(k, "traceId", "trace_id")) {
      HexId(x, &e->trace_id);
    } else if (Is(k, "spanId", "span_id")) {
      HexId(x, &e->span_id);
    }
  });
}

void JsonExemplars(const Json& j, std::vector<Exemplar>* out) {
  Array(j, "exemplars", [&](const Json& e) { JsonExemplar(e, &out->emplace_back()); });
}

// The fields every data point has; false for another field.
template <typename P>
bool JsonCommonPoint(const std::string& k, const Json& x, P* d) {
  if (k == "attributes") {
    JsonAttributes(x, &d->attributes);
  } else if (Is(k, "startTimeUnixNano", "start_time_unix_nano")) {
    d->start_time_unix_nano = Uint64(x, "ReadUint64", UINT64_MAX);
  } else if (Is(k, "timeUnixNano", "time_unix_nano")) {
    d->time_unix_nano = Uint64(x, "ReadUint64", UINT64_MAX);
  } else if (k == "flags") {
    d->flags = Uint32(x);
  } else {
    return false;
  }
  return true;
}

void JsonNumberPoint(const Json& j, NumberDataPoint* d) {
  Object(j, "NumberDataPoint", [&](const std::string& k, const Json& x) {
    if (JsonCommonPoint(k, x, d)) return;
    if (Is(k, "asDouble", "as_double")) {
      d->value_kind = ValueKind::kDouble;
      d->as_double = Float64(x);
    } else if (Is(k, "asInt", "as_int")) {
      d->value_kind = ValueKind::kInt;
      d->as_int = Int64(x, "ReadInt64", INT64_MIN, INT64_MAX);
    } else if (k == "exemplars") {
      JsonExemplars(x, &d->exemplars);
    }
  });
}

void JsonHistogramPoint(const Json& j, HistogramDataPoint* d) {
  Object(j, "HistogramDataPoint", [&](const std::string& k, const Json& x) {
    if (JsonCommonPoint(k, x, d)) return;
    if (k == "count") {
      d->count = Uint64(x, "ReadUint64", UINT64_MAX);
    } else if (k == "sum") {
      d->has_sum = true;
      d->sum = Float64(x);
    } else if (Is(k, "bucketCounts", "bucket_counts")) {
      Array(x, "bucketCounts",
            [&](const Json& e) { d->bucket_counts.push_back(Uint64(e, "ReadUint64", UINT64_MAX)); });
    } else if (Is(k, "explicitBounds", "explicit_bounds")) {
      Array(x, "explicitBounds", [&](const Json& e) { d->explicit_bounds.push_back(Float64(e)); });
    } else if (k == "exemplars") {
      JsonExemplars(x, &d->exemplars);
    } else if (k == "min") {
      d->has_min = true;
      d->min = Float64(x);
    } else if (k == "max") {
      d->has_max = true;
      d->max = Float64(x);
    }
  });
}

void JsonBuckets(const Json& j, Buckets* b) {
  Object(j, "Buckets", [&](const std::string& k, const Json& x) {
    if (k == "offset") {
      b->offset = Int32(x);
    } else if (Is(k, "bucketCounts", "bucket_counts")) {
      Array(x, "bucketCounts",
            [&](const Json& e) { b->bucket_counts.push_back(Uint64(e, "ReadUint64", UINT64_MAX)); });
    }
  });
}

void JsonExponentialPoint(const Json& j, ExponentialHistogramDataPoint* d) {
  Object(j, "ExponentialHistogramDataPoint", [&](const std::string& k, const Json& x) {
    if (JsonCommonPoint(k, x, d)) return;
    if (k == "count") {
      d->count = Uint64(x, "ReadUint64", UINT64_MAX);
    } else if (k == "sum") {
      d->has_sum = true;
      d->sum = Float64(x);
    } else if (k == "scale") {
      d->scale = Int32(x);
    } else if (Is(k, "zeroCount", "zero_count")) {
      d->zero_count = Uint64(x, "ReadUint64", UINT64_MAX);
    } else if (k == "positive") {
      JsonBuckets(x, &d->positive);
    } else if (k == "negative") {
      JsonBuckets(x, &d->negative);
    } else if (k == "exemplars") {
      JsonExemplars(x, &d->exemplars);
    } else if (k == "min") {
      d->has_min = true;
      d->min = Float64(x);
    } else if (k == "max") {
      d->has_max = true;
      d->max = Float64(x);
    } else if (Is(k, "zeroThreshold", "zero_threshold")) {
      d->zero_threshold = Float64(x);
    }
  });
}

void JsonSummaryPoint(const Json& j, SummaryDataPoint* d) {
  Object(j, "SummaryDataPoint", [&](const std::string& k, const Json& x) {
    if (JsonCommonPoint(k, x, d)) return;
    if (k == "count") {
      d->count = Uint64(x, "ReadUint64", UINT64_MAX);
    } else if (k == "sum") {
      d->sum = Float64(x);
    } else if (Is(k, "quantileValues", "quantile_values")) {
      Array(x, "quantileValues", [&](const Json& e) {
        ValueAtQuantile& q = d->quantile_values.emplace_back();
        Object(e, "ValueAtQuantile", [&](const std::string& qk, const Json& qx) {
          if (qk == "quantile") q.quantile = Float64(qx);
          if (qk == "value") q.value = Float64(qx);
        });
      });
    }
  });
}

void JsonMetricData(const Json& j, Metric* m, MetricKind kind) {
  m->kind = kind;
  m->temporality = kTemporalityUnspecified;
  m->is_monotonic = false;
  m->number_points.clear();
  m->histogram_points.clear();
  m->exponential_points.clear();
  m->summary_points.clear();
  Object(j, "metric data", [&](const std::string& k, const Json& x) {
    if (Is(k, "dataPoints", "data_points")) {
      Array(x, "dataPoints", [&](const Json& e) {
        switch (kind) {
          case MetricKind::kGauge:
          case MetricKind::kSum: JsonNumberPoint(e, &m->number_points.emplace_back()); break;
          case MetricKind::kHistogram: JsonHistogramPoint(e, &m->histogram_points.emplace_back()); break;
          case MetricKind::kExponentialHistogram:
            JsonExponentialPoint(e, &m->exponential_points.emplace_back());
            break;
          case MetricKind::kSummary: JsonSummaryPoint(e, &m->summary_points.emplace_back()); break;
          case MetricKind::kEmpty: break;
        }
      });
    } else if (Is(k, "aggregationTemporality", "aggregation_temporality") && kind != MetricKind::kGauge &&
               kind != MetricKind::kSummary) {
      m->temporality = Temporality(x);
    } else if (Is(k, "isMonotonic", "is_monotonic") && kind == MetricKind::kSum) {
      m->is_monotonic = Bool(x);
    }
  });
}

void JsonMetric(const Json& j, Metric* m) {
  Object(j, "Metric", [&](const std::string& k, const Json& x) {
    if (k == "name") {
      m->name = String(x);
    } else if (k == "description") {
      m->description = String(x);
    } else if (k == "unit") {
      m->unit = String(x);
    } else if (k == "gauge") {
      JsonMetricData(x, m, MetricKind::kGauge);
    } else if (k == "sum") {
      JsonMetricData(x, m, MetricKind::kSum);
    } else if (k == "histogram") {
      JsonMetricData(x, m, MetricKind::kHistogram);
    } else if (Is(k, "exponentialHistogram", "exponential_histogram")) {
      JsonMetricData(x, m, MetricKind::kExponentialHistogram);
    } else if (k == "summary") {
      JsonMetricData(x, m, MetricKind::kSummary);
    } else if (k == "metadata") {
      Attributes ignored;
      JsonAttributes(x, &ignored);
    }
  });
}

void JsonScopeMetrics(const Json& j, ScopeMetrics* sm) {
  Object(j, "ScopeMetrics", [&](const std::string& k, const Json& x) {
    if (k == "scope") {
      Object(x, "InstrumentationScope", [&](const std::string& sk, const Json& sx) {
        if (sk == "name") {
          sm->scope.name = String(sx);
        } else if (sk == "version") {
          sm->scope.version = String(sx);
        } else if (sk == "attributes") {
          JsonAttributes(sx, &sm->scope.attributes);
        } else if (Is(sk, "droppedAttributesCount", "dropped_attributes_count")) {
          Uint32(sx);
        }
      });
    } else if (k == "metrics") {
      Array(x, "metrics", [&](const Json& e) { JsonMetric(e, &sm->metrics.emplace_back()); });
    } else if (Is(k, "schemaUrl", "schema_url")) {
      sm->schema_url = String(x);
    }
  });
}

void JsonResourceMetrics(const Json& j, ResourceMetrics* rm) {
  std::vector<ScopeMetrics> deprecated;
  Object(j, "ResourceMetrics", [&](const std::string& k, const Json& x) {
    if (k == "resource") {
      Object(x, "Resource", [&](const std::string& rk, const Json& rx) {
        if (rk == "attributes") {
          JsonAttributes(rx, &rm->resource_attributes);
        } else if (Is(rk, "droppedAttributesCount", "dropped_attributes_count")) {
          Uint32(rx);
        }
      });
    } else if (Is(k, "scopeMetrics", "scope_metrics")) {
      Array(x, "scopeMetrics",
            [&](const Json& e) { JsonScopeMetrics(e, &rm->scope_metrics.emplace_back()); });
    } else if (Is(k, "schemaUrl", "schema_url")) {
      rm->schema_url = String(x);
    } else if (Is(k, "deprecatedScopeMetrics", "deprecated_scope_metrics")) {
      Array(x, "deprecatedScopeMetrics",
            [&](const Json& e) { JsonScopeMetrics(e, &deprecated.emplace_back()); });
    }
  });
  if (rm->scope_metrics.empty()) rm->scope_metrics = std::move(deprecated);
}

}  // namespace

Result<ExportRequest> DecodeJson(std::string_view body) {
  DomBuilder dom;
  // Not strict: what follows the first value is ignored, as the json-iterator reader pdata
  // uses ignores it.
  if (!Json::sax_parse(body.begin(), body.end(), &dom, nlohmann::json::input_format_t::json, false)) {
    return BadData(dom.error.empty() ? "ReadObject: expect { or n, but found \\x00" : dom.error);
  }
  ExportRequest req;
  try {
    Object(dom.root, "ExportMetricsServiceRequest", [&](const std::string& k, const Json& x) {
      if (Is(k, "resourceMetrics", "resource_metrics")) {
        Array(x, "resourceMetrics",
              [&](const Json& e) { JsonResourceMetrics(e, &req.resource_metrics.emplace_back()); });
      }
    });
  } catch (const DecodeError& e) {
    return BadData(e.message);
  } catch (const nlohmann::json::exception& e) {
    return BadData(e.what());
  }
  return req;
}

}  // namespace promref::otlp
