// PushStore: PUT/POST/DELETE semantics, grouping labels, push time gauges, the consistency
// check, and the samples a honor_labels scrape would give.
#include "push/push_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "push/body_decoding.h"
#include "push/groups_json.h"
#include "push/tests/proto_encode.h"

namespace promref::push {
namespace {

GroupingKey K(std::string_view path) {
  return *ParseGroupingPath(path);
}

FamilyMap Text(std::string_view body) {
  Result<FamilyMap> f = ParseBody(body, false);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message());
  return f.ok() ? *f : FamilyMap{};
}

// name{labels} value lines of the store's samples, push gauges left out.
std::vector<std::string> Lines(const PushStore& s) {
  std::vector<std::string> out;
  for (const PushedSample& p : s.Samples()) {
    if (p.family.starts_with("push_")) continue;
    out.push_back(p.labels.ToString() + " " + std::to_string(p.value));
  }
  return out;
}

double Gauge(const PushStore& s, std::string_view family, std::string_view job) {
  for (const PushedSample& p : s.Samples()) {
    if (p.family == family && p.labels.Get("job") == job) return p.value;
  }
  return -1;
}

TEST(PushStore, GroupingLabelsOverridePushedOnes) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/j/a/x"), Text("m{job=\"other\",a=\"y\",b=\"z\"} 1\n"), 10).ok());
  EXPECT_EQ(Lines(s), std::vector<std::string>{"{__name__=\"m\", a=\"x\", b=\"z\", job=\"j\"} 1.000000"});
}

TEST(PushStore, PutReplacesPostMerges) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/j"), Text("a 1\nb 2\n"), 10).ok());
  ASSERT_TRUE(s.Post(K("job/j"), Text("b 3\nc 4\n"), 11).ok());
  EXPECT_EQ(Lines(s).size(), 3u);
  ASSERT_TRUE(s.Put(K("job/j"), Text("c 5\n"), 12).ok());
  EXPECT_EQ(Lines(s), std::vector<std::string>{"{__name__=\"c\", job=\"j\"} 5.000000"});
  s.Delete(K("job/j"));
  EXPECT_TRUE(s.Samples().empty());
}

TEST(PushStore, PushTimesAndFailureTimes) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/j"), Text("a 1\n"), 10.5).ok());
  EXPECT_EQ(Gauge(s, "push_time_seconds", "j"), 10.5);
  EXPECT_EQ(Gauge(s, "push_failure_time_seconds", "j"), 0);
  Status st = s.Post(K("job/j"), Text("a 1 1000\n"), 20);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(),
            "pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have "
            "timestamps");
  EXPECT_EQ(Gauge(s, "push_time_seconds", "j"), 10.5);
  EXPECT_EQ(Gauge(s, "push_failure_time_seconds", "j"), 20);
  // A failed push creates its group with push_time_seconds 0.
  ASSERT_FALSE(s.Put(K("job/k"), Text("a 1 1000\n"), 30).ok());
  EXPECT_EQ(Gauge(s, "push_time_seconds", "k"), 0);
  EXPECT_EQ(Gauge(s, "push_failure_time_seconds", "k"), 30);
}

TEST(PushStore, TypeConflictAcrossGroupsIsRefused) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/a"), Text("# TYPE m counter\nm 1\n"), 1).ok());
  Status st = s.Put(K("job/b"), Text("# TYPE m gauge\nm 1\n"), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("is not a COUNTER"), std::string::npos) << st.error().message();
}

TEST(PushStore, DifferentHelpAcrossGroupsIsAccepted) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/a"), Text("# HELP m one\nm 1\n"), 1).ok());
  ASSERT_TRUE(s.Put(K("job/b"), Text("# HELP m two\nm 1\n"), 2).ok());
  for (const PushedSample& p : s.Samples()) {
    if (p.family == "m") {
      EXPECT_EQ(p.metadata.help, "one");
    }
  }
}

TEST(PushStore, DuplicateSeriesRefused) {
  PushStore s;
  Status st = s.Put(K("job/a"), Text("m{x=\"1\"} 1\nm{x=\"1\"} 2\n"), 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("was collected before with the same name and label values"),
            std::string::npos);
}

TEST(PushStore, SuffixCollisionRefused) {
  PushStore s;
  ASSERT_TRUE(
      s.Put(K("job/a"), Text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"), 1).ok());
  Status st = s.Put(K("job/b"), Text("h_count 1\n"), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("collides with previously collected histogram named \"h\""),
            std::string::npos)
      << st.error().message();
}

TEST(PushStore, HistogramFlattensWithInfBucket) {
  PushStore s;
  ASSERT_TRUE(
      s.Put(K("job/a"), Text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 2\nh_count 3\n"), 1).ok());
  std::vector<std::string> lines = Lines(s);
  EXPECT_EQ(lines, (std::vector<std::string>{"{__name__=\"h_bucket\", job=\"a\", le=\"1.0\"} 1.000000",
                                             "{__name__=\"h_bucket\", job=\"a\", le=\"+Inf\"} 3.000000",
                                             "{__name__=\"h_sum\", job=\"a\"} 2.000000",
                                             "{__name__=\"h_count\", job=\"a\"} 3.000000"}));
}

TEST(PushStore, SummaryMetadata) {
  PushStore s;
  ASSERT_TRUE(
      s.Put(K("job/a"), Text("# HELP q h\n# TYPE q summary\nq{quantile=\"0.5\"} 1\nq_count 2\n"), 1).ok());
  std::vector<PushedSample> out = s.Samples();
  ASSERT_EQ(out.size(), 5u);  // quantile, _sum, _count, 2 push gauges
  for (const PushedSample& p : out) {
    if (p.family == "q") {
      EXPECT_EQ(p.metadata.type, MetricType::kSummary);
    }
  }
}

TEST(PushStore, TextErrors) {
  Result<FamilyMap> f = ParseBody("# HELP m a\n# HELP m b\nm 1\n", false);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(),
            "text format parsing error in line 2: second HELP line for metric name \"m\"");
  f = ParseBody("m 1\n# TYPE m gauge\n", false);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(),
            "text format parsing error in line 2: second TYPE line for metric name \"m\", or TYPE reported "
            "after samples");
}

TEST(PushStore, NativeHistogramFromProtobuf) {
  using namespace testing;  // NOLINT(google-build-using-namespace)
  // sample_count 3, sum 4.5, schema 0, zero threshold 0.001, zero count 1, one positive span
  // of two buckets with deltas 1, 0 (zigzag 2, 0).
  const std::string h = Int(1, 3) + Double(2, 4.5) + Int(5, 0) + Double(6, 0.001) + Int(7, 1) +
                        Bytes(12, Int(1, 0) + Int(2, 2)) + Bytes(13, Varint(2) + Varint(0));
  Result<FamilyMap> f = ParseBody(EncodeFamily("nh", "Native.", 4, {Bytes(7, h)}), true);
  ASSERT_TRUE(f.ok()) << f.error().message();
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/n"), *f, 1).ok());
  int natives = 0;
  for (const PushedSample& p : s.Samples()) {
    if (p.family != "nh") continue;
    ASSERT_TRUE(p.histogram.has_value());
    EXPECT_EQ(p.histogram->count, 3);
    EXPECT_EQ(p.histogram->sum, 4.5);
    EXPECT_EQ(p.labels.ToString(), "{__name__=\"nh\", job=\"n\"}");
    EXPECT_EQ(p.metadata.type, MetricType::kHistogram);
    ++natives;
  }
  EXPECT_EQ(natives, 1);
}

TEST(PushStore, ProtobufTimestampRefused) {
  using namespace testing;  // NOLINT(google-build-using-namespace)
  Result<FamilyMap> f = ParseBody(EncodeFamily("t", "", 1, {Bytes(2, Double(1, 1)) + Int(6, 1000)}), true);
  ASSERT_TRUE(f.ok());
  PushStore s;
  EXPECT_FALSE(s.Put(K("job/t"), *f, 1).ok());
}

TEST(PushStore, GroupsJson) {
  PushStore s;
  ASSERT_TRUE(s.Put(K("job/a/x/<&>"), Text("# HELP g G.\n# TYPE g gauge\ng 1.5\n"), 1796598654.5).ok());
  const std::string json = GroupsJson(s.Groups());
  EXPECT_NE(
      json.find("\"g\":{\"time_stamp\":\"2026-12-06T23:10:54.5Z\",\"type\":\"GAUGE\",\"help\":\"G.\","
                "\"metrics\":[{\"labels\":{\"instance\":\"\",\"job\":\"a\",\"x\":\"\\u003c\\u0026\\u003e\"},"
                "\"value\":\"1.5\"}]}"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("\"last_push_successful\":true"), std::string::npos);
}

// Concurrent pushes to distinct groups and reads: all land, nothing torn (run under ASan/TSan).
TEST(PushStore, ConcurrentPushes) {
  PushStore s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string job = "job/t" + std::to_string(t) + "/i/" + std::to_string(i);
        EXPECT_TRUE(s.Put(K(job), Text("# TYPE c counter\nc 1\n"), i).ok());
        (void)s.Samples();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(s.Groups().size(), 200u);
}

}  // namespace
}  // namespace promref::push
