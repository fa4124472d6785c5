#include "tsdb/chunks/histogram_chunk.h"

#include "tsdb/chunks/chunk.h"
#include "tsdb/encoding/encoding.h"

namespace promref::tsdb {
namespace {

void PutSpans(Encbuf& e, const std::vector<model::HistogramSpan>& spans) {
  e.PutUvarint(spans.size());
  for (const auto& s : spans) {
    e.PutVarint(s.offset);
    e.PutUvarint(s.length);
  }
}

void PutFloats(Encbuf& e, const std::vector<double>& v) {
  e.PutUvarint(v.size());
  for (double d : v) e.PutBEDouble(d);
}

bool GetSpans(Decbuf& d, std::vector<model::HistogramSpan>* spans) {
  const uint64_t n = d.Uvarint();
  if (n > d.Len()) return false;  // each span takes at least two bytes
  spans->resize(n);
  for (auto& s : *spans) {
    s.offset = static_cast<int32_t>(d.Varint());
    s.length = static_cast<uint32_t>(d.Uvarint());
  }
  return d.ok();
}

bool GetFloats(Decbuf& d, std::vector<double>* v) {
  const uint64_t n = d.Uvarint();
  if (n > d.Len() / 8) return false;
  v->resize(n);
  for (double& x : *v) x = d.BEDouble();
  return d.ok();
}

bool SpansMatchBuckets(const std::vector<model::HistogramSpan>& spans, const std::vector<double>& buckets) {
  uint64_t n = 0;
  for (const model::HistogramSpan& sp : spans) n += sp.length;
  return n == buckets.size();
}

}  // namespace

void EncodeFloatHistogram(std::string* out, const model::FloatHistogram& h) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(h.counter_reset_hint));
  e.PutVarint(h.schema);
  e.PutBEDouble(h.zero_threshold);
  e.PutBEDouble(h.zero_count);
  e.PutBEDouble(h.count);
  e.PutBEDouble(h.sum);
  PutSpans(e, h.positive_spans);
  PutSpans(e, h.negative_spans);
  PutFloats(e, h.positive_buckets);
  PutFloats(e, h.negative_buckets);
  PutFloats(e, h.custom_values);
}

bool DecodeFloatHistogram(std::string_view* in, model::FloatHistogram* h) {
  Decbuf d(*in);
  const uint8_t hint = d.Byte();
  if (hint > static_cast<uint8_t>(model::CounterResetHint::kGauge)) return false;
  h->counter_reset_hint = static_cast<model::CounterResetHint>(hint);
  h->schema = static_cast<int32_t>(d.Varint());
  h->zero_threshold = d.BEDouble();
  h->zero_count = d.BEDouble();
  h->count = d.BEDouble();
  h->sum = d.BEDouble();
  if (!GetSpans(d, &h->positive_spans) || !GetSpans(d, &h->negative_spans) ||
      !GetFloats(d, &h->positive_buckets) || !GetFloats(d, &h->negative_buckets) ||
      !GetFloats(d, &h->custom_values) || !d.ok()) {
    return false;
  }
  *in = d.Rest();
  return true;
}

void AppendHistogramSample(ChunkBuffer* buf, XorState* state, int64_t t, const model::FloatHistogram& h) {
  std::string rec;
  Encbuf e(&rec);
  if (buf->size() == 0) {
    buf->PushBack(0);
    buf->PushBack(0);
  }
  if (state->num_samples == 0) {
    e.PutVarint(t);
  } else {
    e.PutUvarint(static_cast<uint64_t>(WrapSub(t, state->t)));
  }
  EncodeFloatHistogram(&rec, h);
  buf->Append(rec.data(), static_cast<uint32_t>(rec.size()));
  state->t = t;
  ++state->num_samples;
  buf->data()[0] = static_cast<uint8_t>(state->num_samples >> 8);
  buf->data()[1] = static_cast<uint8_t>(state->num_samples);
}

HistogramIterator::HistogramIterator(std::string_view chunk)
    : rest_(chunk.size() >= 2 ? chunk.substr(2) : std::string_view()),
      total_(ChunkNumSamples(chunk)),
      corrupt_(chunk.size() < 2) {}

storage::ValueType HistogramIterator::Next() {
  if (done_ || corrupt_ || read_ >= total_) {
    done_ = true;
    return storage::ValueType::kNone;
  }
  Decbuf d(rest_);
  if (read_ == 0) {
    t_ = d.Varint();
  } else {
    t_ = WrapAdd(t_, static_cast<int64_t>(d.Uvarint()));
  }
  rest_ = d.Rest();
  if (!d.ok() || !DecodeFloatHistogram(&rest_, &h_)) {
    corrupt_ = done_ = true;
    return storage::ValueType::kNone;
  }
  ++read_;
  if (!SpansMatchBuckets(h_.positive_spans, h_.positive_buckets) ||
      !SpansMatchBuckets(h_.negative_spans, h_.negative_buckets)) {
    // A layout the head never wrote (and that would make comparing layouts expensive): no
    // claim about resets, and the next sample starts afresh.
    tail_.Reset();
    h_.counter_reset_hint = model::CounterResetHint::kUnknown;
    return storage::ValueType::kHistogram;
  }
  const model::HistogramChunkTail::Plan plan = tail_.PlanAppend(h_, /*cut=*/tail_.empty());
  tail_.Commit(plan);
  h_.counter_reset_hint = tail_.LastHint();
  return storage::ValueType::kHistogram;
}

storage::ValueType HistogramIterator::Seek(int64_t t) {
  if (done_) return storage::ValueType::kNone;
  if (read_ > 0 && t_ >= t) return storage::ValueType::kHistogram;
  while (true) {
    const storage::ValueType vt = Next();
    if (vt == storage::ValueType::kNone || t_ >= t) return vt;
  }
}

Status HistogramIterator::Err() const {
  if (corrupt_) return Error(ErrorKind::kInternal, "corrupt histogram chunk");
  return {};
}

}  // namespace promref::tsdb
