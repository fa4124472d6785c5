#include "tsdb/chunks/xor.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "tsdb/chunks/chunk.h"

namespace promref::tsdb {
namespace {

// Whether x fits the n-bit bucket of the timestamp prefix code (Prometheus' bitRange).
bool BitRange(int64_t x, int n) {
  return -((int64_t{1} << (n - 1)) - 1) <= x && x <= (int64_t{1} << (n - 1));
}

}  // namespace

void XorAppender::Append(int64_t t, double v) {
  const uint64_t v_bits = std::bit_cast<uint64_t>(v);
  if (buf_->size() == 0) {
    buf_->PushBack(0);
    buf_->PushBack(0);
    s_->free_bits = 0;
  }
  BitWriter w(buf_, &s_->free_bits);
  const uint16_t n = s_->num_samples;
  if (n == 0) {
    WriteUvarint(w, (static_cast<uint64_t>(t) << 1) ^ static_cast<uint64_t>(t >> 63));
    w.WriteBits(v_bits, 64);
  } else if (n == 1) {
    const int64_t delta = WrapSub(t, s_->t);
    WriteUvarint(w, static_cast<uint64_t>(delta));
    s_->t_delta = delta;
    WriteValue(v_bits);
  } else {
    const int64_t delta = WrapSub(t, s_->t);
    const int64_t dod = WrapSub(delta, s_->t_delta);
    if (dod == 0) {
      w.WriteBit(false);
    } else if (BitRange(dod, 14)) {
      w.WriteBits((0b10ULL << 14) | (static_cast<uint64_t>(dod) & 0x3FFF), 16);
    } else if (BitRange(dod, 17)) {
      w.WriteBits((0b110ULL << 17) | (static_cast<uint64_t>(dod) & 0x1FFFF), 20);
    } else if (BitRange(dod, 20)) {
      w.WriteBits((0b1110ULL << 20) | (static_cast<uint64_t>(dod) & 0xFFFFF), 24);
    } else {
      w.WriteBits(0b1111, 4);
      w.WriteBits(static_cast<uint64_t>(dod), 64);
    }
    s_->t_delta = delta;
    WriteValue(v_bits);
  }
  s_->t = t;
  s_->v_bits = v_bits;
  s_->num_samples = n + 1;
  buf_->data()[0] = static_cast<uint8_t>(s_->num_samples >> 8);
  buf_->data()[1] = static_cast<uint8_t>(s_->num_samples);
}

void XorAppender::WriteValue(uint64_t v_bits) {
  BitWriter w(buf_, &s_->free_bits);
  const uint64_t delta = v_bits ^ s_->v_bits;
  if (delta == 0) {
    w.WriteBit(false);
    return;
  }
  int leading = std::countl_zero(delta);
  const int trailing = std::countr_zero(delta);
  if (leading >= 32) leading = 31;  // 5 bits hold at most 31
  if (s_->leading != 0xFF && leading >= s_->leading && trailing >= s_->trailing) {
    // '10': reuse the previous window.
    const int sig = 64 - s_->leading - s_->trailing;
    if (sig + 2 <= 64) {
      w.WriteBits((0b10ULL << sig) | (delta >> s_->trailing), sig + 2);
    } else {
      w.WriteBits(0b10, 2);
      w.WriteBits(delta >> s_->trailing, sig);
    }
    return;
  }
  s_->leading = static_cast<uint8_t>(leading);
  s_->trailing = static_cast<uint8_t>(trailing);
  const int sig = 64 - leading - trailing;
  // '11', 5 bits of leading zeros, 6 bits of length (64 wraps to 0).
  w.WriteBits((0b11ULL << 11) | (static_cast<uint64_t>(leading) << 6) | (static_cast<uint64_t>(sig) & 0x3F),
              13);
  w.WriteBits(delta >> trailing, sig);
}

// --- Iterator --------------------------------------------------------------------------------

XorIterator::XorIterator(std::string_view chunk) {
  Reset(chunk);
}

void XorIterator::Reset(std::string_view chunk) {
  corrupt_ = chunk.size() < 2;
  total_ = ChunkNumSamples(chunk);
  payload_ = chunk.size() >= 2 ? chunk.substr(2) : std::string_view();
  br_ = BitReader(payload_);
  read_ = 0;
  t_ = t_delta_ = 0;
  v_bits_ = 0;
  leading_ = trailing_ = 0;
  sig_ = 64;
  started_ = done_ = false;
}

storage::ValueType XorIterator::Next() {
  started_ = true;
  if (done_ || corrupt_ || read_ >= total_) {
    done_ = true;
    return storage::ValueType::kNone;
  }
  if (!(read_ < 2 ? ReadFirstTwo() : DecodeNext())) {
    corrupt_ = done_ = true;
    return storage::ValueType::kNone;
  }
  ++read_;
  return storage::ValueType::kFloat;
}

bool XorIterator::ReadFirstTwo() {
  if (read_ == 0) {
    uint64_t zz;
    if (!ReadUvarint(br_, &zz)) return false;
    t_ = static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1);
    v_bits_ = br_.ReadBits(64);
  } else {
    uint64_t delta;
    if (!ReadUvarint(br_, &delta)) return false;
    t_delta_ = static_cast<int64_t>(delta);
    t_ = WrapAdd(t_, t_delta_);
    if (!ReadValue()) return false;
    sig_ = static_cast<uint8_t>(64 - leading_ - trailing_);
    // The windowed decoding takes over where the bit reader is.
    window_ = reinterpret_cast<const uint8_t*>(payload_.data());
    bit_ = br_.BitPosition();
    end_bit_ = payload_.size() * 8;
  }
  return br_.ok();
}

bool XorIterator::ReadValue() {
  if (!br_.ReadBit()) return br_.ok();  // identical value
  if (br_.ReadBit()) {
    leading_ = static_cast<uint8_t>(br_.ReadBits(5));
    int sig = static_cast<int>(br_.ReadBits(6));
    if (sig == 0) sig = 64;
    if (leading_ + sig > 64) return false;
    trailing_ = static_cast<uint8_t>(64 - leading_ - sig);
  }
  const int sig = 64 - leading_ - trailing_;
  const uint64_t bits = br_.ReadBits(sig);
  v_bits_ ^= sig == 64 ? bits : bits << trailing_;
  return br_.ok();
}

namespace {

// 64 bits of `p` from bit `bit` on, most significant first. Reads the 16 bytes from bit / 8.
inline uint64_t Peek64(const uint8_t* p, size_t bit) {
  uint64_t hi, lo;
  std::memcpy(&hi, p + bit / 8, 8);
  std::memcpy(&lo, p + bit / 8 + 8, 8);
  hi = __builtin_bswap64(hi);
  lo = __builtin_bswap64(lo);
  const unsigned s = bit % 8;
  return (hi << s) | ((lo >> 1) >> (63 - s));
}

// At least 57 bits of `p` from bit `bit` on, most significant first (the rest are zeros).
// Reads the 8 bytes from bit / 8.
inline uint64_t Peek57(const uint8_t* p, size_t bit) {
  uint64_t w;
  std::memcpy(&w, p + bit / 8, 8);
  return __builtin_bswap64(w) << (bit % 8);
}

// The top n bits of w (0 <= n <= 64), as the low bits of the result.
inline uint64_t Top(uint64_t w, unsigned n) {
  return n == 64 ? w : (w >> 1) >> (63 - n);
}

}  // namespace

void XorIterator::UseTail() {
  const size_t byte = bit_ / 8;
  const size_t left = payload_.size() - byte;
  std::memset(tail_, 0, sizeof(tail_));
  std::memcpy(tail_, payload_.data() + byte, left);
  window_ = tail_;
  bit_ %= 8;
  end_bit_ = left * 8;
}

bool XorIterator::DecodeNext() {
  if (window_ != tail_ && bit_ / 8 + kSlack > payload_.size()) UseTail();
  // The timestamp: delta of delta in a prefix code of up to four 1 bits.
  const uint64_t w = Peek57(window_, bit_);  // the longest prefix and field take 24 bits
  int64_t dod = 0;
  if (w >> 63 == 0) {  // a regular scrape interval: the common case
    bit_ += 1;
  } else {
    const unsigned ones = std::min(std::countl_one(w), 4);
    if (ones == 4) {
      dod = static_cast<int64_t>(Peek64(window_, bit_ + 4));
      bit_ += 68;
    } else {
      static constexpr unsigned kSize[4] = {0, 14, 17, 20};
      const unsigned size = kSize[ones];
      uint64_t bits = Top(w << (ones + 1), size);
      // Above 2^(size-1) is negative in `size` bits' two's complement (Prometheus' reading).
      const uint64_t full = uint64_t{1} << size;
      bits -= bits > full / 2 ? full : 0;
      dod = static_cast<int64_t>(bits);
      bit_ += ones + 1 + size;
    }
  }
  t_delta_ = WrapAdd(t_delta_, dod);
  t_ = WrapAdd(t_, t_delta_);

  // The value: '0' unchanged, '10' + bits in the current window, '11' + a new window + bits.
  uint64_t v = Peek64(window_, bit_);
  if (v >> 63 == 0) {
    bit_ += 1;
    return bit_ <= end_bit_;
  }
  if ((v >> 62) & 1) {
    const unsigned leading = static_cast<unsigned>(v >> 57) & 31;
    unsigned sig = static_cast<unsigned>(v >> 51) & 63;
    if (sig == 0) sig = 64;
    if (leading + sig > 64) return false;
    leading_ = static_cast<uint8_t>(leading);
    sig_ = static_cast<uint8_t>(sig);
    trailing_ = static_cast<uint8_t>(64 - leading - sig);
    bit_ += 13;
    v <<= 13;  // 51 bits left in v
    if (sig > 51) v = Peek64(window_, bit_);
  } else {
    bit_ += 2;
    v <<= 2;  // 62 bits left in v; a window of up to 62 bits needs no second load
    if (sig_ > 62) v = Peek64(window_, bit_);
  }
  v_bits_ ^= Top(v, sig_) << trailing_;
  bit_ += sig_;
  return bit_ <= end_bit_;
}

storage::ValueType XorIterator::Seek(int64_t t) {
  if (done_) return storage::ValueType::kNone;
  if (started_ && read_ > 0 && t_ >= t) return storage::ValueType::kFloat;
  while (true) {
    const storage::ValueType vt = Next();
    if (vt == storage::ValueType::kNone || t_ >= t) return vt;
  }
}

size_t XorIterator::ReadFloats(int64_t maxt, size_t cap, int64_t* t, double* v, storage::ValueType* now) {
  return ReadFloatsStepwise(this, maxt, cap, t, v, now);
}

const model::FloatHistogram& XorIterator::AtHistogram() const {
  static const model::FloatHistogram kEmpty;
  return kEmpty;
}

Status XorIterator::Err() const {
  if (corrupt_) return Error(ErrorKind::kInternal, "corrupt XOR chunk");
  return {};
}

}  // namespace promref::tsdb
