// Bit-for-bit equality of floats, what storage and codec round trips must keep (NaN payloads,
// -0, stale markers), where == would call NaNs unequal and -0 equal to 0.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace promref::model {

inline bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

inline bool SameFloats(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameBits(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace promref::model
