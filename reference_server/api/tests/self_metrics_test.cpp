// promref's /metrics: the text format's escaping and ordering, cumulative histogram buckets,
// reload state, and that a served request is counted under its route pattern.
#include "api/self_metrics.h"

#include <gtest/gtest.h>

namespace promref::api {
namespace {

TEST(ExpositionWriter, SortsFamiliesAndEscapesHelpAndLabelValues) {
  ExpositionWriter w;
  w.Family("zeta_total", "Last.", "counter");
  w.Sample("", {}, 3);
  w.Family("alpha", "Help with \\ and\nnewline \"quoted\".", "gauge");
  w.Sample("", {{"path", "a\"b\\c\nd"}, {"x", ""}}, 0.5);
  w.Sample("", {}, -std::numeric_limits<double>::infinity());
  w.Sample("", {}, 1e21);
  EXPECT_EQ(w.Text(),
            "# HELP alpha Help with \\\\ and\\nnewline \"quoted\".\n"
            "# TYPE alpha gauge\n"
            "alpha{path=\"a\\\"b\\\\c\\nd\",x=\"\"} 0.5\n"
            "alpha -Inf\n"
            "alpha 1e+21\n"
            "# HELP zeta_total Last.\n"
            "# TYPE zeta_total counter\n"
            "zeta_total 3\n");
}

TEST(SelfMetrics, RequestHistogramBucketsAreCumulativeAndCountsSplitByCode) {
  SelfMetrics m;
  m.ObserveRequest("/api/v1/query", 200, 0.05);
  m.ObserveRequest("/api/v1/query", 200, 0.3);
  m.ObserveRequest("/api/v1/query", 400, 500);  // above every bucket: only +Inf counts it
  const std::string text = m.Expose();
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/query\"} 2")) << text;
  EXPECT_TRUE(has("prometheus_http_requests_total{code=\"400\",handler=\"/api/v1/query\"} 1"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"0.1\"} 1"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"0.2\"} 1"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"0.4\"} 2"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"120\"} 2"));
  EXPECT_TRUE(
      has("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"+Inf\"} 3"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_count{handler=\"/api/v1/query\"} 3"));
  EXPECT_TRUE(has("prometheus_http_request_duration_seconds_sum{handler=\"/api/v1/query\"} 500.35"));
  EXPECT_TRUE(has("# TYPE process_cpu_seconds_total counter"));
  EXPECT_TRUE(has("# TYPE process_resident_memory_bytes gauge"));
}

TEST(SelfMetrics, ReloadFailureKeepsTheLastSuccessTime) {
  SelfMetrics m;
  const auto t1 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  m.ObserveReload(true, t1);
  m.ObserveReload(false, t1 + std::chrono::seconds(60));
  EXPECT_FALSE(m.LastReload().ok);
  EXPECT_EQ(m.LastReload().last_success, t1);
  const std::string text = m.Expose();
  EXPECT_NE(text.find("\nprometheus_config_last_reload_successful 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nprometheus_config_last_reload_success_timestamp_seconds 1.7e+09\n"),
            std::string::npos);
}

TEST(SelfMetrics, CollectorsAddFamiliesAtExpositionTime) {
  SelfMetrics m;
  int calls = 0;
  m.AddCollector([&](ExpositionWriter& w) {
    ++calls;
    w.Family("prometheus_tsdb_head_series", "Total number of series in the head block.", "gauge");
    w.Sample("", {}, 42);
  });
  EXPECT_EQ(calls, 0);
  EXPECT_NE(m.Expose().find("\nprometheus_tsdb_head_series 42\n"), std::string::npos);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace promref::api
