// Sample values and the staleness marker.
#pragma once

#include <bit>
#include <cstdint>

namespace promref::model {

// Prometheus' stale marker: a signalling NaN with this exact bit pattern, written when a
// series disappears. Any other NaN is an ordinary sample value, so the check is on bits.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
// The quiet NaN Go's math.NaN() returns (what PromQL produces for 0/0 and friends).
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

inline double StaleNaN() {
  return std::bit_cast<double>(kStaleNaNBits);
}
inline bool IsStaleNaN(double v) {
  return std::bit_cast<uint64_t>(v) == kStaleNaNBits;
}

// A float sample: timestamp in milliseconds since the epoch, value.
struct Sample {
  int64_t t = 0;
  double v = 0;
};

}  // namespace promref::model
