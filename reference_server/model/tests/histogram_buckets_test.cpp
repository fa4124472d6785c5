#include "model/histogram_buckets.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace promref::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int32_t kMaxSchema = 8;

// Entry i of schema s of the fraction table: the upper bound of bucket i - 2^s, which is
// 2^(i/2^s - 1) with no power of two applied.
double TableEntry(int32_t schema, int32_t i) {
  return HistogramBucketUpperBound(i - (1 << schema), schema, {});
}

// The correctly rounded 2^(i/2^s - 1), near enough: computed in long double, rounded once.
double Exp2l(int32_t schema, int32_t i) {
  return static_cast<double>(exp2l(-1.0L + static_cast<long double>(i) / (1 << schema)));
}

int64_t UlpDistance(double a, double b) {
  // Positive finite doubles order as their bit patterns.
  return std::llabs(std::bit_cast<int64_t>(a) - std::bit_cast<int64_t>(b));
}

// fixtures/histograms/exponential_bounds.3.x.txt, recorded from Prometheus 3.16 by
// scripts/record-histogram-bounds: table[s][i].
std::vector<std::vector<double>> LoadFixture() {
  const char* dir = std::getenv("PROMCONFORM_SOURCE_DIR");
  const std::string path =
      std::string(dir != nullptr ? dir : ".") + "/fixtures/histograms/exponential_bounds.3.x.txt";
  std::ifstream in(path);
  if (!in) ADD_FAILURE() << "missing " << path << " (scripts/record-histogram-bounds writes it)";
  std::vector<std::vector<double>> table(kMaxSchema + 1);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    int32_t schema = -1, i = -1;
    std::string value;
    fields >> schema >> i >> value;
    if (schema < 0 || schema > kMaxSchema || i != static_cast<int32_t>(table[schema].size()) ||
        value.empty()) {
      ADD_FAILURE() << path << ": unexpected line: " << line;
      continue;
    }
    table[schema].push_back(std::strtod(value.c_str(), nullptr));
  }
  return table;
}

TEST(ExponentialBounds, TableIsTheRecordedOne) {
  const auto fixture = LoadFixture();
  size_t entries = 0;
  for (int32_t s = 0; s <= kMaxSchema; ++s) {
    ASSERT_EQ(fixture[s].size(), size_t{1} << s) << "schema " << s;
    for (int32_t i = 0; i < (1 << s); ++i) {
      EXPECT_EQ(TableEntry(s, i), fixture[s][i]) << "schema " << s << " entry " << i;
      ++entries;
    }
  }
  EXPECT_EQ(entries, 511u);
}

// The recorded values are Prometheus' table, not correctly rounded, but they are still
// 2^(i/2^s - 1): a mis-recorded entry (a wrong index, a truncated digit) fails here.
TEST(ExponentialBounds, WithinFourUlpOfExp2) {
  int differing = 0;
  for (int32_t s = 0; s <= kMaxSchema; ++s) {
    for (int32_t i = 0; i < (1 << s); ++i) {
      const double entry = TableEntry(s, i);
      EXPECT_LE(UlpDistance(entry, Exp2l(s, i)), 4) << "schema " << s << " entry " << i << ": " << entry;
      if (entry != Exp2l(s, i)) ++differing;
    }
  }
  // Why the table is recorded: about two thirds of Prometheus' entries are not exp2's.
  EXPECT_GT(differing, 0);
  EXPECT_EQ(TableEntry(0, 0), 0.5);
}

TEST(ExponentialBounds, SameFractionAcrossSchemas) {
  for (int32_t s = 0; s < kMaxSchema; ++s) {
    for (int32_t i = 0; i < (1 << s); ++i) {
      EXPECT_EQ(TableEntry(s, i), TableEntry(s + 1, 2 * i)) << "schema " << s << " entry " << i;
    }
  }
}

TEST(ExponentialBounds, StrictlyIncreasingPerSchema) {
  for (int32_t s = -4; s <= kMaxSchema; ++s) {
    const int32_t per_octave = s > 0 ? 1 << s : 1;
    double previous = HistogramBucketUpperBound(-3 * per_octave - 1, s, {});
    for (int32_t index = -3 * per_octave; index <= 3 * per_octave; ++index) {
      const double bound = HistogramBucketUpperBound(index, s, {});
      EXPECT_LT(previous, bound) << "schema " << s << " index " << index;
      previous = bound;
    }
  }
  for (int32_t s = 0; s <= kMaxSchema; ++s) {
    for (int32_t i = 1; i < (1 << s); ++i) EXPECT_LT(TableEntry(s, i - 1), TableEntry(s, i));
    EXPECT_LT(TableEntry(s, (1 << s) - 1), 1.0);
  }
}

TEST(HistogramBucketUpperBound, HandCheckedExponentialBounds) {
  // Bucket i of schema 0 is (2^(i-1), 2^i].
  EXPECT_EQ(HistogramBucketUpperBound(-1, 0, {}), 0.5);
  EXPECT_EQ(HistogramBucketUpperBound(0, 0, {}), 1);
  EXPECT_EQ(HistogramBucketUpperBound(1, 0, {}), 2);
  EXPECT_EQ(HistogramBucketUpperBound(2, 0, {}), 4);
  EXPECT_EQ(HistogramBucketUpperBound(-1074, 0, {}), std::ldexp(1.0, -1074));
  // Schema -1 doubles the exponent: bucket 1 is (1, 4].
  EXPECT_EQ(HistogramBucketUpperBound(0, -1, {}), 1);
  EXPECT_EQ(HistogramBucketUpperBound(1, -1, {}), 4);
  EXPECT_EQ(HistogramBucketUpperBound(-2, -4, {}), std::ldexp(1.0, -32));
  // Schema 1: the powers of two and the table's one fraction scaled.
  EXPECT_EQ(HistogramBucketUpperBound(2, 1, {}), 2);
  EXPECT_EQ(HistogramBucketUpperBound(3, 1, {}), 4 * TableEntry(1, 1));
  EXPECT_EQ(HistogramBucketUpperBound(-3, 1, {}), TableEntry(1, 1) / 2);
}

TEST(HistogramBucketUpperBound, LastFiniteBucketEndsAtMaxFloat) {
  // The bucket whose bound would be 2^1024 ends at the largest float64; the next counts +Inf.
  EXPECT_EQ(HistogramBucketUpperBound(1023, 0, {}), std::ldexp(1.0, 1023));
  EXPECT_EQ(HistogramBucketUpperBound(1024, 0, {}), DBL_MAX);
  EXPECT_EQ(HistogramBucketUpperBound(1025, 0, {}), kInf);
  EXPECT_EQ(HistogramBucketUpperBound(512, -1, {}), DBL_MAX);
  EXPECT_EQ(HistogramBucketUpperBound(64, -4, {}), DBL_MAX);
  EXPECT_EQ(HistogramBucketUpperBound(1024 << 8, 8, {}), DBL_MAX);
  const double before_last = HistogramBucketUpperBound((1024 << 8) - 1, 8, {});
  EXPECT_TRUE(std::isfinite(before_last));
  EXPECT_LT(before_last, DBL_MAX);
  EXPECT_EQ(HistogramBucketUpperBound((1024 << 8) + 1, 8, {}), kInf);
}

TEST(HistogramBucketUpperBound, CustomBuckets) {
  const std::vector<double> bounds = {1, 5, 10};
  EXPECT_EQ(HistogramBucketUpperBound(-1, kCustomBucketsSchema, bounds), -kInf);
  EXPECT_EQ(HistogramBucketUpperBound(0, kCustomBucketsSchema, bounds), 1);
  EXPECT_EQ(HistogramBucketUpperBound(2, kCustomBucketsSchema, bounds), 10);
  EXPECT_EQ(HistogramBucketUpperBound(3, kCustomBucketsSchema, bounds), kInf);

  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = bounds;
  h.positive_spans = {{0, 4}};
  h.positive_buckets = {1, 2, 3, 4};
  h.count = 10;
  const auto buckets = PositiveBuckets(h);
  ASSERT_EQ(buckets.size(), 4u);
  // [-Inf, 1], then (1, 5], (5, 10], (10, +Inf].
  EXPECT_EQ(buckets[0].lower, -kInf);
  EXPECT_TRUE(buckets[0].lower_inclusive);
  EXPECT_EQ(buckets[0].upper, 1);
  EXPECT_TRUE(buckets[0].upper_inclusive);
  EXPECT_EQ(buckets[1].lower, 1);
  EXPECT_FALSE(buckets[1].lower_inclusive);
  EXPECT_EQ(buckets[3].lower, 10);
  EXPECT_FALSE(buckets[3].lower_inclusive);
  EXPECT_EQ(buckets[3].upper, kInf);
  EXPECT_TRUE(buckets[3].upper_inclusive);
}

TEST(AllBuckets, ClipsAtTheZeroThreshold) {
  FloatHistogram h;
  h.schema = 0;
  h.zero_threshold = 0.3;
  h.zero_count = 2;
  // Positive buckets -1 (0.25, 0.5] and 0 (0.5, 1]; negative bucket -1 [-0.5, -0.25).
  h.positive_spans = {{-1, 2}};
  h.positive_buckets = {3, 4};
  h.negative_spans = {{-1, 1}};
  h.negative_buckets = {5};
  h.count = 14;
  const auto all = AllBuckets(h);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].lower, -0.5);
  EXPECT_EQ(all[0].upper, -0.3);  // clipped from -0.25
  EXPECT_EQ(all[0].count, 5);
  EXPECT_EQ(all[1].lower, -0.3);  // the zero bucket
  EXPECT_EQ(all[1].upper, 0.3);
  EXPECT_TRUE(all[1].lower_inclusive);
  EXPECT_TRUE(all[1].upper_inclusive);
  EXPECT_EQ(all[1].count, 2);
  EXPECT_EQ(all[2].lower, 0.3);  // clipped from 0.25
  EXPECT_EQ(all[2].upper, 0.5);
  EXPECT_EQ(all[2].count, 3);
  EXPECT_EQ(all[3].lower, 0.5);  // beyond the threshold: untouched
  EXPECT_EQ(all[3].upper, 1);
  EXPECT_EQ(all[3].count, 4);
}

}  // namespace
}  // namespace promref::model
