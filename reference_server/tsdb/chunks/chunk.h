// Chunks: the unit of compressed sample storage, in the head and in blocks.
//
// A chunk's bytes start with a 2-byte big-endian sample count followed by the encoding's
// payload. Encodings:
//   kXor        Gorilla compression exactly as Prometheus' chunkenc.XORChunk: delta-of-delta
//               timestamps and XOR-ed float values. Floats round-trip bit for bit (every NaN
//               payload, the stale marker included).
//   kHistogram  native histograms, one verbatim record per sample (histogram_chunk.h). No
//               longer written; still read, for data directories written before the next two.
//   kDecimal    floats as exact decimal mantissas, Rice-coded (decimal.h); written by
//               compaction into blocks when smaller than XOR. Never appended to.
//   kIntHistogram, kFloatHistogram
//               native histograms as Prometheus' integer and float histogram chunks
//               (native_histogram_chunk.h), cut and hinted as its head does.
//
// Any of them may carry the samples' start timestamps in a column after the encoding's bytes
// (start_timestamps.h); the encoding byte then has kStartTimestampsFlag set.
//
// A chunk holds samples of one kind in strictly increasing time order.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "storage/storage.h"

namespace promref::tsdb {

enum class Encoding : uint8_t {
  kNone = 0,
  kXor = 1,
  kHistogram = 2,
  kDecimal = 3,
  kIntHistogram = 4,
  kFloatHistogram = 5,
};

inline constexpr uint8_t kStartTimestampsFlag = 0x80;
inline Encoding BaseEncoding(Encoding e) {
  return static_cast<Encoding>(static_cast<uint8_t>(e) & ~kStartTimestampsFlag);
}
inline bool HasStartTimestamps(Encoding e) {
  return (static_cast<uint8_t>(e) & kStartTimestampsFlag) != 0;
}
inline Encoding WithStartTimestamps(Encoding e) {
  return static_cast<Encoding>(static_cast<uint8_t>(e) | kStartTimestampsFlag);
}

inline bool IsHistogramEncoding(Encoding e) {
  e = BaseEncoding(e);
  return e == Encoding::kHistogram || e == Encoding::kIntHistogram || e == Encoding::kFloatHistogram;
}

// Samples per chunk at which the head cuts a new chunk (Prometheus' samplesPerChunk).
inline constexpr int kSamplesPerChunk = 120;

// Two's-complement wrapping arithmetic: decoders meet corrupt bytes, and an encoder's deltas
// of arbitrary timestamps must round-trip, so neither may rely on signed overflow.
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// Reads the sample count in a chunk's header (0 for a chunk too short to have one).
inline uint16_t ChunkNumSamples(std::string_view b) {
  if (b.size() < 2) return 0;
  return static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
}

// An iterator over one chunk's bytes (which must outlive it). Unknown encodings and corrupt
// bytes give an iterator whose Err() says so.
std::unique_ptr<storage::SampleIterator> NewChunkIterator(Encoding enc, std::string_view bytes);

}  // namespace promref::tsdb
