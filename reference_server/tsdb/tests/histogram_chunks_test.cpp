// Native-histogram chunks (native_histogram_chunk.h) and the head's decisions on them
// (histogram_appender.h, model/histogram_chunk_tail.h): round trips over every schema, the
// counter-reset and gauge cuts, layout growth, and the read-back hints.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "model/float_bits.h"
#include "model/histogram_chunk_tail.h"
#include "model/sample.h"
#include "model/text_encoding.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/chunks/histogram_appender.h"
#include "tsdb/chunks/histogram_chunk.h"
#include "tsdb/chunks/native_histogram_chunk.h"

namespace promref::tsdb {
namespace {

using model::CounterResetHint;
using model::FloatHistogram;
using model::SameBits;
using model::SameFloats;

struct Chunk {
  Encoding enc;
  std::string bytes;
};

struct Sample {
  int64_t t;
  FloatHistogram h;
};

// Appends as the head does, without its chunk-range and size cuts.
std::vector<Chunk> Append(const std::vector<Sample>& samples) {
  std::vector<Chunk> out;
  HistogramAppender app;
  ChunkBuffer buf;
  for (const Sample& s : samples) {
    const auto plan = app.PlanAppend(s.h, out.empty());
    if (plan.action == model::HistogramChunkTail::Action::kNewChunk) {
      out.push_back({HistogramAppender::EncodingFor(plan.kind), ""});
    }
    app.Apply(&buf, s.t, plan);  // a new chunk restarts the buffer
    out.back().bytes = std::string(buf.view());
  }
  return out;
}

std::vector<Sample> Decode(const std::vector<Chunk>& chunks) {
  std::vector<Sample> out;
  for (const Chunk& c : chunks) {
    auto it = NewChunkIterator(c.enc, c.bytes);
    while (it->Next() == storage::ValueType::kHistogram) out.push_back({it->AtT(), it->AtHistogram()});
    EXPECT_TRUE(it->Err().ok());
  }
  return out;
}

// Bit-exact equality of everything, the hint included.
bool Identical(const FloatHistogram& a, const FloatHistogram& b) {
  return a.counter_reset_hint == b.counter_reset_hint && a.schema == b.schema &&
         SameBits(a.zero_threshold, b.zero_threshold) && SameBits(a.zero_count, b.zero_count) &&
         SameBits(a.count, b.count) && SameBits(a.sum, b.sum) && a.positive_spans == b.positive_spans &&
         a.negative_spans == b.negative_spans && SameFloats(a.positive_buckets, b.positive_buckets) &&
         SameFloats(a.negative_buckets, b.negative_buckets) && SameFloats(a.custom_values, b.custom_values);
}

// What a sample reads back as at position `i` of a chunk.
FloatHistogram Expected(FloatHistogram h, size_t i, bool gauge) {
  h = model::StoredForm(h);
  if (model::IsStaleNaN(h.sum)) return h;
  h.counter_reset_hint = gauge ? CounterResetHint::kGauge
                               : (i == 0 ? CounterResetHint::kUnknown : CounterResetHint::kNotCounterReset);
  return h;
}

FloatHistogram Counter(int32_t schema, double scale, bool integer) {
  FloatHistogram h;
  h.schema = schema;
  h.zero_threshold = schema == model::kCustomBucketsSchema ? 0 : std::ldexp(1.0, -128);
  const double f = integer ? 1 : 0.25;
  h.positive_spans = {{-2, 3}, {4, 2}};
  h.positive_buckets = {1 * scale * f, 0, 3 * scale * f, 2 * scale * f, 5 * scale * f};
  if (schema == model::kCustomBucketsSchema) {
    h.positive_spans = {{0, 3}, {1, 2}};
    h.custom_values = {0.005, 0.1, 1, 2.5, 10, 1e9, 0.1234567};
  } else {
    h.negative_spans = {{1, 2}};
    h.negative_buckets = {4 * scale * f, 0};
    h.zero_count = 2 * scale * f;
  }
  double total = h.zero_count;
  for (double b : h.positive_buckets) total += b;
  for (double b : h.negative_buckets) total += b;
  h.count = total;
  h.sum = 12.75 * scale;
  return h;
}

TEST(HistogramChunks, RoundTripEverySchemaBothKinds) {
  for (int32_t schema = -4; schema <= 8; ++schema) {
    for (bool integer : {true, false}) {
      for (int32_t s : {schema, model::kCustomBucketsSchema}) {
        std::vector<Sample> in;
        for (int i = 0; i < 30; ++i) in.push_back({1000 + 15000 * i + (i % 7), Counter(s, 1 + i, integer)});
        in[5].h.sum = std::nan("");
        in[6].h.sum = -std::numeric_limits<double>::infinity();
        const auto chunks = Append(in);
        ASSERT_EQ(chunks.size(), 1u) << schema;
        EXPECT_EQ(chunks[0].enc, integer ? Encoding::kIntHistogram : Encoding::kFloatHistogram);
        const auto out = Decode(chunks);
        ASSERT_EQ(out.size(), in.size());
        for (size_t i = 0; i < in.size(); ++i) {
          EXPECT_EQ(out[i].t, in[i].t);
          EXPECT_TRUE(Identical(out[i].h, Expected(in[i].h, i, false))) << "schema " << s << " sample " << i;
        }
      }
    }
  }
}

TEST(HistogramChunks, StaleMarkersKeepOnlyTheirSumAndEndTheChunkForOthers) {
  std::vector<Sample> in = {{1, Counter(0, 1, true)}, {2, Counter(0, 2, true)}};
  FloatHistogram stale = Counter(0, 3, true);
  stale.sum = model::StaleNaN();
  in.push_back({3, stale});
  in.push_back({4, stale});
  in.push_back({5, Counter(0, 4, true)});  // after a stale marker: a new chunk
  const auto chunks = Append(in);
  ASSERT_EQ(chunks.size(), 2u);
  const auto out = Decode(chunks);
  ASSERT_EQ(out.size(), 5u);
  for (int i : {2, 3}) {
    EXPECT_TRUE(model::IsStaleNaN(out[i].h.sum));
    EXPECT_TRUE(out[i].h.positive_buckets.empty());
    EXPECT_EQ(out[i].h.counter_reset_hint, CounterResetHint::kUnknown);
  }
  EXPECT_EQ(out[4].h.counter_reset_hint, CounterResetHint::kUnknown);
}

TEST(HistogramChunks, CounterResetCutsAChunkWithTheResetHeader) {
  std::vector<Sample> in = {
      {1, Counter(3, 2, true)}, {2, Counter(3, 3, true)}, {3, Counter(3, 1, true)}, {4, Counter(3, 2, true)}};
  const auto chunks = Append(in);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(chunks[1].bytes[2]), 0x80);  // CounterReset
  EXPECT_EQ(static_cast<uint8_t>(chunks[0].bytes[2]), 0x00);  // first chunk: unknown
  const auto out = Decode(chunks);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].h.counter_reset_hint, CounterResetHint::kNotCounterReset);
  EXPECT_EQ(out[2].h.counter_reset_hint, CounterResetHint::kUnknown);  // as Prometheus reads it
  EXPECT_EQ(out[3].h.counter_reset_hint, CounterResetHint::kNotCounterReset);
}

TEST(HistogramChunks, LayoutChangesAndExplicitResetsCut) {
  FloatHistogram a = Counter(2, 1, false);
  FloatHistogram other_schema = Counter(1, 2, false);
  FloatHistogram explicit_reset = Counter(1, 3, false);
  explicit_reset.counter_reset_hint = CounterResetHint::kCounterReset;
  FloatHistogram wider_zero = Counter(1, 4, false);
  wider_zero.zero_threshold = 0.5;
  FloatHistogram nhcb = Counter(model::kCustomBucketsSchema, 5, false);
  FloatHistogram other_bounds = Counter(model::kCustomBucketsSchema, 6, false);
  other_bounds.custom_values[0] = 0.001;
  const auto chunks =
      Append({{1, a}, {2, other_schema}, {3, explicit_reset}, {4, wider_zero}, {5, nhcb}, {6, other_bounds}});
  ASSERT_EQ(chunks.size(), 6u);
  EXPECT_EQ(static_cast<uint8_t>(chunks[2].bytes[2]), 0x80);
  EXPECT_EQ(static_cast<uint8_t>(chunks[5].bytes[2]), 0x80);  // changed bounds count as a reset
}

TEST(HistogramChunks, NewBucketsRecodeTheChunkAndMissingEmptyOnesAreFilledIn) {
  FloatHistogram a;
  a.positive_spans = {{0, 2}};
  a.positive_buckets = {1, 0};
  a.count = 1;
  FloatHistogram b;  // bucket 1 (empty before) gone, buckets -2 and 3 new
  b.positive_spans = {{-2, 1}, {1, 1}, {2, 1}};
  b.positive_buckets = {1, 2, 3};
  b.count = 6;
  const auto chunks = Append({{10, a}, {20, b}});
  ASSERT_EQ(chunks.size(), 1u);
  const auto out = Decode(chunks);
  ASSERT_EQ(out.size(), 2u);
  const std::vector<model::HistogramSpan> widened = {{-2, 1}, {1, 2}, {1, 1}};
  EXPECT_EQ(out[0].h.positive_spans, widened);
  EXPECT_EQ(out[0].h.positive_buckets, (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(out[1].h.positive_spans, widened);
  EXPECT_EQ(out[1].h.positive_buckets, (std::vector<double>{1, 2, 0, 3}));
  EXPECT_EQ(out[1].h.counter_reset_hint, CounterResetHint::kNotCounterReset);
}

TEST(HistogramChunks, ANonEmptyBucketDisappearingIsAReset) {
  FloatHistogram a;
  a.positive_spans = {{0, 2}};
  a.positive_buckets = {1, 1};
  a.count = 2;
  FloatHistogram b;
  b.positive_spans = {{0, 1}};
  b.positive_buckets = {5};
  b.count = 5;
  EXPECT_EQ(Append({{1, a}, {2, b}}).size(), 2u);
}

TEST(HistogramChunks, GaugesGoUpAndDownInOneGaugeChunk) {
  std::vector<Sample> in;
  for (int i = 0; i < 10; ++i) {
    FloatHistogram h = Counter(0, 10 - i, true);
    h.counter_reset_hint = CounterResetHint::kGauge;
    if (i == 4) {  // a bucket disappears: fine for a gauge
      h.positive_spans = {{-2, 3}};
      h.positive_buckets.resize(3);
    }
    in.push_back({i, h});
  }
  const auto chunks = Append(in);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(chunks[0].bytes[2]), 0xC0);
  for (const Sample& s : Decode(chunks)) EXPECT_EQ(s.h.counter_reset_hint, CounterResetHint::kGauge);
  // A counter sample after gauges starts a counter chunk.
  in.push_back({20, Counter(0, 100, true)});
  EXPECT_EQ(Append(in).size(), 2u);
}

TEST(HistogramChunks, AFractionalSampleCutsAnIntegerChunkButNotTheOtherWayRound) {
  FloatHistogram frac = Counter(0, 2, true);
  frac.positive_buckets[0] += 0.5;
  frac.count += 0.5;
  const auto chunks = Append({{1, Counter(0, 1, true)}, {2, frac}, {3, Counter(0, 3, true)}});
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].enc, Encoding::kIntHistogram);
  EXPECT_EQ(chunks[1].enc, Encoding::kFloatHistogram);
  EXPECT_EQ(ChunkNumSamples(chunks[1].bytes), 2);
}

TEST(HistogramChunks, CorruptBytesEndWithAnError) {
  const auto chunks = Append({{1, Counter(5, 1, true)}, {2, Counter(5, 2, true)}});
  for (size_t cut = 0; cut < chunks[0].bytes.size(); ++cut) {
    auto it = NewChunkIterator(Encoding::kIntHistogram, std::string_view(chunks[0].bytes).substr(0, cut));
    int n = 0;
    while (it->Next() == storage::ValueType::kHistogram) ++n;
    EXPECT_LT(n, 2);
    EXPECT_FALSE(it->Err().ok()) << cut;
  }
}

// The bytes Prometheus 3.16's chunkenc writes for the same samples (recorded by appending them
// with HistogramChunk / FloatHistogramChunk appenders).
TEST(HistogramChunks, ByteIdenticalToPrometheus) {
  std::vector<Sample> ints;
  for (int i = 1; i <= 3; ++i) {
    FloatHistogram h;
    const double k = i;
    h.schema = 3;
    h.zero_threshold = std::ldexp(1.0, -128);
    h.zero_count = 2 * k;
    h.count = 14 * k;
    h.sum = i == 3 ? std::nan("") : 12.75 * k;
    h.positive_spans = {{-2, 3}, {4, 2}};
    h.positive_buckets = {k, 0, 3 * k, 2 * k, 5 * k};
    h.negative_spans = {{1, 1}};
    h.negative_buckets = {k};
    ints.push_back({1000 + 15000 * i, h});
  }
  // Go's math.NaN() has the bits 0x7ff8000000000001.
  ints[2].h.sum = std::bit_cast<double>(model::kNormalNaNBits);
  const auto ic = Append(ints);
  ASSERT_EQ(ic.size(), 1u);
  EXPECT_EQ(model::HexEncode(ic[0].bytes),
            "000300749ca76952318fc1f4063a480530000000000011bcef38fc1d4c63a5ac1c6f3bce2317dfe0c0000000000080");

  std::vector<Sample> floats;
  for (int i = 1; i <= 3; ++i) {
    FloatHistogram h;
    h.schema = model::kCustomBucketsSchema;
    h.count = 2.5 * i;
    h.sum = 0.1 * i;
    h.positive_spans = {{0, 2}};
    h.positive_buckets = {1.25 * i, 1.25 * i};
    h.custom_values = {0.005, 1, 7.123456789};
    floats.push_back({-5 + 1000 * i * i, h});
  }
  const auto fc = Append(floats);
  ASSERT_EQ(fc.size(), 1u);
  EXPECT_EQ(fc[0].enc, Encoding::kFloatHistogram);
  EXPECT_EQ(model::HexEncode(fc[0].bytes),
            "00030000ee5c644ede3e9200e3f35ba6e72c6f8f8d00100000000000000000000000000000fee6666666666668ffd000"
            "00000000"
            "00ffd0000000000003e02ee3583690fe12fffe12ffff9f436075af4d555555555557d81dd81d");
}

// Chunks of the old verbatim encoding read back with the hints a head chunk would give, not
// the hints their records carry (mostly unknown; they were cut without reset detection).
TEST(HistogramChunks, LegacyChunksReadWithHeadHints) {
  ChunkBuffer buf;
  XorState st;
  FloatHistogram gauge = Counter(0, 1, true);
  gauge.counter_reset_hint = CounterResetHint::kGauge;
  const std::vector<FloatHistogram> in = {Counter(0, 1, true), Counter(0, 2, true), Counter(0, 1, true),
                                          Counter(0, 3, true), gauge};
  for (size_t i = 0; i < in.size(); ++i) AppendHistogramSample(&buf, &st, static_cast<int64_t>(i), in[i]);
  auto it = NewChunkIterator(Encoding::kHistogram, buf.view());
  std::vector<CounterResetHint> got;
  while (it->Next() == storage::ValueType::kHistogram) got.push_back(it->AtHistogram().counter_reset_hint);
  using H = CounterResetHint;
  EXPECT_EQ(got,
            (std::vector<H>{H::kUnknown, H::kNotCounterReset, H::kUnknown, H::kNotCounterReset, H::kGauge}));
}

// Bytes per sample of a realistic counter: schema 3, 20 populated buckets, 15 s scrapes,
// 120 samples, with every bucket growing by a random amount each scrape (the worst case for
// delta-of-delta coding) and at a steady rate. Prints the figures; asserts the compact
// encoding is at least 5x smaller than the verbatim records it replaces.
TEST(HistogramChunks, BytesPerSample) {
  for (bool steady : {false, true}) {
    std::vector<Sample> in;
    FloatHistogram h;
    h.schema = 3;
    h.zero_threshold = std::ldexp(1.0, -128);
    h.positive_spans = {{5, 12}, {3, 8}};
    h.positive_buckets.assign(20, 0);
    uint64_t seed = 42;
    auto rnd = [&] { return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
    double sum = 0;
    for (int i = 0; i < 120; ++i) {
      for (int k = 0; k < 20; ++k) {
        const double n = steady ? (k < 10 ? 12 : 2) : static_cast<double>(rnd() % (k < 10 ? 30 : 5));
        h.positive_buckets[k] += n;
        h.count += n;
        sum += n * 0.37 * (k + 1);
      }
      h.sum = sum;
      in.push_back({1'700'000'000'000 + 15'000 * i, h});
    }
    const auto chunks = Append(in);
    ASSERT_EQ(chunks.size(), 1u);
    ChunkBuffer legacy;
    XorState st;
    for (const Sample& s : in) AppendHistogramSample(&legacy, &st, s.t, s.h);
    const double now = static_cast<double>(chunks[0].bytes.size()) / 120;
    const double before = static_cast<double>(legacy.size()) / 120;
    std::cout << (steady ? "steady" : "random")
              << " increments: bytes per histogram sample: verbatim records " << before
              << ", integer histogram chunk " << now << "\n";
    RecordProperty(steady ? "steady_bytes_per_sample_after" : "random_bytes_per_sample_after",
                   std::to_string(now));
    RecordProperty("bytes_per_sample_before", std::to_string(before));
    EXPECT_LT(now * 5, before);
  }
}

// Random layouts and values (integer or float, NaN and infinite sums, stale markers) written
// with the encoder directly (one layout per chunk) decode to the same samples, bit for bit.
RC_GTEST_PROP(HistogramChunks, EncodeThenDecodeGivesTheSamples, ()) {
  const bool integer = *rc::gen::arbitrary<bool>();
  const bool gauge = *rc::gen::arbitrary<bool>();
  FloatHistogram layout;
  layout.schema =
      *rc::gen::element<int32_t>(-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, model::kCustomBucketsSchema);
  layout.zero_threshold =
      *rc::gen::element(0.0, std::ldexp(1.0, -128), 0.001, std::ldexp(1.0, 10), std::ldexp(1.0, -243));
  auto gen_spans = [] {
    std::vector<model::HistogramSpan> spans;
    const int n = *rc::gen::inRange(0, 4);
    for (int i = 0; i < n; ++i) {
      spans.push_back(
          {*rc::gen::inRange(i == 0 ? -100 : 0, 100), static_cast<uint32_t>(*rc::gen::inRange(0, 6))});
    }
    return spans;
  };
  layout.positive_spans = gen_spans();
  if (layout.UsesCustomBuckets()) {
    const int n = *rc::gen::inRange(0, 6);
    double b = -1;
    for (int i = 0; i < n; ++i) {
      b += *rc::gen::element(0.001, 0.5, 1.0 / 3, 1e6);
      layout.custom_values.push_back(b);
    }
  } else {
    layout.negative_spans = gen_spans();
  }
  size_t np = 0, nn = 0;
  for (const auto& s : layout.positive_spans) np += s.length;
  for (const auto& s : layout.negative_spans) nn += s.length;
  auto value = [&]() -> double {
    if (integer) return static_cast<double>(*rc::gen::inRange<int64_t>(0, int64_t{1} << 53));
    return std::bit_cast<double>(*rc::gen::arbitrary<uint64_t>());
  };
  HistogramChunkEncoder enc;
  ChunkBuffer buf;
  const auto kind = integer ? model::HistogramChunkKind::kInteger : model::HistogramChunkKind::kFloat;
  enc.Start(&buf, kind,
            gauge ? model::ChunkCounterReset::kGauge : model::ChunkCounterReset::kNotCounterReset);
  std::vector<Sample> want;
  int64_t t = *rc::gen::arbitrary<int64_t>();
  const int n = *rc::gen::inRange(1, 150);
  bool stale_seen = false;
  for (int i = 0; i < n; ++i) {
    FloatHistogram h = layout;
    h.count = value();
    h.zero_count = value();
    h.sum = *rc::gen::element(std::nan(""), -std::numeric_limits<double>::infinity(), 0.0, -0.0,
                              std::bit_cast<double>(*rc::gen::arbitrary<uint64_t>()));
    for (size_t k = 0; k < np; ++k) h.positive_buckets.push_back(value());
    for (size_t k = 0; k < nn; ++k) h.negative_buckets.push_back(value());
    // Stale markers (as they are stored), and after one only stale markers, as the head keeps it.
    if (stale_seen || *rc::gen::inRange(0, 10) == 0) {
      h = FloatHistogram();
      h.sum = model::StaleNaN();
      stale_seen = true;
    }
    enc.Append(&buf, t, h);
    want.push_back({t, Expected(h, static_cast<size_t>(i), gauge)});
    t = WrapAdd(t, *rc::gen::element<int64_t>(15000, 1, 0x7fffffffffff, *rc::gen::arbitrary<int64_t>()));
  }
  HistogramChunkIterator it(kind, buf.view());
  for (const Sample& w : want) {
    RC_ASSERT(it.Next() == storage::ValueType::kHistogram);
    RC_ASSERT(it.AtT() == w.t);
    RC_ASSERT(Identical(it.AtHistogram(), w.h));
  }
  RC_ASSERT(it.Next() == storage::ValueType::kNone);
  RC_ASSERT(it.Err().ok());
}

}  // namespace
}  // namespace promref::tsdb
