// Targets from discovered groups: Prometheus' PopulateLabels rules, URL and identity.
#include "scrape/target.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace promref::scrape {
namespace {

std::shared_ptr<const config::ScrapeConfig> Job(const std::string& extra = "") {
  auto cfg =
      config::ParseConfig("global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: node\n" + extra);
  EXPECT_TRUE(cfg.ok()) << cfg.error().message();
  return std::make_shared<const config::ScrapeConfig>(cfg->scrape_configs.at(0));
}

TEST(PopulateLabels, FillsTheJobDefaultsAndInstance) {
  auto cfg = Job();
  auto labels =
      PopulateLabels(*cfg, model::Labels{{"__address__", "127.0.0.1:9100"}}, model::Labels{{"env", "dev"}});
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  EXPECT_EQ(labels->ToString(),
            "{__address__=\"127.0.0.1:9100\", __always_scrape_classic_histograms__=\"false\", "
            "__convert_classic_histograms_to_nhcb__=\"false\", __metrics_path__=\"/metrics\", "
            "__scheme__=\"http\", __scrape_interval__=\"15s\", __scrape_native_histograms__=\"false\", "
            "__scrape_timeout__=\"10s\", env=\"dev\", instance=\"127.0.0.1:9100\", job=\"node\"}");
}

TEST(PopulateLabels, TargetLabelsWinOverGroupLabels) {
  auto cfg = Job();
  auto labels =
      PopulateLabels(*cfg, model::Labels{{"__address__", "a:1"}, {"env", "t"}}, model::Labels{{"env", "g"}});
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->Get("env"), "t");
}

TEST(PopulateLabels, RelabelingCanDropOrRewrite) {
  auto cfg =
      Job("  relabel_configs:\n"
          "  - source_labels: [__meta_keep]\n    regex: no\n    action: drop\n"
          "  - source_labels: [__address__]\n    regex: '(.*):.*'\n    target_label: instance\n");
  auto dropped = PopulateLabels(*cfg, model::Labels{{"__address__", "a:1"}, {"__meta_keep", "no"}}, {});
  ASSERT_TRUE(dropped.ok());
  EXPECT_TRUE(dropped->empty());
  auto kept = PopulateLabels(*cfg, model::Labels{{"__address__", "host:1"}, {"__meta_keep", "yes"}}, {});
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->Get("instance"), "host");
  EXPECT_FALSE(kept->Has("__meta_keep")) << "meta labels go after relabeling";
}

TEST(PopulateLabels, ErrorsAreWordedAsPrometheus) {
  auto cfg =
      Job("  relabel_configs:\n"
          "  - source_labels: [__meta_i]\n    regex: (.+)\n    target_label: __scrape_interval__\n"
          "  - source_labels: [__meta_t]\n    regex: (.+)\n    target_label: __scrape_timeout__\n");
  const auto error = [&](model::Labels t) {
    auto r = PopulateLabels(*cfg, t, {});
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(error(model::Labels{{"job", "x"}}), "no address");
  EXPECT_EQ(error(model::Labels{{"__address__", "http://a:1/metrics"}}),
            "\"http://a:1/metrics\" is not a valid hostname");
  EXPECT_EQ(error(model::Labels{{"__address__", "a:1"}, {"__meta_i", "5s"}}),
            "scrape timeout cannot be greater than scrape interval (\"10s\" > \"5s\")");
  EXPECT_EQ(error(model::Labels{{"__address__", "a:1"}, {"__meta_i", "0s"}}), "scrape interval cannot be 0");
  EXPECT_EQ(error(model::Labels{{"__address__", "a:1"}, {"__meta_t", "x"}}),
            "error parsing scrape timeout: not a valid duration string: \"x\"");
}

TEST(TargetsFromGroup, NamesTheFailingInstance) {
  TargetGroup g{"0", {model::Labels{{"__address__", "a:1"}}, model::Labels{{"x", "y"}}}, {}};
  GroupTargets made = TargetsFromGroup(g, Job());
  ASSERT_EQ(made.targets.size(), 1u);
  ASSERT_EQ(made.failures.size(), 1u);
  EXPECT_EQ(made.failures[0], "instance 1 in group 0: no address");
}

TEST(Target, UrlTakesParamsFromConfigAndLabels) {
  auto cfg =
      Job("  metrics_path: /probe\n  params:\n    module: [http_2xx]\n    target: [a b]\n"
          "  relabel_configs:\n  - target_label: __param_target\n    replacement: 'x&y'\n");
  GroupTargets made =
      TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", "bb:9115"}}}, {}}, cfg);
  ASSERT_EQ(made.targets.size(), 1u);
  EXPECT_EQ(made.targets[0]->Url(), "http://bb:9115/probe?module=http_2xx&target=x%26y");
  EXPECT_EQ(made.targets[0]->PublicLabels().ToString(), "{instance=\"bb:9115\", job=\"node\"}");
}

TEST(Target, HashDependsOnLabelsAndUrlOnly) {
  auto cfg = Job();
  auto a = TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", "a:1"}}}, {}}, cfg).targets.at(0);
  auto b = TargetsFromGroup(TargetGroup{"1", {model::Labels{{"__address__", "a:1"}}}, {}}, cfg).targets.at(0);
  auto c = TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", "a:2"}}}, {}}, cfg).targets.at(0);
  EXPECT_EQ(a->Hash(), b->Hash());
  EXPECT_NE(a->Hash(), c->Hash());
}

TEST(Target, OffsetStaysWithinTheIntervalAndIsPinnedToAbsoluteTime) {
  auto t =
      TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", "a:1"}}}, {}}, Job()).targets.at(0);
  const int64_t interval = 15'000'000'000;
  for (int64_t now : {int64_t{0}, int64_t{1'700'000'000'123'456'789}, int64_t{1'700'000'007'000'000'000}}) {
    const int64_t off = t->OffsetNanos(interval, 42, now);
    EXPECT_GT(off, 0);
    EXPECT_LE(off, interval);
    // The slot it lands on is the same phase of the interval whenever it is asked.
    EXPECT_EQ((now + off) % interval, (t->Hash() ^ 42) % interval);
  }
}

}  // namespace
}  // namespace promref::scrape
