// The verbatim histogram record (EncodeFloatHistogram: every field of a FloatHistogram, floats
// as raw 64-bit patterns) that WAL records use, and the first histogram chunk encoding
// (Encoding::kHistogram) built from it: after the 2-byte sample count, one record per sample
// with the timestamp (zig-zag varint for the first, uvarint delta after). Chunks of that
// encoding are no longer written (native_histogram_chunk.h replaced them) but still read, so
// that older data directories stay readable; AppendHistogramSample remains for their tests.
#pragma once

#include <string>
#include <string_view>

#include "model/histogram.h"
#include "model/histogram_chunk_tail.h"
#include "storage/storage.h"
#include "tsdb/chunks/bstream.h"
#include "tsdb/chunks/xor.h"

namespace promref::tsdb {

// Appends one histogram sample. Uses `state->t` and `state->num_samples` only.
void AppendHistogramSample(ChunkBuffer* buf, XorState* state, int64_t t, const model::FloatHistogram& h);

// Serialises a histogram (also used by WAL records).
void EncodeFloatHistogram(std::string* out, const model::FloatHistogram& h);
// Parses what EncodeFloatHistogram wrote from the front of `*in`, consuming it. False when
// the bytes are malformed.
bool DecodeFloatHistogram(std::string_view* in, model::FloatHistogram* h);

// Reads a kHistogram chunk. Its records keep the hints the samples were appended with (mostly
// unknown, and the chunk was cut without reset detection), so the iterator gives each sample
// the hint a head chunk would have given it instead (model::HistogramChunkTail): engines and
// compaction then see the same hints for old and new data.
class HistogramIterator final : public storage::SampleIterator {
 public:
  explicit HistogramIterator(std::string_view chunk);
  storage::ValueType Next() override;
  storage::ValueType Seek(int64_t t) override;
  int64_t AtT() const override { return t_; }
  double AtFloat() const override { return 0; }
  const model::FloatHistogram& AtHistogram() const override { return h_; }
  Status Err() const override;

 private:
  std::string_view rest_;
  uint16_t total_ = 0;
  uint16_t read_ = 0;
  int64_t t_ = 0;
  model::FloatHistogram h_;
  model::HistogramChunkTail tail_;
  bool corrupt_ = false;
  bool done_ = false;
};

}  // namespace promref::tsdb
