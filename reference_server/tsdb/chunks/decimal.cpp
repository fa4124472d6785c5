#include "tsdb/chunks/decimal.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "tsdb/chunks/bstream.h"
#include "tsdb/chunks/chunk.h"

namespace promref::tsdb {
namespace {

constexpr int kMaxExponent = 15;
// The exponent field's value for "float bits" mode: values that are not short decimals
// (full-precision floats such as histogram sums) are coded as deltas of their IEEE-754 bit
// patterns, mapped to integers in value order. For a smoothly growing float that is ~15 bits
// a sample less than XOR.
constexpr int kBitsMode = 31;
constexpr int kEscapeQuotient = 24;
constexpr double kTwo53 = 9007199254740992.0;

constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t z) {
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

// The decoder's operation; an encoding is only accepted when this reproduces the value's bits.
double FromDecimal(int64_t m, int e) {
  return static_cast<double>(m) / kPow10[e];
}

// Float bits <-> integers ordered like the floats (an involution).
int64_t OrderedBits(uint64_t b) {
  const auto x = static_cast<int64_t>(b);
  return x ^ static_cast<int64_t>(static_cast<uint64_t>(x >> 63) & 0x7FFFFFFFFFFFFFFFULL);
}

bool ToDecimal(double v, int e, int64_t* m) {
  if (!std::isfinite(v)) return false;
  const double scaled = v * kPow10[e];
  if (!(std::fabs(scaled) < kTwo53)) return false;
  const int64_t r = std::llround(scaled);
  if (std::bit_cast<uint64_t>(FromDecimal(r, e)) != std::bit_cast<uint64_t>(v)) return false;
  *m = r;
  return true;
}

// Bits of the Rice code of z with parameter k.
uint64_t RiceBits(uint64_t z, int k) {
  const uint64_t q = z >> k;
  return q < kEscapeQuotient ? q + 1 + k : kEscapeQuotient + 64;
}

// The best Rice parameter for a sequence of zig-zag values, and the bits it costs.
std::pair<int, uint64_t> BestRice(const std::vector<uint64_t>& zs) {
  if (zs.empty()) return {0, 0};
  int best_k = 0;
  uint64_t best = std::numeric_limits<uint64_t>::max();
  for (int k = 0; k < 64; ++k) {
    uint64_t bits = 0;
    for (uint64_t z : zs) bits += RiceBits(z, k);
    if (bits < best) {
      best = bits;
      best_k = k;
    }
    // Past the point where every quotient is zero, larger k only costs more.
    if (std::all_of(zs.begin(), zs.end(), [k](uint64_t z) { return (z >> k) == 0; })) break;
  }
  return {best_k, best};
}

void WriteRice(BitWriter& w, uint64_t z, int k) {
  const uint64_t q = z >> k;
  if (q < kEscapeQuotient) {
    // q ones and a zero, then the low k bits; at most 24 + 1 + 63 bits, written in two parts.
    w.WriteBits(((uint64_t{1} << q) - 1) << 1, static_cast<int>(q) + 1);
    if (k > 0) w.WriteBits(z & (k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1), k);
  } else {
    w.WriteBits((uint64_t{1} << kEscapeQuotient) - 1, kEscapeQuotient);
    w.WriteBits(z, 64);
  }
}

bool ReadRice(BitReader& r, int k, uint64_t* z) {
  int q = 0;
  while (q < kEscapeQuotient && r.ReadBit()) ++q;
  if (!r.ok()) return false;
  if (q == kEscapeQuotient) {
    *z = r.ReadBits(64);
  } else {
    *z = (static_cast<uint64_t>(q) << k) | (k > 0 ? r.ReadBits(k) : 0);
  }
  return r.ok();
}

// One way of coding the values: exponent, mode, Rice parameter, and what it costs.
struct ValuePlan {
  int e = 0;
  bool dod = false;
  int k = 0;
  uint64_t bits = std::numeric_limits<uint64_t>::max();
  std::vector<int64_t> m;        // mantissas, exceptions replaced by the previous one
  std::vector<uint32_t> except;  // indexes of raw values
};

ValuePlan PlanValues(std::span<const model::Sample> s) {
  // Each value's smallest exponent (kMaxExponent + 1: none).
  std::vector<int> min_e(s.size());
  std::vector<bool> candidates(kMaxExponent + 1, false);
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t m;
    int e = 0;
    while (e <= kMaxExponent && !ToDecimal(s[i].v, e, &m)) ++e;
    min_e[i] = e;
    if (e <= kMaxExponent) candidates[e] = true;
  }
  candidates.push_back(true);  // kMaxExponent + 1 stands for bits mode
  ValuePlan best;
  for (int e = 0; e <= kMaxExponent + 1; ++e) {
    if (!candidates[e]) continue;
    ValuePlan p;
    p.e = e > kMaxExponent ? kBitsMode : e;
    p.m.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t m = 0;
      if (p.e == kBitsMode) {
        p.m[i] = OrderedBits(std::bit_cast<uint64_t>(s[i].v));
      } else if (min_e[i] <= e && ToDecimal(s[i].v, e, &m)) {
        p.m[i] = m;
      } else {
        p.m[i] = i > 0 ? p.m[i - 1] : 0;
        p.except.push_back(static_cast<uint32_t>(i));
      }
    }
    const uint64_t except_bits = p.except.size() * (64 + 16) + 16;
    for (bool dod : {false, true}) {
      std::vector<uint64_t> zs;
      const size_t first = dod ? 2 : 1;
      for (size_t i = first; i < s.size(); ++i) {
        const int64_t d = WrapSub(p.m[i], p.m[i - 1]);
        zs.push_back(ZigZag(dod ? WrapSub(d, WrapSub(p.m[i - 1], p.m[i - 2])) : d));
      }
      const auto [k, bits] = BestRice(zs);
      const uint64_t total = bits + except_bits + 12 + 64 * (dod ? 2 : 1) / 4;  // rough varint costs
      if (total < p.bits) {
        p.bits = total;
        p.dod = dod;
        p.k = k;
      }
    }
    if (p.bits < best.bits) best = std::move(p);
  }
  return best;
}

}  // namespace

std::optional<std::string> EncodeDecimalChunk(std::span<const model::Sample> s, size_t max_bytes) {
  if (s.empty() || s.size() > 65535) return std::nullopt;
  ValuePlan plan = PlanValues(s);

  ChunkBuffer buf;
  buf.PushBack(static_cast<uint8_t>(s.size() >> 8));
  buf.PushBack(static_cast<uint8_t>(s.size()));
  uint8_t free_bits = 0;
  BitWriter w(&buf, &free_bits);

  // Timestamps.
  WriteUvarint(w, ZigZag(s[0].t));
  if (s.size() > 1) {
    WriteUvarint(w, static_cast<uint64_t>(WrapSub(s[1].t, s[0].t)));
    std::vector<uint64_t> dods;
    for (size_t i = 2; i < s.size(); ++i) {
      dods.push_back(ZigZag(WrapSub(WrapSub(s[i].t, s[i - 1].t), WrapSub(s[i - 1].t, s[i - 2].t))));
    }
    const bool regular = std::all_of(dods.begin(), dods.end(), [](uint64_t z) { return z == 0; });
    w.WriteBit(!regular);
    if (!regular) {
      const int k = BestRice(dods).first;
      w.WriteBits(static_cast<uint64_t>(k), 6);
      for (uint64_t z : dods) WriteRice(w, z, k);
    }
  }

  // Values.
  w.WriteBits(static_cast<uint64_t>(plan.e), 5);
  w.WriteBit(plan.dod);
  w.WriteBits(static_cast<uint64_t>(plan.k), 6);
  WriteUvarint(w, plan.except.size());
  uint32_t prev = 0;
  for (uint32_t idx : plan.except) {
    WriteUvarint(w, idx - prev);
    prev = idx;
    w.WriteBits(std::bit_cast<uint64_t>(s[idx].v), 64);
  }
  WriteUvarint(w, ZigZag(plan.m[0]));
  size_t first = 1;
  if (plan.dod && s.size() > 1) {
    WriteUvarint(w, ZigZag(WrapSub(plan.m[1], plan.m[0])));
    first = 2;
  }
  for (size_t i = first; i < s.size(); ++i) {
    const int64_t d = WrapSub(plan.m[i], plan.m[i - 1]);
    WriteRice(w, ZigZag(plan.dod ? WrapSub(d, WrapSub(plan.m[i - 1], plan.m[i - 2])) : d), plan.k);
  }
  if (buf.size() >= max_bytes) return std::nullopt;
  return std::string(buf.view());
}

// --- Decoding --------------------------------------------------------------------------------

DecimalIterator::DecimalIterator(std::string_view chunk) {
  if (!Decode(chunk)) {
    corrupt_ = true;
    ts_.clear();
    vs_.clear();
  }
}

bool DecimalIterator::Decode(std::string_view chunk) {
  const size_t n = ChunkNumSamples(chunk);
  if (chunk.size() < 2) return false;
  if (n == 0) return true;
  BitReader r(chunk.substr(2));
  auto fail = [] { return false; };
  uint64_t u;
  if (!ReadUvarint(r, &u)) return fail();
  ts_.reserve(n);
  ts_.push_back(UnZigZag(u));
  if (n > 1) {
    if (!ReadUvarint(r, &u)) return fail();
    int64_t delta = static_cast<int64_t>(u);
    ts_.push_back(WrapAdd(ts_[0], delta));
    const bool irregular = r.ReadBit();
    const int k = irregular ? static_cast<int>(r.ReadBits(6)) : 0;
    for (size_t i = 2; i < n; ++i) {
      if (irregular) {
        if (!ReadRice(r, k, &u)) return fail();
        delta = WrapAdd(delta, UnZigZag(u));
      }
      ts_.push_back(WrapAdd(ts_.back(), delta));
    }
  }
  const int e = static_cast<int>(r.ReadBits(5));
  const bool dod = r.ReadBit();
  const int k = static_cast<int>(r.ReadBits(6));
  if (!r.ok() || (e > kMaxExponent && e != kBitsMode)) return fail();
  uint64_t nexcept;
  if (!ReadUvarint(r, &nexcept) || nexcept > n) return fail();
  std::vector<std::pair<uint64_t, uint64_t>> except;  // index, bits
  uint64_t idx = 0;
  for (uint64_t i = 0; i < nexcept; ++i) {
    if (!ReadUvarint(r, &u)) return fail();
    idx += u;
    if (idx >= n) return fail();
    except.emplace_back(idx, r.ReadBits(64));
  }
  std::vector<int64_t> m;
  m.reserve(n);
  if (!ReadUvarint(r, &u)) return fail();
  m.push_back(UnZigZag(u));
  size_t first = 1;
  if (dod && n > 1) {
    if (!ReadUvarint(r, &u)) return fail();
    m.push_back(WrapAdd(m[0], UnZigZag(u)));
    first = 2;
  }
  for (size_t i = first; i < n; ++i) {
    if (!ReadRice(r, k, &u)) return fail();
    const int64_t z = UnZigZag(u);
    m.push_back(dod ? WrapAdd(WrapAdd(m[i - 1], WrapSub(m[i - 1], m[i - 2])), z) : WrapAdd(m[i - 1], z));
  }
  if (!r.ok()) return fail();
  vs_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    vs_[i] = e == kBitsMode
                 ? std::bit_cast<double>(static_cast<uint64_t>(OrderedBits(static_cast<uint64_t>(m[i]))))
                 : FromDecimal(m[i], e);
  }
  for (const auto& [i, bits] : except) vs_[i] = std::bit_cast<double>(bits);
  return true;
}

storage::ValueType DecimalIterator::Next() {
  if (!started_) {
    started_ = true;
    pos_ = 0;
  } else if (pos_ < ts_.size()) {
    ++pos_;
  }
  return pos_ < ts_.size() ? storage::ValueType::kFloat : storage::ValueType::kNone;
}

storage::ValueType DecimalIterator::Seek(int64_t t) {
  if (started_ && pos_ < ts_.size() && ts_[pos_] >= t) return storage::ValueType::kFloat;
  const size_t from = started_ ? pos_ : 0;
  started_ = true;
  pos_ = static_cast<size_t>(
      std::lower_bound(ts_.begin() + static_cast<ptrdiff_t>(std::min(from, ts_.size())), ts_.end(), t) -
      ts_.begin());
  return pos_ < ts_.size() ? storage::ValueType::kFloat : storage::ValueType::kNone;
}

const model::FloatHistogram& DecimalIterator::AtHistogram() const {
  static const model::FloatHistogram kEmpty;
  return kEmpty;
}

Status DecimalIterator::Err() const {
  if (corrupt_) return Error(ErrorKind::kInternal, "corrupt decimal chunk");
  return {};
}

}  // namespace promref::tsdb
