#include "ingest/protobuf_parser.h"

#include <bit>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/series_labels.h"
#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::ingest {
namespace {

// --- The wire format, decoded the way gogo-protobuf's generated Unmarshal code does ----------
//
// Prometheus decodes with generated code, not a protobuf library, so its errors and its
// leniencies are that code's: varints of up to ten bytes whose excess bits are dropped,
// integer fields truncated to their width, repeated scalars accepted packed or not (a packed
// run may read past its own length, bounded only by the enclosing message), sub-messages
// merged into what an earlier occurrence of the same field left, unknown fields skipped.

constexpr std::string_view kUnexpectedEOF = "unexpected EOF";
constexpr std::string_view kIntOverflow = "proto: integer overflow";
constexpr std::string_view kInvalidLength = "proto: negative length found during unmarshaling";
constexpr std::string_view kEndOfGroup = "proto: unexpected end of group";

Error Fail(std::string_view message) {
  return BadData(std::string(message));
}

// Go's wrapping arithmetic (signed overflow is defined there).
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int32_t WrapAdd32(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// One message's bytes and the read position. The position is an int64 as Go's is, and may
// pass the end only where Go's may (it is then an error).
struct Reader {
  std::string_view d;
  int64_t i = 0;

  int64_t size() const { return static_cast<int64_t>(d.size()); }

  Status Varint(uint64_t* v) {
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64) return Fail(kIntOverflow);
      if (i >= size()) return Fail(kUnexpectedEOF);
      const auto b = static_cast<uint8_t>(d[static_cast<size_t>(i++)]);
      x |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) break;
    }
    *v = x;
    return {};
  }
  Status Fixed64(double* v) {
    if (i + 8 > size()) return Fail(kUnexpectedEOF);
    uint64_t bits = 0;
    for (int k = 7; k >= 0; --k) bits = bits << 8 | static_cast<uint8_t>(d[static_cast<size_t>(i + k)]);
    i += 8;
    *v = std::bit_cast<double>(bits);
    return {};
  }
  // The length of a length-delimited field and the bytes it covers.
  Status Delimited(std::string_view* out, int64_t* end) {
    uint64_t n = 0;
    if (Status s = Varint(&n); !s.ok()) return s;
    if (static_cast<int64_t>(n) < 0) return Fail(kInvalidLength);
    const int64_t post = WrapAdd(i, static_cast<int64_t>(n));
    if (post < 0) return Fail(kInvalidLength);
    if (post > size()) return Fail(kUnexpectedEOF);
    *out = d.substr(static_cast<size_t>(i), static_cast<size_t>(post - i));
    *end = post;
    return {};
  }
  Status Bytes(std::string_view* out) {
    int64_t end = 0;
    if (Status s = Delimited(out, &end); !s.ok()) return s;
    i = end;
    return {};
  }
};

int32_t ZigZag32(uint64_t v) {
  const auto u = static_cast<uint32_t>(v);
  return static_cast<int32_t>((u >> 1) ^ (0u - (u & 1)));
}
int64_t ZigZag64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (0 - (v & 1)));
}

// skipMetrics / skipTimestamp: the size of the field (groups included) `d` starts with.
Result<int64_t> SkipField(std::string_view d) {
  Reader r{d};
  int depth = 0;
  while (r.i < r.size()) {
    uint64_t wire = 0;
    if (Status s = r.Varint(&wire); !s.ok()) return s.error();
    const int wire_type = static_cast<int>(wire & 7);
    switch (wire_type) {
      case 0: {
        uint64_t ignored = 0;
        if (Status s = r.Varint(&ignored); !s.ok()) return s.error();
        break;
      }
      case 1: r.i = WrapAdd(r.i, 8); break;
      case 2: {
        uint64_t n = 0;
        if (Status s = r.Varint(&n); !s.ok()) return s.error();
        if (static_cast<int64_t>(n) < 0) return Fail(kInvalidLength);
        r.i = WrapAdd(r.i, static_cast<int64_t>(n));
        break;
      }
      case 3: ++depth; break;
      case 4:
        if (depth == 0) return Fail(kEndOfGroup);
        --depth;
        break;
      case 5: r.i = WrapAdd(r.i, 4); break;
      default: return Fail("proto: illegal wireType " + std::to_string(wire_type));
    }
    if (r.i < 0) return Fail(kInvalidLength);
    if (depth == 0) return r.i;
  }
  return Fail(kUnexpectedEOF);
}

// What a field handler says about a field.
enum class Field { kDone, kUnknown };

// The loop of every generated Unmarshal: tags, the checks on them, unknown fields skipped.
// `on_field(number, wire_type, reader)` decodes a known field and returns kDone, or kUnknown.
template <typename OnField>
Status DecodeMessage(std::string_view d, std::string_view message, OnField&& on_field) {
  Reader r{d};
  while (r.i < r.size()) {
    const int64_t pre = r.i;
    uint64_t wire = 0;
    if (Status s = r.Varint(&wire); !s.ok()) return s;
    const auto number = static_cast<int32_t>(static_cast<uint32_t>(wire >> 3));
    const int wire_type = static_cast<int>(wire & 7);
    if (wire_type == 4) return Fail("proto: " + std::string(message) + ": wiretype end group for non-group");
    if (number <= 0) {
      return Fail("proto: " + std::string(message) + ": illegal tag " + std::to_string(number) +
                  " (wire type " + std::to_string(wire) + ")");
    }
    Result<Field> f = on_field(number, wire_type, r);
    if (!f.ok()) return f.error();
    if (*f == Field::kDone) continue;
    r.i = pre;
    Result<int64_t> skip = SkipField(d.substr(static_cast<size_t>(pre)));
    if (!skip.ok()) return skip.error();
    if (*skip < 0 || WrapAdd(pre, *skip) < 0) return Fail(kInvalidLength);
    if (WrapAdd(pre, *skip) > r.size()) return Fail(kUnexpectedEOF);
    r.i = pre + *skip;
  }
  if (r.i > r.size()) return Fail(kUnexpectedEOF);
  return {};
}

Error WrongWireType(int wire_type, std::string_view field) {
  return Fail("proto: wrong wireType = " + std::to_string(wire_type) + " for field " + std::string(field));
}

// Field readers that check the wire type first, as each generated case does.
Result<Field> ReadDouble(Reader& r, int wire_type, std::string_view field, double* out) {
  if (wire_type != 1) return WrongWireType(wire_type, field);
  if (Status s = r.Fixed64(out); !s.ok()) return s.error();
  return Field::kDone;
}
Result<Field> ReadUvarint(Reader& r, int wire_type, std::string_view field, uint64_t* out) {
  if (wire_type != 0) return WrongWireType(wire_type, field);
  if (Status s = r.Varint(out); !s.ok()) return s.error();
  return Field::kDone;
}
Result<Field> ReadString(Reader& r, int wire_type, std::string_view field, std::string_view* out) {
  if (wire_type != 2) return WrongWireType(wire_type, field);
  if (Status s = r.Bytes(out); !s.ok()) return s.error();
  return Field::kDone;
}
// A sub-message: `decode(bytes)` merges it into its target.
template <typename Decode>
Result<Field> ReadMessage(Reader& r, int wire_type, std::string_view field, Decode&& decode) {
  if (wire_type != 2) return WrongWireType(wire_type, field);
  std::string_view bytes;
  int64_t end = 0;
  if (Status s = r.Delimited(&bytes, &end); !s.ok()) return s.error();
  if (Status s = decode(bytes); !s.ok()) return s.error();
  r.i = end;
  return Field::kDone;
}
// A repeated sint64, unpacked or packed.
Result<Field> ReadSint64s(Reader& r, int wire_type, std::string_view field, std::vector<int64_t>* out) {
  uint64_t v = 0;
  if (wire_type == 0) {
    if (Status s = r.Varint(&v); !s.ok()) return s.error();
    out->push_back(ZigZag64(v));
    return Field::kDone;
  }
  if (wire_type != 2) return WrongWireType(wire_type, field);
  std::string_view bytes;
  int64_t end = 0;
  if (Status s = r.Delimited(&bytes, &end); !s.ok()) return s.error();
  while (r.i < end) {
    if (Status s = r.Varint(&v); !s.ok()) return s.error();
    out->push_back(ZigZag64(v));
  }
  return Field::kDone;
}
// A repeated double, unpacked or packed.
Result<Field> ReadDoubles(Reader& r, int wire_type, std::string_view field, std::vector<double>* out) {
  double v = 0;
  if (wire_type == 1) {
    if (Status s = r.Fixed64(&v); !s.ok()) return s.error();
    out->push_back(v);
    return Field::kDone;
  }
  if (wire_type != 2) return WrongWireType(wire_type, field);
  std::string_view bytes;
  int64_t end = 0;
  if (Status s = r.Delimited(&bytes, &end); !s.ok()) return s.error();
  while (r.i < end) {
    if (Status s = r.Fixed64(&v); !s.ok()) return s.error();
    out->push_back(v);
  }
  return Field::kDone;
}

// --- The messages, as far as Prometheus reads them ---------------------------------------------

struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

Status DecodeTimestamp(std::string_view d, Timestamp* t) {
  return DecodeMessage(d, "Timestamp", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    uint64_t v = 0;
    switch (n) {
      case 1:
        if (Result<Field> f = ReadUvarint(r, wt, "Seconds", &v); !f.ok()) return f;
        t->seconds = static_cast<int64_t>(v);
        return Field::kDone;
      case 2:
        if (Result<Field> f = ReadUvarint(r, wt, "Nanos", &v); !f.ok()) return f;
        t->nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
        return Field::kDone;
    }
    return Field::kUnknown;
  });
}

// An optional sub-message field: created on first sight, merged into afterwards.
template <typename T, typename Decode>
Result<Field> ReadOptionalMessage(Reader& r, int wt, std::string_view field, std::optional<T>* out,
                                  Decode decode) {
  return ReadMessage(r, wt, field, [&](std::string_view b) {
    if (!*out) out->emplace();
    return decode(b, &**out);
  });
}

Result<Field> ReadTimestamp(Reader& r, int wt, std::string_view field, std::optional<Timestamp>* t) {
  return ReadOptionalMessage(r, wt, field, t, DecodeTimestamp);
}

struct LabelPairView {
  std::string_view name;
  std::string_view value;
};

struct PbExemplar {
  std::vector<LabelPairView> labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
};

Status DecodeLabelPair(std::string_view d, LabelPairView* l) {
  return DecodeMessage(d, "LabelPair", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    switch (n) {
      case 1: return ReadString(r, wt, "Name", &l->name);
      case 2: return ReadString(r, wt, "Value", &l->value);
    }
    return Field::kUnknown;
  });
}

Status DecodeExemplar(std::string_view d, PbExemplar* e) {
  return DecodeMessage(d, "Exemplar", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    switch (n) {
      case 1:
        return ReadMessage(r, wt, "Label", [&](std::string_view b) {
          e->labels.emplace_back();
          return DecodeLabelPair(b, &e->labels.back());
        });
      case 2: return ReadDouble(r, wt, "Value", &e->value);
      case 3: return ReadTimestamp(r, wt, "Timestamp", &e->timestamp);
    }
    return Field::kUnknown;
  });
}

Result<Field> ReadExemplar(Reader& r, int wt, std::string_view field, std::optional<PbExemplar>* e) {
  return ReadOptionalMessage(r, wt, field, e, DecodeExemplar);
}

struct PbCounter {
  double value = 0;
  std::optional<PbExemplar> exemplar;
  std::optional<Timestamp> start;
};

struct PbQuantile {
  double quantile = 0;
  double value = 0;
};

struct PbSummary {
  uint64_t count = 0;
  double sum = 0;
  std::vector<PbQuantile> quantiles;
  std::optional<Timestamp> start;
};

struct PbBucket {
  uint64_t cumulative_count = 0;
  double cumulative_count_float = 0;
  double upper_bound = 0;
  std::optional<PbExemplar> exemplar;
};

struct PbHistogram {
  uint64_t count = 0;
  double count_float = 0;
  double sum = 0;
  std::vector<PbBucket> buckets;
  std::optional<Timestamp> start;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  double zero_count_float = 0;
  std::vector<model::HistogramSpan> negative_spans;
  std::vector<int64_t> negative_deltas;
  std::vector<double> negative_counts;
  std::vector<model::HistogramSpan> positive_spans;
  std::vector<int64_t> positive_deltas;
  std::vector<double> positive_counts;
  std::vector<PbExemplar> exemplars;
};

Status DecodeCounter(std::string_view d, PbCounter* c) {
  return DecodeMessage(d, "Counter", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    switch (n) {
      case 1: return ReadDouble(r, wt, "Value", &c->value);
      case 2: return ReadExemplar(r, wt, "Exemplar", &c->exemplar);
      case 3: return ReadTimestamp(r, wt, "StartTimestamp", &c->start);
    }
    return Field::kUnknown;
  });
}

// Gauge and Untyped: a value alone.
Status DecodeValue(std::string_view d, std::string_view message, double* value) {
  return DecodeMessage(d, message, [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    if (n == 1) return ReadDouble(r, wt, "Value", value);
    return Field::kUnknown;
  });
}

Status DecodeSummary(std::string_view d, PbSummary* s) {
  return DecodeMessage(d, "Summary", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    switch (n) {
      case 1: return ReadUvarint(r, wt, "SampleCount", &s->count);
      case 2: return ReadDouble(r, wt, "SampleSum", &s->sum);
      case 3:
        return ReadMessage(r, wt, "Quantile", [&](std::string_view b) {
          PbQuantile& q = s->quantiles.emplace_back();
          return DecodeMessage(b, "Quantile", [&](int32_t qn, int qwt, Reader& qr) -> Result<Field> {
            switch (qn) {
              case 1: return ReadDouble(qr, qwt, "Quantile", &q.quantile);
              case 2: return ReadDouble(qr, qwt, "Value", &q.value);
            }
            return Field::kUnknown;
          });
        });
      case 4: return ReadTimestamp(r, wt, "StartTimestamp", &s->start);
    }
    return Field::kUnknown;
  });
}

Status DecodeBucket(std::string_view d, PbBucket* b) {
  return DecodeMessage(d, "Bucket", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    switch (n) {
      case 1: return ReadUvarint(r, wt, "CumulativeCount", &b->cumulative_count);
      case 2: return ReadDouble(r, wt, "UpperBound", &b->upper_bound);
      case 3: return ReadExemplar(r, wt, "Exemplar", &b->exemplar);
      case 4: return ReadDouble(r, wt, "CumulativeCountFloat", &b->cumulative_count_float);
    }
    return Field::kUnknown;
  });
}

Result<Field> ReadSpan(Reader& r, int wt, std::string_view field, std::vector<model::HistogramSpan>* spans) {
  return ReadMessage(r, wt, field, [&](std::string_view b) {
    model::HistogramSpan& span = spans->emplace_back();
    return DecodeMessage(b, "BucketSpan", [&](int32_t n, int swt, Reader& sr) -> Result<Field> {
      uint64_t v = 0;
      switch (n) {
        case 1:
          if (Result<Field> f = ReadUvarint(sr, swt, "Offset", &v); !f.ok()) return f;
          span.offset = ZigZag32(v);
          return Field::kDone;
        case 2:
          if (Result<Field> f = ReadUvarint(sr, swt, "Length", &v); !f.ok()) return f;
          span.length = static_cast<uint32_t>(v);
          return Field::kDone;
      }
      return Field::kUnknown;
    });
  });
}

Status DecodeHistogram(std::string_view d, PbHistogram* h) {
  return DecodeMessage(d, "Histogram", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
    uint64_t v = 0;
    switch (n) {
      case 1: return ReadUvarint(r, wt, "SampleCount", &h->count);
      case 2: return ReadDouble(r, wt, "SampleSum", &h->sum);
      case 3:
        return ReadMessage(r, wt, "Bucket", [&](std::string_view b) {
          h->buckets.emplace_back();
          return DecodeBucket(b, &h->buckets.back());
        });
      case 4: return ReadDouble(r, wt, "SampleCountFloat", &h->count_float);
      case 5:
        if (Result<Field> f = ReadUvarint(r, wt, "Schema", &v); !f.ok()) return f;
        h->schema = ZigZag32(v);
        return Field::kDone;
      case 6: return ReadDouble(r, wt, "ZeroThreshold", &h->zero_threshold);
      case 7: return ReadUvarint(r, wt, "ZeroCount", &h->zero_count);
      case 8: return ReadDouble(r, wt, "ZeroCountFloat", &h->zero_count_float);
      case 9: return ReadSpan(r, wt, "NegativeSpan", &h->negative_spans);
      case 10: return ReadSint64s(r, wt, "NegativeDelta", &h->negative_deltas);
      case 11: return ReadDoubles(r, wt, "NegativeCount", &h->negative_counts);
      case 12: return ReadSpan(r, wt, "PositiveSpan", &h->positive_spans);
      case 13: return ReadSint64s(r, wt, "PositiveDelta", &h->positive_deltas);
      case 14: return ReadDoubles(r, wt, "PositiveCount", &h->positive_counts);
      case 15: return ReadTimestamp(r, wt, "StartTimestamp", &h->start);
      case 16:
        return ReadMessage(r, wt, "Exemplars", [&](std::string_view b) {
          h->exemplars.emplace_back();
          return DecodeExemplar(b, &h->exemplars.back());
        });
    }
    return Field::kUnknown;
  });
}

// The MetricType enum values.
enum PbType : int32_t {
  kCounter = 0,
  kGauge = 1,
  kSummary = 2,
  kUntyped = 3,
  kHistogram = 4,
  kGaugeHistogram = 5
};

// prompb's MetricStreamingDecoder: one family at a time (its metrics only located), then one
// metric at a time. Like it, the sub-messages of a metric live on from one metric to the next:
// each is reset before a metric is decoded except Untyped, whose value a metric without one
// inherits from the last metric that had one.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(std::string_view body) : in_(body) {}

  // Returns false at the end of the body.
  Result<bool> NextFamily() {
    const std::string_view b = in_.substr(pos_);
    if (b.empty()) return false;
    // gogo's DecodeVarint: nothing for a truncated or over-long varint.
    uint64_t length = 0;
    size_t n = 0;
    bool complete = false;
    for (unsigned shift = 0; shift < 64 && n < b.size(); shift += 7) {
      const auto c = static_cast<uint8_t>(b[n++]);
      length |= static_cast<uint64_t>(c & 0x7F) << shift;
      if (c < 0x80) {
        complete = true;
        break;
      }
    }
    if (!complete || n > 5) return Fail("clientpb: invalid varint encountered");
    const uint64_t total = n + length;  // at most 2^35 + 5
    if (total > b.size()) {
      return Fail("clientpb: insufficient length of buffer, expected at least " + std::to_string(total) +
                  " bytes, got " + std::to_string(b.size()) + " bytes");
    }
    family_ = {};
    metrics_.clear();
    metric_index_ = 0;
    family_data_ = b.substr(n, length);
    pos_ += total;
    if (Status s = DecodeFamily(); !s.ok()) return s.error();
    return true;
  }

  // Returns false when the family has no more metrics.
  Result<bool> NextMetric() {
    if (metric_index_ >= metrics_.size()) return false;
    ResetMetric();
    metric_data_ = metrics_[metric_index_];
    if (Status s = DecodeMetric(); !s.ok()) return s.error();
    ++metric_index_;
    return true;
  }

  // Adds the metric's labels to *out, checking them as prompb does.
  Status Labels(LabelPairs* out) const {
    for (std::string_view bytes : labels_) {
      LabelPairView l;
      Status s = DecodeMessage(bytes, "LabelPair", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
        switch (n) {
          case 1:
            if (Result<Field> f = ReadString(r, wt, "Name", &l.name); !f.ok()) return f;
            if (l.name.empty() || !model::IsValidUtf8(l.name)) {
              return Fail("invalid label name: " + std::string(l.name));
            }
            return Field::kDone;
          case 2:
            if (Result<Field> f = ReadString(r, wt, "Value", &l.value); !f.ok()) return f;
            if (!model::IsValidUtf8(l.value)) return Fail("invalid label value: " + std::string(l.value));
            return Field::kDone;
        }
        return Field::kUnknown;
      });
      if (!s.ok()) return s;
      out->emplace_back(std::string(l.name), std::string(l.value));
    }
    return {};
  }

  std::string_view name() const { return family_.name; }
  std::string_view help() const { return family_.help; }
  std::string_view unit() const { return family_.unit; }
  int32_t type() const { return family_.type; }

  int64_t timestamp_ms() const { return timestamp_ms_; }
  const PbCounter& counter() const { return counter_; }
  double gauge() const { return gauge_; }
  double untyped() const { return untyped_; }
  const PbSummary& summary() const { return summary_; }
  const PbHistogram& histogram() const { return histogram_; }

 private:
  Status DecodeFamily() {
    return DecodeMessage(family_data_, "MetricFamily", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
      uint64_t v = 0;
      switch (n) {
        case 1: return ReadString(r, wt, "Name", &family_.name);
        case 2: return ReadString(r, wt, "Help", &family_.help);
        case 3:
          if (Result<Field> f = ReadUvarint(r, wt, "Type", &v); !f.ok()) return f;
          family_.type = static_cast<int32_t>(static_cast<uint32_t>(v));
          return Field::kDone;
        case 4: {
          if (wt != 2) return WrongWireType(wt, "Metric");
          std::string_view bytes;
          if (Status s = r.Bytes(&bytes); !s.ok()) return s.error();
          metrics_.push_back(bytes);
          return Field::kDone;
        }
        case 5: return ReadString(r, wt, "Unit", &family_.unit);
      }
      return Field::kUnknown;
    });
  }

  void ResetMetric() {
    labels_.clear();
    timestamp_ms_ = 0;
    counter_ = {};
    gauge_ = 0;
    summary_.count = 0;
    summary_.sum = 0;
    summary_.quantiles.clear();
    summary_.start.reset();
    histogram_ = {};
  }

  Status DecodeMetric() {
    return DecodeMessage(metric_data_, "Metric", [&](int32_t n, int wt, Reader& r) -> Result<Field> {
      uint64_t v = 0;
      switch (n) {
        case 1: {
          if (wt != 2) return WrongWireType(wt, "Label");
          std::string_view bytes;
          if (Status s = r.Bytes(&bytes); !s.ok()) return s.error();
          labels_.push_back(bytes);
          return Field::kDone;
        }
        case 2:
          return ReadMessage(r, wt, "Gauge",
                             [&](std::string_view b) { return DecodeValue(b, "Gauge", &gauge_); });
        case 3:
          return ReadMessage(r, wt, "Counter",
                             [&](std::string_view b) { return DecodeCounter(b, &counter_); });
        case 4:
          return ReadMessage(r, wt, "Summary",
                             [&](std::string_view b) { return DecodeSummary(b, &summary_); });
        case 5:
          return ReadMessage(r, wt, "Untyped",
                             [&](std::string_view b) { return DecodeValue(b, "Untyped", &untyped_); });
        case 6:
          if (Result<Field> f = ReadUvarint(r, wt, "TimestampMs", &v); !f.ok()) return f;
          timestamp_ms_ = static_cast<int64_t>(v);
          return Field::kDone;
        case 7:
          return ReadMessage(r, wt, "Histogram",
                             [&](std::string_view b) { return DecodeHistogram(b, &histogram_); });
      }
      return Field::kUnknown;
    });
  }

  struct Family {
    std::string_view name, help, unit;
    int32_t type = 0;
  };

  std::string_view in_;
  size_t pos_ = 0;
  Family family_;
  std::string_view family_data_;
  std::vector<std::string_view> metrics_;
  size_t metric_index_ = 0;

  std::string_view metric_data_;
  std::vector<std::string_view> labels_;
  int64_t timestamp_ms_ = 0;
  PbCounter counter_;
  double gauge_ = 0;
  double untyped_ = 0;
  PbSummary summary_;
  PbHistogram histogram_;
};

// --- Native histograms ---------------------------------------------------------------------

// isNativeHistogram: spans, a zero threshold or an integer zero count make a histogram native.
bool IsNative(const PbHistogram& h) {
  return !h.positive_spans.empty() || !h.negative_spans.empty() || h.zero_threshold > 0 || h.zero_count > 0;
}

// isFloatHistogram: float counts anywhere make it a float histogram.
bool IsFloat(const PbHistogram& h) {
  return h.count_float > 0 || h.zero_count_float > 0 || !h.positive_counts.empty() ||
         !h.negative_counts.empty();
}

Status CheckSpans(std::string_view side, const std::vector<model::HistogramSpan>& spans, size_t buckets) {
  int64_t total = 0;
  for (const model::HistogramSpan& s : spans) total += s.length;
  if (total == static_cast<int64_t>(buckets)) return {};
  return Fail(std::string(side) + " side: spans require " + std::to_string(total) + " buckets, have " +
              std::to_string(buckets));
}

// checkNativeHistogramConsistency, wrapped as Next() wraps it.
Status CheckConsistency(std::string_view name, const PbHistogram& h) {
  const bool is_float = IsFloat(h);
  Status s = CheckSpans("positive", h.positive_spans,
                        is_float ? h.positive_counts.size() : h.positive_deltas.size());
  if (s.ok()) {
    s = CheckSpans("negative", h.negative_spans,
                   is_float ? h.negative_counts.size() : h.negative_deltas.size());
  }
  if (s.ok()) return s;
  return Fail("histogram " + model::GoQuote(name) + ": " + s.error().message());
}

// Bucket arithmetic as Go does it for the bucket type: int64 wraps.
int64_t BucketAdd(int64_t a, int64_t b) {
  return WrapAdd(a, b);
}
double BucketAdd(double a, double b) {
  return a + b;
}
int64_t BucketNeg(int64_t a) {
  return static_cast<int64_t>(0 - static_cast<uint64_t>(a));
}
double BucketNeg(double a) {
  return -a;
}

// Prometheus' compactBuckets with maxEmptyBuckets 0 (what Compact(0) does to each side):
// spans of offset 0 merged into the one before, empty spans dropped, empty buckets cut out.
// With `deltas` the buckets are deltas (integer histograms) and stay deltas.
template <typename T>
void CompactBuckets(std::vector<T>* buckets, std::vector<model::HistogramSpan>* spans, bool deltas) {
  std::vector<T>& b = *buckets;
  std::vector<model::HistogramSpan>& s = *spans;
  bool nothing_to_do = true;
  T current{};
  for (T bucket : b) {
    current = deltas ? BucketAdd(current, bucket) : bucket;
    if (current == 0) {
      nothing_to_do = false;
      break;
    }
  }
  if (nothing_to_do) {
    for (const model::HistogramSpan& span : s) {
      if (span.offset <= 0 || span.length == 0) {
        nothing_to_do = false;
        break;
      }
    }
    if (nothing_to_do) return;
  }

  size_t i_bucket = 0, i_span = 0;
  uint32_t pos_in_span = 0;
  current = T{};
  const auto empty_buckets_here = [&]() -> size_t {
    size_t i = 0;
    T abs = current;
    while (static_cast<uint32_t>(i) + pos_in_span < s[i_span].length && abs == 0) {
      ++i;
      if (i + i_bucket >= b.size()) break;
      abs = b[i + i_bucket];
    }
    return i;
  };

  if (s.size() > 1) {
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      const model::HistogramSpan span = s[i + 1];
      if (span.offset == 0) {
        s[i_span].length += span.length;
        continue;
      }
      ++i_span;
      if (i + 1 != i_span) s[i_span] = span;
    }
    s.resize(i_span + 1);
    i_span = 0;
  }

  for (size_t i = 0; i < s.size(); ++i) {
    const model::HistogramSpan span = s[i];
    if (span.length == 0) {
      if (i + 1 < s.size()) s[i + 1].offset = WrapAdd32(s[i + 1].offset, span.offset);
      continue;
    }
    if (i != i_span) s[i_span] = span;
    ++i_span;
  }
  s.resize(i_span);
  i_span = 0;
  if (s.empty()) {
    b.clear();
    return;
  }

  while (i_bucket < b.size() && i_span < s.size()) {
    current = deltas ? BucketAdd(current, b[i_bucket]) : b[i_bucket];
    const size_t n_empty = empty_buckets_here();
    if (n_empty == 0) {
      ++i_bucket;
      ++pos_in_span;
      if (pos_in_span >= s[i_span].length) {
        pos_in_span = 0;
        ++i_span;
      }
      continue;
    }
    if (deltas && i_bucket + n_empty < b.size()) {
      current = BucketNeg(b[i_bucket]);
      b[i_bucket + n_empty] = BucketAdd(b[i_bucket + n_empty], b[i_bucket]);
    }
    b.erase(b.begin() + static_cast<std::ptrdiff_t>(i_bucket),
            b.begin() + static_cast<std::ptrdiff_t>(i_bucket + n_empty));
    const auto n32 = static_cast<int32_t>(n_empty);
    if (pos_in_span == 0) {
      if (n_empty == s[i_span].length) {
        const int32_t offset = s[i_span].offset;
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(i_span));
        if (s.size() > i_span) s[i_span].offset = WrapAdd32(s[i_span].offset, WrapAdd32(offset, n32));
        continue;
      }
      s[i_span].length -= static_cast<uint32_t>(n_empty);
      s[i_span].offset = WrapAdd32(s[i_span].offset, n32);
      continue;
    }
    const model::HistogramSpan new_span{
        .offset = n32, .length = s[i_span].length - pos_in_span - static_cast<uint32_t>(n_empty)};
    s[i_span].length = pos_in_span;
    ++i_span;
    pos_in_span = 0;
    if (new_span.length == 0) {
      if (i_span < s.size()) s[i_span].offset = WrapAdd32(s[i_span].offset, n32);
      continue;
    }
    s.insert(s.begin() + static_cast<std::ptrdiff_t>(i_span), new_span);
  }
}

// Absolute float counts of delta-encoded integer buckets, summed as Histogram.ToFloat does.
std::vector<double> FromDeltas(const std::vector<int64_t>& deltas) {
  std::vector<double> out;
  out.reserve(deltas.size());
  double current = 0;
  for (int64_t d : deltas) {
    current += static_cast<double>(d);
    out.push_back(current);
  }
  return out;
}

// ProtobufParser.Histogram(): the native histogram, compacted.
model::FloatHistogram NativeHistogram(const PbHistogram& h, bool gauge, bool* is_integer) {
  model::FloatHistogram fh;
  fh.schema = h.schema;
  fh.zero_threshold = h.zero_threshold;
  fh.sum = h.sum;
  fh.positive_spans = h.positive_spans;
  fh.negative_spans = h.negative_spans;
  if (gauge) fh.counter_reset_hint = model::CounterResetHint::kGauge;
  *is_integer = !IsFloat(h);
  if (!*is_integer) {
    fh.count = h.count_float;
    fh.zero_count = h.zero_count_float;
    fh.positive_buckets = h.positive_counts;
    fh.negative_buckets = h.negative_counts;
    CompactBuckets(&fh.positive_buckets, &fh.positive_spans, false);
    CompactBuckets(&fh.negative_buckets, &fh.negative_spans, false);
    return fh;
  }
  fh.count = static_cast<double>(h.count);
  fh.zero_count = static_cast<double>(h.zero_count);
  std::vector<int64_t> positive = h.positive_deltas, negative = h.negative_deltas;
  CompactBuckets(&positive, &fh.positive_spans, true);
  CompactBuckets(&negative, &fh.negative_spans, true);
  fh.positive_buckets = FromDeltas(positive);
  fh.negative_buckets = FromDeltas(negative);
  return fh;
}

int64_t TimestampMs(const Timestamp& t) {
  return WrapAdd(WrapMul(t.seconds, 1000), t.nanos / 1'000'000);
}

MetricType EntryType(int32_t t) {
  switch (t) {
    case kCounter: return MetricType::kCounter;
    case kGauge: return MetricType::kGauge;
    case kHistogram: return MetricType::kHistogram;
    case kGaugeHistogram: return MetricType::kGaugeHistogram;
    case kSummary: return MetricType::kSummary;
  }
  return MetricType::kUnknown;
}

bool IsHistogramType(int32_t t) {
  return t == kHistogram || t == kGaugeHistogram;
}

// --- ProtobufParser ----------------------------------------------------------------------------

class ProtobufParser : public Parser {
 public:
  ProtobufParser(std::string_view body, ProtobufOptions options) : dec_(body), options_(options) {}

  Result<bool> Next(Entry* entry) override {
    Result<State> state = Step();
    if (!state.ok()) return state.error();
    switch (*state) {
      case State::kEnd: return false;
      case State::kHelp:
        entry->kind = EntryKind::kHelp;
        entry->family = dec_.name();
        entry->text = dec_.help();
        return true;
      case State::kUnit:
        entry->kind = EntryKind::kUnit;
        entry->family = dec_.name();
        entry->text = dec_.unit();
        return true;
      case State::kType:
        entry->kind = EntryKind::kType;
        entry->family = dec_.name();
        entry->type = EntryType(dec_.type());
        return true;
      case State::kSeries:
      case State::kHistogram: break;
      case State::kInvalid: return Error(ErrorKind::kInternal, "protobuf parser: invalid state");
    }
    // What the scrape loop asks of a series, in its order: the sample, the labels, the
    // exemplars until there are no more, the start timestamp.
    entry->kind = EntryKind::kSeries;
    const int64_t ts = dec_.timestamp_ms();
    entry->timestamp_ms = ts != 0 ? std::optional<int64_t>(ts) : std::nullopt;
    entry->exemplar.reset();
    entry->histogram_exemplars.clear();
    if (*state == State::kHistogram) {
      entry->value = 0;
      entry->histogram = Histogram(&entry->histogram_is_integer);
    } else {
      entry->value = SeriesValue();
      entry->histogram.reset();
      entry->histogram_is_integer = false;
    }
    if (Status s = labels_.BuildDecoded(pairs_, &entry->labels); !s.ok()) return s.error();
    while (const PbExemplar* pb = NextExemplar()) {
      Exemplar e{.value = pb->value};
      if (pb->timestamp) e.timestamp_ms = TimestampMs(*pb->timestamp);
      exemplar_pairs_.clear();
      for (const LabelPairView& l : pb->labels) exemplar_pairs_.push_back({l.name, l.value});
      if (!labels_.BuildExemplar(exemplar_pairs_, &e.labels)) continue;
      if (*state == State::kHistogram) {
        entry->histogram_exemplars.push_back(std::move(e));
      } else {
        entry->exemplar = std::move(e);
      }
    }
    const int64_t st = StartTimestamp();
    entry->start_timestamp_ms = st != 0 ? std::optional<int64_t>(st) : std::nullopt;
    return true;
  }

 private:
  // Prometheus' parser states (textparse.Entry values), kEnd for io.EOF.
  enum class State { kInvalid, kHelp, kUnit, kType, kSeries, kHistogram, kEnd };

  bool TreatAsClassic(const PbHistogram& h) const {
    return options_.ignore_native_histograms || !IsNative(h);
  }

  // ProtobufParser.Next(), its recursive calls turned into iterations.
  Result<State> Step() {
    exemplar_returned_ = false;
    while (true) {
      switch (state_) {
        case State::kEnd:
        case State::kInvalid: {
          exemplar_pos_ = 0;
          field_pos_ = -2;
          Result<bool> family = dec_.NextFamily();
          if (!family.ok()) return family.error();
          if (!*family) return State::kEnd;
          Result<bool> metric = dec_.NextMetric();
          if (!metric.ok()) return metric.error();
          if (!*metric) continue;  // families without metrics are skipped
          const std::string_view name = dec_.name();
          if (name.empty() || !model::IsValidUtf8(name))
            return Fail("invalid metric name: " + std::string(name));
          if (!model::IsValidUtf8(dec_.help())) {
            return Fail("invalid help for metric " + model::GoQuote(name) + ": " + std::string(dec_.help()));
          }
          if (dec_.type() < kCounter || dec_.type() > kGaugeHistogram) {
            return Fail("unknown metric type for metric " + model::GoQuote(name) + ": " +
                        std::to_string(dec_.type()));
          }
          state_ = State::kHelp;
          return state_;
        }
        case State::kHelp: state_ = dec_.unit().empty() ? State::kType : State::kUnit; return state_;
        case State::kUnit: state_ = State::kType; return state_;
        case State::kType: {
          if (IsHistogramType(dec_.type())) {
            if (TreatAsClassic(dec_.histogram())) {
              state_ = State::kSeries;
              field_pos_ = -3;
              continue;
            }
            if (Status s = CheckConsistency(dec_.name(), dec_.histogram()); !s.ok()) return s.error();
            state_ = State::kHistogram;
          } else {
            state_ = State::kSeries;
          }
          if (Status s = OnSeriesUpdate(); !s.ok()) return s.error();
          return state_;
        }
        case State::kSeries: {
          const int32_t t = dec_.type();
          bool must_check_next_kind = false;
          if (t == kSummary || IsHistogramType(t)) {
            if (!fields_done_) {
              ++field_pos_;
              if (Status s = OnSeriesUpdate(); !s.ok()) return s.error();
              return state_;
            }
            field_pos_ = -2;
            fields_done_ = false;
            exemplar_pos_ = 0;
            must_check_next_kind = IsHistogramType(t);
          }
          Result<bool> metric = dec_.NextMetric();
          if (!metric.ok()) return metric.error();
          if (!*metric) {
            state_ = State::kInvalid;
            continue;
          }
          if (must_check_next_kind) {
            if (TreatAsClassic(dec_.histogram())) {
              field_pos_ = -3;
              fields_done_ = false;
              continue;
            }
            if (Status s = CheckConsistency(dec_.name(), dec_.histogram()); !s.ok()) return s.error();
            state_ = State::kHistogram;
          }
          if (Status s = OnSeriesUpdate(); !s.ok()) return s.error();
          return state_;
        }
        case State::kHistogram: {
          if (!redo_classic_) {
            Result<bool> metric = dec_.NextMetric();
            if (!metric.ok()) return metric.error();
            if (!*metric) {
              state_ = State::kInvalid;
              continue;
            }
            if (!TreatAsClassic(dec_.histogram())) {
              if (Status s = OnSeriesUpdate(); !s.ok()) return s.error();
              return state_;
            }
          }
          // Back to the classic series of this histogram (kept) or of the next (classic only).
          redo_classic_ = false;
          field_pos_ = -3;
          fields_done_ = false;
          state_ = State::kSeries;
          continue;
        }
      }
    }
  }

  // onSeriesOrHistogramUpdate: the labels of the entry about to be returned.
  Status OnSeriesUpdate() {
    pairs_.clear();
    pairs_.emplace_back(std::string(model::kMetricNameLabel), MagicName());
    if (Status s = dec_.Labels(&pairs_); !s.ok()) return s;
    if (std::optional<std::pair<std::string, std::string>> magic = MagicLabel())
      pairs_.push_back(std::move(*magic));
    return {};
  }

  std::string MagicName() const {
    const int32_t t = dec_.type();
    const std::string name(dec_.name());
    if (state_ == State::kHistogram || (!IsHistogramType(t) && t != kSummary)) return name;
    if (field_pos_ == -2) return name + "_count";
    if (field_pos_ == -1) return name + "_sum";
    if (IsHistogramType(t)) return name + "_bucket";
    return name;
  }

  // getMagicLabel: "quantile" or "le" for the series at field_pos_; also says whether it is
  // the last field.
  std::optional<std::pair<std::string, std::string>> MagicLabel() {
    if (state_ == State::kHistogram || field_pos_ < 0) return std::nullopt;
    const auto pos = static_cast<size_t>(field_pos_);
    if (dec_.type() == kSummary) {
      const std::vector<PbQuantile>& qq = dec_.summary().quantiles;
      if (pos >= qq.size()) {
        fields_done_ = true;
        return std::nullopt;
      }
      fields_done_ = pos == qq.size() - 1;
      return std::make_pair(std::string("quantile"), FormatOpenMetricsFloat(qq[pos].quantile));
    }
    if (IsHistogramType(dec_.type())) {
      const std::vector<PbBucket>& bb = dec_.histogram().buckets;
      if (pos >= bb.size()) {
        fields_done_ = true;
        return std::make_pair(std::string("le"), std::string("+Inf"));
      }
      const double bound = bb[pos].upper_bound;
      fields_done_ = bound == std::numeric_limits<double>::infinity();
      return std::make_pair(std::string("le"), FormatOpenMetricsFloat(bound));
    }
    return std::nullopt;
  }

  // Series(): the value of a float series.
  double SeriesValue() {
    switch (dec_.type()) {
      case kCounter: return dec_.counter().value;
      case kGauge: return dec_.gauge();
      case kUntyped: return dec_.untyped();
      case kSummary: {
        const PbSummary& s = dec_.summary();
        if (field_pos_ == -2) return static_cast<double>(s.count);
        if (field_pos_ == -1) {
          if (s.quantiles.empty()) fields_done_ = true;
          return s.sum;
        }
        return s.quantiles[static_cast<size_t>(field_pos_)].value;
      }
      default: break;
    }
    const PbHistogram& h = dec_.histogram();
    const auto count = [&] { return h.count_float != 0 ? h.count_float : static_cast<double>(h.count); };
    if (field_pos_ == -2) return count();
    if (field_pos_ == -1) return h.sum;
    const auto pos = static_cast<size_t>(field_pos_);
    if (pos >= h.buckets.size()) return count();
    const PbBucket& b = h.buckets[pos];
    return b.cumulative_count_float != 0 ? b.cumulative_count_float : static_cast<double>(b.cumulative_count);
  }

  // Histogram(): the native histogram; asks for the classic series next when they are kept.
  model::FloatHistogram Histogram(bool* is_integer) {
    const PbHistogram& h = dec_.histogram();
    if (options_.keep_classic_histograms && !h.buckets.empty()) redo_classic_ = true;
    return NativeHistogram(h, dec_.type() == kGaugeHistogram, is_integer);
  }

  // Exemplar(): the next exemplar of the current entry, nullptr when there is none. One at
  // most for a float series; for a native histogram, its `exemplars` with a timestamp, or
  // failing those the classic buckets' exemplars with a timestamp.
  const PbExemplar* NextExemplar() {
    if (exemplar_returned_ && state_ == State::kSeries) return nullptr;
    const PbExemplar* ex = nullptr;
    switch (dec_.type()) {
      case kCounter:
        if (dec_.counter().exemplar) ex = &*dec_.counter().exemplar;
        break;
      case kHistogram:
      case kGaugeHistogram: {
        const bool is_classic = state_ == State::kSeries;
        const PbHistogram& h = dec_.histogram();
        if (!is_classic && !h.exemplars.empty()) {
          while (exemplar_pos_ < static_cast<int64_t>(h.exemplars.size())) {
            ex = &h.exemplars[static_cast<size_t>(exemplar_pos_++)];
            if (ex->timestamp) break;
          }
          if (ex != nullptr && !ex->timestamp) return nullptr;
        } else {
          if (field_pos_ < 0) {
            if (is_classic) return nullptr;  // _count and _sum
            field_pos_ = 0;
          }
          while (field_pos_ < static_cast<int64_t>(h.buckets.size())) {
            const PbBucket& b = h.buckets[static_cast<size_t>(field_pos_)];
            ex = b.exemplar ? &*b.exemplar : nullptr;
            if (is_classic) break;
            ++field_pos_;
            if (ex != nullptr && ex->timestamp) break;
          }
          if (!is_classic && (ex == nullptr || !ex->timestamp)) return nullptr;
        }
        break;
      }
      default: return nullptr;
    }
    if (ex == nullptr) return nullptr;
    exemplar_returned_ = true;
    return ex;
  }

  int64_t StartTimestamp() const {
    const std::optional<Timestamp>* st = nullptr;
    switch (dec_.type()) {
      case kCounter: st = &dec_.counter().start; break;
      case kSummary: st = &dec_.summary().start; break;
      case kHistogram:
      case kGaugeHistogram: st = &dec_.histogram().start; break;
      default: return 0;
    }
    if (!*st) return 0;
    return WrapAdd(WrapMul((*st)->seconds, 1000), static_cast<int64_t>((*st)->nanos) / 1'000'000);
  }

  StreamingDecoder dec_;
  ProtobufOptions options_;
  State state_ = State::kInvalid;
  // The field of a summary or classic histogram: -2 _count, -1 _sum, then quantiles/buckets.
  int64_t field_pos_ = -2;
  bool fields_done_ = false;
  bool redo_classic_ = false;
  int64_t exemplar_pos_ = 0;
  bool exemplar_returned_ = false;

  LabelPairs pairs_;
  std::vector<RawLabel> exemplar_pairs_;
  SeriesLabelsBuilder labels_;
};

}  // namespace

std::unique_ptr<Parser> NewProtobufParser(std::string_view body, ProtobufOptions options) {
  return std::make_unique<ProtobufParser>(body, options);
}

}  // namespace promref::ingest
