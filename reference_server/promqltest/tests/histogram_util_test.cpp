// Histogram arithmetic for series expansions, the NHCB conversion of load_with_nhcb, the
// test comparison and the test-literal text.
#include "promqltest/histogram_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "promqltest/script.h"

namespace promref::promqltest {
namespace {

using model::FloatHistogram;
using model::HistogramSpan;

FloatHistogram H(std::string_view text) {
  auto h = ParseHistogramLiteral(text);
  EXPECT_TRUE(h.ok()) << text;
  return h.ok() ? *h : FloatHistogram{};
}

TEST(HistogramArithmetic, AddSameLayout) {
  FloatHistogram h = H("{{schema:0 count:4 sum:5 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1]}}");
  ASSERT_TRUE(
      AddHistogram(&h, H("{{schema:0 count:2 sum:1 z_bucket:1 z_bucket_w:0.001 buckets:[0 1 1] offset:1}}"))
          .ok());
  EXPECT_EQ(h.count, 6);
  EXPECT_EQ(h.sum, 6);
  EXPECT_EQ(h.zero_count, 2);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{0, 4}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{1, 2, 1, 1}));
  EXPECT_EQ(h.negative_buckets, (std::vector<double>{1}));
}

TEST(HistogramArithmetic, SubAndGaps) {
  FloatHistogram h = H("{{count:10 sum:10 buckets:[5] offset:-3}}");
  ASSERT_TRUE(SubHistogram(&h, H("{{count:1 sum:1 buckets:[1] offset:4}}")).ok());
  EXPECT_EQ(h.count, 9);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{-3, 1}, {6, 1}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{5, -1}));
}

TEST(HistogramArithmetic, SchemaReduction) {
  // Schema 1 buckets 1..4 land in schema 0 buckets 1, 1, 2, 2.
  FloatHistogram fine = H("{{schema:1 count:10 buckets:[1 2 3 4] offset:1}}");
  FloatHistogram coarse = ReduceResolution(fine, 0);
  EXPECT_EQ(coarse.schema, 0);
  EXPECT_EQ(coarse.positive_spans, (std::vector<HistogramSpan>{{1, 2}}));
  EXPECT_EQ(coarse.positive_buckets, (std::vector<double>{3, 7}));
  // Negative and zero indexes: index 0 of schema 1 goes to index 0, -1 to 0, -2 to -1.
  FloatHistogram neg = H("{{schema:1 buckets:[1 1 1] offset:-2}}");
  EXPECT_EQ(ReduceResolution(neg, 0).positive_buckets, (std::vector<double>{1, 2}));
  EXPECT_EQ(ReduceResolution(neg, 0).positive_spans, (std::vector<HistogramSpan>{{-1, 2}}));

  FloatHistogram h = H("{{schema:0 count:1 buckets:[1] offset:1}}");
  ASSERT_TRUE(AddHistogram(&h, fine).ok());
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{4, 7}));
}

TEST(HistogramArithmetic, ZeroThresholdsReconcile) {
  // Widening the zero bucket to 1 swallows bucket 0 of schema 0 (bounds (0.5, 1]).
  FloatHistogram h = H("{{count:3 z_bucket:1 z_bucket_w:0.001 buckets:[1 1] offset:0}}");
  ASSERT_TRUE(AddHistogram(&h, H("{{count:1 z_bucket:1 z_bucket_w:1}}")).ok());
  EXPECT_EQ(h.zero_threshold, 1);
  EXPECT_EQ(h.zero_count, 3);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{1, 1}}));
  EXPECT_EQ(h.count, 4);
}

TEST(HistogramArithmetic, CustomBucketsAndHints) {
  FloatHistogram c = H("{{schema:-53 count:1 custom_values:[1 2] buckets:[1]}}");
  EXPECT_TRUE(AddHistogram(&c, H("{{schema:-53 count:1 custom_values:[1 2] buckets:[0 1]}}")).ok());
  EXPECT_EQ(c.positive_buckets, (std::vector<double>{1, 1}));
  EXPECT_FALSE(AddHistogram(&c, H("{{schema:-53 custom_values:[1 3] buckets:[1]}}")).ok());
  EXPECT_FALSE(AddHistogram(&c, H("{{schema:0 buckets:[1]}}")).ok());

  auto hint = [](std::string_view a, std::string_view b) {
    FloatHistogram h = H(a);
    EXPECT_TRUE(AddHistogram(&h, H(b)).ok());
    return h.counter_reset_hint;
  };
  using model::CounterResetHint;
  EXPECT_EQ(hint("{{counter_reset_hint:gauge}}", "{{}}"), CounterResetHint::kGauge);
  EXPECT_EQ(hint("{{}}", "{{counter_reset_hint:gauge}}"), CounterResetHint::kGauge);
  EXPECT_EQ(hint("{{counter_reset_hint:reset}}", "{{counter_reset_hint:reset}}"),
            CounterResetHint::kCounterReset);
  EXPECT_EQ(hint("{{counter_reset_hint:reset}}", "{{counter_reset_hint:not_reset}}"),
            CounterResetHint::kUnknown);
  EXPECT_EQ(hint("{{counter_reset_hint:not_reset}}", "{{}}"), CounterResetHint::kUnknown);
}

TEST(HistogramCompare, CompactedAndTolerant) {
  FloatHistogram a = H("{{schema:0 count:3 sum:3 buckets:[1 0 2] offset:1}}");
  FloatHistogram b = H("{{schema:0 count:3.0000001 sum:3 buckets:[1] offset:1 n_buckets:[0 0]}}");
  ASSERT_TRUE(AddHistogram(&b, H("{{schema:0 buckets:[2] offset:3}}")).ok());
  EXPECT_TRUE(HistogramsMatchForTest(a, b, false, 1e-6));
  b.positive_buckets.back() = 2.1;
  EXPECT_FALSE(HistogramsMatchForTest(a, b, false, 1e-6));
  EXPECT_FALSE(
      HistogramsMatchForTest(a, H("{{schema:1 count:3 sum:3 buckets:[1 0 2] offset:1}}"), false, 1e-6));
  EXPECT_FALSE(
      HistogramsMatchForTest(a, H("{{schema:0 count:3 sum:3 buckets:[1 0 2] offset:2}}"), false, 1e-6));
  EXPECT_FALSE(
      HistogramsMatchForTest(H("{{z_bucket_w:0.001}}"), H("{{z_bucket_w:0.0010000001}}"), false, 1e-6));
  EXPECT_FALSE(HistogramsMatchForTest(H("{{schema:-53 custom_values:[1]}}"),
                                      H("{{schema:-53 custom_values:[2]}}"), false, 1e-6));
  // The hint counts only when the expectation spelled it.
  FloatHistogram g = H("{{counter_reset_hint:gauge}}");
  EXPECT_TRUE(HistogramsMatchForTest(g, H("{{}}"), false, 1e-6));
  EXPECT_FALSE(HistogramsMatchForTest(g, H("{{}}"), true, 1e-6));
  EXPECT_TRUE(HistogramsMatchForTest(H("{{sum:NaN}}"), H("{{sum:NaN}}"), false, 1e-6));
}

TEST(HistogramText, TestExpression) {
  EXPECT_EQ(HistogramTestExpression(FloatHistogram{}), "{{}}");
  EXPECT_EQ(
      HistogramTestExpression(H("{{schema:1 count:3 sum:5.5 z_bucket:1 z_bucket_w:0.001 buckets:[0 1 0 2] "
                                "n_buckets:[4] n_offset:-1 counter_reset_hint:gauge}}")),
      "{{schema:1 count:3 sum:5.5 z_bucket:1 z_bucket_w:0.001 counter_reset_hint:gauge offset:1 buckets:[1 0 "
      "2] "
      "n_offset:-1 n_buckets:[4]}}");
  EXPECT_EQ(HistogramTestExpression(H("{{schema:-53 count:1 custom_values:[5 10] buckets:[1]}}")),
            "{{schema:-53 count:1 custom_values:[5 10] buckets:[1]}}");
  EXPECT_EQ(HistogramTestExpression(H("{{count:1e+21 sum:1e-07}}")), "{{count:1e+21 sum:1e-07}}");
}

TEST(ClassicToNhcb, Conversion) {
  ClassicHistogramBuilder b;
  b.SetBucketCount(5, 3);  // any order
  b.SetBucketCount(1, 1);
  b.SetBucketCount(std::numeric_limits<double>::infinity(), 4);
  b.SetCount(4);
  b.SetSum(12.5);
  auto h = b.Build();
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->schema, model::kCustomBucketsSchema);
  EXPECT_EQ(h->custom_values, (std::vector<double>{1, 5}));
  EXPECT_EQ(h->positive_buckets, (std::vector<double>{1, 2, 1}));
  EXPECT_EQ(h->count, 4);
  EXPECT_EQ(h->sum, 12.5);

  // No +Inf bucket and no count: the highest bucket is the count; empty buckets compacted.
  ClassicHistogramBuilder c;
  c.SetBucketCount(1, 2);
  c.SetBucketCount(2, 2);
  auto hc = c.Build();
  ASSERT_TRUE(hc.ok());
  EXPECT_EQ(hc->count, 2);
  EXPECT_EQ(hc->custom_values, (std::vector<double>{1, 2}));
  EXPECT_EQ(hc->positive_spans, (std::vector<HistogramSpan>{{0, 1}}));
  EXPECT_EQ(hc->positive_buckets, (std::vector<double>{2}));

  ClassicHistogramBuilder only_count;
  only_count.SetCount(3);
  auto oc = only_count.Build();
  ASSERT_TRUE(oc.ok());
  EXPECT_TRUE(oc->custom_values.empty());
  EXPECT_EQ(oc->positive_buckets, (std::vector<double>{3}));

  ClassicHistogramBuilder not_cumulative;
  not_cumulative.SetBucketCount(1, 5);
  not_cumulative.SetBucketCount(2, 3);
  EXPECT_FALSE(not_cumulative.Build().ok());
  ClassicHistogramBuilder mismatch;
  mismatch.SetBucketCount(std::numeric_limits<double>::infinity(), 3);
  mismatch.SetCount(4);
  EXPECT_FALSE(mismatch.Build().ok());
  ClassicHistogramBuilder negative;
  negative.SetBucketCount(1, -1);
  EXPECT_FALSE(negative.Build().ok());
}

}  // namespace
}  // namespace promref::promqltest
