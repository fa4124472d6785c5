// Appends native histograms to a series' chunks as Prometheus' head appender does:
// model::HistogramChunkTail decides (append, widen the layout, or start a new chunk with which
// header) and HistogramChunkEncoder writes. The caller owns the chunk buffers and its own cut
// policy (chunk range, size): it asks for a plan, moves the full chunk away when the plan
// starts a new one, then applies the plan.
#pragma once

#include "model/histogram_chunk_tail.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/chunks/native_histogram_chunk.h"

namespace promref::tsdb {

class HistogramAppender {
 public:
  using Plan = model::HistogramChunkTail::Plan;

  static Encoding EncodingFor(model::HistogramChunkKind k) {
    return k == model::HistogramChunkKind::kInteger ? Encoding::kIntHistogram : Encoding::kFloatHistogram;
  }
  // The encoding h would be written with if appended now.
  Encoding EncodingOf(const model::FloatHistogram& h) const { return EncodingFor(tail_.KindFor(h)); }

  // `cut`: the caller starts a new chunk anyway.
  Plan PlanAppend(const model::FloatHistogram& h, bool cut) const { return tail_.PlanAppend(h, cut); }
  // Carries the plan out on `buf`: the open chunk, or (for a new chunk) an empty buffer.
  void Apply(ChunkBuffer* buf, int64_t t, const Plan& plan);
  // The series' last sample was a float: the next histogram starts afresh.
  void Reset() { tail_.Reset(); }

  uint16_t num_samples() const { return enc_.num_samples(); }
  const model::HistogramChunkTail& tail() const { return tail_; }

 private:
  model::HistogramChunkTail tail_;
  HistogramChunkEncoder enc_;
};

}  // namespace promref::tsdb
