#include "model/histogram_chunk_tail.h"

#include <algorithm>
#include <cmath>

#include "model/float_bits.h"
#include "model/sample.h"

namespace promref::model {
namespace {

// The absolute bucket indexes the spans address, in order.
std::vector<int32_t> BucketIndexes(const std::vector<HistogramSpan>& spans) {
  std::vector<int32_t> out;
  int64_t next = 0;
  for (const HistogramSpan& s : spans) {
    next += s.offset;
    for (uint32_t i = 0; i < s.length; ++i) out.push_back(static_cast<int32_t>(next + i));
    next += s.length;
  }
  return out;
}

// Spans for ascending bucket indexes, built as Prometheus builds them (one span per run of
// consecutive indexes).
std::vector<HistogramSpan> SpansFromIndexes(const std::vector<int32_t>& idx) {
  std::vector<HistogramSpan> out;
  int64_t last = 0;
  for (int32_t b : idx) {
    int64_t offset = b - last - 1;
    if (offset == 0 && !out.empty()) {
      ++out.back().length;
    } else {
      if (out.empty()) ++offset;
      out.push_back({static_cast<int32_t>(offset), 1});
    }
    last = b;
  }
  return out;
}

// Accumulates runs of inserted buckets: a run ends when the position in the receiving list
// moves on or the inserted indexes stop being consecutive.
class InsertRun {
 public:
  void Add(std::vector<BucketInsert>* out, int32_t idx) {
    if (cur_.num > 0 && int64_t{cur_.bucket_idx} + cur_.num != idx) Flush(out);
    if (cur_.num == 0) cur_.bucket_idx = idx;
    ++cur_.num;
  }
  // The receiving list's position moves past one of its own buckets.
  void Advance(std::vector<BucketInsert>* out) {
    Flush(out);
    ++cur_.pos;
  }
  void Flush(std::vector<BucketInsert>* out) {
    if (cur_.num > 0) out->push_back(cur_);
    cur_.num = 0;
  }

 private:
  BucketInsert cur_;
};

bool FitsInteger(double x) {
  return x >= 0 && x < 9007199254740992.0 && x == std::floor(x);
}

// Why a counter sample cannot continue the chunk; the header a new chunk then gets differs
// between integer and float chunks (Prometheus' two appenders disagree there).
enum class Refusal { kNone, kReset, kGaugeChunk, kLastStale, kLayoutChange };

}  // namespace

bool ExpandCounterLayout(const std::vector<HistogramSpan>& a_spans, const std::vector<double>& a_buckets,
                         const std::vector<HistogramSpan>& b_spans, const std::vector<double>& b_buckets,
                         LayoutExpansion* out) {
  const std::vector<int32_t> ai = BucketIndexes(a_spans);
  const std::vector<int32_t> bi = BucketIndexes(b_spans);
  *out = {};
  InsertRun fwd, bwd;  // into a, into b
  size_t i = 0, j = 0;
  auto a_count = [&] { return i < a_buckets.size() ? a_buckets[i] : 0.0; };
  auto b_count = [&] { return j < b_buckets.size() ? b_buckets[j] : 0.0; };
  while (i < ai.size() || j < bi.size()) {
    const bool a_ok = i < ai.size(), b_ok = j < bi.size();
    if (a_ok && b_ok && ai[i] == bi[j]) {
      if (a_count() > b_count()) return false;
      fwd.Advance(&out->forward), ++i;
      bwd.Advance(&out->backward), ++j;
    } else if (a_ok && (!b_ok || ai[i] < bi[j])) {
      // b lacks a bucket of a: fine only while it is empty in a.
      if (a_count() != 0) return false;
      bwd.Add(&out->backward, ai[i]);
      fwd.Advance(&out->forward), ++i;
    } else {
      fwd.Add(&out->forward, bi[j]);
      bwd.Advance(&out->backward), ++j;
    }
  }
  fwd.Flush(&out->forward);
  bwd.Flush(&out->backward);
  return true;
}

LayoutExpansion ExpandGaugeLayout(const std::vector<HistogramSpan>& a, const std::vector<HistogramSpan>& b,
                                  std::vector<HistogramSpan>* merged) {
  const std::vector<int32_t> ai = BucketIndexes(a);
  const std::vector<int32_t> bi = BucketIndexes(b);
  LayoutExpansion out;
  std::vector<int32_t> all;
  InsertRun fwd, bwd;
  size_t i = 0, j = 0;
  while (i < ai.size() || j < bi.size()) {
    const bool a_ok = i < ai.size(), b_ok = j < bi.size();
    if (a_ok && b_ok && ai[i] == bi[j]) {
      all.push_back(ai[i]);
      fwd.Advance(&out.forward), ++i;
      bwd.Advance(&out.backward), ++j;
    } else if (a_ok && (!b_ok || ai[i] < bi[j])) {
      all.push_back(ai[i]);
      bwd.Add(&out.backward, ai[i]);
      fwd.Advance(&out.forward), ++i;
    } else {
      all.push_back(bi[j]);
      fwd.Add(&out.forward, bi[j]);
      bwd.Advance(&out.backward), ++j;
    }
  }
  fwd.Flush(&out.forward);
  bwd.Flush(&out.backward);
  *merged = SpansFromIndexes(all);
  return out;
}

std::vector<double> InsertEmptyBuckets(const std::vector<double>& in,
                                       const std::vector<BucketInsert>& inserts) {
  std::vector<double> out;
  size_t k = 0;
  for (size_t i = 0; i <= in.size(); ++i) {
    for (; k < inserts.size() && static_cast<size_t>(inserts[k].pos) <= i; ++k) {
      out.insert(out.end(), static_cast<size_t>(inserts[k].num), 0.0);
    }
    if (i < in.size()) out.push_back(in[i]);
  }
  for (; k < inserts.size(); ++k) out.insert(out.end(), static_cast<size_t>(inserts[k].num), 0.0);
  return out;
}

std::vector<HistogramSpan> AddInsertedBuckets(const std::vector<HistogramSpan>& spans,
                                              const std::vector<BucketInsert>& inserts) {
  if (inserts.empty()) return spans;
  std::vector<int32_t> idx = BucketIndexes(spans);
  for (const BucketInsert& ins : inserts) {
    // Indexes wrap like Prometheus' int32 ones do (only corrupt chunks get that far).
    for (int n = 0; n < ins.num; ++n) idx.push_back(static_cast<int32_t>(int64_t{ins.bucket_idx} + n));
  }
  std::sort(idx.begin(), idx.end());
  idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
  return SpansFromIndexes(idx);
}

bool FitsIntegerChunk(const FloatHistogram& h) {
  if (IsStaleNaN(h.sum)) return true;
  if (!FitsInteger(h.count) || !FitsInteger(h.zero_count)) return false;
  return std::all_of(h.positive_buckets.begin(), h.positive_buckets.end(), FitsInteger) &&
         std::all_of(h.negative_buckets.begin(), h.negative_buckets.end(), FitsInteger);
}

FloatHistogram StoredForm(const FloatHistogram& h) {
  if (!IsStaleNaN(h.sum)) return h;
  FloatHistogram out;
  out.sum = h.sum;
  return out;
}

HistogramChunkKind HistogramChunkTail::KindFor(const FloatHistogram& h) const {
  const bool fits = integer_chunks_ && FitsIntegerChunk(h);
  if (empty()) return fits ? HistogramChunkKind::kInteger : HistogramChunkKind::kFloat;
  return kind_ == HistogramChunkKind::kInteger && !fits ? HistogramChunkKind::kFloat : kind_;
}

CounterResetHint HistogramChunkTail::LastHint() const {
  if (IsStaleNaN(last_.sum)) return CounterResetHint::kUnknown;  // a stale marker carries no hint
  if (header_ == ChunkCounterReset::kGauge) return CounterResetHint::kGauge;
  // The first sample of a chunk cannot know whether the chunk before it is still there (or was
  // backfilled), so Prometheus reads it as unknown whatever the header says.
  return num_samples_ > 1 ? CounterResetHint::kNotCounterReset : CounterResetHint::kUnknown;
}

HistogramChunkTail::Verdict HistogramChunkTail::CounterAppendable(const FloatHistogram& h,
                                                                  bool for_next_chunk) const {
  Verdict v;
  auto refusal = [&]() -> Refusal {
    if (header_ == ChunkCounterReset::kGauge) return Refusal::kGaugeChunk;
    if (h.counter_reset_hint == CounterResetHint::kCounterReset) return Refusal::kReset;
    if (IsStaleNaN(h.sum)) return Refusal::kNone;  // buckets of a stale marker do not matter
    if (IsStaleNaN(last_.sum)) return Refusal::kLastStale;
    if (h.count < last_.count) return Refusal::kReset;
    if (h.schema != last_.schema || !SameBits(h.zero_threshold, last_.zero_threshold)) {
      return Refusal::kLayoutChange;
    }
    if (h.UsesCustomBuckets() && h.custom_values != last_.custom_values) return Refusal::kReset;
    if (h.zero_count < last_.zero_count) return Refusal::kReset;
    if (!ExpandCounterLayout(last_.positive_spans, last_.positive_buckets, h.positive_spans,
                             h.positive_buckets, &v.positive) ||
        !ExpandCounterLayout(last_.negative_spans, last_.negative_buckets, h.negative_spans,
                             h.negative_buckets, &v.negative)) {
      return Refusal::kReset;
    }
    return Refusal::kNone;
  }();
  v.ok = refusal == Refusal::kNone;
  if (refusal == Refusal::kReset) {
    v.header = ChunkCounterReset::kCounterReset;
  } else if (kind_ == HistogramChunkKind::kInteger) {
    const bool known = v.ok || refusal == Refusal::kGaugeChunk;
    v.header = known ? ChunkCounterReset::kNotCounterReset : ChunkCounterReset::kUnknown;
  } else {
    v.header = for_next_chunk ? ChunkCounterReset::kNotCounterReset : ChunkCounterReset::kUnknown;
  }
  return v;
}

HistogramChunkTail::Verdict HistogramChunkTail::GaugeAppendable(const FloatHistogram& h) const {
  Verdict v;
  v.header = ChunkCounterReset::kGauge;
  if (header_ != ChunkCounterReset::kGauge) return v;
  if (IsStaleNaN(h.sum)) {
    v.ok = true;
    return v;
  }
  if (IsStaleNaN(last_.sum) || h.schema != last_.schema ||
      !SameBits(h.zero_threshold, last_.zero_threshold) ||
      (h.UsesCustomBuckets() && h.custom_values != last_.custom_values)) {
    return v;
  }
  v.positive = ExpandGaugeLayout(last_.positive_spans, h.positive_spans, &v.positive_merged);
  v.negative = ExpandGaugeLayout(last_.negative_spans, h.negative_spans, &v.negative_merged);
  v.ok = true;
  return v;
}

HistogramChunkTail::Plan HistogramChunkTail::NewChunk(const FloatHistogram& h,
                                                      bool continues_same_kind) const {
  Plan p;
  p.action = Action::kNewChunk;
  p.kind = KindFor(h);
  if (h.counter_reset_hint == CounterResetHint::kGauge) {
    p.header = ChunkCounterReset::kGauge;
  } else if (h.counter_reset_hint == CounterResetHint::kCounterReset) {
    p.header = ChunkCounterReset::kCounterReset;
  } else if (continues_same_kind) {
    // A chunk cut for time or size: the old chunk's appender still judges the reset.
    p.header = CounterAppendable(h, /*for_next_chunk=*/true).header;
  }
  p.sample = StoredForm(h);
  return p;
}

HistogramChunkTail::Plan HistogramChunkTail::PlanAppend(const FloatHistogram& h, bool cut) const {
  const HistogramChunkKind kind = KindFor(h);
  if (empty() || cut || kind != kind_) {
    return NewChunk(h, !empty() && kind == kind_);
  }
  const bool gauge = h.counter_reset_hint == CounterResetHint::kGauge;
  Verdict v = gauge ? GaugeAppendable(h) : CounterAppendable(h, /*for_next_chunk=*/false);
  if (!v.ok) {
    Plan p;
    p.kind = kind;
    p.header = v.header;
    p.sample = StoredForm(h);
    return p;
  }
  Plan p;
  p.kind = kind_;
  p.sample = StoredForm(h);
  if (IsStaleNaN(h.sum)) {
    p.action = Action::kAppend;
    return p;
  }
  FloatHistogram& s = p.sample;
  const bool backward = !v.positive.backward.empty() || !v.negative.backward.empty();
  const bool forward = !v.positive.forward.empty() || !v.negative.forward.empty();
  if (backward) {
    // The sample lacks empty buckets the chunk has: it is written with them.
    if (gauge) {
      s.positive_spans = v.positive_merged;
      s.negative_spans = v.negative_merged;
    } else if (!forward) {
      s.positive_spans = last_.positive_spans;
      s.negative_spans = last_.negative_spans;
    } else {
      s.positive_spans = AddInsertedBuckets(s.positive_spans, v.positive.backward);
      s.negative_spans = AddInsertedBuckets(s.negative_spans, v.negative.backward);
    }
    s.positive_buckets = InsertEmptyBuckets(s.positive_buckets, v.positive.backward);
    s.negative_buckets = InsertEmptyBuckets(s.negative_buckets, v.negative.backward);
  }
  if (forward) {
    p.action = Action::kRecode;
    p.positive_forward = std::move(v.positive.forward);
    p.negative_forward = std::move(v.negative.forward);
  } else {
    p.action = Action::kAppend;
  }
  return p;
}

void HistogramChunkTail::Commit(const Plan& plan) {
  if (plan.action == Action::kNewChunk) {
    kind_ = plan.kind;
    header_ = plan.header;
    num_samples_ = 0;
  }
  ++num_samples_;
  last_ = plan.sample;
}

}  // namespace promref::model
