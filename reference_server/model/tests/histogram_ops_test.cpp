#include "model/histogram_ops.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/histogram_buckets.h"
#include "model/tests/histogram_generators.h"

namespace promref::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using Spans = std::vector<HistogramSpan>;
using Counts = std::vector<double>;

FloatHistogram Exp(int32_t schema, Spans pos_spans, Counts pos, Spans neg_spans = {}, Counts neg = {}) {
  FloatHistogram h;
  h.schema = schema;
  h.positive_spans = std::move(pos_spans);
  h.positive_buckets = std::move(pos);
  h.negative_spans = std::move(neg_spans);
  h.negative_buckets = std::move(neg);
  for (double v : h.positive_buckets) h.count += v;
  for (double v : h.negative_buckets) h.count += v;
  return h;
}

FloatHistogram Custom(std::vector<double> bounds, Spans spans, Counts counts) {
  FloatHistogram h = Exp(kCustomBucketsSchema, std::move(spans), std::move(counts));
  h.custom_values = std::move(bounds);
  return h;
}

uint64_t Bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

// ---------------------------------------------------------------------------------------------
// Add and Sub

TEST(HistogramOpsAdd, ReducesTheFinerSchemaByMergingBuckets) {
  // Schema 1 buckets 0..3 land in schema 0 buckets 0, 1, 1, 2 (index i goes to ((i-1)>>1)+1).
  FloatHistogram h = Exp(1, {{0, 4}}, {1, 2, 3, 4});
  h.sum = 7;
  FloatHistogram other = Exp(0, {{1, 1}}, {10});
  other.sum = 1;
  const HistogramOpResult r = HistogramAdd(&h, other);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.positive_spans, (Spans{{0, 3}}));
  EXPECT_EQ(h.positive_buckets, (Counts{1, 15, 4}));
  EXPECT_EQ(h.count, 20);
  EXPECT_EQ(h.sum, 8);
}

TEST(HistogramOpsAdd, ReducesTheOtherSideWithoutTouchingIt) {
  FloatHistogram h = Exp(0, {{1, 1}}, {10});
  const FloatHistogram other = Exp(1, {{0, 4}}, {1, 2, 3, 4});
  const FloatHistogram other_before = other;
  ASSERT_TRUE(HistogramAdd(&h, other).ok());
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.positive_spans, (Spans{{0, 3}}));
  EXPECT_EQ(h.positive_buckets, (Counts{1, 15, 4}));
  EXPECT_EQ(other, other_before);
}

TEST(HistogramOpsAdd, InsertsMissingBucketsExtendingNeighbouringSpans) {
  // Bucket 2 extends the span ending at 1; bucket 6 extends the span starting at 7; bucket 10 is
  // a span of its own. Spans are not merged (Compact does that).
  FloatHistogram h = Exp(0, {{0, 2}, {5, 2}}, {1, 1, 1, 1});
  const FloatHistogram other = Exp(0, {{2, 1}, {3, 1}, {3, 1}}, {5, 6, 7});
  ASSERT_TRUE(HistogramAdd(&h, other).ok());
  EXPECT_EQ(h.positive_spans, (Spans{{0, 3}, {3, 3}, {1, 1}}));
  EXPECT_EQ(h.positive_buckets, (Counts{1, 1, 5, 6, 1, 1, 7}));
}

TEST(HistogramOpsAdd, ReconcilesZeroThresholdsMovingBucketsIntoTheZeroBucket) {
  // h's bucket (0.5,1] lies inside other's zero bucket [-1,1]: it moves into h's zero count.
  FloatHistogram h = Exp(0, {{0, 2}}, {3, 4});
  h.zero_threshold = 0.5;
  h.zero_count = 2;
  FloatHistogram other = Exp(0, {{1, 1}}, {1});
  other.zero_threshold = 1;
  other.zero_count = 5;
  ASSERT_TRUE(HistogramAdd(&h, other).ok());
  EXPECT_EQ(h.zero_threshold, 1);
  EXPECT_EQ(h.zero_count, 2 + 3 + 5);
  EXPECT_EQ(h.positive_spans, (Spans{{1, 1}}));
  EXPECT_EQ(h.positive_buckets, (Counts{5}));
}

TEST(HistogramOpsAdd, WidensTheZeroBucketPastAPopulatedBucketItWouldCut) {
  // other's threshold 1.5 cuts h's populated bucket (1,2]: the threshold becomes 2, so h's
  // (0.5,1] and (1,2] and other's (1,2] all go into the zero bucket.
  FloatHistogram h = Exp(0, {{0, 3}}, {3, 4, 7});
  FloatHistogram other = Exp(0, {{1, 2}}, {2, 6});
  other.zero_threshold = 1.5;
  other.zero_count = 1;
  ASSERT_TRUE(HistogramAdd(&h, other).ok());
  EXPECT_EQ(h.zero_threshold, 2);
  EXPECT_EQ(h.zero_count, (3 + 4) + (1 + 2));
  EXPECT_EQ(h.positive_spans, (Spans{{2, 1}}));
  EXPECT_EQ(h.positive_buckets, (Counts{13}));
}

TEST(HistogramOpsAdd, IntersectsMismatchedCustomBounds) {
  // h's buckets (-Inf,1] (1,2] (2,5] (5,10] (10,+Inf) map onto the common bounds 1, 5, 10 as
  // buckets 0, 1, 1, 2, 3.
  FloatHistogram h = Custom({1, 2, 5, 10}, {{0, 5}}, {1, 2, 3, 4, 5});
  const FloatHistogram other = Custom({1, 5, 10}, {{0, 4}}, {10, 20, 30, 40});
  const HistogramOpResult r = HistogramAdd(&h, other);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.nhcb_bounds_reconciled);
  EXPECT_EQ(h.custom_values, (std::vector<double>{1, 5, 10}));
  EXPECT_EQ(h.positive_spans, (Spans{{0, 4}}));
  EXPECT_EQ(h.positive_buckets, (Counts{11, 25, 34, 45}));
  EXPECT_EQ(h.count, 15 + 100);
}

TEST(HistogramOpsAdd, MatchingCustomBoundsAreNotReconciled) {
  FloatHistogram h = Custom({1, 2}, {{0, 1}}, {1});
  const HistogramOpResult r = HistogramAdd(&h, Custom({1, 2}, {{2, 1}}, {4}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.nhcb_bounds_reconciled);
  EXPECT_EQ(h.positive_spans, (Spans{{0, 1}, {1, 1}}));
  EXPECT_EQ(h.positive_buckets, (Counts{1, 4}));
}

TEST(HistogramOpsSub, IntersectsMismatchedCustomBounds) {
  FloatHistogram h = Custom({1, 2, 5, 10}, {{0, 5}}, {1, 2, 3, 4, 5});
  const HistogramOpResult r = HistogramSub(&h, Custom({1, 5, 10}, {{0, 4}}, {10, 20, 30, 40}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.nhcb_bounds_reconciled);
  EXPECT_EQ(h.positive_buckets, (Counts{-9, -15, -26, -35}));
}

TEST(HistogramOpsSub, SubtractsBucketsAndLeavesNegativeZeroForNewEmptyOnes) {
  FloatHistogram h = Exp(0, {{0, 1}}, {5});
  h.sum = 10;
  FloatHistogram other = Exp(0, {{0, 2}}, {2, 0});
  other.sum = 4;
  ASSERT_TRUE(HistogramSub(&h, other).ok());
  EXPECT_EQ(h.positive_spans, (Spans{{0, 2}}));
  ASSERT_EQ(h.positive_buckets.size(), 2U);
  EXPECT_EQ(h.positive_buckets[0], 3);
  EXPECT_EQ(Bits(h.positive_buckets[1]), Bits(-0.0));  // a bucket only other has: 0 * -1
  EXPECT_EQ(h.count, 3);
  EXPECT_EQ(h.sum, 6);
}

TEST(HistogramOpsAdd, CounterResetHints) {
  struct Case {
    CounterResetHint h, other, want;
    bool collision;
  };
  using H = CounterResetHint;
  const Case cases[] = {
      {H::kCounterReset, H::kNotCounterReset, H::kUnknown, true},
      {H::kNotCounterReset, H::kCounterReset, H::kUnknown, true},
      {H::kCounterReset, H::kCounterReset, H::kCounterReset, false},
      {H::kGauge, H::kCounterReset, H::kGauge, false},
      {H::kNotCounterReset, H::kGauge, H::kGauge, false},
      {H::kUnknown, H::kCounterReset, H::kUnknown, false},
      {H::kNotCounterReset, H::kUnknown, H::kUnknown, false},
  };
  for (const Case& c : cases) {
    FloatHistogram h = Exp(0, {}, {});
    h.counter_reset_hint = c.h;
    FloatHistogram other = Exp(0, {}, {});
    other.counter_reset_hint = c.other;
    FloatHistogram sub = h;
    const HistogramOpResult r = HistogramAdd(&h, other);
    EXPECT_EQ(h.counter_reset_hint, c.want) << static_cast<int>(c.h) << "+" << static_cast<int>(c.other);
    EXPECT_EQ(r.counter_reset_collision, c.collision)
        << static_cast<int>(c.h) << "+" << static_cast<int>(c.other);
    const HistogramOpResult rs = HistogramSub(&sub, other);
    EXPECT_EQ(sub.counter_reset_hint, c.want);
    EXPECT_EQ(rs.counter_reset_collision, c.collision);
  }
}

TEST(HistogramOpsAdd, RefusesMixedSchemasLeavingTheReceiverUnchanged) {
  FloatHistogram h = Exp(0, {{0, 1}}, {1});
  const FloatHistogram before = h;
  const HistogramOpResult r = HistogramAdd(&h, Custom({1}, {{0, 1}}, {1}));
  EXPECT_EQ(r.error, HistogramOpError::kMixedSchemas);
  EXPECT_EQ(h, before);
  std::optional<FloatHistogram> c;
  EXPECT_EQ(HistogramKahanAdd(&h, Custom({1}, {{0, 1}}, {1}), &c).error, HistogramOpError::kMixedSchemas);
  EXPECT_EQ(h, before);
}

TEST(HistogramOpsAdd, RefusesToReduceAnInvalidLayoutLeavingTheReceiverUnchanged) {
  FloatHistogram h = Exp(0, {{0, 1}}, {1});
  h.zero_threshold = 0.5;  // would otherwise be reconciled with other's
  const FloatHistogram before = h;
  const FloatHistogram bad = Exp(2, {{0, 3}}, {1, 2});  // spans need 3 buckets
  EXPECT_EQ(HistogramAdd(&h, bad).error, HistogramOpError::kInvalidLayout);
  EXPECT_EQ(HistogramSub(&h, bad).error, HistogramOpError::kInvalidLayout);
  EXPECT_EQ(h, before);
  // The same schema needs no reduction, so the layout is not checked.
  FloatHistogram same = Exp(0, {{0, 1}}, {1});
  EXPECT_TRUE(HistogramAdd(&same, Exp(0, {{0, 2}}, {1})).ok());
}

TEST(HistogramOpsAdd, AddingAHistogramToItself) {
  FloatHistogram h = Exp(0, {{0, 2}}, {1, 2});
  ASSERT_TRUE(HistogramAdd(&h, h).ok());
  EXPECT_EQ(h.positive_buckets, (Counts{2, 4}));
  EXPECT_EQ(h.count, 6);
}

// ---------------------------------------------------------------------------------------------
// KahanAdd

TEST(HistogramOpsKahanAdd, CompensationRecoversWhatNaiveSummationLoses) {
  // 1e16 + 1 rounds back to 1e16 (the spacing of doubles there is 2), so naive summation never
  // moves; the compensation collects the ones.
  FloatHistogram start = Exp(0, {{0, 1}}, {1e16});
  start.zero_count = 1e16;
  start.count = 1e16;
  start.sum = 1e16;
  FloatHistogram one = Exp(0, {{0, 1}}, {1});
  one.zero_count = 1;
  one.count = 1;
  one.sum = 1;

  FloatHistogram naive = start;
  FloatHistogram kahan = start;
  std::optional<FloatHistogram> c;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(HistogramAdd(&naive, one).ok());
    ASSERT_TRUE(HistogramKahanAdd(&kahan, one, &c).ok());
  }
  EXPECT_EQ(naive.count, 1e16);
  EXPECT_EQ(naive.positive_buckets[0], 1e16);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->count, 10);
  EXPECT_EQ(c->positive_buckets, (Counts{10}));
  ASSERT_TRUE(HistogramAdd(&kahan, *c).ok());
  EXPECT_EQ(kahan.count, 1e16 + 10);
  EXPECT_EQ(kahan.sum, 1e16 + 10);
  EXPECT_EQ(kahan.zero_count, 1e16 + 10);
  EXPECT_EQ(kahan.positive_buckets, (Counts{1e16 + 10}));
}

TEST(HistogramOpsKahanAdd, CompensationFollowsTheBucketLayout) {
  FloatHistogram h = Exp(1, {{0, 2}}, {1, 1});
  std::optional<FloatHistogram> c;
  ASSERT_TRUE(HistogramKahanAdd(&h, Exp(0, {{3, 1}}, {4}), &c).ok());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(c->schema, 0);
  EXPECT_EQ(h.positive_spans, (Spans{{0, 2}, {1, 1}}));
  EXPECT_EQ(h.positive_buckets, (Counts{1, 1, 4}));
  EXPECT_EQ(c->positive_spans, h.positive_spans);
  EXPECT_EQ(c->positive_buckets, (Counts{0, 0, 0}));
}

TEST(HistogramOpsKahanAdd, IntersectsMismatchedCustomBounds) {
  FloatHistogram h = Custom({1, 2, 5, 10}, {{0, 5}}, {1, 2, 3, 4, 5});
  std::optional<FloatHistogram> c;
  const HistogramOpResult r = HistogramKahanAdd(&h, Custom({1, 5, 10}, {{0, 4}}, {10, 20, 30, 40}), &c);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.nhcb_bounds_reconciled);
  EXPECT_EQ(h.positive_buckets, (Counts{11, 25, 34, 45}));
  EXPECT_EQ(c->custom_values, (std::vector<double>{1, 5, 10}));
  EXPECT_EQ(c->positive_buckets.size(), 4U);
}

// ---------------------------------------------------------------------------------------------
// Mul and Div

TEST(HistogramOpsMul, ScalesEverythingAndANegativeFactorMakesAGauge) {
  FloatHistogram h = Exp(0, {{0, 2}}, {1, 2}, {{0, 1}}, {3});
  h.zero_count = 4;
  h.sum = 5;
  h.counter_reset_hint = CounterResetHint::kNotCounterReset;
  HistogramMul(&h, 2);
  EXPECT_EQ(h.positive_buckets, (Counts{2, 4}));
  EXPECT_EQ(h.negative_buckets, (Counts{6}));
  EXPECT_EQ(h.zero_count, 8);
  EXPECT_EQ(h.count, 12);
  EXPECT_EQ(h.sum, 10);
  EXPECT_EQ(h.counter_reset_hint, CounterResetHint::kNotCounterReset);
  HistogramMul(&h, -0.5);
  EXPECT_EQ(h.positive_buckets, (Counts{-1, -2}));
  EXPECT_EQ(h.counter_reset_hint, CounterResetHint::kGauge);
}

TEST(HistogramOpsDiv, ByZeroMakesTotalsInfiniteOrNaNAndDropsTheBuckets) {
  FloatHistogram h = Exp(0, {{0, 2}}, {1, 2}, {{0, 1}}, {3});
  h.zero_count = 0;
  h.sum = -5;
  h.counter_reset_hint = CounterResetHint::kCounterReset;
  HistogramDiv(&h, 0);
  EXPECT_EQ(h.count, kInf);
  EXPECT_EQ(h.sum, -kInf);
  EXPECT_TRUE(std::isnan(h.zero_count));  // 0/0
  EXPECT_TRUE(h.positive_spans.empty());
  EXPECT_TRUE(h.positive_buckets.empty());
  EXPECT_TRUE(h.negative_spans.empty());
  EXPECT_TRUE(h.negative_buckets.empty());
  EXPECT_EQ(h.counter_reset_hint, CounterResetHint::kCounterReset);
}

TEST(HistogramOpsDiv, ByANegativeNumberMakesAGauge) {
  FloatHistogram h = Exp(0, {{0, 2}}, {1, 2});
  HistogramDiv(&h, -2);
  EXPECT_EQ(h.positive_buckets, (Counts{-0.5, -1}));
  EXPECT_EQ(h.count, -1.5);
  EXPECT_EQ(h.counter_reset_hint, CounterResetHint::kGauge);
}

// ---------------------------------------------------------------------------------------------
// Compact

TEST(HistogramOpsCompact, DropsEmptyBucketsAtSpanEdgesAndLongRunsInside) {
  // Buckets 0..2 and 5..6; only 1 and 5 are populated, three indexes apart.
  const FloatHistogram h = Exp(0, {{0, 3}, {2, 2}}, {0, 1, 0, 2, 0});
  const FloatHistogram c0 = HistogramCompact(h, 0);
  EXPECT_EQ(c0.positive_spans, (Spans{{1, 1}, {3, 1}}));
  EXPECT_EQ(c0.positive_buckets, (Counts{1, 2}));
  const FloatHistogram c2 = HistogramCompact(h, 2);
  EXPECT_EQ(c2.positive_spans, (Spans{{1, 1}, {3, 1}}));
  // With up to three empty buckets allowed, the two spans become one.
  const FloatHistogram c3 = HistogramCompact(h, 3);
  EXPECT_EQ(c3.positive_spans, (Spans{{1, 5}}));
  EXPECT_EQ(c3.positive_buckets, (Counts{1, 0, 0, 0, 2}));
}

TEST(HistogramOpsCompact, MergesTouchingSpansAndDropsEmptySpans) {
  const FloatHistogram h = Exp(0, {{-2, 2}, {0, 0}, {0, 1}, {3, 0}, {1, 1}}, {1, 2, 3, 4});
  const FloatHistogram c = HistogramCompact(h, 0);
  EXPECT_EQ(c.positive_spans, (Spans{{-2, 3}, {4, 1}}));
  EXPECT_EQ(c.positive_buckets, (Counts{1, 2, 3, 4}));
}

TEST(HistogramOpsCompact, KeepsAShortRunOfEmptyBucketsInsideASpanAsItIs) {
  const FloatHistogram h = Exp(0, {{0, 3}}, {1, -0.0, 2});
  const FloatHistogram kept = HistogramCompact(h, 1);
  EXPECT_EQ(kept.positive_spans, (Spans{{0, 3}}));
  EXPECT_EQ(Bits(kept.positive_buckets[1]), Bits(-0.0));
  const FloatHistogram cut = HistogramCompact(h, 0);
  EXPECT_EQ(cut.positive_spans, (Spans{{0, 1}, {1, 1}}));
}

TEST(HistogramOpsCompact, AllEmptyLeavesNoSpans) {
  const FloatHistogram c = HistogramCompact(Exp(0, {{0, 2}}, {0, 0}, {{1, 1}}, {0}), 5);
  EXPECT_TRUE(c.positive_spans.empty());
  EXPECT_TRUE(c.positive_buckets.empty());
  EXPECT_TRUE(c.negative_spans.empty());
}

// ---------------------------------------------------------------------------------------------
// CopyToSchema

TEST(HistogramOpsCopyToSchema, MergesBuckets) {
  FloatHistogram h = Exp(1, {{0, 4}}, {1, 2, 3, 4}, {{-1, 2}}, {5, 6});
  h.zero_count = 3;
  h.zero_threshold = 0.25;
  const FloatHistogram to0 = HistogramCopyToSchema(h, 0);
  EXPECT_EQ(to0.schema, 0);
  EXPECT_EQ(to0.positive_spans, (Spans{{0, 3}}));
  EXPECT_EQ(to0.positive_buckets, (Counts{1, 5, 4}));
  EXPECT_EQ(to0.negative_spans, (Spans{{0, 1}}));  // -1 and 0 both go to 0
  EXPECT_EQ(to0.negative_buckets, (Counts{11}));
  EXPECT_EQ(to0.zero_count, 3);
  EXPECT_EQ(to0.zero_threshold, 0.25);
  const FloatHistogram to_minus1 = HistogramCopyToSchema(h, -1);
  EXPECT_EQ(to_minus1.positive_spans, (Spans{{0, 2}}));
  EXPECT_EQ(to_minus1.positive_buckets, (Counts{1, 9}));
}

TEST(HistogramOpsCopyToSchema, ReportsAnInvalidLayoutWithPrometheusWords) {
  const auto too_few = HistogramTryCopyToSchema(Exp(2, {{0, 3}}, {1, 2}), 0);
  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.error().message(),
            "have 2 buckets but spans need more: histogram spans specify different number of buckets than "
            "provided");
  const auto too_many = HistogramTryCopyToSchema(Exp(2, {{0, 1}}, {1, 2}), 0);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().message(),
            "spans need 1 buckets, have 2 buckets: histogram spans specify different number of buckets than "
            "provided");
  const auto negative = HistogramTryCopyToSchema(Exp(2, {{0, 1}, {-2, 1}}, {1, 2}), 0);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().message(),
            "span number 2 with offset -2: histogram has a span whose offset is negative");
  EXPECT_TRUE(HistogramTryCopyToSchema(Exp(2, {{0, 2}}, {1, 2}), 0).ok());
}

// ---------------------------------------------------------------------------------------------
// DetectReset

TEST(HistogramOpsDetectReset, HintDecidesWhenItKnows) {
  FloatHistogram prev = Exp(0, {{0, 1}}, {5});
  FloatHistogram curr = Exp(0, {{0, 1}}, {1});  // lower: a reset by the numbers
  curr.counter_reset_hint = CounterResetHint::kNotCounterReset;
  EXPECT_FALSE(HistogramDetectReset(curr, prev));
  FloatHistogram higher = Exp(0, {{0, 1}}, {9});
  higher.counter_reset_hint = CounterResetHint::kCounterReset;
  EXPECT_TRUE(HistogramDetectReset(higher, prev));
  curr.counter_reset_hint = CounterResetHint::kGauge;  // treated as unknown
  EXPECT_TRUE(HistogramDetectReset(curr, prev));
}

TEST(HistogramOpsDetectReset, CountsAndBuckets) {
  const FloatHistogram prev = Exp(0, {{0, 2}}, {3, 0});
  EXPECT_FALSE(HistogramDetectReset(Exp(0, {{0, 2}}, {3, 1}), prev));
  EXPECT_FALSE(HistogramDetectReset(Exp(0, {{0, 1}}, {3}), prev));  // the lost bucket was empty
  FloatHistogram lower_count = Exp(0, {{0, 2}}, {3, 1});
  lower_count.count = 2;
  EXPECT_TRUE(HistogramDetectReset(lower_count, prev));
  FloatHistogram bucket_down = Exp(0, {{0, 2}}, {2, 9});
  EXPECT_TRUE(HistogramDetectReset(bucket_down, prev));
  FloatHistogram moved = Exp(0, {{1, 1}}, {9});  // populated bucket 0 lost
  EXPECT_TRUE(HistogramDetectReset(moved, prev));
}

TEST(HistogramOpsDetectReset, Schemas) {
  const FloatHistogram prev = Exp(1, {{0, 4}}, {1, 2, 3, 4});
  EXPECT_FALSE(HistogramDetectReset(Exp(0, {{0, 3}}, {1, 5, 4}), prev));  // merged the same
  EXPECT_TRUE(HistogramDetectReset(Exp(0, {{0, 3}}, {1, 4, 5}), prev));   // merged bucket 1 went down
  EXPECT_TRUE(HistogramDetectReset(Exp(2, {{0, 1}}, {100}), prev));       // finer schema
}

TEST(HistogramOpsDetectReset, ZeroThresholds) {
  FloatHistogram prev = Exp(0, {{0, 3}}, {3, 4, 7});  // (0.5,1] (1,2] (2,4]
  prev.zero_count = 1;
  prev.count = 15;
  FloatHistogram wider = Exp(0, {{1, 2}}, {4, 7});
  wider.zero_threshold = 1;
  wider.zero_count = 4;  // 1 + the 3 of (0.5,1], which the wider zero bucket now holds
  wider.count = 15;
  EXPECT_FALSE(HistogramDetectReset(wider, prev));
  FloatHistogram lost = Exp(0, {{2, 1}}, {7});
  lost.zero_threshold = 1;
  lost.zero_count = 8;
  lost.count = 15;
  EXPECT_TRUE(HistogramDetectReset(lost, prev));  // (1,2] lost its 4
  wider.zero_count = 3;
  EXPECT_TRUE(HistogramDetectReset(wider, prev));  // zero count 3 < 1 + 3
  FloatHistogram cutting = wider;
  cutting.zero_threshold = 1.5;  // inside the populated (1,2]
  cutting.zero_count = 100;
  EXPECT_TRUE(HistogramDetectReset(cutting, prev));
  FloatHistogram narrower = prev;
  narrower.zero_threshold = 0;
  prev.zero_threshold = 0.25;
  EXPECT_TRUE(HistogramDetectReset(narrower, prev));
}

TEST(HistogramOpsDetectReset, CustomBounds) {
  const FloatHistogram prev = Custom({1, 2, 5}, {{0, 4}}, {1, 2, 3, 4});
  // On the common bounds 1 and 5, prev has 1 | 2+3 | 4.
  EXPECT_FALSE(HistogramDetectReset(Custom({1, 5}, {{0, 3}}, {1, 5, 4}), prev));
  EXPECT_TRUE(HistogramDetectReset(Custom({1, 5}, {{0, 3}}, {1, 4, 5}), prev));
  EXPECT_TRUE(HistogramDetectReset(Custom({1, 2, 5}, {{0, 4}}, {1, 2, 2, 5}), prev));
  EXPECT_TRUE(HistogramDetectReset(Custom({1}, {}, {}), Exp(0, {}, {})));
}

// ---------------------------------------------------------------------------------------------
// Equals

TEST(HistogramOpsEquals, IgnoresEmptySpansButNotSpanBoundaries) {
  const FloatHistogram a = Exp(0, {{0, 2}, {3, 1}}, {1, 2, 3});
  FloatHistogram b = Exp(0, {{0, 2}, {1, 0}, {2, 1}, {7, 0}}, {1, 2, 3});
  b.counter_reset_hint = CounterResetHint::kGauge;  // ignored
  EXPECT_TRUE(HistogramEquals(a, b));
  EXPECT_TRUE(HistogramEquals(b, a));
  const FloatHistogram split = Exp(0, {{0, 1}, {0, 1}, {3, 1}}, {1, 2, 3});
  EXPECT_FALSE(HistogramEquals(a, split));
  const FloatHistogram moved = Exp(0, {{0, 2}, {4, 1}}, {1, 2, 3});
  EXPECT_FALSE(HistogramEquals(a, moved));
}

TEST(HistogramOpsEquals, ComparesFloatsByBits) {
  FloatHistogram a = Exp(0, {{0, 1}}, {1});
  a.sum = std::nan("");
  FloatHistogram b = a;
  EXPECT_TRUE(HistogramEquals(a, b));  // the same NaN
  b.positive_buckets[0] = 1;
  b.count = -0.0;
  a.count = 0.0;
  EXPECT_FALSE(HistogramEquals(a, b));
  b.count = 0.0;
  EXPECT_TRUE(HistogramEquals(a, b));
  b.zero_threshold = 0.5;
  EXPECT_FALSE(HistogramEquals(a, b));
}

TEST(HistogramOpsEquals, CustomBoundsMatter) {
  EXPECT_FALSE(HistogramEquals(Custom({1, 2}, {{0, 1}}, {1}), Custom({1, 3}, {{0, 1}}, {1})));
  EXPECT_TRUE(HistogramEquals(Custom({1, 2}, {{0, 1}}, {1}), Custom({1, 2}, {{0, 1}}, {1})));
}

// ---------------------------------------------------------------------------------------------
// TrimBuckets

TEST(HistogramOpsTrimBuckets, SplitsACustomBucketLinearly) {
  FloatHistogram h = Custom({10, 20}, {{1, 1}}, {10});
  h.sum = 150;
  const FloatHistogram below = HistogramTrimBuckets(h, 15, /*upper_trim=*/true);
  EXPECT_EQ(below.count, 5);
  EXPECT_EQ(below.sum, 5 * 12.5);
  EXPECT_EQ(below.positive_buckets, (Counts{5}));
  const FloatHistogram above = HistogramTrimBuckets(h, 15, /*upper_trim=*/false);
  EXPECT_EQ(above.count, 5);
  EXPECT_EQ(above.sum, 5 * 17.5);
}

TEST(HistogramOpsTrimBuckets, SplitsAnExponentialBucketOnALogScale) {
  // (2,4] with 8 observations cut at 3: log2(3) - 1 of them are below; the sum uses the
  // geometric mean of the surviving part. Expected values are Prometheus' bits.
  FloatHistogram h = Exp(0, {{2, 1}}, {8});
  h.sum = 20;
  const FloatHistogram below = HistogramTrimBuckets(h, 3, true);
  EXPECT_EQ(Bits(below.count), 0x4012b803473f7ad2U);
  EXPECT_EQ(Bits(below.sum), 0x4026ecfe3c4e07a8U);
  const FloatHistogram above = HistogramTrimBuckets(h, 3, false);
  EXPECT_EQ(Bits(above.count), 0x400a8ff971810a5cU);
  EXPECT_EQ(Bits(above.sum), 0x402700f3583e8b6cU);
  EXPECT_NEAR(below.count, 8 * (std::log2(3.0) - 1), 1e-12);
}

TEST(HistogramOpsTrimBuckets, DropsBucketsOnTheFarSideAndCompacts) {
  FloatHistogram h = Exp(0, {{0, 3}}, {1, 2, 4});  // (0.5,1] (1,2] (2,4]
  h.sum = 20;
  const FloatHistogram t = HistogramTrimBuckets(h, 2, true);
  EXPECT_EQ(t.positive_spans, (Spans{{0, 2}}));
  EXPECT_EQ(t.positive_buckets, (Counts{1, 2}));
  EXPECT_EQ(t.count, 3);
  EXPECT_EQ(t.sum, std::sqrt(0.5) * 1 + std::sqrt(2.0) * 2);
}

TEST(HistogramOpsTrimBuckets, NothingTrimmedKeepsTotals) {
  FloatHistogram h = Exp(0, {{0, 2}}, {1, 2});
  h.sum = 123;
  const FloatHistogram t = HistogramTrimBuckets(h, 100, true);
  EXPECT_EQ(t.sum, 123);
  EXPECT_EQ(t.count, 3);
}

TEST(HistogramOpsTrimBuckets, ZeroBucketIsSplitLinearly) {
  FloatHistogram h = Exp(0, {{0, 1}}, {2});  // positive only: the zero bucket counts as [0, 1]
  h.zero_threshold = 1;
  h.zero_count = 4;
  const FloatHistogram t = HistogramTrimBuckets(h, 0.25, true);
  EXPECT_EQ(t.zero_count, 1);
  EXPECT_TRUE(t.positive_buckets.empty());
  EXPECT_EQ(t.count, 1);
  EXPECT_EQ(t.sum, 0.125);
}

// ---------------------------------------------------------------------------------------------
// Validate

TEST(HistogramOpsValidate, AcceptsValidHistograms) {
  EXPECT_TRUE(HistogramValidate(Exp(3, {{-2, 2}, {1, 1}}, {1, 2, 3}, {{0, 1}}, {4})).ok());
  EXPECT_TRUE(HistogramValidate(Custom({1, 2}, {{0, 3}}, {1, 2, 3})).ok());
}

TEST(HistogramOpsValidate, ErrorsAreWordedAsPrometheusWordsThem) {
  struct Case {
    FloatHistogram h;
    std::string want;
  };
  FloatHistogram neg_zero = Exp(0, {}, {});
  neg_zero.zero_count = -0.5;
  FloatHistogram neg_count = Exp(0, {}, {});
  neg_count.count = -1e21;
  FloatHistogram neg_bucket = Exp(0, {{0, 2}}, {1, -2.5});
  neg_bucket.count = 0;  // so that the count, checked first, passes
  FloatHistogram exp_bounds = Exp(0, {}, {});
  exp_bounds.custom_values = {1};
  FloatHistogram custom_zero_count = Custom({1}, {}, {});
  custom_zero_count.zero_count = 1;
  FloatHistogram custom_threshold = Custom({1}, {}, {});
  custom_threshold.zero_threshold = 0.001;
  FloatHistogram custom_neg_spans = Custom({1}, {}, {});
  custom_neg_spans.negative_spans = {{0, 0}};
  FloatHistogram custom_neg_buckets = Custom({1}, {}, {});
  custom_neg_buckets.negative_buckets = {1};
  const std::string mismatch = "histogram spans specify different number of buckets than provided";
  const std::string negative_bucket = "histogram has a bucket whose observation count is negative";
  const Case cases[] = {
      {Exp(0, {{0, 3}}, {1, 2}), "positive side: spans need 3 buckets, have 2 buckets: " + mismatch},
      {Exp(0, {}, {}, {{0, 1}, {-1, 1}}, {1, 2}),
       "negative side: span number 2 with offset -1: histogram has a span whose offset is negative"},
      {Exp(0, {}, {}, {{0, 2}}, {1, -1}),
       "negative side: bucket number 2 has observation count of -1: " + negative_bucket},
      {neg_zero, "zero bucket has observation count of -0.5: " + negative_bucket},
      {neg_count, "observation count is  -1e+21: histogram's observation count is negative"},
      {neg_bucket, "positive side: bucket number 2 has observation count of -2.5: " + negative_bucket},
      {exp_bounds, "histogram with exponential schema must not have custom bounds"},
      {Exp(9, {}, {}),
       "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for "
       "custom "
       "buckets, got schema 9"},
      {Exp(0, {{std::numeric_limits<int32_t>::min(), 1}}, {1}),
       "positive side: span number 1 starts at bucket index -2147483648: histogram has a span whose bucket "
       "index is "
       "out of range"},
      {Exp(0, {{std::numeric_limits<int32_t>::max(), 2}}, {1, 1}),
       "positive side: span number 1 ends at bucket index 2147483648: histogram has a span whose bucket "
       "index is out "
       "of range"},
      {Custom({1, 1}, {}, {}),
       "custom buckets: previous bound is 1.000000 and current is 1.000000: histogram custom bounds must be "
       "in "
       "strictly increasing order"},
      {Custom({-1.5, -2.25}, {}, {}),
       "custom buckets: previous bound is -1.500000 and current is -2.250000: histogram custom bounds must "
       "be in "
       "strictly increasing order"},
      {Custom({1, std::nan("")}, {}, {}), "custom buckets: histogram custom bounds must not be NaN"},
      {Custom({1, kInf}, {}, {}),
       "custom buckets: last +Inf bound must not be explicitly defined: histogram custom bounds must be "
       "finite"},
      {Custom({1}, {{0, 3}}, {1, 2, 3}),
       "custom buckets: only 1 custom bounds defined which is insufficient to cover total span length of 3: "
       "histogram custom bounds are too few"},
      {Custom({1, 2}, {{-1, 1}}, {1}),
       "custom buckets: span number 1 with offset -1: histogram has a span whose offset is negative"},
      {Custom({1}, {{0, 2}}, {1}), "custom buckets: spans need 2 buckets, have 1 buckets: " + mismatch},
      {custom_zero_count, "custom buckets: must have zero count of 0"},
      {custom_threshold, "custom buckets: must have zero threshold of 0"},
      {custom_neg_spans, "custom buckets: must not have negative spans"},
      {custom_neg_buckets, "custom buckets: must not have negative buckets"},
  };
  for (const Case& c : cases) {
    const Status st = HistogramValidate(c.h);
    ASSERT_FALSE(st.ok()) << c.want;
    EXPECT_EQ(st.error().message(), c.want);
    EXPECT_EQ(st.error().kind(), ErrorKind::kBadData);
  }
}

// ---------------------------------------------------------------------------------------------
// Properties

std::vector<HistogramBucket> PopulatedBuckets(const FloatHistogram& h) {
  std::vector<HistogramBucket> out;
  for (const HistogramBucket& b : AllBuckets(h)) {
    if (b.count != 0) out.push_back(b);
  }
  return out;
}

bool SameBuckets(const std::vector<HistogramBucket>& a, const std::vector<HistogramBucket>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].lower != b[i].lower || a[i].upper != b[i].upper || a[i].count != b[i].count) return false;
  }
  return true;
}

RC_GTEST_PROP(HistogramOpsProperty, AddThenSubGivesBackTheOriginalAfterCompact, ()) {
  const FloatHistogram h = *test_gen::ExpHistogram();
  FloatHistogram other = *test_gen::ExpHistogram();
  other.schema = h.schema;
  FloatHistogram round_trip = h;
  RC_ASSERT(HistogramAdd(&round_trip, other).ok());
  RC_ASSERT(HistogramSub(&round_trip, other).ok());
  RC_ASSERT(HistogramValidate(round_trip).ok());
  RC_ASSERT(HistogramEquals(HistogramCompact(round_trip, 0), HistogramCompact(h, 0)));
}

RC_GTEST_PROP(HistogramOpsProperty, CompactKeepsPopulatedBucketsAndTotals, ()) {
  const FloatHistogram h = *test_gen::ExpHistogram();
  const int max_empty = *rc::gen::inRange(0, 5);
  const FloatHistogram c = HistogramCompact(h, max_empty);
  RC_ASSERT(HistogramValidate(c).ok());
  RC_ASSERT(SameBuckets(PopulatedBuckets(c), PopulatedBuckets(h)));
  RC_ASSERT(c.count == h.count);
  RC_ASSERT(c.sum == h.sum);
  RC_ASSERT(c.zero_count == h.zero_count);
  // No span starts or ends with an empty bucket, and no gap between spans is short enough to
  // have been filled.
  size_t k = 0;
  for (size_t s = 0; s < c.positive_spans.size(); ++s) {
    RC_ASSERT(c.positive_spans[s].length > 0U);
    if (s > 0) RC_ASSERT(c.positive_spans[s].offset > max_empty);
    RC_ASSERT(c.positive_buckets[k] != 0);
    k += c.positive_spans[s].length;
    RC_ASSERT(c.positive_buckets[k - 1] != 0);
  }
  // Compacting again changes nothing.
  RC_ASSERT(HistogramCompact(c, max_empty) == c);
}

RC_GTEST_PROP(HistogramOpsProperty, CopyToSchemaKeepsTheTotalBucketCount, ()) {
  const FloatHistogram h = *test_gen::ExpHistogram();
  const int32_t target = *rc::gen::inRange(-4, h.schema + 1);
  const FloatHistogram c = HistogramCopyToSchema(h, target);
  RC_ASSERT(c.schema == target);
  RC_ASSERT(HistogramValidate(c).ok());
  double before = 0;
  double after = 0;
  for (double v : h.positive_buckets) before += v;
  for (double v : h.negative_buckets) before += v;
  for (double v : c.positive_buckets) after += v;
  for (double v : c.negative_buckets) after += v;
  RC_ASSERT(after == before);
  RC_ASSERT(c.count == h.count);
  RC_ASSERT(c.sum == h.sum);
  RC_ASSERT(c.zero_count == h.zero_count);
  RC_ASSERT(c.zero_threshold == h.zero_threshold);
  RC_ASSERT(c.positive_buckets.size() <= h.positive_buckets.size());
}

double BucketTotal(const FloatHistogram& h) {
  double total = 0;
  for (double v : h.positive_buckets) total += v;
  for (double v : h.negative_buckets) total += v;
  return total;
}

RC_GTEST_PROP(HistogramOpsProperty, CopyToSchemaKeepsCountSumAndZeroBucketWithFractionalCounts, ()) {
  // Rate-like counts: merging buckets adds them in a different grouping than the plain total
  // of the original's buckets does, so the two totals agree only up to rounding (each count is
  // non-negative, so the error of either total is at most (n-1) ulps of it: 1e-12 relative is
  // far above that and far below any lost or doubled bucket, whose counts are >= 0.001).
  const int32_t schema = *rc::gen::inRange(-4, 9);
  const FloatHistogram h = *test_gen::HistogramAtSchema(schema);
  const int32_t target = *rc::gen::inRange(-4, schema + 1);
  const FloatHistogram c = HistogramCopyToSchema(h, target);
  RC_ASSERT(c.schema == target);
  RC_ASSERT(HistogramValidate(c).ok());
  // Count, sum and the zero bucket are carried over, not recomputed: exactly equal.
  RC_ASSERT(c.count == h.count);
  RC_ASSERT(c.sum == h.sum);
  RC_ASSERT(c.zero_count == h.zero_count);
  RC_ASSERT(c.zero_threshold == h.zero_threshold);
  const double before = BucketTotal(h);
  const double after = BucketTotal(c);
  RC_ASSERT(std::fabs(after - before) <= 1e-12 * before);
  // The count still covers the buckets and the zero bucket (to the same tolerance).
  RC_ASSERT(std::fabs(c.zero_count + after - c.count) <= 1e-12 * c.count);
}

RC_GTEST_PROP(HistogramOpsProperty, ValidateAcceptsEveryGeneratedHistogram, ()) {
  // Integer counts: both of Prometheus' Validate methods accept them (the count is the
  // buckets' total exactly).
  const FloatHistogram exp = *test_gen::ExpHistogram();
  RC_ASSERT(HistogramValidate(exp, HistogramKind::kFloat).ok());
  RC_ASSERT(HistogramValidate(exp, HistogramKind::kInteger).ok());
  const FloatHistogram any = *test_gen::AnyHistogram();
  RC_ASSERT(HistogramValidate(any, HistogramKind::kFloat).ok());
  RC_ASSERT(HistogramValidate(any, HistogramKind::kInteger).ok());
  // Fractional counts: FloatHistogram.Validate.
  const int32_t schema = *rc::gen::element<int32_t>(-4, 0, 3, 8, kCustomBucketsSchema);
  const std::vector<double> bounds =
      schema == kCustomBucketsSchema ? *test_gen::CustomBounds() : std::vector<double>{};
  RC_ASSERT(HistogramValidate(*test_gen::HistogramAtSchema(schema, bounds)).ok());
}

// h with empty spans inserted before, between and after its spans; each takes part of the
// following span's offset, so every bucket keeps its index.
std::vector<HistogramSpan> WithEmptySpans(const std::vector<HistogramSpan>& spans) {
  std::vector<HistogramSpan> out;
  for (HistogramSpan s : spans) {
    if (*rc::gen::inRange(0, 2) == 0) {
      // Only the first span may start below 0; its empty predecessor then takes all of it.
      const int32_t part = s.offset > 0 ? *rc::gen::inRange(0, s.offset + 1) : s.offset;
      out.push_back({part, 0});
      s.offset -= part;
    }
    out.push_back(s);
  }
  if (*rc::gen::inRange(0, 2) == 0) out.push_back({*rc::gen::inRange(0, 5), 0});
  return out;
}

// Whether Compact(max_empty) has nothing to do: no empty span or bucket, no gap it would fill.
bool IsCompact(const std::vector<HistogramSpan>& spans, const std::vector<double>& buckets, int max_empty) {
  for (size_t s = 0; s < spans.size(); ++s) {
    if (spans[s].length == 0 || (s > 0 && spans[s].offset <= max_empty)) return false;
  }
  for (double v : buckets) {
    if (v == 0) return false;
  }
  return true;
}

RC_GTEST_PROP(HistogramOpsProperty, CompactKeepsEquals, ()) {
  const FloatHistogram h = *test_gen::ExpHistogram();
  const int max_empty = *rc::gen::inRange(0, 5);
  FloatHistogram padded = h;
  padded.positive_spans = WithEmptySpans(h.positive_spans);
  padded.negative_spans = WithEmptySpans(h.negative_spans);
  RC_ASSERT(HistogramValidate(padded).ok());
  // Equals ignores empty spans, and so do the compacted forms.
  RC_ASSERT(HistogramEquals(h, padded));
  const FloatHistogram c = HistogramCompact(h, max_empty);
  RC_ASSERT(HistogramEquals(HistogramCompact(padded, max_empty), c));
  // Compact is idempotent under Equals...
  RC_ASSERT(HistogramEquals(HistogramCompact(c, max_empty), c));
  // ...and the identity (under Equals) on a histogram that is compact already, also when empty
  // spans make it do the work rather than return early.
  if (IsCompact(h.positive_spans, h.positive_buckets, max_empty) &&
      IsCompact(h.negative_spans, h.negative_buckets, max_empty)) {
    RC_ASSERT(HistogramEquals(c, h));
    RC_ASSERT(HistogramEquals(HistogramCompact(padded, max_empty), h));
  }
  // Inside a span, no run of more than max_empty empty buckets.
  for (const auto& [spans, buckets] : {std::pair{&c.positive_spans, &c.positive_buckets},
                                       std::pair{&c.negative_spans, &c.negative_buckets}}) {
    size_t k = 0;
    for (const HistogramSpan& s : *spans) {
      int run = 0;
      for (uint32_t i = 0; i < s.length; ++i, ++k) {
        run = (*buckets)[k] == 0 ? run + 1 : 0;
        RC_ASSERT(run <= max_empty);
      }
    }
  }
}

RC_GTEST_PROP(HistogramOpsProperty, NoResetAgainstItselfOrAfterAddingObservations, ()) {
  const FloatHistogram prev = *test_gen::ExpHistogram();
  RC_ASSERT(!HistogramDetectReset(prev, prev));
  FloatHistogram more = *test_gen::ExpHistogram(prev.schema);
  FloatHistogram curr = prev;
  RC_ASSERT(HistogramAdd(&curr, more).ok());
  curr.counter_reset_hint = CounterResetHint::kUnknown;
  RC_ASSERT(!HistogramDetectReset(curr, prev));
}

RC_GTEST_PROP(HistogramOpsProperty, KahanAddAgreesWithAddOnExactSums, ()) {
  FloatHistogram naive = *test_gen::ExpHistogram();
  FloatHistogram kahan = naive;
  std::optional<FloatHistogram> c;
  const int n = *rc::gen::inRange(1, 4);
  for (int i = 0; i < n; ++i) {
    const FloatHistogram other = *test_gen::ExpHistogram();
    RC_ASSERT(HistogramAdd(&naive, other).ok());
    RC_ASSERT(HistogramKahanAdd(&kahan, other, &c).ok());
  }
  RC_ASSERT(HistogramAdd(&kahan, *c).ok());
  RC_ASSERT(HistogramEquals(HistogramCompact(kahan, 0), HistogramCompact(naive, 0)));
}

}  // namespace
}  // namespace promref::model
