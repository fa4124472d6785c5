#include "tsdb/chunks/native_histogram_chunk.h"

#include <cmath>

#include "model/sample.h"
#include "tsdb/chunks/chunk.h"

namespace promref::tsdb {
namespace {

using model::HistogramChunkKind;

// --- Layout ------------------------------------------------------------------------------------

// Zero thresholds are usually powers of two: 0 is one zero byte, 2^-243..2^10 one byte holding
// the exponent + 243, anything else 255 followed by the 64 bits.
void PutZeroThreshold(BitWriter& w, double th) {
  if (std::bit_cast<uint64_t>(th) == 0) {
    w.WriteByte(0);
    return;
  }
  int exp = 0;
  const double frac = std::frexp(th, &exp);
  if (frac != 0.5 || exp < -242 || exp > 11) {
    w.WriteByte(255);
    w.WriteBits(std::bit_cast<uint64_t>(th), 64);
    return;
  }
  w.WriteByte(static_cast<uint8_t>(exp + 243));
}

double ReadZeroThreshold(BitReader& r) {
  const uint8_t b = r.ReadByte();
  if (b == 0) return 0;
  if (b == 255) return std::bit_cast<double>(r.ReadBits(64));
  return std::ldexp(0.5, b - 243);
}

// Custom bounds that are multiples of 0.001 in [0, 33554.43] take a varbit uint of
// bound*1000+1; others a 0 bit and the 64 bits. -0 takes the long form (Prometheus would
// store it as +0; we keep every bound bit for bit).
void PutCustomBound(BitWriter& w, double f) {
  const double tf = f * 1000;
  const bool short_form = tf >= 0 && tf <= 33554430 && !std::signbit(f) &&
                          static_cast<double>(static_cast<uint64_t>(std::round(tf))) / 1000 == f;
  if (!short_form) {
    w.WriteBit(false);
    w.WriteBits(std::bit_cast<uint64_t>(f), 64);
    return;
  }
  PutVarbitUint(w, static_cast<uint64_t>(std::round(tf)) + 1);
}

bool ReadCustomBound(BitReader& r, double* f) {
  uint64_t b = 0;
  if (!ReadVarbitUint(r, &b)) return false;
  *f = b == 0 ? std::bit_cast<double>(r.ReadBits(64)) : static_cast<double>(b - 1) / 1000;
  return r.ok();
}

void PutSpans(BitWriter& w, const std::vector<model::HistogramSpan>& spans) {
  PutVarbitUint(w, spans.size());
  for (const model::HistogramSpan& s : spans) {
    PutVarbitUint(w, s.length);
    PutVarbitInt(w, s.offset);
  }
}

// `budget` bounds counts read from untrusted bytes: every element takes at least one bit.
bool ReadSpans(BitReader& r, size_t budget, std::vector<model::HistogramSpan>* spans) {
  uint64_t n = 0;
  if (!ReadVarbitUint(r, &n) || n > budget) return false;
  spans->resize(n);
  for (model::HistogramSpan& s : *spans) {
    uint64_t len = 0;
    int64_t off = 0;
    if (!ReadVarbitUint(r, &len) || !ReadVarbitInt(r, &off)) return false;
    if (len > budget || off < INT32_MIN || off > INT32_MAX) return false;
    s.length = static_cast<uint32_t>(len);
    s.offset = static_cast<int32_t>(off);
  }
  return true;
}

size_t CountBuckets(const std::vector<model::HistogramSpan>& spans) {
  size_t n = 0;
  for (const model::HistogramSpan& s : spans) n += s.length;
  return n;
}

void PutLayout(BitWriter& w, const model::FloatHistogram& h) {
  PutZeroThreshold(w, h.zero_threshold);
  PutVarbitInt(w, h.schema);
  PutSpans(w, h.positive_spans);
  PutSpans(w, h.negative_spans);
  if (h.UsesCustomBuckets()) {
    PutVarbitUint(w, h.custom_values.size());
    for (double b : h.custom_values) PutCustomBound(w, b);
  }
}

bool KnownSchema(int64_t s) {
  return s == model::kCustomBucketsSchema || (s >= -4 && s <= 8);
}

bool ReadLayout(BitReader& r, size_t budget, model::FloatHistogram* h) {
  h->zero_threshold = ReadZeroThreshold(r);
  int64_t schema = 0;
  if (!ReadVarbitInt(r, &schema) || !KnownSchema(schema)) return false;
  h->schema = static_cast<int32_t>(schema);
  if (!ReadSpans(r, budget, &h->positive_spans) || !ReadSpans(r, budget, &h->negative_spans)) return false;
  if (CountBuckets(h->positive_spans) + CountBuckets(h->negative_spans) > budget) return false;
  h->custom_values.clear();
  if (h->UsesCustomBuckets()) {
    uint64_t n = 0;
    if (!ReadVarbitUint(r, &n) || n > budget) return false;
    h->custom_values.resize(n);
    for (double& b : h->custom_values) {
      if (!ReadCustomBound(r, &b)) return false;
    }
  }
  return r.ok();
}

// Absolute counts <-> Prometheus' integer form (each bucket as the delta to the previous one).
void ToDeltas(const std::vector<double>& abs, std::vector<int64_t>* out) {
  out->resize(abs.size());
  int64_t prev = 0;
  for (size_t i = 0; i < abs.size(); ++i) {
    const auto v = static_cast<int64_t>(abs[i]);
    (*out)[i] = WrapSub(v, prev);
    prev = v;
  }
}

void FromDeltas(const std::vector<int64_t>& d, std::vector<double>* out) {
  out->resize(d.size());
  int64_t cur = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    cur = WrapAdd(cur, d[i]);
    (*out)[i] = static_cast<double>(cur);
  }
}

void WriteHeader(ChunkBuffer* buf, uint16_t num) {
  buf->data()[0] = static_cast<uint8_t>(num >> 8);
  buf->data()[1] = static_cast<uint8_t>(num);
}

}  // namespace

// --- Encoder -----------------------------------------------------------------------------------

void HistogramChunkEncoder::Start(ChunkBuffer* buf, HistogramChunkKind kind,
                                  model::ChunkCounterReset header) {
  *this = HistogramChunkEncoder();
  kind_ = kind;
  buf->Clear();
  buf->PushBack(0);
  buf->PushBack(0);
  buf->PushBack(static_cast<uint8_t>(header));
}

void HistogramChunkEncoder::Append(ChunkBuffer* buf, int64_t t, const model::FloatHistogram& h) {
  BitWriter w(buf, &free_bits_);
  if (num_ == 0) {
    AppendFirst(w, t, h);
  } else {
    const int64_t delta = WrapSub(t, t_);
    PutVarbitInt(w, WrapSub(delta, t_delta_));
    t_delta_ = delta;
    if (kind_ == HistogramChunkKind::kInteger) {
      AppendInt(w, h);
    } else {
      AppendFloat(w, h);
    }
  }
  t_ = t;
  ++num_;
  WriteHeader(buf, num_);
}

void HistogramChunkEncoder::AppendFirst(BitWriter& w, int64_t t, const model::FloatHistogram& h) {
  PutLayout(w, h);
  PutVarbitInt(w, t);
  sum_.bits = std::bit_cast<uint64_t>(h.sum);
  if (kind_ == HistogramChunkKind::kInteger) {
    cnt_ = static_cast<int64_t>(h.count);
    zcnt_ = static_cast<int64_t>(h.zero_count);
    PutVarbitUint(w, static_cast<uint64_t>(cnt_));
    PutVarbitUint(w, static_cast<uint64_t>(zcnt_));
    w.WriteBits(sum_.bits, 64);
    ToDeltas(h.positive_buckets, &pos_);
    ToDeltas(h.negative_buckets, &neg_);
    pos_delta_.assign(pos_.size(), 0);
    neg_delta_.assign(neg_.size(), 0);
    for (int64_t b : pos_) PutVarbitInt(w, b);
    for (int64_t b : neg_) PutVarbitInt(w, b);
    return;
  }
  cnt_x_.bits = std::bit_cast<uint64_t>(h.count);
  zcnt_x_.bits = std::bit_cast<uint64_t>(h.zero_count);
  w.WriteBits(cnt_x_.bits, 64);
  w.WriteBits(zcnt_x_.bits, 64);
  w.WriteBits(sum_.bits, 64);
  pos_x_.assign(h.positive_buckets.size(), XorField());
  neg_x_.assign(h.negative_buckets.size(), XorField());
  for (size_t i = 0; i < pos_x_.size(); ++i) {
    pos_x_[i].bits = std::bit_cast<uint64_t>(h.positive_buckets[i]);
    w.WriteBits(pos_x_[i].bits, 64);
  }
  for (size_t i = 0; i < neg_x_.size(); ++i) {
    neg_x_[i].bits = std::bit_cast<uint64_t>(h.negative_buckets[i]);
    w.WriteBits(neg_x_[i].bits, 64);
  }
}

void HistogramChunkEncoder::AppendInt(BitWriter& w, const model::FloatHistogram& h) {
  const bool stale = model::IsStaleNaN(h.sum);
  const auto cnt = static_cast<int64_t>(h.count);
  const auto zcnt = static_cast<int64_t>(h.zero_count);
  const int64_t cnt_delta = WrapSub(cnt, cnt_);
  const int64_t zcnt_delta = WrapSub(zcnt, zcnt_);
  // A stale marker writes zero deltas of deltas and no buckets (nothing may follow it in the
  // chunk but stale markers, so the state it leaves does not matter).
  PutVarbitInt(w, stale ? 0 : WrapSub(cnt_delta, cnt_delta_));
  PutVarbitInt(w, stale ? 0 : WrapSub(zcnt_delta, zcnt_delta_));
  PutXor(w, &sum_, std::bit_cast<uint64_t>(h.sum));
  cnt_ = cnt;
  zcnt_ = zcnt;
  cnt_delta_ = cnt_delta;
  zcnt_delta_ = zcnt_delta;
  if (stale) return;
  std::vector<int64_t> cur;
  auto put_buckets = [&](const std::vector<double>& abs, std::vector<int64_t>* prev,
                         std::vector<int64_t>* dd) {
    ToDeltas(abs, &cur);
    for (size_t i = 0; i < cur.size(); ++i) {
      const int64_t delta = WrapSub(cur[i], (*prev)[i]);
      PutVarbitInt(w, WrapSub(delta, (*dd)[i]));
      (*dd)[i] = delta;
    }
    prev->swap(cur);
  };
  put_buckets(h.positive_buckets, &pos_, &pos_delta_);
  put_buckets(h.negative_buckets, &neg_, &neg_delta_);
}

void HistogramChunkEncoder::AppendFloat(BitWriter& w, const model::FloatHistogram& h) {
  PutXor(w, &cnt_x_, std::bit_cast<uint64_t>(h.count));
  PutXor(w, &zcnt_x_, std::bit_cast<uint64_t>(h.zero_count));
  PutXor(w, &sum_, std::bit_cast<uint64_t>(h.sum));
  for (size_t i = 0; i < h.positive_buckets.size(); ++i) {
    PutXor(w, &pos_x_[i], std::bit_cast<uint64_t>(h.positive_buckets[i]));
  }
  for (size_t i = 0; i < h.negative_buckets.size(); ++i) {
    PutXor(w, &neg_x_[i], std::bit_cast<uint64_t>(h.negative_buckets[i]));
  }
}

// --- Iterator ----------------------------------------------------------------------------------

HistogramChunkIterator::HistogramChunkIterator(HistogramChunkKind kind, std::string_view chunk)
    : kind_(kind) {
  if (chunk.size() < kHistogramHeaderSize) {
    corrupt_ = true;
    return;
  }
  total_ = ChunkNumSamples(chunk);
  header_ = static_cast<model::ChunkCounterReset>(static_cast<uint8_t>(chunk[2]) & 0xC0);
  br_ = BitReader(chunk.substr(kHistogramHeaderSize));
  payload_bits_ = (chunk.size() - kHistogramHeaderSize) * 8;
}

storage::ValueType HistogramChunkIterator::Next() {
  if (done_ || corrupt_ || read_ >= total_) {
    done_ = true;
    return storage::ValueType::kNone;
  }
  bool ok = false;
  if (read_ == 0) {
    ok = ReadFirst();
  } else {
    int64_t dod = 0;
    ok = ReadVarbitInt(br_, &dod);
    t_delta_ = WrapAdd(t_delta_, dod);
    t_ = WrapAdd(t_, t_delta_);
    ok = ok && (kind_ == HistogramChunkKind::kInteger ? ReadInt() : ReadFloat());
  }
  if (!ok || !br_.ok()) {
    corrupt_ = done_ = true;
    return storage::ValueType::kNone;
  }
  ++read_;
  Publish();
  return storage::ValueType::kHistogram;
}

bool HistogramChunkIterator::ReadFirst() {
  if (!ReadLayout(br_, payload_bits_, &layout_)) return false;
  if (!ReadVarbitInt(br_, &t_)) return false;
  const size_t np = CountBuckets(layout_.positive_spans), nn = CountBuckets(layout_.negative_spans);
  if (kind_ == HistogramChunkKind::kInteger) {
    uint64_t c = 0, z = 0;
    if (!ReadVarbitUint(br_, &c) || !ReadVarbitUint(br_, &z)) return false;
    cnt_ = static_cast<int64_t>(c);
    zcnt_ = static_cast<int64_t>(z);
    sum_.bits = br_.ReadBits(64);
    pos_.assign(np, 0);
    neg_.assign(nn, 0);
    pos_delta_.assign(np, 0);
    neg_delta_.assign(nn, 0);
    for (int64_t& b : pos_) {
      if (!ReadVarbitInt(br_, &b)) return false;
    }
    for (int64_t& b : neg_) {
      if (!ReadVarbitInt(br_, &b)) return false;
    }
    return br_.ok();
  }
  cnt_x_.bits = br_.ReadBits(64);
  zcnt_x_.bits = br_.ReadBits(64);
  sum_.bits = br_.ReadBits(64);
  pos_x_.assign(np, XorField());
  neg_x_.assign(nn, XorField());
  for (XorField& f : pos_x_) f.bits = br_.ReadBits(64);
  for (XorField& f : neg_x_) f.bits = br_.ReadBits(64);
  return br_.ok();
}

bool HistogramChunkIterator::ReadInt() {
  int64_t cdod = 0, zdod = 0;
  if (!ReadVarbitInt(br_, &cdod) || !ReadVarbitInt(br_, &zdod) || !ReadXor(br_, &sum_)) return false;
  cnt_delta_ = WrapAdd(cnt_delta_, cdod);
  cnt_ = WrapAdd(cnt_, cnt_delta_);
  zcnt_delta_ = WrapAdd(zcnt_delta_, zdod);
  zcnt_ = WrapAdd(zcnt_, zcnt_delta_);
  if (model::IsStaleNaN(std::bit_cast<double>(sum_.bits))) return true;
  for (std::vector<int64_t>* v : {&pos_, &neg_}) {
    std::vector<int64_t>& dd = v == &pos_ ? pos_delta_ : neg_delta_;
    for (size_t i = 0; i < v->size(); ++i) {
      int64_t dod = 0;
      if (!ReadVarbitInt(br_, &dod)) return false;
      dd[i] = WrapAdd(dd[i], dod);
      (*v)[i] = WrapAdd((*v)[i], dd[i]);
    }
  }
  return true;
}

bool HistogramChunkIterator::ReadFloat() {
  if (!ReadXor(br_, &cnt_x_) || !ReadXor(br_, &zcnt_x_) || !ReadXor(br_, &sum_)) return false;
  if (model::IsStaleNaN(std::bit_cast<double>(sum_.bits))) return true;
  for (XorField& f : pos_x_) {
    if (!ReadXor(br_, &f)) return false;
  }
  for (XorField& f : neg_x_) {
    if (!ReadXor(br_, &f)) return false;
  }
  return true;
}

void HistogramChunkIterator::Publish() {
  const double sum = std::bit_cast<double>(sum_.bits);
  if (model::IsStaleNaN(sum)) {
    out_ = model::FloatHistogram();
    out_.sum = sum;
    return;
  }
  out_.schema = layout_.schema;
  out_.zero_threshold = layout_.zero_threshold;
  out_.positive_spans = layout_.positive_spans;
  out_.negative_spans = layout_.negative_spans;
  out_.custom_values = layout_.custom_values;
  out_.sum = sum;
  if (header_ == model::ChunkCounterReset::kGauge) {
    out_.counter_reset_hint = model::CounterResetHint::kGauge;
  } else {
    // The first sample's hint is unknown whatever the header says: the chunk before it may
    // have gone (or been backfilled), as Prometheus' iterators reason.
    out_.counter_reset_hint =
        read_ > 1 ? model::CounterResetHint::kNotCounterReset : model::CounterResetHint::kUnknown;
  }
  if (kind_ == HistogramChunkKind::kInteger) {
    out_.count = static_cast<double>(static_cast<uint64_t>(cnt_));
    out_.zero_count = static_cast<double>(static_cast<uint64_t>(zcnt_));
    FromDeltas(pos_, &out_.positive_buckets);
    FromDeltas(neg_, &out_.negative_buckets);
    return;
  }
  out_.count = std::bit_cast<double>(cnt_x_.bits);
  out_.zero_count = std::bit_cast<double>(zcnt_x_.bits);
  out_.positive_buckets.resize(pos_x_.size());
  for (size_t i = 0; i < pos_x_.size(); ++i) out_.positive_buckets[i] = std::bit_cast<double>(pos_x_[i].bits);
  out_.negative_buckets.resize(neg_x_.size());
  for (size_t i = 0; i < neg_x_.size(); ++i) out_.negative_buckets[i] = std::bit_cast<double>(neg_x_[i].bits);
}

storage::ValueType HistogramChunkIterator::Seek(int64_t t) {
  if (done_) return storage::ValueType::kNone;
  if (read_ > 0 && t_ >= t) return storage::ValueType::kHistogram;
  while (true) {
    const storage::ValueType vt = Next();
    if (vt == storage::ValueType::kNone || t_ >= t) return vt;
  }
}

Status HistogramChunkIterator::Err() const {
  if (corrupt_) return Error(ErrorKind::kInternal, "corrupt histogram chunk");
  return {};
}

// --- Recoding ----------------------------------------------------------------------------------

void RecodeHistogramChunk(ChunkBuffer* buf, HistogramChunkEncoder* enc,
                          const std::vector<model::BucketInsert>& positive_inserts,
                          const std::vector<model::BucketInsert>& negative_inserts,
                          const std::vector<model::HistogramSpan>& positive_spans,
                          const std::vector<model::HistogramSpan>& negative_spans) {
  // Decode everything, then encode again with the wider layout (as Prometheus does; the
  // chunk is at most a few KiB).
  const std::string old(buf->view());
  HistogramChunkIterator it(enc->kind(), old);
  HistogramChunkEncoder fresh;
  fresh.Start(buf, enc->kind(), it.header());
  while (it.Next() == storage::ValueType::kHistogram) {
    model::FloatHistogram h = it.AtHistogram();
    if (!model::IsStaleNaN(h.sum)) {
      h.positive_spans = positive_spans;
      h.negative_spans = negative_spans;
      h.positive_buckets = model::InsertEmptyBuckets(h.positive_buckets, positive_inserts);
      h.negative_buckets = model::InsertEmptyBuckets(h.negative_buckets, negative_inserts);
    }
    fresh.Append(buf, it.AtT(), h);
  }
  *enc = std::move(fresh);
}

}  // namespace promref::tsdb
