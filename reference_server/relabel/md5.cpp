#include "relabel/md5.h"

#include <cmath>
#include <cstring>
#include <string>

namespace promref::relabel {
namespace {

// Per-step left rotations: four for each of the four rounds.
constexpr uint32_t kShift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

// T[i] = floor(2^32 * |sin(i + 1)|), the RFC's table; doubles are exact enough for all 64.
std::array<uint32_t, 64> MakeSineTable() {
  std::array<uint32_t, 64> t{};
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0));
  }
  return t;
}

uint32_t RotateLeft(uint32_t x, uint32_t n) {
  return (x << n) | (x >> (32 - n));
}

uint32_t LoadLittleEndian(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Folds one 64-byte block into the state (a, b, c, d).
void ProcessBlock(const uint8_t* block, uint32_t state[4]) {
  static const std::array<uint32_t, 64> kSine = MakeSineTable();
  uint32_t m[16];
  for (size_t i = 0; i < 16; ++i) m[i] = LoadLittleEndian(block + 4 * i);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (uint32_t i = 0; i < 64; ++i) {
    const uint32_t round = i / 16;
    uint32_t f = 0;
    uint32_t word = 0;
    switch (round) {
      case 0: f = (b & c) | (~b & d), word = i; break;
      case 1: f = (b & d) | (c & ~d), word = (5 * i + 1) % 16; break;
      case 2: f = b ^ c ^ d, word = (3 * i + 5) % 16; break;
      default: f = c ^ (b | ~d), word = (7 * i) % 16; break;
    }
    const uint32_t rotated = RotateLeft(a + f + kSine[i] + m[word], kShift[round][i % 4]);
    a = d;
    d = c;
    c = b;
    b += rotated;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

Md5Digest Md5(std::string_view data) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const size_t full = data.size() / 64 * 64;
  for (size_t off = 0; off < full; off += 64) {
    ProcessBlock(reinterpret_cast<const uint8_t*>(data.data() + off), state);
  }
  // The tail, a 1 bit, zeros up to 56 bytes mod 64, then the message length in bits (LE).
  std::string tail(data.substr(full));
  tail.push_back(static_cast<char>(0x80));
  while (tail.size() % 64 != 56) tail.push_back('\0');
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  for (size_t off = 0; off < tail.size(); off += 64) {
    ProcessBlock(reinterpret_cast<const uint8_t*>(tail.data() + off), state);
  }
  Md5Digest out{};
  for (size_t i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(state[i / 4] >> (8 * (i % 4)));
  return out;
}

}  // namespace promref::relabel
