// A simple chunk encoding for native (float) histograms: after the 2-byte sample count, one
// record per sample with the timestamp (zig-zag varint for the first, uvarint delta after)
// and every field of the FloatHistogram verbatim (floats as raw 64-bit patterns, so values
// round-trip exactly). Native histograms get a compact encoding in their own issue; this one
// is only required to be correct.
#pragma once

#include <string>
#include <string_view>

#include "model/histogram.h"
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
  bool corrupt_ = false;
  bool done_ = false;
};

}  // namespace promref::tsdb
