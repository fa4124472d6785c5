#include "tsdb/chunks/xor.h"

#include <bit>

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
  br_ = BitReader(chunk.size() >= 2 ? chunk.substr(2) : std::string_view());
  read_ = 0;
  t_ = t_delta_ = 0;
  v_bits_ = 0;
  leading_ = trailing_ = 0;
  started_ = done_ = false;
}

storage::ValueType XorIterator::Next() {
  started_ = true;
  if (done_ || corrupt_ || read_ >= total_) {
    done_ = true;
    return storage::ValueType::kNone;
  }
  if (read_ == 0) {
    uint64_t zz;
    if (!ReadUvarint(br_, &zz)) return corrupt_ = done_ = true, storage::ValueType::kNone;
    t_ = static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1);
    v_bits_ = br_.ReadBits(64);
  } else if (read_ == 1) {
    uint64_t delta;
    if (!ReadUvarint(br_, &delta)) return corrupt_ = done_ = true, storage::ValueType::kNone;
    t_delta_ = static_cast<int64_t>(delta);
    t_ = WrapAdd(t_, t_delta_);
    if (!ReadValue()) return corrupt_ = done_ = true, storage::ValueType::kNone;
  } else {
    // Up to four prefix bits select the dod bucket.
    int prefix = 0;
    for (int i = 0; i < 4; ++i) {
      prefix <<= 1;
      if (!br_.ReadBit()) break;
      prefix |= 1;
    }
    int64_t dod = 0;
    int size = 0;
    switch (prefix) {
      case 0b0: break;
      case 0b10: size = 14; break;
      case 0b110: size = 17; break;
      case 0b1110: size = 20; break;
      case 0b1111: dod = static_cast<int64_t>(br_.ReadBits(64)); break;
      default: break;
    }
    if (size != 0) {
      uint64_t bits = br_.ReadBits(size);
      // Values above 2^(size-1) are negative in two's complement of `size` bits.
      if (bits > (uint64_t{1} << (size - 1))) bits -= uint64_t{1} << size;
      dod = static_cast<int64_t>(bits);
    }
    t_delta_ = WrapAdd(t_delta_, dod);
    t_ = WrapAdd(t_, t_delta_);
    if (!ReadValue()) return corrupt_ = done_ = true, storage::ValueType::kNone;
  }
  if (!br_.ok()) {
    corrupt_ = done_ = true;
    return storage::ValueType::kNone;
  }
  ++read_;
  return storage::ValueType::kFloat;
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
