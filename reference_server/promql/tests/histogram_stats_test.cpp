// The statistics over one native histogram behind histogram_quantile, histogram_fraction,
// histogram_avg, histogram_stddev and histogram_stdvar: worked examples derived by hand from
// the definitions (on schemas 0 and -1, custom buckets and the zero bucket, whose bounds are
// exact), the special cases, and properties over random histograms.
#include "promql/internal/histogram_stats.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "model/histogram.h"
#include "model/histogram_buckets.h"
#include "model/sample.h"
#include "model/tests/histogram_generators.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {
namespace {

using model::FloatHistogram;
using model::HistogramSpan;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Buckets `first`, `first`+1, ... with these counts, in one span.
void SetPositive(FloatHistogram* h, int32_t first, std::vector<double> counts) {
  h->positive_spans = {{first, static_cast<uint32_t>(counts.size())}};
  h->positive_buckets = std::move(counts);
}
void SetNegative(FloatHistogram* h, int32_t first, std::vector<double> counts) {
  h->negative_spans = {{first, static_cast<uint32_t>(counts.size())}};
  h->negative_buckets = std::move(counts);
}

// Schema 0: (1,2] holds 4, (2,4] holds 6.
FloatHistogram Schema0() {
  FloatHistogram h;
  h.schema = 0;
  h.count = 10;
  h.sum = 25;
  SetPositive(&h, 1, {4, 6});
  return h;
}

// Custom bounds 1, 2, 4: (-Inf,1], (1,2], (2,4], (4,+Inf] hold 2 each.
FloatHistogram Custom124() {
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.custom_values = {1, 2, 4};
  h.count = 8;
  h.sum = 20;
  SetPositive(&h, 0, {2, 2, 2, 2});
  return h;
}

double Quantile(double q, const FloatHistogram& h) {
  return HistogramQuantile(q, h).value;
}
double Fraction(double lower, double upper, const FloatHistogram& h) {
  return HistogramFraction(lower, upper, h).value;
}

// ---- GoExp2 ----

TEST(GoExp2, ExactOnIntegersAndSpecialValues) {
  for (int k = -1074; k <= 1023; ++k) ASSERT_EQ(GoExp2(k), std::ldexp(1.0, k)) << k;
  EXPECT_EQ(GoExp2(1024), kInf);
  EXPECT_EQ(GoExp2(kInf), kInf);
  EXPECT_EQ(GoExp2(-kInf), 0);
  EXPECT_EQ(GoExp2(-1075), 0);
  EXPECT_TRUE(std::isnan(GoExp2(kNaN)));
}

TEST(GoExp2, WithinAnUlpOfTheTrueValue) {
  for (double x = -60; x < 60; x += 0.0371) {
    const double want = std::exp2(x);
    ASSERT_LE(std::fabs(GoExp2(x) - want), std::fabs(want) * DBL_EPSILON) << x;
  }
}

TEST(GoExp2, AsGoComputesIt) {
  // Go 1.26 amd64 math.Exp2 results (bits), where they are not the correctly rounded value.
  EXPECT_EQ(GoExp2(0.625), 1.542210825407941);
  EXPECT_EQ(std::bit_cast<uint64_t>(GoExp2(-2.9411328125000047)), uint64_t{4593859183727368686});
  EXPECT_EQ(std::bit_cast<uint64_t>(GoExp2(-2.7163671875000226)), uint64_t{4594650054721027186});
}

// ---- histogram_quantile ----

TEST(HistogramQuantile, OutOfRangeAndNaNQuantiles) {
  const FloatHistogram h = Schema0();
  EXPECT_EQ(Quantile(-0.1, h), -kInf);
  EXPECT_EQ(Quantile(-kInf, h), -kInf);
  EXPECT_EQ(Quantile(1.1, h), kInf);
  EXPECT_TRUE(std::isnan(Quantile(kNaN, h)));
  // q out of range wins over an empty histogram.
  FloatHistogram empty;
  EXPECT_EQ(Quantile(-1, empty), -kInf);
  EXPECT_EQ(Quantile(2, empty), kInf);
  EXPECT_TRUE(std::isnan(Quantile(0.5, empty)));
  // Go's math.NaN(), bit for bit.
  EXPECT_EQ(std::bit_cast<uint64_t>(Quantile(0.5, empty)), model::kNormalNaNBits);
  EXPECT_EQ(std::bit_cast<uint64_t>(Fraction(0, 1, empty)), model::kNormalNaNBits);
  const HistogramQuantileResult r = HistogramQuantile(0.5, empty);
  EXPECT_FALSE(r.nan_result || r.nan_skew);
}

TEST(HistogramQuantile, ExponentialInterpolationInSchema0) {
  const FloatHistogram h = Schema0();
  // q=0.25: rank 2.5 of 4 in (1,2]: 2^(0 + 1*0.625), which Go's Exp2 rounds one ulp above
  // the correctly rounded 2^(5/8) = 1.54221082540794082...
  EXPECT_EQ(Quantile(0.25, h), GoExp2(0.625));
  EXPECT_EQ(Quantile(0.25, h), std::bit_cast<double>(uint64_t{4609624319271280860}));
  EXPECT_NEAR(Quantile(0.25, h), 1.5422108254079408, 3e-16);
  // Bucket edges come out exactly.
  EXPECT_EQ(Quantile(0, h), 1);
  EXPECT_EQ(Quantile(0.4, h), 2);
  EXPECT_EQ(Quantile(1, h), 4);
  // q=0.75 is ranked from above: 2.5 below the top of (2,4], i.e. 3.5 of 6 into it:
  // 2^(1 + 3.5/6).
  EXPECT_EQ(Quantile(0.75, h), GoExp2(1 + 3.5 / 6));
  EXPECT_NEAR(Quantile(0.75, h), 2.9966141537533639, 1e-15);
}

TEST(HistogramQuantile, ExponentialInterpolationInSchemaMinus1) {
  // Schema -1: (1,4] and (4,16] hold 4 each. Halfway into (1,4] on a log scale is 2.
  FloatHistogram h;
  h.schema = -1;
  h.count = 8;
  h.sum = 60;
  SetPositive(&h, 1, {4, 4});
  EXPECT_EQ(Quantile(0.25, h), 2);
  // From above: rank 2 below 16 is 2 of 4 into (4,16]: 2^(2 + 2*0.5) = 8.
  EXPECT_EQ(Quantile(0.75, h), 8);
}

TEST(HistogramQuantile, NegativeBucketsAreMirrored) {
  // Schema 0: [-4,-2) holds 6, [-2,-1) holds 4.
  FloatHistogram h;
  h.count = 10;
  h.sum = -25;
  SetNegative(&h, 1, {4, 6});
  EXPECT_EQ(Quantile(0, h), -4);
  EXPECT_EQ(Quantile(0.6, h), -2);
  EXPECT_EQ(Quantile(1, h), -1);
  // Rank 3 is halfway into [-4,-2): -(2^(1 + 1*0.5)).
  EXPECT_EQ(Quantile(0.3, h), -GoExp2(1.5));
  EXPECT_NEAR(Quantile(0.3, h), -std::sqrt(8.0), 1e-15);
  // Schema -1: [-16,-4) and [-4,-1) hold 1 each; q=0.25 is halfway into [-16,-4): -8.
  h.schema = -1;
  h.count = 2;
  SetNegative(&h, 1, {1, 1});
  EXPECT_EQ(Quantile(0.25, h), -8);
  EXPECT_EQ(Quantile(0.75, h), -2);
}

TEST(HistogramQuantile, AllObservationsInTheZeroBucket) {
  FloatHistogram h;
  h.zero_threshold = 1;
  h.zero_count = 10;
  h.count = 10;
  // No other buckets: linear over [-1, 1].
  EXPECT_EQ(Quantile(0.25, h), -0.5);
  EXPECT_EQ(Quantile(0.5, h), 0);
  EXPECT_EQ(Quantile(0.75, h), 0.5);
  EXPECT_EQ(Quantile(0, h), -1);
  EXPECT_EQ(Quantile(1, h), 1);
}

TEST(HistogramQuantile, ZeroBucketBesideOneSignOnly) {
  // Only positive buckets: the zero bucket is [0, 1].
  FloatHistogram h;
  h.zero_threshold = 1;
  h.zero_count = 4;
  h.count = 10;
  SetPositive(&h, 1, {6});  // (1,2]
  EXPECT_EQ(Quantile(0.2, h), 0.5);
  EXPECT_EQ(Quantile(0, h), 0);
  // Only negative buckets: the zero bucket is [-1, 0]; ranked from above, 2.5 of its 4 below 0.
  FloatHistogram n;
  n.zero_threshold = 1;
  n.zero_count = 4;
  n.count = 10;
  SetNegative(&n, 1, {6});  // [-2,-1)
  EXPECT_EQ(Quantile(0.75, n), -0.625);
  EXPECT_EQ(Quantile(1, n), 0);
  // Buckets on both sides: [-1, 1] stays.
  n.positive_spans = {{1, 1}};
  n.positive_buckets = {0};
  EXPECT_EQ(Quantile(0.75, n), -0.25);
}

TEST(HistogramQuantile, BucketOverlappingTheZeroBucketIsClipped) {
  // (0.5,1] with zero threshold 0.75 becomes (0.75,1]; the median is halfway on a log scale.
  FloatHistogram h;
  h.zero_threshold = 0.75;
  h.count = 2;
  SetPositive(&h, 0, {2});
  EXPECT_EQ(Quantile(0.5, h), GoExp2(GoLog2(0.75) + (0 - GoLog2(0.75)) * 0.5));
  EXPECT_NEAR(Quantile(0.5, h), std::sqrt(0.75), 1e-15);
}

TEST(HistogramQuantile, CustomBucketsInterpolateLinearly) {
  const FloatHistogram h = Custom124();
  // The first bucket reaches from 0 as its upper bound is positive.
  EXPECT_EQ(Quantile(0.125, h), 0.5);
  EXPECT_EQ(Quantile(0, h), 0);
  EXPECT_EQ(Quantile(0.25, h), 1);
  EXPECT_EQ(Quantile(0.375, h), 1.5);
  EXPECT_EQ(Quantile(0.3125, h), 1.25);
  EXPECT_EQ(Quantile(0.5, h), 2);
  EXPECT_EQ(Quantile(0.625, h), 3);
  // In the +Inf bucket: its lower bound.
  EXPECT_EQ(Quantile(0.9, h), 4);
  EXPECT_EQ(Quantile(1, h), 4);
}

TEST(HistogramQuantile, CustomBucketsFirstBucketAtOrBelowZero) {
  // Bounds -1, 0, 1: (-Inf,-1] 4, (-1,0] 4, (0,1] 0, (1,+Inf] 0.
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.custom_values = {-1, 0, 1};
  h.count = 8;
  h.sum = -10;
  SetPositive(&h, 0, {4, 4, 0, 0});
  // In the first bucket: its upper bound, whatever q.
  EXPECT_EQ(Quantile(0, h), -1);
  EXPECT_EQ(Quantile(0.25, h), -1);
  EXPECT_EQ(Quantile(0.5, h), -1);
  // (-1,0] is linear.
  EXPECT_EQ(Quantile(0.75, h), -0.5);
  EXPECT_EQ(Quantile(1, h), 0);
  // A first bound of exactly 0.
  h.custom_values = {0, 1};
  SetPositive(&h, 0, {4, 4});
  EXPECT_EQ(Quantile(0.25, h), 0);
  EXPECT_EQ(Quantile(0.75, h), 0.5);
}

TEST(HistogramQuantile, InfinityBucket) {
  // Schema 0 bucket 1025 is (MaxFloat64, +Inf]; from its lower bound the log-scale
  // interpolation goes to +Inf.
  FloatHistogram h;
  h.count = 2;
  h.sum = kInf;
  h.positive_spans = {{1, 1}, {1023, 1}};
  h.positive_buckets = {1, 1};
  EXPECT_EQ(Quantile(1, h), kInf);
  EXPECT_EQ(Quantile(0.75, h), kInf);
  EXPECT_EQ(Quantile(0.25, h), GoExp2(0.5));
  // -Inf observations likewise.
  FloatHistogram n;
  n.count = 1;
  n.sum = -kInf;
  SetNegative(&n, 1025, {1});
  EXPECT_EQ(Quantile(0.25, n), -kInf);
}

TEST(HistogramQuantile, NaNObservations) {
  // The count holds 2 NaN observations the buckets do not: always ranked from below.
  FloatHistogram h;
  h.count = 10;
  h.sum = kNaN;
  SetPositive(&h, 1, {4, 4});  // (1,2], (2,4]
  HistogramQuantileResult r = HistogramQuantile(0.9, h);
  EXPECT_TRUE(std::isnan(r.value));
  EXPECT_TRUE(r.nan_result);
  EXPECT_FALSE(r.nan_skew);
  // Rank 5 is 1 of 4 into (2,4].
  r = HistogramQuantile(0.5, h);
  EXPECT_EQ(r.value, GoExp2(1.25));
  EXPECT_FALSE(r.nan_result);
  EXPECT_TRUE(r.nan_skew);
  r = HistogramQuantile(0.4, h);
  EXPECT_EQ(r.value, 2);
  EXPECT_TRUE(r.nan_skew);
  // A NaN sum from observing +Inf and -Inf: the buckets hold the count, nothing to report.
  h.count = 8;
  r = HistogramQuantile(0.5, h);
  EXPECT_EQ(r.value, 2);
  EXPECT_FALSE(r.nan_result || r.nan_skew);
}

TEST(HistogramQuantile, CountAboveTheBucketsWithoutNaNSum) {
  // The buckets hold 8 of 20: rank 10 from above is never reached; the upper bound of the
  // last bucket visited, (1,2], is the answer.
  FloatHistogram h;
  h.count = 20;
  h.sum = 30;
  SetPositive(&h, 1, {4, 4});
  const HistogramQuantileResult r = HistogramQuantile(0.5, h);
  EXPECT_EQ(r.value, 2);
  EXPECT_FALSE(r.nan_result || r.nan_skew);
  // Ranked from below, (2,4] is the last bucket visited.
  EXPECT_EQ(Quantile(0.45, h), 4);
}

// ---- histogram_fraction ----

TEST(HistogramFraction, SpecialCases) {
  const FloatHistogram h = Schema0();
  EXPECT_TRUE(std::isnan(Fraction(kNaN, 1, h)));
  EXPECT_TRUE(std::isnan(Fraction(0, kNaN, h)));
  EXPECT_EQ(Fraction(3, 3, h), 0);
  EXPECT_EQ(Fraction(3, 2, h), 0);
  EXPECT_TRUE(std::isnan(Fraction(0, 1, FloatHistogram{})));
  EXPECT_TRUE(std::isnan(Fraction(3, 2, FloatHistogram{})));
  EXPECT_EQ(Fraction(-kInf, kInf, h), 1);
  EXPECT_EQ(Fraction(-kInf, 0, h), 0);
  EXPECT_EQ(Fraction(4, kInf, h), 0);
}

TEST(HistogramFraction, ExponentialBuckets) {
  const FloatHistogram h = Schema0();
  // Bucket bounds need no interpolation.
  EXPECT_EQ(Fraction(-kInf, 2, h), 0.4);
  EXPECT_EQ(Fraction(2, kInf, h), 0.6);
  EXPECT_EQ(Fraction(1, 4, h), 1);
  // Schema -1: (1,4] holds 4, (4,16] holds 6. 2 is halfway into (1,4] on a log2 scale, 8
  // halfway into (4,16]: (4 + 3) - 2 of 10.
  FloatHistogram s;
  s.schema = -1;
  s.count = 10;
  s.sum = 60;
  SetPositive(&s, 1, {4, 6});
  EXPECT_EQ(Fraction(2, 8, s), 0.5);
  EXPECT_EQ(Fraction(-kInf, 2, s), 0.2);
  // Negative buckets: [-16,-4) and [-4,-1) hold 1 each; -8 is halfway into [-16,-4).
  FloatHistogram n;
  n.schema = -1;
  n.count = 2;
  SetNegative(&n, 1, {1, 1});
  EXPECT_EQ(Fraction(-kInf, -8, n), 0.25);
  EXPECT_EQ(Fraction(-8, -2, n), 0.5);
}

TEST(HistogramFraction, ZeroBucketIsLinear) {
  FloatHistogram h;
  h.zero_threshold = 1;
  h.zero_count = 10;
  h.count = 10;
  EXPECT_EQ(Fraction(0, kInf, h), 0.5);
  EXPECT_EQ(Fraction(-0.5, 0.5, h), 0.5);
  // Only positive buckets: the zero bucket is [0, 1].
  SetPositive(&h, 1, {10});
  h.count = 20;
  EXPECT_EQ(Fraction(-kInf, 0.25, h), 0.125);
  EXPECT_EQ(Fraction(-1, 0, h), 0);
}

TEST(HistogramFraction, CustomBuckets) {
  const FloatHistogram h = Custom124();
  // 0.5 is halfway into [0,1], 3 halfway into (2,4]: (4 + 1) - 1 of 8.
  EXPECT_EQ(Fraction(0.5, 3, h), 0.5);
  EXPECT_EQ(Fraction(-kInf, 1, h), 0.25);
  // The +Inf bucket is never interpolated: its observations lie above any finite bound.
  EXPECT_EQ(Fraction(5, kInf, h), 0.25);
  EXPECT_EQ(Fraction(-kInf, 5, h), 0.75);
  // Below the first bucket's 0: nothing.
  EXPECT_EQ(Fraction(-kInf, -1, h), 0);
}

TEST(HistogramFraction, CustomBucketsFirstBucketAtOrBelowZero) {
  // Bounds -1, 0, 1: (-Inf,-1] 4, (-1,0] 0, (0,1] 0, (1,+Inf] 4. The first bucket's
  // observations all lie below any bound inside it.
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.custom_values = {-1, 0, 1};
  h.count = 8;
  h.sum = 0;
  SetPositive(&h, 0, {4, 0, 0, 4});
  EXPECT_EQ(Fraction(-kInf, -2, h), 0.5);
  EXPECT_EQ(Fraction(-2, 0.5, h), 0);
  EXPECT_EQ(Fraction(-2, 2, h), 0);
  EXPECT_EQ(Fraction(-kInf, -1, h), 0.5);
  EXPECT_EQ(Fraction(-kInf, kInf, h), 1);
}

TEST(HistogramFraction, NaNObservations) {
  FloatHistogram h;
  h.count = 10;
  h.sum = kNaN;
  SetPositive(&h, 1, {4, 4});
  HistogramFractionResult r = HistogramFraction(-kInf, kInf, h);
  EXPECT_EQ(r.value, 0.8);
  EXPECT_TRUE(r.nan_observations);
  // Also reported when the bounds are found before the last bucket.
  r = HistogramFraction(-kInf, 1.5, h);
  EXPECT_TRUE(r.nan_observations);
  // Early returns report nothing.
  EXPECT_FALSE(HistogramFraction(2, 1, h).nan_observations);
  // A NaN sum with all observations in buckets.
  h.count = 8;
  r = HistogramFraction(-kInf, kInf, h);
  EXPECT_EQ(r.value, 1);
  EXPECT_FALSE(r.nan_observations);
}

// ---- histogram_avg, histogram_stddev, histogram_stdvar ----

TEST(HistogramAvg, SumOverCount) {
  EXPECT_EQ(HistogramAvg(Schema0()), 2.5);
  EXPECT_TRUE(std::isnan(HistogramAvg(FloatHistogram{})));
}

TEST(HistogramStdDev, GeometricMidpointsOfExponentialBuckets) {
  // Schema -1: midpoints of (1,4] and (4,16] are 2 and 8; mean 5.
  FloatHistogram h;
  h.schema = -1;
  h.count = 2;
  h.sum = 10;
  SetPositive(&h, 1, {1, 1});
  EXPECT_EQ(HistogramStdVar(h), 9);
  EXPECT_EQ(HistogramStdDev(h), 3);
  // Negative buckets: [-4,-1) has midpoint -2; with (1,4] and mean 0.
  FloatHistogram n;
  n.schema = -1;
  n.count = 2;
  n.sum = 0;
  SetPositive(&n, 1, {1});
  SetNegative(&n, 1, {1});
  EXPECT_EQ(HistogramStdVar(n), 4);
  EXPECT_EQ(HistogramStdDev(n), 2);
  // Empty buckets do not count.
  SetPositive(&n, 1, {1, 0});
  EXPECT_EQ(HistogramStdVar(n), 4);
}

TEST(HistogramStdDev, ZeroBucketMidpointIsZero) {
  // Zero bucket (midpoint 0) and (1,4] (midpoint 2) hold 2 each; mean 1.
  FloatHistogram h;
  h.schema = -1;
  h.zero_threshold = 1;
  h.zero_count = 2;
  h.count = 4;
  h.sum = 4;
  SetPositive(&h, 1, {2});
  EXPECT_EQ(HistogramStdVar(h), 1);
  EXPECT_EQ(HistogramStdDev(h), 1);
}

TEST(HistogramStdDev, CustomBucketsUseArithmeticMidpoints) {
  // (1,3] and (3,5]: midpoints 2 and 4, mean 3.
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.custom_values = {1, 3, 5};
  h.count = 2;
  h.sum = 6;
  SetPositive(&h, 1, {1, 1});
  EXPECT_EQ(HistogramStdVar(h), 1);
  EXPECT_EQ(HistogramStdDev(h), 1);
  // Observations in the +Inf bucket or the first bucket make it infinite.
  SetPositive(&h, 1, {1, 1, 1});
  h.count = 3;
  EXPECT_EQ(HistogramStdVar(h), kInf);
  SetPositive(&h, 0, {1, 1, 1});
  EXPECT_EQ(HistogramStdVar(h), kInf);
}

TEST(HistogramStdDev, KahanSummation) {
  // Terms 1e16, 1, 1 in bucket order: plain summation would lose both 1s.
  FloatHistogram h;
  h.schema = model::kCustomBucketsSchema;
  h.custom_values = {-1e8 - 1, -1e8 + 1, -2, 0, 2};
  h.count = 3;
  h.sum = 0;
  SetPositive(&h, 1, {1, 0, 1, 1});  // midpoints -1e8, (empty), -1, 1
  EXPECT_EQ(HistogramStdVar(h), (1e16 + 2) / 3);
}

TEST(HistogramStdDev, EmptyHistogramIsNaN) {
  EXPECT_TRUE(std::isnan(HistogramStdVar(FloatHistogram{})));
  EXPECT_TRUE(std::isnan(HistogramStdDev(FloatHistogram{})));
}

// ---- results recorded from Prometheus 3.16 (HistogramQuantile, HistogramFraction and
// histogramVariance run on the same histograms), on schemas whose bounds are not powers of two

TEST(RecordedFromPrometheus, Schema3Quantile) {
  FloatHistogram h;
  h.schema = 3;
  h.count = 30;
  h.sum = 100;
  SetPositive(&h, 5, {10, 15, 5});
  EXPECT_EQ(std::bit_cast<uint64_t>(Quantile(0.3, h)), uint64_t{4609564401049401873});  // 1.528906307503011
  EXPECT_EQ(std::bit_cast<uint64_t>(Quantile(0.8, h)), uint64_t{4610209317007266988});  // 1.6721064165770185
}

TEST(RecordedFromPrometheus, Schema2FractionAcrossTheZeroBucket) {
  FloatHistogram h;
  h.schema = 2;
  h.zero_threshold = 0.25;
  h.zero_count = 3;
  h.count = 20;
  h.sum = -5;
  SetPositive(&h, 1, {5, 2});
  SetNegative(&h, 2, {4, 3, 3});
  EXPECT_EQ(std::bit_cast<uint64_t>(Fraction(-1.7, 1.3, h)),
            uint64_t{4605477585638728701});  // 0.8107254971192784
  EXPECT_EQ(std::bit_cast<uint64_t>(Fraction(-1.7, 0.1, h)),
            uint64_t{4602036080706756061});  // 0.4643208478177863
}

TEST(RecordedFromPrometheus, Schema5StdDev) {
  FloatHistogram h;
  h.schema = 5;
  h.count = 12;
  h.sum = 40;
  h.positive_spans = {{30, 2}, {2, 1}};
  h.positive_buckets = {4, 6, 2};
  EXPECT_EQ(std::bit_cast<uint64_t>(HistogramStdVar(h)),
            uint64_t{4611388147617921291});  // 1.9338593937932866
  EXPECT_EQ(std::bit_cast<uint64_t>(HistogramStdDev(h)),
            uint64_t{4608941672223835719});  // 1.3906327314547455
  EXPECT_EQ(HistogramAvg(h), 40.0 / 12);
}

// ---- properties over random valid histograms ----

// A bound to ask histogram_fraction about: a bucket boundary, a value between boundaries or
// anywhere, or an infinity.
double GenBound(const FloatHistogram& h) {
  const std::vector<model::HistogramBucket> buckets = model::AllBuckets(h);
  switch (*rc::gen::inRange(0, 5)) {
    case 0: return *rc::gen::element(-kInf, kInf);
    case 1:
      if (!buckets.empty()) {
        const auto& b = buckets[*rc::gen::inRange<size_t>(0, buckets.size())];
        return *rc::gen::element(b.lower, b.upper);
      }
      [[fallthrough]];
    case 2:
      if (!buckets.empty()) {
        const auto& b = buckets[*rc::gen::inRange<size_t>(0, buckets.size())];
        const double t = *rc::gen::inRange(1, 100) / 100.0;
        if (std::isfinite(b.lower) && std::isfinite(b.upper)) return b.lower + (b.upper - b.lower) * t;
      }
      [[fallthrough]];
    default: return *rc::gen::inRange(-1000000, 1000000) / 1000.0;
  }
}

// histogram_quantile(q, h) over random q in [0, 1], 0 and 1 included, never decreases in q.
void CheckQuantileMonotoneInQ(const FloatHistogram& h) {
  auto qs = *rc::gen::container<std::vector<double>>(
      rc::gen::oneOf(rc::gen::map(rc::gen::inRange(0, 1001), [](int v) { return v / 1000.0; }),
                     rc::gen::element(0.0, 0.5, 1.0, std::nextafter(0.5, 0.0))));
  qs.push_back(0);
  qs.push_back(1);
  std::sort(qs.begin(), qs.end());
  double prev = -kInf, prev_q = 0;
  for (double q : qs) {
    const HistogramQuantileResult r = HistogramQuantile(q, h);
    RC_ASSERT(!std::isnan(r.value));
    RC_ASSERT(!r.nan_result);
    RC_ASSERT(!r.nan_skew);
    if (prev_q < 0.5 && q >= 0.5) {
      // Below 0.5 the rank is counted from the lowest bucket, from 0.5 on from the highest:
      // the two roundings of the same point may differ in the last bits (as in Prometheus).
      RC_ASSERT(r.value >= prev - std::fabs(prev) * 1e-12);
    } else {
      RC_ASSERT(r.value >= prev);
    }
    prev = r.value;
    prev_q = q;
  }
}

RC_GTEST_PROP(HistogramStatsProperty, QuantileIsMonotoneInQ, ()) {
  const FloatHistogram h = *model::test_gen::AnyHistogram();
  RC_PRE(h.count > 0);
  CheckQuantileMonotoneInQ(h);
}

RC_GTEST_PROP(HistogramStatsProperty, QuantileIsMonotoneInQWithFractionalCounts, ()) {
  // Rate-like counts (not integers), exponential schemas and custom bounds alike.
  const int32_t schema = *rc::gen::oneOf(rc::gen::inRange(-4, 9), rc::gen::just(model::kCustomBucketsSchema));
  const std::vector<double> bounds =
      schema == model::kCustomBucketsSchema ? *model::test_gen::CustomBounds() : std::vector<double>{};
  const FloatHistogram h = *model::test_gen::HistogramAtSchema(schema, bounds);
  RC_PRE(h.count > 0);
  CheckQuantileMonotoneInQ(h);
}

RC_GTEST_PROP(HistogramStatsProperty, FractionOfEverythingIsOne, ()) {
  const FloatHistogram h = *model::test_gen::AnyHistogram();
  RC_PRE(h.count > 0);
  const HistogramFractionResult r = HistogramFraction(-kInf, kInf, h);
  RC_ASSERT(r.value == 1.0);
  RC_ASSERT(!r.nan_observations);
}

RC_GTEST_PROP(HistogramStatsProperty, FractionsAdd, ()) {
  const FloatHistogram h = *model::test_gen::AnyHistogram();
  RC_PRE(h.count > 0);
  std::vector<double> bounds = {GenBound(h), GenBound(h), GenBound(h)};
  std::sort(bounds.begin(), bounds.end());
  const double a = bounds[0], b = bounds[1], c = bounds[2];
  const double ab = Fraction(a, b, h), bc = Fraction(b, c, h), ac = Fraction(a, c, h);
  RC_ASSERT(ab >= 0.0);
  RC_ASSERT(bc >= 0.0);
  RC_ASSERT(std::fabs(ab + bc - ac) <= 1e-12);
}

RC_GTEST_PROP(HistogramStatsProperty, FractionInvertsQuantile, ()) {
  // histogram_fraction(-Inf, histogram_quantile(q)) is q wherever the quantile is
  // interpolated inside a bucket of finite width.
  const FloatHistogram h = *model::test_gen::AnyHistogram();
  RC_PRE(h.count > 0);
  const double q = *rc::gen::inRange(1, 1000) / 1000.0;
  const double v = Quantile(q, h);
  RC_PRE(std::isfinite(v));
  for (const model::HistogramBucket& b : model::AllBuckets(h)) {
    if (b.count > 0 && b.lower < v && v < b.upper && std::isfinite(b.lower) && std::isfinite(b.upper) &&
        b.lower != 0 && b.upper != 0 && !h.UsesCustomBuckets()) {
      RC_ASSERT(std::fabs(Fraction(-kInf, v, h) - q) <= 1e-9);
    }
  }
}

}  // namespace
}  // namespace promref::promql::internal
