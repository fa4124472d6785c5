// Start timestamps beside a chunk's samples (Prometheus' `st-storage`: the time a counter
// began counting, per sample; 0 = unknown).
//
// Any chunk encoding can carry them: a chunk "with start timestamps" is the encoding's own
// bytes, then a column of one entry per sample, then the byte length of the encoding's part
// as a big-endian uint32:
//
//   [chunk bytes (2-byte sample count first, as always)][column][BE32 len(chunk bytes)]
//
// Each column entry is the sample's start timestamp minus the previous sample's (the first
// entry: minus 0) as a varbit integer (varbit.h), so a counter whose start does not change
// costs one bit a sample and series without start timestamps cost nothing (they never get a
// column). The encoding byte says so: WithStartTimestamps(e) sets kStartTimestampsFlag.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "storage/storage.h"
#include "tsdb/chunks/bstream.h"
#include "tsdb/chunks/chunk.h"

namespace promref::tsdb {

// The column being appended to, for a chunk that is still open. 24 bytes.
class StartTimestampColumn {
 public:
  // A column for a chunk that already holds `samples` samples without start timestamps.
  explicit StartTimestampColumn(uint16_t samples);
  void Append(int64_t st);
  std::string_view view() const { return buf_.view(); }

 private:
  ChunkBuffer buf_;
  int64_t prev_ = 0;
  uint8_t free_bits_ = 0;
};

// Adds the start timestamp of a chunk's next sample, `before` samples already in it: nothing
// while none was known (st 0), else into *column, created at the first known one.
void AppendStartTimestamp(std::unique_ptr<StartTimestampColumn>* column, uint16_t before, int64_t st);

// The closed chunk with start timestamps: `chunk`, then `column`, then the length trailer.
std::string JoinStartTimestamps(std::string_view chunk, std::string_view column);

// The two parts of a chunk with start timestamps; false when the trailer is inconsistent.
bool SplitStartTimestamps(std::string_view bytes, std::string_view* chunk, std::string_view* column);

// Iterates `inner` (over the chunk part) and the column in step: AtStartTimestamp() is the
// current sample's. A column shorter than the chunk is corruption (Err() says so).
std::unique_ptr<storage::SampleIterator> WithStartTimestampColumn(
    std::unique_ptr<storage::SampleIterator> inner, std::string_view column);

}  // namespace promref::tsdb
