// Where a Prometheus head puts the next native-histogram sample of a series: into the open
// chunk as it is, into the open chunk after widening its bucket layout (a recode), or into a
// new chunk, and with which counter-reset header. This is the decision logic of Prometheus'
// HistogramAppender / FloatHistogramAppender (appendable, appendableGauge, AppendHistogram),
// kept apart from any bit encoding so that the TSDB head (which encodes chunks) and
// MemStorage (which only needs the hints a head would give) make the same decisions.
//
// Read-back hints follow from the chunk boundaries (Prometheus' chunk iterators): the first
// sample of a counter chunk reads as kUnknown, later ones as kNotCounterReset, every sample of
// a gauge chunk as kGauge, and a stale marker as kUnknown.
//
// Two chunk kinds exist: integer (every count an integer in [0, 2^53), Prometheus' integer
// Histogram) and float. The first sample of a chunk chooses; an integer chunk takes only
// integer samples (a float sample cuts a float chunk), a float chunk takes both. A tail made
// with integer_chunks = false uses float chunks only (a head fed float histograms only, as
// Prometheus' promqltest loader feeds it).
#pragma once

#include <cstdint>
#include <vector>

#include "model/histogram.h"

namespace promref::model {

// `num` empty buckets inserted before the pos'th bucket of a bucket list; bucket_idx is the
// index of the first of them (so that spans can be adjusted).
struct BucketInsert {
  int pos = 0;
  int num = 0;
  int32_t bucket_idx = 0;
  friend bool operator==(const BucketInsert&, const BucketInsert&) = default;
};

// How two bucket layouts a (the chunk's) and b (the new sample's) meet.
struct LayoutExpansion {
  std::vector<BucketInsert> forward;   // buckets only b has, to insert into a
  std::vector<BucketInsert> backward;  // buckets only a has, to insert into b
};

// For counters (expandIntSpansAndBuckets / expandFloatSpansAndBuckets): false when a bucket's
// count went down or a bucket that a holds with a non-zero count is missing from b (a reset).
// Bucket counts are absolute.
bool ExpandCounterLayout(const std::vector<HistogramSpan>& a_spans, const std::vector<double>& a_buckets,
                         const std::vector<HistogramSpan>& b_spans, const std::vector<double>& b_buckets,
                         LayoutExpansion* out);
// For gauges (expandSpansBothWays): always possible; `merged` is the union layout.
LayoutExpansion ExpandGaugeLayout(const std::vector<HistogramSpan>& a, const std::vector<HistogramSpan>& b,
                                  std::vector<HistogramSpan>* merged);
// The bucket list with zero buckets inserted.
std::vector<double> InsertEmptyBuckets(const std::vector<double>& in,
                                       const std::vector<BucketInsert>& inserts);
// The spans with the inserted buckets' indexes added (adjustForInserts).
std::vector<HistogramSpan> AddInsertedBuckets(const std::vector<HistogramSpan>& spans,
                                              const std::vector<BucketInsert>& inserts);

enum class HistogramChunkKind : uint8_t { kInteger, kFloat };
// Whether every count of h is an integer in [0, 2^53), so it can go into an integer chunk.
// A stale marker fits any chunk.
bool FitsIntegerChunk(const FloatHistogram& h);

// A chunk's counter-reset header (the top two bits of Prometheus' histogram chunk flag byte).
enum class ChunkCounterReset : uint8_t {
  kUnknown = 0x00,
  kNotCounterReset = 0x40,
  kCounterReset = 0x80,
  kGauge = 0xC0,
};

// The open chunk's state as the decision needs it: kind, header, sample count and the last
// sample in the chunk's layout.
class HistogramChunkTail {
 public:
  enum class Action : uint8_t { kAppend, kRecode, kNewChunk };
  struct Plan {
    Action action = Action::kNewChunk;
    HistogramChunkKind kind = HistogramChunkKind::kFloat;
    ChunkCounterReset header = ChunkCounterReset::kUnknown;  // of the new chunk
    // The sample as written: in the chunk's layout (backward inserts applied), a stale marker
    // reduced to its sum.
    FloatHistogram sample;
    // kRecode: inserts into the earlier samples of the chunk (whose layout becomes sample's).
    std::vector<BucketInsert> positive_forward, negative_forward;
  };

  explicit HistogramChunkTail(bool integer_chunks = true) : integer_chunks_(integer_chunks) {}

  // The plan for appending h. `cut` says the caller starts a new chunk regardless (its chunk
  // range or size limit): the previous chunk then only informs the header.
  Plan PlanAppend(const FloatHistogram& h, bool cut) const;
  // Records that the plan was carried out.
  void Commit(const Plan& plan);
  // A float sample was appended: there is no previous histogram chunk any more.
  void Reset() { *this = HistogramChunkTail(integer_chunks_); }

  bool empty() const { return num_samples_ == 0; }
  uint32_t num_samples() const { return num_samples_; }
  HistogramChunkKind kind() const { return kind_; }
  ChunkCounterReset header() const { return header_; }
  // The kind h gets if appended now (before any cut for other reasons).
  HistogramChunkKind KindFor(const FloatHistogram& h) const;
  // The hint the last committed sample reads back with.
  CounterResetHint LastHint() const;

 private:
  struct Verdict {
    bool ok = false;
    ChunkCounterReset header = ChunkCounterReset::kUnknown;  // for a new chunk
    LayoutExpansion positive, negative;
    std::vector<HistogramSpan> positive_merged, negative_merged;  // gauges
  };
  Verdict CounterAppendable(const FloatHistogram& h, bool for_next_chunk) const;
  Verdict GaugeAppendable(const FloatHistogram& h) const;
  Plan NewChunk(const FloatHistogram& h, bool continues_same_kind) const;

  bool integer_chunks_ = true;
  HistogramChunkKind kind_ = HistogramChunkKind::kFloat;
  ChunkCounterReset header_ = ChunkCounterReset::kUnknown;
  uint32_t num_samples_ = 0;
  FloatHistogram last_;  // in the chunk's layout
};

// The sample as a chunk stores it: a stale marker keeps only its sum.
FloatHistogram StoredForm(const FloatHistogram& h);

}  // namespace promref::model
