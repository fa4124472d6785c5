// convert_classic_histograms_to_nhcb's parser: what it yields and in which order.
#include "ingest/nhcb_parser.h"

#include <gtest/gtest.h>

#include "ingest/text_parser.h"

namespace promref::ingest {
namespace {

std::vector<Entry> Series(std::string_view body, bool keep) {
  auto p = NewNhcbParser(NewTextParser(body), keep);
  auto all = ParseAll(*p);
  EXPECT_TRUE(all.ok()) << all.error().message();
  std::vector<Entry> out;
  for (auto& e : *all) {
    if (e.kind == EntryKind::kSeries) out.push_back(std::move(e));
  }
  return out;
}

constexpr std::string_view kBody =
    "# TYPE h histogram\n"
    "h_bucket{a=\"1\",le=\"0.5\"} 2\n"
    "h_bucket{a=\"1\",le=\"1\"} 3\n"
    "h_bucket{a=\"1\",le=\"+Inf\"} 4\n"
    "h_sum{a=\"1\"} 9\n"
    "h_count{a=\"1\"} 4\n"
    "h_bucket{a=\"2\",le=\"+Inf\"} 1.5\n"
    "h_count{a=\"2\"} 1.5\n"
    "g 1\n";

TEST(NhcbParser, EachClassicHistogramBecomesOneWithCustomBuckets) {
  const auto s = Series(kBody, false);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].labels.ToString(), "{__name__=\"h\", a=\"1\"}");
  ASSERT_TRUE(s[0].histogram.has_value());
  EXPECT_TRUE(s[0].histogram_is_integer);
  EXPECT_EQ(s[0].histogram->schema, model::kCustomBucketsSchema);
  EXPECT_EQ(s[0].histogram->custom_values, (std::vector<double>{0.5, 1}));
  EXPECT_EQ(s[0].histogram->positive_buckets, (std::vector<double>{2, 1, 1}));
  EXPECT_EQ(s[0].histogram->count, 4);
  EXPECT_EQ(s[0].histogram->sum, 9);
  EXPECT_EQ(s[1].labels.ToString(), "{__name__=\"h\", a=\"2\"}");
  EXPECT_FALSE(s[1].histogram_is_integer) << "a float count makes a float histogram";
  EXPECT_EQ(s[2].labels.ToString(), "{__name__=\"g\"}") << "the series that ended it comes after";
}

TEST(NhcbParser, KeepsTheClassicSeriesWhenAsked) {
  const auto s = Series(kBody, true);
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s[0].labels.MetricName(), "h_bucket");
  EXPECT_TRUE(s[5].histogram.has_value()) << "emitted when the next label set starts";
  EXPECT_EQ(s[6].labels.MetricName(), "h_bucket");
}

TEST(NhcbParser, AHistogramThatDoesNotConvertYieldsNothing) {
  const auto s =
      Series("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 3\nh_count 3\n", false);
  EXPECT_TRUE(s.empty()) << "buckets not cumulative: dropped, as in Prometheus";
  const auto mismatch = Series("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 4\n", false);
  EXPECT_TRUE(mismatch.empty()) << "count disagrees with the +Inf bucket";
}

}  // namespace
}  // namespace promref::ingest
