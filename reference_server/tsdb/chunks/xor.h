// Gorilla XOR chunks, bit-compatible with Prometheus' chunkenc.XORChunk payload:
//
//   sample 0: timestamp as a zig-zag varint, value as 64 raw bits
//   sample 1: timestamp delta as a uvarint, value XOR-encoded
//   sample n: delta-of-delta of the timestamp in a prefix code
//               '0'                      dod == 0
//               '10'   + 14 bits         dod in [-8191, 8192]
//               '110'  + 17 bits         dod in [-65535, 65536]
//               '1110' + 20 bits         dod in [-524287, 524288]
//               '1111' + 64 bits         anything else
//             then the value XOR-ed with the previous one:
//               '0'                      identical bits
//               '10' + meaningful bits   inside the previous leading/trailing window
//               '11' + 5 bits leading zeros + 6 bits length (64 stored as 0) + the bits
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/storage.h"
#include "tsdb/chunks/bstream.h"

namespace promref::tsdb {

// The appender's state, kept beside the chunk buffer. 32 bytes.
struct XorState {
  int64_t t = 0;
  int64_t t_delta = 0;
  uint64_t v_bits = 0;
  uint16_t num_samples = 0;
  uint8_t leading = 0xFF;  // 0xFF: no window yet
  uint8_t trailing = 0;
  uint8_t free_bits = 0;  // unwritten bits in the last byte of the buffer
};

// Appends to an XOR chunk held in `buf` (which starts empty, or holds a chunk this appender
// wrote with `state`). Timestamps must increase; the caller checks.
class XorAppender {
 public:
  XorAppender(ChunkBuffer* buf, XorState* state) : buf_(buf), s_(state) {}
  void Append(int64_t t, double v);

 private:
  void WriteValue(uint64_t v_bits);
  ChunkBuffer* buf_;
  XorState* s_;
};

// Iterates an XOR chunk's bytes (header included).
//
// The first two samples are read with a BitReader. From the third on, each sample is decoded
// from 64-bit words loaded at its bit position, the fields taken out with shifts, and the
// common cases (dod 0, an unchanged value, a value in the current window) a short branch each.
// The loads read up to kSlack bytes ahead, so the chunk's last bytes are decoded from a
// zero-padded copy.
class XorIterator final : public storage::SampleIterator {
 public:
  explicit XorIterator(std::string_view chunk);
  storage::ValueType Next() override;
  storage::ValueType Seek(int64_t t) override;
  int64_t AtT() const override { return t_; }
  double AtFloat() const override { return std::bit_cast<double>(v_bits_); }
  const model::FloatHistogram& AtHistogram() const override;
  Status Err() const override;
  size_t ReadFloats(int64_t maxt, size_t cap, int64_t* t, double* v, storage::ValueType* now) override;

  // Resets to the start of another chunk.
  void Reset(std::string_view chunk);

 private:
  static constexpr size_t kSlack = 40;  // bytes a sample's decoding may load past its start

  bool ReadFirstTwo();
  bool ReadValue();
  // Decodes sample read_ (>= 2) at bit_ of window_; false when the chunk is corrupt.
  bool DecodeNext();
  void UseTail();

  BitReader br_;  // samples 0 and 1
  std::string_view payload_;
  const uint8_t* window_ = nullptr;  // payload_, or tail_ near its end
  size_t bit_ = 0;                   // position in window_
  size_t end_bit_ = 0;               // bits of payload in window_
  uint16_t total_ = 0;
  uint16_t read_ = 0;
  int64_t t_ = 0;
  int64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  uint8_t sig_ = 64;  // 64 - leading_ - trailing_
  bool corrupt_ = false;
  bool started_ = false;
  bool done_ = false;
  uint8_t tail_[2 * kSlack];
};

}  // namespace promref::tsdb
