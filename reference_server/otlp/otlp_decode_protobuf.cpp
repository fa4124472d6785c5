// DecodeProtobuf: ExportMetricsServiceRequest in the protobuf encoding, read by hand.
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

// One element of a repeated KeyValue field, appended.
void AppendKeyValue(std::string_view buf, Attributes* attrs, int depth) {
  DecodeKeyValue(buf, &attrs->emplace_back(), depth);
}

// The elements of ArrayValue and KeyValueList, whose one field is `repeated ... values = 1`.
template <typename Decode>
void ForEachValue(std::string_view buf, Decode decode) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    if (field == 1) {
      Expect(wt, kLen, "Values");
      decode(p.Len());
    } else {
      p.Unknown(wt);
    }
  }
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
        ForEachValue(p.Len(),
                     [&](std::string_view b) { DecodeAnyValue(b, &out.array.emplace_back(), depth + 1); });
        *v = std::move(out);
        break;
      }
      case 6: {
        Expect(wt, kLen, "KvlistValue");
        AnyValue out;
        out.kind = AnyValue::Kind::kKvlist;
        ForEachValue(p.Len(), [&](std::string_view b) { AppendKeyValue(b, &out.kvlist, depth + 1); });
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
        AppendKeyValue(p.Len(), &e->filtered_attributes, 0);
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

// An optional double field (sum, min, max): present once seen, even when zero.
void OptionalDouble(Proto& p, int wt, const char* field, bool* has, double* v) {
  Expect(wt, kI64, field);
  *has = true;
  *v = p.Double();
}

// A repeated exemplar field: one more exemplar.
void AppendExemplar(Proto& p, int wt, std::vector<Exemplar>* out) {
  Expect(wt, kLen, "Exemplars");
  out->emplace_back();
  DecodeExemplar(p.Len(), &out->back());
}

void DecodeNumberPoint(std::string_view buf, NumberDataPoint* d) {
  Proto p(buf);
  while (p.more()) {
    const auto [field, wt] = p.Tag();
    switch (field) {
      case 7: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), &d->attributes, 0); break;
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
      case 5: AppendExemplar(p, wt, &d->exemplars); break;
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
      case 9: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4: Expect(wt, kI64, "Count"), d->count = p.I64(); break;
      case 5: OptionalDouble(p, wt, "Sum", &d->has_sum, &d->sum); break;
      case 6: RepeatedFixed64(p, wt, &d->bucket_counts, "BucketCounts"); break;
      case 7: RepeatedFixed64(p, wt, &d->explicit_bounds, "ExplicitBounds"); break;
      case 8: AppendExemplar(p, wt, &d->exemplars); break;
      case 10: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      case 11: OptionalDouble(p, wt, "Min", &d->has_min, &d->min); break;
      case 12: OptionalDouble(p, wt, "Max", &d->has_max, &d->max); break;
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
      case 1: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), &d->attributes, 0); break;
      case 2: Expect(wt, kI64, "StartTimeUnixNano"), d->start_time_unix_nano = p.I64(); break;
      case 3: Expect(wt, kI64, "TimeUnixNano"), d->time_unix_nano = p.I64(); break;
      case 4: Expect(wt, kI64, "Count"), d->count = p.I64(); break;
      case 5: OptionalDouble(p, wt, "Sum", &d->has_sum, &d->sum); break;
      case 6: Expect(wt, kVarint, "Scale"), d->scale = ZigZag32(p.Varint()); break;
      case 7: Expect(wt, kI64, "ZeroCount"), d->zero_count = p.I64(); break;
      case 8: Expect(wt, kLen, "Positive"), DecodeBuckets(p.Len(), &d->positive); break;
      case 9: Expect(wt, kLen, "Negative"), DecodeBuckets(p.Len(), &d->negative); break;
      case 10: Expect(wt, kVarint, "Flags"), d->flags = static_cast<uint32_t>(p.Varint()); break;
      case 11: AppendExemplar(p, wt, &d->exemplars); break;
      case 12: OptionalDouble(p, wt, "Min", &d->has_min, &d->min); break;
      case 13: OptionalDouble(p, wt, "Max", &d->has_max, &d->max); break;
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
      case 7: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), &d->attributes, 0); break;
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
        AppendKeyValue(p.Len(), &ignored, 0);
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
      case 3: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), &s->attributes, 0); break;
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
      case 1: Expect(wt, kLen, "Attributes"), AppendKeyValue(p.Len(), attrs, 0); break;
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

}  // namespace

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

}  // namespace promref::otlp
