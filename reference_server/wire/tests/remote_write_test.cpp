#include "wire/remote_write.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>

namespace promref::wire {
namespace {

TEST(RemoteWrite, RoundTripsSeriesSamplesExemplarsAndMetadata) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = {{"__name__", "up"}, {"job", "x"}, {"job", "dup"}, {"empty", ""}};
  ts.samples = {{1000, 1.5}, {2000, model::StaleNaN()}};
  ts.exemplars = {{{{"trace_id", "abc"}}, 2.5, 1500}};
  Histogram h;
  h.count_int = 5;
  h.sum = 12.5;
  h.schema = 3;
  h.positive_spans = {{0, 2}, {-1, 1}};
  h.positive_deltas = {1, 2, -1};
  h.timestamp = 3000;
  ts.histograms = {h};
  req.timeseries.push_back(ts);
  req.metadata.push_back({MetricType::kCounter, "up_total", "help text", "seconds"});

  auto back = DecodeWriteRequest(EncodeWriteRequest(req));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->timeseries.size(), 1u);
  const TimeSeries& got = back->timeseries[0];
  EXPECT_EQ(got.labels, ts.labels);  // order, duplicates and empty values preserved
  ASSERT_EQ(got.samples.size(), 2u);
  EXPECT_EQ(got.samples[0].v, 1.5);
  EXPECT_TRUE(model::IsStaleNaN(got.samples[1].v));
  ASSERT_EQ(got.exemplars.size(), 1u);
  EXPECT_EQ(got.exemplars[0].labels, ts.exemplars[0].labels);
  ASSERT_EQ(got.histograms.size(), 1u);
  EXPECT_FALSE(got.histograms[0].is_float);
  EXPECT_EQ(got.histograms[0].positive_deltas, h.positive_deltas);
  EXPECT_EQ(got.histograms[0].positive_spans[1].offset, -1);
  ASSERT_EQ(back->metadata.size(), 1u);
  EXPECT_EQ(back->metadata[0].type, MetricType::kCounter);
  EXPECT_EQ(back->metadata[0].unit, "seconds");
}

TEST(RemoteWrite, MalformedProtobufIsBadData) {
  auto r = DecodeWriteRequest("\x0a\xff\xff\xff");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadData);
}

TEST(Snappy, RejectsCorruptAndOversizedInput) {
  EXPECT_FALSE(SnappyDecompress("not snappy at all", 1 << 20).ok());
  const std::string big(1000, 'x');
  const std::string c = SnappyCompress(big);
  EXPECT_TRUE(SnappyDecompress(c, 1000).ok());
  EXPECT_FALSE(SnappyDecompress(c, 999).ok());
}

RC_GTEST_PROP(RemoteWriteProperty, SampleValuesAndTimestampsSurviveBitExact,
              (std::vector<std::pair<int64_t, uint64_t>> points)) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = {{"__name__", "m"}};
  for (auto [t, bits] : points) ts.samples.push_back({t, std::bit_cast<double>(bits)});
  req.timeseries.push_back(ts);
  auto compressed = SnappyCompress(EncodeWriteRequest(req));
  auto raw = SnappyDecompress(compressed, 64 << 20);
  RC_ASSERT(raw.ok());
  auto back = DecodeWriteRequest(*raw);
  RC_ASSERT(back.ok());
  const auto& got = back->timeseries.at(0).samples;
  RC_ASSERT(got.size() == points.size());
  for (size_t i = 0; i < got.size(); ++i) {
    RC_ASSERT(got[i].t == points[i].first);
    RC_ASSERT(std::bit_cast<uint64_t>(got[i].v) == points[i].second);
  }
}

}  // namespace
}  // namespace promref::wire
