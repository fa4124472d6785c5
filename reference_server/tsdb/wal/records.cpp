#include "tsdb/wal/records.h"

#include <bit>

#include "tsdb/chunks/chunk.h"
#include "tsdb/chunks/histogram_chunk.h"
#include "tsdb/encoding/encoding.h"

namespace promref::tsdb::wal {
namespace {

bool Start(Decbuf& d, RecordType want) {
  return static_cast<RecordType>(d.Byte()) == want && d.ok();
}

// Starts a record of either type; *with_start tells which one it is.
bool StartEither(Decbuf& d, RecordType plain, RecordType with_start_type, bool* with_start) {
  const auto t = static_cast<RecordType>(d.Byte());
  *with_start = t == with_start_type;
  return (t == plain || *with_start) && d.ok();
}

template <typename T>
bool AnyStart(const std::vector<T>& xs) {
  for (const T& x : xs) {
    if (x.st != 0) return true;
  }
  return false;
}

bool GetLabels(Decbuf& d, model::Labels* out) {
  const std::string_view b = d.UvarintStr();
  if (!d.ok()) return false;
  auto l = model::Labels::FromEncoded(b);
  if (!l.ok()) return false;
  *out = std::move(*l);
  return true;
}

}  // namespace

RecordType TypeOf(std::string_view rec) {
  if (rec.empty()) return RecordType::kUnknown;
  const auto t = static_cast<uint8_t>(rec[0]);
  if (t < 1 || t > 8) return RecordType::kUnknown;
  return static_cast<RecordType>(t);
}

void EncodeSeries(const std::vector<RefSeries>& series, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kSeries));
  for (const RefSeries& s : series) {
    e.PutUvarint(s.ref);
    e.PutUvarintStr(s.labels.Encoded());
  }
}

void EncodeSamples(const std::vector<RefSample>& samples, std::string* out) {
  Encbuf e(out);
  const bool with_start = AnyStart(samples);
  e.PutByte(static_cast<uint8_t>(with_start ? RecordType::kSamplesWithStart : RecordType::kSamples));
  if (samples.empty()) return;
  out->reserve(out->size() + 16 + samples.size() * 14);
  const uint64_t base_ref = samples[0].ref;
  const int64_t base_t = samples[0].t;
  e.PutBE64(base_ref);
  e.PutBE64(static_cast<uint64_t>(base_t));
  for (const RefSample& s : samples) {
    e.PutVarint(static_cast<int64_t>(s.ref - base_ref));
    e.PutVarint(WrapSub(s.t, base_t));
    if (with_start) e.PutVarint(WrapSub(s.t, s.st));
    e.PutBE64(std::bit_cast<uint64_t>(s.v));
  }
}

void EncodeTombstones(const std::vector<RefTombstone>& ts, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kTombstones));
  for (const RefTombstone& t : ts) {
    e.PutUvarint(t.ref);
    e.PutVarint(t.mint);
    e.PutVarint(t.maxt);
  }
}

void EncodeExemplars(const std::vector<RefExemplar>& es, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kExemplars));
  for (const RefExemplar& x : es) {
    e.PutUvarint(x.ref);
    e.PutVarint(x.t);
    e.PutBEDouble(x.v);
    e.PutUvarintStr(x.labels.Encoded());
  }
}

void EncodeHistograms(const std::vector<RefHistogram>& hs, std::string* out) {
  Encbuf e(out);
  const bool with_start = AnyStart(hs);
  e.PutByte(static_cast<uint8_t>(with_start ? RecordType::kHistogramsWithStart : RecordType::kHistograms));
  for (const RefHistogram& h : hs) {
    e.PutUvarint(h.ref);
    e.PutVarint(h.t);
    if (with_start) e.PutVarint(WrapSub(h.t, h.st));
    EncodeFloatHistogram(out, h.h);
  }
}

void EncodeMetadata(const std::vector<RefMetadata>& ms, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kMetadata));
  for (const RefMetadata& m : ms) {
    e.PutUvarintStr(m.family);
    e.PutByte(static_cast<uint8_t>(m.meta.type));
    e.PutUvarintStr(m.meta.unit);
    e.PutUvarintStr(m.meta.help);
  }
}

bool DecodeSeries(std::string_view rec, std::vector<RefSeries>* out) {
  Decbuf d(rec);
  if (!Start(d, RecordType::kSeries)) return false;
  while (d.Len() > 0) {
    RefSeries s;
    s.ref = d.Uvarint();
    if (!GetLabels(d, &s.labels)) return false;
    out->push_back(std::move(s));
  }
  return d.ok();
}

bool DecodeSamples(std::string_view rec, std::vector<RefSample>* out) {
  Decbuf d(rec);
  bool with_start = false;
  if (!StartEither(d, RecordType::kSamples, RecordType::kSamplesWithStart, &with_start)) return false;
  if (d.Len() == 0) return true;
  const uint64_t base_ref = d.BE64();
  const int64_t base_t = static_cast<int64_t>(d.BE64());
  while (d.Len() > 0 && d.ok()) {
    RefSample s;
    s.ref = base_ref + static_cast<uint64_t>(d.Varint());
    s.t = WrapAdd(base_t, d.Varint());
    if (with_start) s.st = WrapSub(s.t, d.Varint());
    s.v = d.BEDouble();
    out->push_back(s);
  }
  return d.ok();
}

bool DecodeTombstones(std::string_view rec, std::vector<RefTombstone>* out) {
  Decbuf d(rec);
  if (!Start(d, RecordType::kTombstones)) return false;
  while (d.Len() > 0 && d.ok()) {
    RefTombstone t;
    t.ref = d.Uvarint();
    t.mint = d.Varint();
    t.maxt = d.Varint();
    out->push_back(t);
  }
  return d.ok();
}

bool DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out) {
  Decbuf d(rec);
  if (!Start(d, RecordType::kExemplars)) return false;
  while (d.Len() > 0) {
    RefExemplar x;
    x.ref = d.Uvarint();
    x.t = d.Varint();
    x.v = d.BEDouble();
    // Exemplar label sets may be empty.
    const std::string_view b = d.UvarintStr();
    if (!d.ok()) return false;
    if (!b.empty()) {
      auto l = model::Labels::FromEncoded(b);
      if (!l.ok()) return false;
      x.labels = std::move(*l);
    }
    out->push_back(std::move(x));
  }
  return d.ok();
}

bool DecodeHistograms(std::string_view rec, std::vector<RefHistogram>* out) {
  Decbuf d(rec);
  bool with_start = false;
  if (!StartEither(d, RecordType::kHistograms, RecordType::kHistogramsWithStart, &with_start)) return false;
  while (d.Len() > 0) {
    RefHistogram h;
    h.ref = d.Uvarint();
    h.t = d.Varint();
    if (with_start) h.st = WrapSub(h.t, d.Varint());
    if (!d.ok()) return false;
    std::string_view rest = d.Rest();
    if (!DecodeFloatHistogram(&rest, &h.h)) return false;
    d = Decbuf(rest);
    out->push_back(std::move(h));
  }
  return d.ok();
}

bool DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out) {
  Decbuf d(rec);
  if (!Start(d, RecordType::kMetadata)) return false;
  while (d.Len() > 0) {
    RefMetadata m;
    m.family = std::string(d.UvarintStr());
    const uint8_t type = d.Byte();
    if (type > static_cast<uint8_t>(storage::MetricType::kStateset)) return false;
    m.meta.type = static_cast<storage::MetricType>(type);
    m.meta.unit = std::string(d.UvarintStr());
    m.meta.help = std::string(d.UvarintStr());
    if (!d.ok()) return false;
    out->push_back(std::move(m));
  }
  return d.ok();
}

}  // namespace promref::tsdb::wal
