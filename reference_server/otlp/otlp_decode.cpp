#include "otlp/otlp_decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "model/go_strconv.h"
#include "otlp/name_translation.h"

namespace promref::otlp {
namespace {

// Thrown by the decoders below and turned into the Result at the top.
struct DecodeError {
  std::string message;
};

[[noreturn]] void Throw(std::string message) {
  throw DecodeError{std::move(message)};
}

// ---- Protobuf ------------------------------------------------------------------------------

enum WireType : int { kVarint = 0, kI64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kI32 = 5 };

[[noreturn]] void WrongWireType(int wt, const char* field) {
  Throw("proto: wrong wireType = " + std::to_string(wt) + " for field " + field);
}

// The reading primitives of pdata's internal/proto package, with its errors.
class Proto {
 public:
  explicit Proto(std::string_view buf) : buf_(buf) {}

  bool more() const { return pos_ < buf_.size(); }

  uint64_t Varint() {
    uint64_t num = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64) Throw("proto: integer overflow");
      if (pos_ >= buf_.size()) Throw("unexpected EOF");
      const auto b = static_cast<uint8_t>(buf_[pos_++]);
      num |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) break;
    }
    return num;
  }

  // ConsumeTag: the field number (Go's int32 of tag >> 3) and the wire type.
  std::pair<int32_t, int> Tag() {
    const uint64_t tag = Varint();
    const auto field = static_cast<int32_t>(static_cast<uint32_t>(tag >> 3));
    const int wt = static_cast<int>(tag & 7);
    if (field <= 0) {
      Throw("proto: Link: illegal field=" + std::to_string(field) + " (tag=" + std::to_string(tag) +
            ", pos=" + std::to_string(pos_) + ")");
    }
    return {field, wt};
  }

  uint64_t I64() {
    if (buf_.size() - pos_ < 8) Throw("unexpected EOF");
    uint64_t v;
    std::memcpy(&v, buf_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }

  uint32_t I32() {
    if (buf_.size() - pos_ < 4) Throw("unexpected EOF");
    uint32_t v;
    std::memcpy(&v, buf_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }

  std::string_view Len() {
    const uint64_t num = Varint();
    if (static_cast<int64_t>(num) < 0) Throw("proto: negative length found during unmarshaling");
    if (num > buf_.size() - pos_) Throw("unexpected EOF");
    std::string_view out = buf_.substr(pos_, num);
    pos_ += num;
    return out;
  }

  double Double() {
    const uint64_t bits = I64();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }

  // ConsumeUnknown, including its way with groups: a group's first non-group field ends it.
  void Unknown(int wt) {
    int depth = 0;
    while (pos_ < buf_.size()) {
      switch (wt) {
        case kVarint: Varint(); return;
        case kI64: I64(); return;
        case kLen: Len(); return;
        case kStartGroup: ++depth; break;
        case kEndGroup:
          if (depth == 0) Throw("proto: unexpected end of group");
          --depth;
          break;
        case kI32: I32(); return;
        default: Throw("proto: illegal wireType " + std::to_string(wt));
      }
      if (depth == 0) return;
      wt = Tag().second;
    }
    Throw("unexpected EOF");
  }

 private:
  std::string_view buf_;
  size_t pos_ = 0;
};

// sint32 as pdata reads it: the varint's low 33 bits (Go's uint32(num>>1) keeps bit 32).
int32_t ZigZag32(uint64_t num) {
  const auto sign = static_cast<uint32_t>(0) - static_cast<uint32_t>(num & 1);
  return static_cast<int32_t>(static_cast<uint32_t>(num >> 1) ^ sign);
}

void Expect(int wt, int want, const char* field) {
  if (wt != want) WrongWireType(wt, field);
}

void DecodeAnyValue(std::string_view buf, AnyValue* v, int depth);

void DecodeKeyValue(std::string_view buf, KeyValue* kv, int depth) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Key"), kv->key = std::string(p.Len()); break;
      case 2: Expect(wt, kLen, "Value"), DecodeAnyValue(p.Len(), &kv->value, depth + 1); break;
      case 3: Expect(wt, kVarint, "KeyStrindex"), p.Varint(); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeAttributes(std::string_view buf, Attributes* attrs, int depth) {
  attrs->emplace_back();
  DecodeKeyValue(buf, &attrs->back(), depth);
}

void DecodeAnyValue(std::string_view buf, AnyValue* v, int depth) {
  if (depth > kMaxNesting) Throw("proto: attribute values nested too deeply");
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1:
        Expect(wt, kLen, "StringValue");
        *v = AnyValue{};
        v->kind = AnyValue::Kind::kString;
        v->str = std::string(p.Len());
        break;
      case 2:
        Expect(wt, kVarint, "BoolValue");
        *v = AnyValue{};
        v->kind = AnyValue::Kind::kBool;
        v->b = p.Varint() != 0;
        break;
      case 3:
        Expect(wt, kVarint, "IntValue");
        *v = AnyValue{};
        v->kind = AnyValue::Kind::kInt;
        v->i = static_cast<int64_t>(p.Varint());
        break;
      case 4:
        Expect(wt, kI64, "DoubleValue");
        *v = AnyValue{};
        v->kind = AnyValue::Kind::kDouble;
        v->d = p.Double();
        break;
      case 5: {
        Expect(wt, kLen, "ArrayValue");
        AnyValue out;
        out.kind = AnyValue::Kind::kArray;
        Proto a(p.Len());
        while (a.more()) {
          const auto [f, w] = a.Tag();
          if (f == 1) {
            Expect(w, kLen, "Values");
            out.array.emplace_back();
            DecodeAnyValue(a.Len(), &out.array.back(), depth + 1);
          } else {
            a.Unknown(w);
          }
        }
        *v = std::move(out);
        break;
      }
      case 6: {
        Expect(wt, kLen, "KvlistValue");
        AnyValue out;
        out.kind = AnyValue::Kind::kKvlist;
        Proto a(p.Len());
        while (a.more()) {
          const auto [f, w] = a.Tag();
          if (f == 1) {
            Expect(w, kLen, "Values");
            out.kvlist.emplace_back();
            DecodeKeyValue(a.Len(), &out.kvlist.back(), depth + 1);
          } else {
            a.Unknown(w);
          }
        }
        *v = std::move(out);
        break;
      }
      case 7:
        Expect(wt, kLen, "BytesValue");
        *v = AnyValue{};
        v->kind = AnyValue::Kind::kBytes;
        v->str = std::string(p.Len());
        break;
      case 8:
        Expect(wt, kVarint, "StringValueStrindex");
        p.Varint();
        *v = AnyValue{};
        break;
      default: p.Unknown(wt);
    }
  }
}

template <size_t N>
void DecodeId(std::string_view b, std::array<uint8_t, N>* id, const char* what) {
  if (b.empty()) {
    id->fill(0);
    return;
  }
  if (b.size() != N) Throw(std::string("unmarshal: invalid ") + what + " length");
  std::memcpy(id->data(), b.data(), N);
}

void DecodeExemplar(std::string_view buf, Exemplar* e) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 7:
        Expect(wt, kLen, "FilteredAttributes");
        DecodeAttributes(p.Len(), &e->filtered_attributes, 0);
        break;
      case 2: Expect(wt, kI64, "TimeUnixNano"), e->time_unix_nano = p.I64(); break;
      case 3:
        Expect(wt, kI64, "AsDouble");
        e->value_kind = ValueKind::kDouble;
        e->as_double = p.Double();
        break;
      case 6:
        Expect(wt, kI64, "AsInt");
        e->value_kind = ValueKind::kInt;
        e->as_int = static_cast<int64_t>(p.I64());
        break;
      case 5: Expect(wt, kLen, "TraceId"), DecodeId(p.Len(), &e->trace_id, "TraceID"); break;
      case 4: Expect(wt, kLen, "SpanId"), DecodeId(p.Len(), &e->span_id, "SpanID"); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeNumberPoint(std::string_view buf, NumberDataPoint* d) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 7: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4:
        Expect(wt, kI64, "AsDouble");
        d->value_kind = ValueKind::kDouble;
        d->as_double = p.Double();
        break;
      case 6:
        Expect(wt, kI64, "AsInt");
        d->value_kind = ValueKind::kInt;
        d->as_int = static_cast<int64_t>(p.I64());
        break;
      case 5:
        Expect(wt, kLen, "Exemplars");
        d->exemplars.emplace_back();
        DecodeExemplar(p.Len(), &d->exemplars.back());
        break;
      case 8: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      default: p.Unknown(wt);
    }
  }
}

// A packed (replacing what came before, as pdata does) or unpacked (appended) repeated
// fixed64 or double.
template <typename T>
void RepeatedFixed64(Proto& p, int wt, std::vector<T>* out, const char* field) {
  if (wt == kLen) {
    const std::string_view b = p.Len();
    out->assign(b.size() / 8, T{});
    for (size_t i = 0; i < out->size(); ++i) std::memcpy(&(*out)[i], b.data() + 8 * i, 8);
    if (b.size() % 8 != 0) {
      Throw("proto: invalid field len = " + std::to_string(b.size() % 8) + " for field " + field);
    }
  } else if (wt == kI64) {
    const uint64_t bits = p.I64();
    T v;
    std::memcpy(&v, &bits, 8);
    out->push_back(v);
  } else {
    WrongWireType(wt, field);
  }
}

void DecodeHistogramPoint(std::string_view buf, HistogramDataPoint* d) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 9: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4: Expect(wt, kI64, "Count"), d->count = p.I64(); break;
      case 5:
        Expect(wt, kI64, "Sum");
        d->has_sum = true;
        d->sum = p.Double();
        break;
      case 6: RepeatedFixed64(p, wt, &d->bucket_counts, "BucketCounts"); break;
      case 7: RepeatedFixed64(p, wt, &d->explicit_bounds, "ExplicitBounds"); break;
      case 8:
        Expect(wt, kLen, "Exemplars");
        d->exemplars.emplace_back();
        DecodeExemplar(p.Len(), &d->exemplars.back());
        break;
      case 10: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      case 11:
        Expect(wt, kI64, "Min");
        d->has_min = true;
        d->min = p.Double();
        break;
      case 12:
        Expect(wt, kI64, "Max");
        d->has_max = true;
        d->max = p.Double();
        break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeBuckets(std::string_view buf, Buckets* b) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kVarint, "Offset"), b->offset = ZigZag32(p.Varint()); break;
      case 2:
        if (wt == kLen) {
          Proto packed(p.Len());
          while (packed.more()) b->bucket_counts.push_back(packed.Varint());
        } else if (wt == kVarint) {
          b->bucket_counts.push_back(p.Varint());
        } else {
          WrongWireType(wt, "BucketCounts");
        }
        break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeExponentialPoint(std::string_view buf, ExponentialHistogramDataPoint* d) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4: Expect(wt, kI64, "Count"), d->count = p.I64(); break;
      case 5:
        Expect(wt, kI64, "Sum");
        d->has_sum = true;
        d->sum = p.Double();
        break;
      case 6: Expect(wt, kVarint, "Scale"), d->scale = ZigZag32(p.Varint()); break;
      case 7: Expect(wt, kI64, "ZeroCount"), d->zero_count = p.I64(); break;
      case 8: Expect(wt, kLen, "Positive"), DecodeBuckets(p.Len(), &d->positive); break;
      case 9: Expect(wt, kLen, "Negative"), DecodeBuckets(p.Len(), &d->negative); break;
      case 10: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      case 11:
        Expect(wt, kLen, "Exemplars");
        d->exemplars.emplace_back();
        DecodeExemplar(p.Len(), &d->exemplars.back());
        break;
      case 12:
        Expect(wt, kI64, "Min");
        d->has_min = true;
        d->min = p.Double();
        break;
      case 13:
        Expect(wt, kI64, "Max");
        d->has_max = true;
        d->max = p.Double();
        break;
      case 14: Expect(wt, kI64, "ZeroThreshold"), d->zero_threshold = p.Double(); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeQuantile(std::string_view buf, ValueAtQuantile* q) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kI64, "Quantile"), q->quantile = p.Double(); break;
      case 2: Expect(wt, kI64, "Value"), q->value = p.Double(); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeSummaryPoint(std::string_view buf, SummaryDataPoint* d) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 7: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4: Expect(wt, kI64, "Count"), d->count = p.I64(); break;
      case 5: Expect(wt, kI64, "Sum"), d->sum = p.Double(); break;
      case 6:
        Expect(wt, kLen, "QuantileValues");
        d->quantile_values.emplace_back();
        DecodeQuantile(p.Len(), &d->quantile_values.back());
        break;
      case 8: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      default: p.Unknown(wt);
    }
  }
}

// Gauge, Sum, Histogram, ExponentialHistogram and Summary: data points in field 1, the
// temporality in 2 and monotonicity in 3 where they have them.
void DecodeMetricData(std::string_view buf, Metric* m, MetricKind kind) {
  Metric fresh;
  fresh.name = std::move(m->name);
  fresh.description = std::move(m->description);
  fresh.unit = std::move(m->unit);
  *m = std::move(fresh);
  m->kind = kind;
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    if (field == 1) {
      Expect(wt, kLen, "DataPoints");
      const std::string_view b = p.Len();
      switch (kind) {
        case MetricKind::kGauge:
        case MetricKind::kSum: DecodeNumberPoint(b, &m->number_points.emplace_back()); break;
        case MetricKind::kHistogram: DecodeHistogramPoint(b, &m->histogram_points.emplace_back()); break;
        case MetricKind::kExponentialHistogram:
          DecodeExponentialPoint(b, &m->exponential_points.emplace_back());
          break;
        case MetricKind::kSummary: DecodeSummaryPoint(b, &m->summary_points.emplace_back()); break;
        case MetricKind::kEmpty: break;
      }
    } else if (field == 2 && kind != MetricKind::kGauge && kind != MetricKind::kSummary) {
      Expect(wt, kVarint, "AggregationTemporality");
      m->temporality = static_cast<int32_t>(p.Varint());
    } else if (field == 3 && kind == MetricKind::kSum) {
      Expect(wt, kVarint, "IsMonotonic");
      m->is_monotonic = p.Varint() != 0;
    } else {
      p.Unknown(wt);
    }
  }
}

void DecodeMetric(std::string_view buf, Metric* m) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Name"), m->name = std::string(p.Len()); break;
      case 2: Expect(wt, kLen, "Description"), m->description = std::string(p.Len()); break;
      case 3: Expect(wt, kLen, "Unit"), m->unit = std::string(p.Len()); break;
      case 5: Expect(wt, kLen, "Gauge"), DecodeMetricData(p.Len(), m, MetricKind::kGauge); break;
      case 7: Expect(wt, kLen, "Sum"), DecodeMetricData(p.Len(), m, MetricKind::kSum); break;
      case 9: Expect(wt, kLen, "Histogram"), DecodeMetricData(p.Len(), m, MetricKind::kHistogram); break;
      case 10:
        Expect(wt, kLen, "ExponentialHistogram");
        DecodeMetricData(p.Len(), m, MetricKind::kExponentialHistogram);
        break;
      case 11: Expect(wt, kLen, "Summary"), DecodeMetricData(p.Len(), m, MetricKind::kSummary); break;
      case 12: {
        Expect(wt, kLen, "Metadata");
        Attributes ignored;
        DecodeAttributes(p.Len(), &ignored, 0);
        break;
      }
      default: p.Unknown(wt);
    }
  }
}

void DecodeScope(std::string_view buf, Scope* s) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Name"), s->name = std::string(p.Len()); break;
      case 2: Expect(wt, kLen, "Version"), s->version = std::string(p.Len()); break;
      case 3: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), &s->attributes, 0); break;
      case 4: Expect(wt, kVarint, "DroppedAttributesCount"), p.Varint(); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeScopeMetrics(std::string_view buf, ScopeMetrics* sm) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Scope"), DecodeScope(p.Len(), &sm->scope); break;
      case 2: Expect(wt, kLen, "Metrics"), DecodeMetric(p.Len(), &sm->metrics.emplace_back()); break;
      case 3: Expect(wt, kLen, "SchemaUrl"), sm->schema_url = std::string(p.Len()); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeEntityRef(std::string_view buf) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "SchemaUrl"), p.Len(); break;
      case 2: Expect(wt, kLen, "Type"), p.Len(); break;
      case 3: Expect(wt, kLen, "IdKeys"), p.Len(); break;
      case 4: Expect(wt, kLen, "DescriptionKeys"), p.Len(); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeResource(std::string_view buf, Attributes* attrs) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Attributes"), DecodeAttributes(p.Len(), attrs, 0); break;
      case 2: Expect(wt, kVarint, "DroppedAttributesCount"), p.Varint(); break;
      case 3: Expect(wt, kLen, "EntityRefs"), DecodeEntityRef(p.Len()); break;
      default: p.Unknown(wt);
    }
  }
}

void DecodeResourceMetrics(std::string_view buf, ResourceMetrics* rm) {
  std::vector<ScopeMetrics> deprecated;
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 1: Expect(wt, kLen, "Resource"), DecodeResource(p.Len(), &rm->resource_attributes); break;
      case 2:
        Expect(wt, kLen, "ScopeMetrics");
        DecodeScopeMetrics(p.Len(), &rm->scope_metrics.emplace_back());
        break;
      case 3: Expect(wt, kLen, "SchemaUrl"), rm->schema_url = std::string(p.Len()); break;
      case 1000:
        Expect(wt, kLen, "DeprecatedScopeMetrics");
        DecodeScopeMetrics(p.Len(), &deprecated.emplace_back());
        break;
      default: p.Unknown(wt);
    }
  }
  if (rm->scope_metrics.empty()) rm->scope_metrics = std::move(deprecated);
}

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

// ---- AsString ------------------------------------------------------------------------------

// Go's float text for JSON and attribute values: 'f' form, or 'e' form with a short exponent
// outside [1e-6, 1e21).
std::string GoJsonFloat(double f) {
  const double a = std::fabs(f);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = model::FormatFloat(f, 'e');
    const size_t e = s.find('e');
    if (e != std::string::npos && e + 3 < s.size() + 1 && s.size() - e == 4 && s[e + 2] == '0')
      s.erase(e + 2, 1);
    return s;
  }
  return model::FormatFloat(f, 'f');
}

void JsonQuote(std::string* out, std::string_view s);

void AppendJson(std::string* out, const AnyValue& v);

std::string Base64Encode(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void JsonQuote(std::string* out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        case '\b': *out += "\\b"; break;
        case '\f': *out += "\\f"; break;
        default:
          if (c < 0x20) {
            *out += "\\u00";
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const auto [r, w] = DecodeRune(s.substr(i));
    if (r == 0xFFFD && w == 1) {
      *out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      *out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out->append(s.substr(i, w));
    }
    i += w;
  }
  out->push_back('"');
}

void AppendJson(std::string* out, const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: *out += "null"; break;
    case AnyValue::Kind::kString: JsonQuote(out, v.str); break;
    case AnyValue::Kind::kBool: *out += v.b ? "true" : "false"; break;
    case AnyValue::Kind::kInt: *out += std::to_string(v.i); break;
    case AnyValue::Kind::kDouble: *out += std::isfinite(v.d) ? GoJsonFloat(v.d) : "null"; break;
    case AnyValue::Kind::kBytes: JsonQuote(out, Base64Encode(v.str)); break;
    case AnyValue::Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJson(out, v.array[i]);
      }
      out->push_back(']');
      break;
    case AnyValue::Kind::kKvlist: {
      // A map: one value per key (the last), keys sorted, as encoding/json writes a Go map.
      std::map<std::string, const AnyValue*> sorted;
      for (const KeyValue& kv : v.kvlist) sorted[kv.key] = &kv.value;
      out->push_back('{');
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) out->push_back(',');
        first = false;
        JsonQuote(out, k);
        out->push_back(':');
        AppendJson(out, *val);
      }
      out->push_back('}');
      break;
    }
  }
}

}  // namespace

std::string AsString(const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: return "";
    case AnyValue::Kind::kString: return v.str;
    case AnyValue::Kind::kBool: return v.b ? "true" : "false";
    case AnyValue::Kind::kInt: return std::to_string(v.i);
    case AnyValue::Kind::kDouble:
      if (std::isnan(v.d)) return "NaN";
      if (std::isinf(v.d)) return v.d > 0 ? "Infinity" : "-Infinity";
      return GoJsonFloat(v.d);
    case AnyValue::Kind::kBytes: return Base64Encode(v.str);
    case AnyValue::Kind::kArray:
    case AnyValue::Kind::kKvlist: {
      std::string out;
      AppendJson(&out, v);
      return out;
    }
  }
  return "";
}

const AnyValue* Find(const Attributes& attrs, std::string_view key) {
  for (const KeyValue& kv : attrs) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

Result<ExportRequest> DecodeProtobuf(std::string_view body) {
  ExportRequest req;
  try {
    Proto p(body);
    while (p.more()) {
      const auto [field, wt] = p.Tag();
      if (field == 1) {
        Expect(wt, kLen, "ResourceMetrics");
        DecodeResourceMetrics(p.Len(), &req.resource_metrics.emplace_back());
      } else {
        p.Unknown(wt);
      }
    }
  } catch (const DecodeError& e) {
    return BadData(e.message);
  }
  return req;
}

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
