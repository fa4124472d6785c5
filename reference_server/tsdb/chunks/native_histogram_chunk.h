// Native-histogram chunks, byte-compatible with Prometheus' chunkenc.HistogramChunk
// (Encoding::kIntHistogram) and chunkenc.FloatHistogramChunk (Encoding::kFloatHistogram):
//
//   bytes 0-1  sample count, big endian
//   byte 2     flags; the top two bits are the counter-reset header (model::ChunkCounterReset)
//   sample 0   the layout (zero threshold, schema, spans, custom bounds; compact forms in the .cpp),
//              then t as a varbit int and the values raw: integer chunk: count and zero count
//              as varbit uints, sum as 64 bits, buckets as varbit ints of the delta to the
//              previous bucket; float chunk: count, zero count, sum and buckets as 64 bits
//   sample n   t as the delta of deltas (varbit int); integer chunk: count, zero count and
//              each bucket as the delta of deltas (varbit int), sum XOR-ed with the previous
//              sum; float chunk: every value XOR-ed with the same field of the previous sample
//
// Every sample of a chunk has the chunk's layout (the first sample's); the head widens it by
// re-encoding (model::HistogramChunkTail decides). A stale marker is stored as its sum alone.
// Read back, samples carry the hints Prometheus' iterators give (histogram_chunk_tail.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/histogram.h"
#include "model/histogram_chunk_tail.h"
#include "storage/storage.h"
#include "tsdb/chunks/bstream.h"
#include "tsdb/chunks/varbit.h"

namespace promref::tsdb {

inline constexpr uint32_t kHistogramHeaderSize = 3;

// Writes one chunk into a ChunkBuffer. The encoder's state is what the next append needs (the
// previous sample's values and deltas); the buffer holds only bytes.
class HistogramChunkEncoder {
 public:
  // Starts a chunk in `buf` (cleared first).
  void Start(ChunkBuffer* buf, model::HistogramChunkKind kind, model::ChunkCounterReset header);
  // Appends h at t. h must have the chunk's layout (the first sample sets it) and, in an
  // integer chunk, satisfy model::FitsIntegerChunk; a stale marker must be in StoredForm.
  void Append(ChunkBuffer* buf, int64_t t, const model::FloatHistogram& h);
  uint16_t num_samples() const { return num_; }
  model::HistogramChunkKind kind() const { return kind_; }

 private:
  void AppendFirst(BitWriter& w, int64_t t, const model::FloatHistogram& h);
  void AppendInt(BitWriter& w, const model::FloatHistogram& h);
  void AppendFloat(BitWriter& w, const model::FloatHistogram& h);

  model::HistogramChunkKind kind_ = model::HistogramChunkKind::kFloat;
  uint8_t free_bits_ = 0;
  uint16_t num_ = 0;
  int64_t t_ = 0, t_delta_ = 0;
  XorField sum_;
  // Integer chunks: counts, and the buckets as deltas to the neighbouring bucket (Prometheus'
  // integer histogram form), each with its delta to the previous sample.
  int64_t cnt_ = 0, zcnt_ = 0, cnt_delta_ = 0, zcnt_delta_ = 0;
  std::vector<int64_t> pos_, neg_, pos_delta_, neg_delta_;
  // Float chunks.
  XorField cnt_x_, zcnt_x_;
  std::vector<XorField> pos_x_, neg_x_;
};

// Iterates a chunk of either encoding (header included). Corrupt bytes end the iteration with
// Err() set; they never read out of bounds.
class HistogramChunkIterator final : public storage::SampleIterator {
 public:
  HistogramChunkIterator(model::HistogramChunkKind kind, std::string_view chunk);
  storage::ValueType Next() override;
  storage::ValueType Seek(int64_t t) override;
  int64_t AtT() const override { return t_; }
  double AtFloat() const override { return 0; }
  const model::FloatHistogram& AtHistogram() const override { return out_; }
  Status Err() const override;
  model::ChunkCounterReset header() const { return header_; }

 private:
  bool ReadFirst();
  bool ReadInt();
  bool ReadFloat();
  void Publish();

  model::HistogramChunkKind kind_;
  BitReader br_;
  size_t payload_bits_ = 0;
  model::ChunkCounterReset header_ = model::ChunkCounterReset::kUnknown;
  uint16_t total_ = 0, read_ = 0;
  bool corrupt_ = false, done_ = false;
  int64_t t_ = 0, t_delta_ = 0;
  model::FloatHistogram layout_;  // schema, threshold, spans, custom bounds
  XorField sum_;
  int64_t cnt_ = 0, zcnt_ = 0, cnt_delta_ = 0, zcnt_delta_ = 0;
  std::vector<int64_t> pos_, neg_, pos_delta_, neg_delta_;
  XorField cnt_x_, zcnt_x_;
  std::vector<XorField> pos_x_, neg_x_;
  model::FloatHistogram out_;
};

// Re-encodes the chunk in `buf` (written by `enc`) with empty buckets inserted into every
// sample, so that its layout becomes `positive_spans` / `negative_spans`; `enc` continues it.
void RecodeHistogramChunk(ChunkBuffer* buf, HistogramChunkEncoder* enc,
                          const std::vector<model::BucketInsert>& positive_inserts,
                          const std::vector<model::BucketInsert>& negative_inserts,
                          const std::vector<model::HistogramSpan>& positive_spans,
                          const std::vector<model::HistogramSpan>& negative_spans);

}  // namespace promref::tsdb
