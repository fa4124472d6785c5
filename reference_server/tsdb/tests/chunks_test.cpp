#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "model/sample.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/chunks/decimal.h"
#include "tsdb/chunks/histogram_chunk.h"
#include "tsdb/chunks/xor.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

using testing::EncodeXor;
using testing::Point;

std::vector<Point> DecodeXor(std::string_view chunk) {
  std::vector<Point> out;
  XorIterator it(chunk);
  while (it.Next() == storage::ValueType::kFloat) {
    out.push_back({it.AtT(), std::bit_cast<uint64_t>(it.AtFloat())});
  }
  EXPECT_TRUE(chunk.empty() || it.Err().ok());
  return out;
}

// Timestamps: strictly increasing, with deltas that exercise every dod bucket.
rc::Gen<std::vector<Point>> GenPoints() {
  return rc::gen::map(
      rc::gen::pair(
          rc::gen::arbitrary<int64_t>(),
          rc::gen::container<std::vector<std::pair<uint64_t, uint64_t>>>(rc::gen::pair(
              rc::gen::oneOf(rc::gen::just<uint64_t>(15000), rc::gen::inRange<uint64_t>(1, 20),
                             rc::gen::inRange<uint64_t>(1, 1u << 22),
                             rc::gen::inRange<uint64_t>(1, uint64_t{1} << 40)),
              rc::gen::oneOf(
                  rc::gen::arbitrary<uint64_t>(),
                  rc::gen::map(rc::gen::inRange(0, 1000),
                               [](int x) { return std::bit_cast<uint64_t>(x * 1.0); }),
                  rc::gen::element(model::kStaleNaNBits, model::kNormalNaNBits, uint64_t{0x7ff8000000000000},
                                   uint64_t{0xfff0000000000000}, uint64_t{0x8000000000000000}, uint64_t{0},
                                   uint64_t{0x7fffffffffffffff}))))),
      [](const auto& in) {
        std::vector<Point> pts;
        // Keep timestamps far from overflow: start in a sane window.
        int64_t t = in.first % (int64_t{1} << 50);
        for (const auto& [delta, bits] : in.second) {
          if (pts.size() >= 300) break;
          pts.push_back({t, bits});
          t += static_cast<int64_t>(delta);
        }
        return pts;
      });
}

RC_GTEST_PROP(XorChunk, RoundTripsEveryBitPattern, ()) {
  const auto pts = *GenPoints();
  const std::string chunk = EncodeXor(pts);
  const auto got = DecodeXor(chunk);
  RC_ASSERT(got.size() == pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    RC_ASSERT(got[i].t == pts[i].t);
    RC_ASSERT(got[i].bits == pts[i].bits);
  }
  RC_ASSERT(ChunkNumSamples(chunk) == pts.size());
}

RC_GTEST_PROP(XorChunk, SeekFindsFirstAtOrAfter, ()) {
  const auto pts = *GenPoints();
  RC_PRE(!pts.empty());
  const std::string chunk = EncodeXor(pts);
  const size_t i = *rc::gen::inRange<size_t>(0, pts.size());
  const int64_t target = pts[i].t - (i > 0 && pts[i].t - pts[i - 1].t > 1 ? 1 : 0);
  XorIterator it(chunk);
  RC_ASSERT(it.Seek(target) == storage::ValueType::kFloat);
  RC_ASSERT(it.AtT() == pts[i].t);
  // Seeking backwards stays put.
  RC_ASSERT(it.Seek(std::numeric_limits<int64_t>::min()) == storage::ValueType::kFloat);
  RC_ASSERT(it.AtT() == pts[i].t);
  RC_ASSERT(it.Seek(pts.back().t + 1) == storage::ValueType::kNone);
}

RC_GTEST_PROP(XorChunk, CorruptBytesNeverCrash, (const std::string& bytes)) {
  XorIterator it(bytes);
  int n = 0;
  while (it.Next() != storage::ValueType::kNone) ++n;
  RC_ASSERT(n <= 65535);
}

// Prometheus' XORChunk reader, bit by bit, as the reference for damaged chunks: a sample counts
// only if all its bits are inside the chunk (and its value window is possible); `ok` says
// whether the chunk ended without damage.
std::vector<Point> ReferenceDecodeXor(std::string_view chunk, bool* ok) {
  std::vector<Point> out;
  *ok = chunk.size() >= 2;
  if (!*ok) return out;
  BitReader br(chunk.substr(2));
  int64_t t = 0, delta = 0;
  uint64_t bits = 0, leading = 0, trailing = 0;
  for (size_t i = 0; i < ChunkNumSamples(chunk); ++i) {
    uint64_t u = 0;
    if (i == 0) {
      if (!ReadUvarint(br, &u)) return *ok = false, out;
      t = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
      bits = br.ReadBits(64);
    } else {
      if (i == 1) {
        if (!ReadUvarint(br, &u)) return *ok = false, out;
        delta = static_cast<int64_t>(u);
      } else {
        int ones = 0;
        while (ones < 4 && br.ReadBit()) ++ones;
        const int size[] = {0, 14, 17, 20, 64};
        uint64_t dod = br.ReadBits(size[ones]);
        if (ones > 0 && ones < 4 && dod > (uint64_t{1} << (size[ones] - 1))) dod -= uint64_t{1} << size[ones];
        delta = static_cast<int64_t>(static_cast<uint64_t>(delta) + dod);
      }
      t = static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(delta));
      if (br.ReadBit()) {
        if (br.ReadBit()) {
          leading = br.ReadBits(5);
          uint64_t sig = br.ReadBits(6);
          if (sig == 0) sig = 64;
          if (leading + sig > 64) return *ok = false, out;
          trailing = 64 - leading - sig;
        }
        const uint64_t x = br.ReadBits(static_cast<int>(64 - leading - trailing));
        bits ^= trailing == 0 ? x : x << trailing;
      }
    }
    if (!br.ok()) return *ok = false, out;
    out.push_back({t, bits});
  }
  return out;
}

// What a damaged chunk decodes to, sample by sample and in batches: the samples before the
// damage is noticed, then an error, as the reference reader finds them. Neither may read
// outside the bytes (ASan watches the copy made here).
RC_GTEST_PROP(XorChunk, DamagedChunksDecodeAlikeByEitherPath, ()) {
  const auto pts = *GenPoints();
  RC_PRE(pts.size() >= 3);
  std::string chunk = EncodeXor(pts);
  const size_t flips = *rc::gen::inRange<size_t>(0, 4);
  for (size_t i = 0; i < flips; ++i) {
    const size_t bit = *rc::gen::inRange<size_t>(16, chunk.size() * 8);
    chunk[bit / 8] = static_cast<char>(chunk[bit / 8] ^ (0x80 >> (bit % 8)));
  }
  chunk.resize(*rc::gen::inRange<size_t>(2, chunk.size() + 1));
  const auto bytes = std::make_unique<char[]>(chunk.size());  // exactly the bytes, for ASan
  std::memcpy(bytes.get(), chunk.data(), chunk.size());
  const std::string_view view(bytes.get(), chunk.size());

  std::vector<Point> stepwise;
  XorIterator a(view);
  while (a.Next() == storage::ValueType::kFloat)
    stepwise.push_back({a.AtT(), std::bit_cast<uint64_t>(a.AtFloat())});

  std::vector<Point> batched;
  XorIterator b(view);
  storage::ValueType vt = b.Next();
  int64_t t[7];
  double v[7];
  while (vt == storage::ValueType::kFloat) {
    const size_t n = b.ReadFloats(std::numeric_limits<int64_t>::max(), 7, t, v, &vt);
    for (size_t i = 0; i < n; ++i) batched.push_back({t[i], std::bit_cast<uint64_t>(v[i])});
  }
  bool ref_ok = false;
  const std::vector<Point> want = ReferenceDecodeXor(view, &ref_ok);
  for (const std::vector<Point>* got : {&stepwise, &batched}) {
    RC_ASSERT(got->size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      RC_ASSERT((*got)[i].t == want[i].t);
      RC_ASSERT((*got)[i].bits == want[i].bits);
    }
  }
  RC_ASSERT(a.Err().ok() == ref_ok);
  RC_ASSERT(b.Err().ok() == ref_ok);
  if (flips == 0 && chunk.size() == EncodeXor(pts).size()) RC_ASSERT(stepwise.size() == pts.size());
}

// Each delta-of-delta bucket's edges: 2^(n-1) is the largest value an n-bit field holds, and
// one more takes the next bucket.
TEST(XorChunk, DodBucketEdgesRoundTrip) {
  std::vector<Point> pts{{0, 0}, {15000, 1}};
  int64_t delta = 15000;
  for (int64_t edge : {int64_t{1} << 13, int64_t{1} << 16, int64_t{1} << 19, int64_t{1} << 40}) {
    for (int64_t dod : {edge, edge + 1, -edge + 1, -edge, int64_t{0}}) {
      delta += dod;
      pts.push_back({pts.back().t + delta, pts.back().bits + 1});
      delta += 3 * (int64_t{1} << 40);  // keep the next deltas positive
      pts.push_back({pts.back().t + delta, pts.back().bits});
    }
  }
  EXPECT_EQ(DecodeXor(EncodeXor(pts)), pts);
}

// A new value window of 31 leading zeros and 40 bits is impossible: the chunk is corrupt
// there, after the two samples before it.
TEST(XorChunk, ImpossibleValueWindowIsCorruption) {
  ChunkBuffer buf;
  buf.PushBack(0);
  buf.PushBack(3);
  uint8_t free_bits = 0;
  BitWriter w(&buf, &free_bits);
  WriteUvarint(w, 2000);
  w.WriteBits(std::bit_cast<uint64_t>(1.0), 64);
  WriteUvarint(w, 1000);
  w.WriteBit(false);     // sample 1: the same value
  w.WriteBit(false);     // sample 2: dod 0
  w.WriteBits(0b11, 2);  // a new window
  w.WriteBits(31, 5);    // leading zeros
  w.WriteBits(40, 6);    // meaningful bits
  w.WriteBits(~uint64_t{0}, 64);
  XorIterator it(buf.view());
  EXPECT_EQ(it.Next(), storage::ValueType::kFloat);
  int64_t t[4];
  double v[4];
  storage::ValueType vt;
  EXPECT_EQ(it.ReadFloats(std::numeric_limits<int64_t>::max(), 4, t, v, &vt), 2u);
  EXPECT_EQ(vt, storage::ValueType::kNone);
  EXPECT_FALSE(it.Err().ok());
}

TEST(XorChunk, TruncatedChunkReportsError) {
  std::vector<Point> pts;
  for (int i = 0; i < 50; ++i) pts.push_back({i * 15000 + (i % 3), std::bit_cast<uint64_t>(i * 1.5)});
  const std::string chunk = EncodeXor(pts);
  XorIterator it(std::string_view(chunk).substr(0, chunk.size() / 2));
  while (it.Next() != storage::ValueType::kNone) {
  }
  EXPECT_FALSE(it.Err().ok());
}

// A regular scrape of a constant costs one bit per timestamp and one per value.
TEST(XorChunk, RegularConstantSeriesIsTiny) {
  std::vector<Point> pts;
  for (int i = 0; i < 120; ++i) pts.push_back({1'700'000'000'000 + i * 15000, std::bit_cast<uint64_t>(1.0)});
  const std::string chunk = EncodeXor(pts);
  EXPECT_LE(chunk.size(), 2u + 6 + 8 + 3 + 1 + 30u);
}

// Bytes Prometheus' chunkenc produces for the same input (computed by hand from the
// algorithm; the layout is fixed by the format).
TEST(XorChunk, MatchesPrometheusLayout) {
  const std::string chunk = EncodeXor({{1000, std::bit_cast<uint64_t>(1.0)},
                                       {2000, std::bit_cast<uint64_t>(1.0)},
                                       {3000, std::bit_cast<uint64_t>(2.0)}});
  // header 00 03; varint(zigzag 1000 = 2000) = d0 0f; 1.0 = 3ff0000000000000;
  // uvarint(1000) = e8 07; value unchanged: bit 0; then dod 0: bit 0;
  // 1.0 ^ 2.0 = 0x7ff0000000000000 -> leading 1, trailing 52, sig 11:
  // '11' 00001 001011 11111111111 -> bits: 0 0 11 00001 001011 11111111111 (padded)
  const std::string want = std::string("\x00\x03\xd0\x0f\x3f\xf0\x00\x00\x00\x00\x00\x00\xe8\x07", 14) +
                           std::string("\x30\x97\xff\xc0", 4);
  EXPECT_EQ(chunk, want);
}

// Values the decimal encoding meets: integers, short decimals, and things it must store raw.
rc::Gen<double> GenScrapedValue() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange<int64_t>(-1000000, 1000000),
                   [](int64_t x) { return static_cast<double>(x); }),
      rc::gen::map(rc::gen::inRange<int64_t>(-100000, 100000), [](int64_t x) { return x / 100.0; }),
      rc::gen::map(rc::gen::inRange<int64_t>(0, 1000), [](int64_t x) { return x * 0.001; }),
      rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t b) { return std::bit_cast<double>(b); }),
      rc::gen::element(std::bit_cast<double>(model::kStaleNaNBits), -0.0, 0.0, 1e300, 5e-324,
                       std::numeric_limits<double>::infinity(), 9007199254740993.0, 0.1 + 0.2));
}

RC_GTEST_PROP(DecimalChunk, RoundTripsBitExact, ()) {
  const int n = *rc::gen::inRange(1, 600);
  const bool regular = *rc::gen::arbitrary<bool>();
  std::vector<model::Sample> s;
  int64_t t = *rc::gen::inRange<int64_t>(-(int64_t{1} << 45), int64_t{1} << 45);
  // Mostly one kind of value per series, as in real data.
  const auto gen = *rc::gen::element(0, 1, 2);
  double acc = *rc::gen::inRange(0, 1000);
  for (int i = 0; i < n; ++i) {
    double v;
    if (gen == 0) {
      acc += *rc::gen::inRange(0, 50);
      v = acc;
    } else if (gen == 1) {
      v = std::round((20 + *rc::gen::inRange(-500, 500) / 100.0) * 100) / 100;
    } else {
      v = *GenScrapedValue();
    }
    s.push_back({t, v});
    t += regular ? 15000 : *rc::gen::inRange<int64_t>(1, 100000);
  }
  auto chunk = EncodeDecimalChunk(s, std::numeric_limits<size_t>::max());
  RC_ASSERT(chunk.has_value());  // with no size bound, any series can be encoded
  DecimalIterator it(*chunk);
  for (const auto& want : s) {
    RC_ASSERT(it.Next() == storage::ValueType::kFloat);
    RC_ASSERT(it.AtT() == want.t);
    RC_ASSERT(std::bit_cast<uint64_t>(it.AtFloat()) == std::bit_cast<uint64_t>(want.v));
  }
  RC_ASSERT(it.Next() == storage::ValueType::kNone);
  RC_ASSERT(it.Err().ok());
  // Seek lands on the first sample at or after the target.
  const size_t i = *rc::gen::inRange<size_t>(0, s.size());
  DecimalIterator it2(*chunk);
  RC_ASSERT(it2.Seek(s[i].t) == storage::ValueType::kFloat);
  RC_ASSERT(it2.AtT() == s[i].t);
}

TEST(DecimalChunk, RegularCounterIsFarSmallerThanXor) {
  std::vector<model::Sample> s;
  double c = 1000;
  for (int i = 0; i < 480; ++i) {
    c += (i * 7919) % 23;
    s.push_back({1'700'000'000'000 + i * 15000, c});
  }
  ChunkBuffer xbuf;
  XorState st;
  XorAppender app(&xbuf, &st);
  for (const auto& x : s) app.Append(x.t, x.v);
  auto dec = EncodeDecimalChunk(s, xbuf.size());
  ASSERT_TRUE(dec.has_value());
  // 5 bits a sample for the increments, nothing for the timestamps.
  EXPECT_LT(dec->size(), 480u * 6 / 8 + 32);
  EXPECT_LT(dec->size() * 2, xbuf.size());
}

RC_GTEST_PROP(DecimalChunk, CorruptBytesNeverCrash, (const std::string& bytes)) {
  DecimalIterator it(bytes);
  while (it.Next() != storage::ValueType::kNone) {
  }
}

RC_GTEST_PROP(HistogramChunk, RoundTrips, ()) {
  const int n = *rc::gen::inRange(1, 40);
  ChunkBuffer buf;
  XorState st;
  std::vector<std::pair<int64_t, model::FloatHistogram>> want;
  int64_t t = *rc::gen::inRange<int64_t>(-1'000'000, 1'000'000);
  for (int i = 0; i < n; ++i) {
    model::FloatHistogram h;
    h.counter_reset_hint = static_cast<model::CounterResetHint>(*rc::gen::inRange(0, 4));
    h.schema = *rc::gen::inRange(-4, 9);
    h.count = std::bit_cast<double>(*rc::gen::arbitrary<uint64_t>());
    h.sum = *rc::gen::arbitrary<double>();
    h.zero_threshold = 1e-128;
    h.zero_count = i;
    h.positive_spans = {{*rc::gen::inRange(-5, 5), 2u}};
    h.positive_buckets = {1.5, std::bit_cast<double>(model::kStaleNaNBits)};
    if (i % 3 == 0) {
      h.schema = model::kCustomBucketsSchema;
      h.custom_values = {0.1, 1, 10};
    }
    AppendHistogramSample(&buf, &st, t, h);
    want.emplace_back(t, h);
    t += *rc::gen::inRange<int64_t>(1, 100000);
  }
  HistogramIterator it(buf.view());
  for (const auto& [wt, wh] : want) {
    RC_ASSERT(it.Next() == storage::ValueType::kHistogram);
    RC_ASSERT(it.AtT() == wt);
    const auto& got = it.AtHistogram();
    RC_ASSERT(std::bit_cast<uint64_t>(got.count) == std::bit_cast<uint64_t>(wh.count));
    RC_ASSERT(got.schema == wh.schema);
    RC_ASSERT(got.positive_spans == wh.positive_spans);
    RC_ASSERT(std::bit_cast<uint64_t>(got.positive_buckets[1]) == model::kStaleNaNBits);
    RC_ASSERT(got.custom_values == wh.custom_values);
  }
  RC_ASSERT(it.Next() == storage::ValueType::kNone);
  RC_ASSERT(it.Err().ok());
}

}  // namespace
}  // namespace promref::tsdb
