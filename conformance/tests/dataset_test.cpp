// The dataset the suites query: deterministic, every native histogram one Prometheus accepts,
// and written so that a target refusing histograms still gets every float series.
#include "datasets/dataset.h"

#include <gtest/gtest.h>

#include <set>

#include "datasets/native_histograms.h"
#include "model/sample.h"
#include "wire/received_histogram.h"

namespace promconform {
namespace {

TEST(Dataset, IsTheSameEveryTime) {
  EXPECT_EQ(DatasetFingerprint(StandardDataset()), DatasetFingerprint(StandardDataset()));
  Dataset again;
  again.name = StandardDataset().name;
  again.series = StandardDataset().series;
  EXPECT_EQ(DatasetFingerprint(again), DatasetFingerprint(StandardDataset()));
  // A changed histogram changes the fingerprint: fixtures recorded on one are not valid on it.
  for (auto& s : again.series) {
    if (!s.histograms.empty()) {
      s.histograms.back().zero_threshold *= 2;
      break;
    }
  }
  EXPECT_NE(DatasetFingerprint(again), DatasetFingerprint(StandardDataset()));
}

TEST(Dataset, EveryNativeHistogramIsOnePrometheusStoresUnchanged) {
  size_t histograms = 0, stale = 0;
  std::set<int32_t> schemas;
  bool integer = false, floating = false, gauge = false, negative = false;
  for (const DatasetSeries& s : NativeHistogramSeries()) {
    int64_t previous = -1;
    for (const auto& h : s.histograms) {
      SCOPED_TRACE(SeriesName(s.labels) + " at " + std::to_string(h.timestamp));
      EXPECT_GT(h.timestamp, previous);
      previous = h.timestamp;
      if (!s.samples.empty()) {
        EXPECT_GT(h.timestamp, s.samples.back().t);  // floats first
      }
      auto received = promref::wire::ReceivedHistogram(h);
      ASSERT_TRUE(received.ok()) << received.error().message();
      EXPECT_EQ(received->schema, h.schema);  // no reserved schema: stored as sent
      ++histograms;
      stale += promref::model::IsStaleNaN(h.sum) ? 1 : 0;
      schemas.insert(h.schema);
      (h.is_float ? floating : integer) = true;
      gauge |= h.reset_hint == 3;
      negative |= !h.negative_spans.empty();
    }
  }
  EXPECT_GT(histograms, 1000u);
  EXPECT_EQ(stale, 1u);
  // The layouts the issue asks for: exponential (several schemas, one series changing), custom
  // buckets, integer and float counts, a gauge, negative buckets.
  EXPECT_TRUE(schemas.count(-53) && schemas.count(2) && schemas.count(3) && schemas.count(4) &&
              schemas.count(5));
  EXPECT_TRUE(integer && floating && gauge && negative);
}

TEST(Dataset, HistogramsTravelInRequestsOfTheirOwnAfterTheFloats) {
  const Dataset& d = StandardDataset();
  const auto requests = ToWriteRequests(d, 1'700'000'000'000, 5000);
  size_t samples = 0, histograms = 0;
  bool seen_histograms = false;
  for (const auto& r : requests) {
    const bool has = HasHistograms(r);
    EXPECT_TRUE(has || !seen_histograms) << "a float-only request after a histogram one";
    seen_histograms |= has;
    for (const auto& ts : r.timeseries) {
      // One kind per entry, as Prometheus' sender writes them.
      EXPECT_TRUE(ts.samples.empty() || ts.histograms.empty()) << SeriesName(ts.labels);
      samples += ts.samples.size();
      histograms += ts.histograms.size();
    }
  }
  EXPECT_TRUE(seen_histograms);
  EXPECT_EQ(samples + histograms, d.SampleCount());
  EXPECT_EQ(d.VisibleHistogramCount("pch_") + 1, histograms);  // the stale marker is not visible
  EXPECT_LT(d.VisibleHistogramCount("pch_"), d.VisibleSampleCount("pch_"));  // pch_mixed's floats
}

}  // namespace
}  // namespace promconform
