// One scrape into storage: target labels, honor_labels, relabeling, limits, staleness and
// the synthetic series, as Prometheus' scrapeLoopAppender writes them.
#include "scrape/scrape_append.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "scrape/tests/storage_dump.h"
#include "storage/mem_storage.h"

namespace promref::scrape {
namespace {

using testing::DumpStorage;

class ScrapeAppendTest : public ::testing::Test {
 protected:
  void SetJob(const std::string& extra) {
    auto cfg = config::ParseConfig("scrape_configs:\n- job_name: app\n" + extra);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    auto shared = std::make_shared<const config::ScrapeConfig>(cfg->scrape_configs.at(0));
    target_ =
        TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", "h:1"}}}, {}}, shared).targets.at(0);
    options_ = OptionsFor(*shared, *target_, false);
  }
  void SetUp() override { SetJob(""); }

  // One scrape as the loop does it: a failed append is rolled back and replaced by an empty
  // one, then the report.
  AppendOutcome Scrape(const std::string& body, int64_t t, bool fetch_ok = true) {
    auto app = storage_.MakeAppender();
    AppendOutcome out = ScrapeAppender(*app, cache_, *target_, options_, t).Append(body, "text/plain", t);
    if (!out.status.ok()) {
      app->Rollback();
      app = storage_.MakeAppender();
      EXPECT_TRUE(ScrapeAppender(*app, cache_, *target_, options_, t).AppendEmpty(t).ok());
    }
    ScrapeSummary s{fetch_ok && out.status.ok(), 0.5, static_cast<int64_t>(body.size())};
    EXPECT_TRUE(ScrapeAppender(*app, cache_, *target_, options_, t).Report(t, s, out).ok());
    EXPECT_TRUE(app->Commit().ok());
    return out;
  }

  storage::MemStorage storage_;
  ScrapeCache cache_;
  std::shared_ptr<Target> target_;
  AppendOptions options_;
};

TEST_F(ScrapeAppendTest, WritesSamplesWithTargetLabelsAndTheReport) {
  AppendOutcome out = Scrape("# TYPE a counter\na_total 1\nb{x=\"1\"} 2 500\n", 1000);
  ASSERT_TRUE(out.status.ok()) << out.status.error().message();
  EXPECT_EQ(out.total, 2);
  EXPECT_EQ(out.added, 2);
  EXPECT_EQ(out.series_added, 2);
  auto dump = DumpStorage(storage_);
  using V = std::vector<std::pair<int64_t, std::string>>;
  EXPECT_EQ(dump["{__name__=\"a_total\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "1"}}));
  EXPECT_EQ(dump["{__name__=\"b\", instance=\"h:1\", job=\"app\", x=\"1\"}"], (V{{500, "2"}}))
      << "honor_timestamps";
  EXPECT_EQ(dump["{__name__=\"up\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "1"}}));
  EXPECT_EQ(dump["{__name__=\"scrape_samples_scraped\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "2"}}));
  EXPECT_EQ(dump["{__name__=\"scrape_series_added\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "2"}}));
  EXPECT_EQ(dump["{__name__=\"scrape_duration_seconds\", instance=\"h:1\", job=\"app\"}"],
            (V{{1000, "0.5"}}));
  EXPECT_EQ(dump.size(), 7u);
  auto meta = cache_.metadata()->Get("a");
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->type, "counter");
}

TEST_F(ScrapeAppendTest, ConflictingLabelsMoveToExported) {
  Scrape("m{job=\"theirs\",instance=\"i\",exported_job=\"e\"} 1\n", 1000);
  auto dump = DumpStorage(storage_);
  EXPECT_TRUE(dump.count(
      "{__name__=\"m\", exported_exported_job=\"theirs\", exported_instance=\"i\", exported_job=\"e\", "
      "instance=\"h:1\", job=\"app\"}"))
      << "the longer name is renamed again when exported_<name> is taken";
}

TEST_F(ScrapeAppendTest, HonorLabelsKeepsTheExposedOnes) {
  SetJob("  honor_labels: true\n");
  Scrape("m{job=\"theirs\"} 1\n", 1000);
  EXPECT_TRUE(DumpStorage(storage_).count("{__name__=\"m\", instance=\"h:1\", job=\"theirs\"}"));
}

TEST_F(ScrapeAppendTest, MetricRelabelingDropsAndCounts) {
  SetJob("  metric_relabel_configs:\n  - source_labels: [__name__]\n    regex: drop_.*\n    action: drop\n");
  AppendOutcome out = Scrape("drop_me 1\nkeep_me 2\n", 1000);
  EXPECT_EQ(out.total, 2);
  EXPECT_EQ(out.added, 1);
  EXPECT_FALSE(DumpStorage(storage_).count("{__name__=\"drop_me\", instance=\"h:1\", job=\"app\"}"));
}

TEST_F(ScrapeAppendTest, SeriesThatDisappearGetStaleMarkers) {
  Scrape("a 1\nb 2\nt 3 100\n", 1000);
  Scrape("a 1\n", 2000);
  auto dump = DumpStorage(storage_);
  using V = std::vector<std::pair<int64_t, std::string>>;
  EXPECT_EQ(dump["{__name__=\"b\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "2"}, {2000, "stale"}}));
  EXPECT_EQ(dump["{__name__=\"t\", instance=\"h:1\", job=\"app\"}"], (V{{100, "3"}}))
      << "a series with its own timestamp gets no stale marker without track_timestamps_staleness";
}

TEST_F(ScrapeAppendTest, AFailedScrapeMarksSeriesStaleAndReportsDown) {
  Scrape("a 1\nb 1\n", 1000);
  AppendOutcome out = Scrape("b 1\nnot a valid line\n", 2000);
  ASSERT_FALSE(out.status.ok());
  auto dump = DumpStorage(storage_);
  using V = std::vector<std::pair<int64_t, std::string>>;
  EXPECT_EQ(dump["{__name__=\"a\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "1"}, {2000, "stale"}}));
  // As in Prometheus: a series read before the broken line counts as seen by the failed
  // scrape, so it gets no stale marker (and no sample: the batch was rolled back).
  EXPECT_EQ(dump["{__name__=\"b\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "1"}}));
  EXPECT_EQ(dump["{__name__=\"up\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "1"}, {2000, "0"}}));
}

TEST_F(ScrapeAppendTest, SampleLimitFailsTheScrapeAfterCountingEverything) {
  SetJob("  sample_limit: 2\n");
  AppendOutcome out = Scrape("a 1\nb 1\nc 1\nd 1\n", 1000);
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(out.status.error().message(), "sample limit exceeded");
  EXPECT_EQ(out.total, 4);
  EXPECT_FALSE(DumpStorage(storage_).count("{__name__=\"a\", instance=\"h:1\", job=\"app\"}"));
}

TEST_F(ScrapeAppendTest, LabelLimitsNameTheOffendingSeries) {
  SetJob("  label_limit: 3\n");
  EXPECT_EQ(Scrape("m{a=\"1\",b=\"2\"} 1\n", 1000).status.error().message(),
            "label_limit exceeded (metric: m, number of labels: 5, limit: 3)");
  SetJob("  label_value_length_limit: 3\n");
  EXPECT_EQ(
      Scrape("m{a=\"long\"} 1\n", 2000).status.error().message(),
      "label_value_length_limit exceeded (metric: m, label name: a, value: \"long\", length: 4, limit: 3)");
}

TEST_F(ScrapeAppendTest, DuplicateSeriesAreCountedNotFatal) {
  AppendOutcome out = Scrape("a 1\na 2\n", 1000);
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.total, 2);
  EXPECT_EQ(out.added, 2);
  EXPECT_EQ(out.series_added, 1);
}

TEST_F(ScrapeAppendTest, ExtraMetricsAddTheConfiguredLimits) {
  SetJob("  sample_limit: 100\n  scrape_timeout: 3s\n");
  options_.extra_metrics = true;
  Scrape("a 1\n", 1000);
  auto dump = DumpStorage(storage_);
  using V = std::vector<std::pair<int64_t, std::string>>;
  EXPECT_EQ(dump["{__name__=\"scrape_sample_limit\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "100"}}));
  EXPECT_EQ(dump["{__name__=\"scrape_timeout_seconds\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "3"}}));
  EXPECT_EQ(dump["{__name__=\"scrape_body_size_bytes\", instance=\"h:1\", job=\"app\"}"], (V{{1000, "4"}}));
}

}  // namespace
}  // namespace promref::scrape

namespace promref::scrape {
namespace {

TEST(PickSchema, FollowsPrometheus) {
  EXPECT_EQ(PickSchema(0), 8);
  EXPECT_EQ(PickSchema(1.1), 2);  // 2^(2^-2) = 1.19 > 1.1 >= 2^(2^-3)
  EXPECT_EQ(PickSchema(2), 0);
  EXPECT_EQ(PickSchema(1e9), -4);
}

}  // namespace
}  // namespace promref::scrape
