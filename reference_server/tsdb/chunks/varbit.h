// Prometheus' variable-bit-width integers (chunkenc varbit.go) and Gorilla XOR float deltas
// with caller-kept leading/trailing windows, as native-histogram chunks use them.
//
// A varbit value is a unary prefix of up to eight 1-bits selecting the payload width:
//   0 -> the value 0;  10 -> 3 bits;  110 -> 6;  1110 -> 9;  11110 -> 12;  111110 -> 18;
//   1111110 -> 25;  11111110 -> 56;  11111111 -> 64.
// Signed payloads are two's complement of their width, where the range is [-(2^(n-1)-1),
// 2^(n-1)] (the all-zero-but-top pattern is read as the positive end).
#pragma once

#include <bit>
#include <cstdint>

#include "tsdb/chunks/bstream.h"

namespace promref::tsdb {

inline constexpr int kVarbitWidths[] = {3, 6, 9, 12, 18, 25, 56};

inline void PutVarbitInt(BitWriter& w, int64_t v) {
  if (v == 0) {
    w.WriteBit(false);
    return;
  }
  for (int k = 0; k < 7; ++k) {
    const int n = kVarbitWidths[k];
    if (-((int64_t{1} << (n - 1)) - 1) <= v && v <= (int64_t{1} << (n - 1))) {
      // k+1 one-bits, a zero, then n bits of the value.
      w.WriteBits(((uint64_t{1} << (k + 1)) - 1) << 1, k + 2);
      w.WriteBits(static_cast<uint64_t>(v), n);
      return;
    }
  }
  w.WriteBits(0xFF, 8);
  w.WriteBits(static_cast<uint64_t>(v), 64);
}

inline void PutVarbitUint(BitWriter& w, uint64_t v) {
  if (v == 0) {
    w.WriteBit(false);
    return;
  }
  for (int k = 0; k < 7; ++k) {
    const int n = kVarbitWidths[k];
    if (std::countl_zero(v) >= 64 - n) {
      w.WriteBits(((uint64_t{1} << (k + 1)) - 1) << 1, k + 2);
      w.WriteBits(v, n);
      return;
    }
  }
  w.WriteBits(0xFF, 8);
  w.WriteBits(v, 64);
}

// Reads the prefix; returns the payload width (0 for the value 0, 64 for the widest).
inline int ReadVarbitWidth(BitReader& r) {
  int ones = 0;
  while (ones < 8 && r.ReadBit()) ++ones;
  if (ones == 0) return 0;
  return ones == 8 ? 64 : kVarbitWidths[ones - 1];
}

// False on a truncated stream.
inline bool ReadVarbitUint(BitReader& r, uint64_t* out) {
  const int n = ReadVarbitWidth(r);
  *out = r.ReadBits(n);
  return r.ok();
}

inline bool ReadVarbitInt(BitReader& r, int64_t* out) {
  const int n = ReadVarbitWidth(r);
  uint64_t bits = r.ReadBits(n);
  if (n > 0 && n < 64 && bits > (uint64_t{1} << (n - 1))) bits -= uint64_t{1} << n;
  *out = static_cast<int64_t>(bits);
  return r.ok();
}

// A float XOR-encoded against the previous value of the same field.
struct XorField {
  uint64_t bits = 0;
  uint8_t leading = 0xFF;  // 0xFF: no window yet
  uint8_t trailing = 0;
};

inline void PutXor(BitWriter& w, XorField* f, uint64_t bits) {
  const uint64_t delta = bits ^ f->bits;
  f->bits = bits;
  if (delta == 0) {
    w.WriteBit(false);
    return;
  }
  int leading = std::countl_zero(delta);
  const int trailing = std::countr_zero(delta);
  if (leading >= 32) leading = 31;  // 5 bits hold at most 31
  if (f->leading != 0xFF && leading >= f->leading && trailing >= f->trailing) {
    w.WriteBits(0b10, 2);
    w.WriteBits(delta >> f->trailing, 64 - f->leading - f->trailing);
    return;
  }
  f->leading = static_cast<uint8_t>(leading);
  f->trailing = static_cast<uint8_t>(trailing);
  const int sig = 64 - leading - trailing;
  w.WriteBits((0b11ULL << 11) | (static_cast<uint64_t>(leading) << 6) | (static_cast<uint64_t>(sig) & 0x3F),
              13);
  w.WriteBits(delta >> trailing, sig);
}

// False on a truncated stream or an impossible window.
inline bool ReadXor(BitReader& r, XorField* f) {
  if (!r.ReadBit()) return r.ok();
  if (r.ReadBit()) {
    const int leading = static_cast<int>(r.ReadBits(5));
    int sig = static_cast<int>(r.ReadBits(6));
    if (sig == 0) sig = 64;
    if (leading + sig > 64) return false;
    f->leading = static_cast<uint8_t>(leading);
    f->trailing = static_cast<uint8_t>(64 - leading - sig);
  } else if (f->leading == 0xFF) {
    f->leading = 0;  // a reader starts with an empty window (Prometheus' iterators do)
    f->trailing = 0;
  }
  const int sig = 64 - f->leading - f->trailing;
  const uint64_t bits = r.ReadBits(sig);
  f->bits ^= sig == 64 ? bits : bits << f->trailing;
  return r.ok();
}

}  // namespace promref::tsdb
