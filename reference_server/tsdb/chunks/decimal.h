// The "decimal" chunk encoding, chosen at compaction when it is smaller than XOR.
//
// Most scraped values are decimals with few digits: counters are integers, gauges are printed
// with a couple of decimals. Their float64 bits look random to XOR, but their decimal
// mantissas change little from sample to sample. So:
//
//   values      v_i = m_i / 10^e, for one exponent e per chunk (0..15) and integers m_i,
//               checked bit for bit when encoding (v_i must equal double(m_i) / 10^e exactly,
//               the very operation the decoder performs); m is coded as deltas or
//               deltas-of-deltas, whichever is smaller, with an adaptive Rice code. Values
//               that are not such decimals (NaN, stale markers, -0, full-precision floats)
//               are stored raw as exceptions. When most values are full-precision floats
//               (histogram sums, rates), the chunk instead codes deltas of the values' bit
//               patterns mapped to ordered integers ("bits mode", e = 31), which for a slowly
//               moving float costs ~15 bits a sample less than XOR.
//   timestamps  a regular chunk (constant interval, the common case) costs no bits per
//               sample; otherwise deltas-of-deltas, Rice-coded.
//
// Layout after the 2-byte sample count (a bit stream, most significant bit first):
//   t0 zig-zag varint | if n > 1: t1 - t0 uvarint | regular bit | if irregular: k (6 bits)
//   and n-2 Rice codes | e (5 bits) | mode bit (0 delta, 1 delta-of-delta) | k (6 bits) |
//   exception count uvarint, then (index gap uvarint, 64 raw bits) each | m0 zig-zag
//   varint | if dod and n > 1: m1 - m0 zig-zag varint | Rice codes of the rest
// A Rice code of zig-zag z with parameter k: (z >> k) ones, a zero, the low k bits; quotients
// of 24 or more are escaped as 24 ones and 64 raw bits.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/sample.h"
#include "storage/storage.h"

namespace promref::tsdb {

// Encodes samples (strictly increasing times, at most 65535) as a decimal chunk; nullopt when
// the result would not be smaller than `max_bytes`.
std::optional<std::string> EncodeDecimalChunk(std::span<const model::Sample> samples, size_t max_bytes);

class DecimalIterator final : public storage::SampleIterator {
 public:
  explicit DecimalIterator(std::string_view chunk);
  storage::ValueType Next() override;
  storage::ValueType Seek(int64_t t) override;
  int64_t AtT() const override { return ts_[pos_]; }
  double AtFloat() const override { return vs_[pos_]; }
  const model::FloatHistogram& AtHistogram() const override;
  Status Err() const override;

 private:
  bool Decode(std::string_view chunk);
  std::vector<int64_t> ts_;
  std::vector<double> vs_;
  size_t pos_ = 0;
  bool started_ = false;
  bool corrupt_ = false;
};

}  // namespace promref::tsdb
