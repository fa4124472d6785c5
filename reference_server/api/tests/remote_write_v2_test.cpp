// The remote-write 2.0 receiver (io.prometheus.write.v2.Request) as Prometheus 3.x answers it:
// accepted only when configured, the *-Written headers on every answer, a partial write (good
// series committed, every bad one reported in a 400) and a rollback on nothing but storage
// failures; exemplars counted, and stored with exemplar-storage on. (Metadata goes to the TSDB, but
// /api/v1/metadata shows scraped metadata only, as in Prometheus, so it is not checked here.)
#include "wire/remote_write_v2.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "server/promref_server.h"
#include "wire/remote_write.h"

namespace promref::api {
namespace {

using promconform::HttpClient;
using promconform::HttpResponse;

constexpr const char* kAcceptBoth =
    "--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest,io.prometheus.write.v2."
    "Request";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse Post(HttpClient& c, const server::PromrefServer& s, const std::string& proto_bytes,
                  std::string_view content_type = wire::v2::kContentType) {
  return c.Do({"POST",
               s.base_url() + "/api/v1/write",
               {{"Content-Type", std::string(content_type)},
                {"Content-Encoding", "snappy"},
                {"X-Prometheus-Remote-Write-Version", "2.0.0"}},
               wire::SnappyCompress(proto_bytes)});
}

wire::v2::TimeSeries Series(const std::string& name, std::vector<wire::v2::Sample> samples) {
  wire::v2::TimeSeries ts;
  ts.labels = {{"__name__", name}, {"job", "rw2"}};
  ts.samples = std::move(samples);
  return ts;
}

nlohmann::json Query(HttpClient& c, const server::PromrefServer& s, const std::string& q) {
  return nlohmann::json::parse(
      c.Get(s.base_url() + "/api/v1/query?" + promconform::FormEncode({{"query", q}})).body);
}

// Prometheus 3.16 accepts both by default; a receiver configured for 1.0 only refuses 2.0.
TEST(RemoteWriteV2, AcceptedByDefaultAsPrometheus316) {
  auto s = server::StartEmbedded();
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  wire::v2::RequestV2 req;
  req.timeseries.push_back(Series("accepted", {{1, NowMs(), 0}}));
  auto r = Post(c, **s, wire::v2::EncodeRequestV2(req));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Query(c, **s, "accepted")["data"]["result"].size(), 1u);
}

TEST(RemoteWriteV2, RefusedByAReceiverConfiguredForOnePointZeroOnly) {
  auto s = server::StartEmbedded(
      {"--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  wire::v2::RequestV2 req;
  req.timeseries.push_back(Series("refused", {{1, NowMs(), 0}}));
  auto r = Post(c, **s, wire::v2::EncodeRequestV2(req));
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(
      r.body.find("io.prometheus.write.v2.Request protobuf message is not accepted by this server; only "
                  "accepts prometheus.WriteRequest\n"),
      std::string::npos)
      << r.body;
  EXPECT_TRUE(Query(c, **s, "refused")["data"]["result"].empty());
}

TEST(RemoteWriteV2, CleanWriteStoresSamplesAndExemplars) {
  auto s = server::StartEmbedded({kAcceptBoth, "--enable-feature=exemplar-storage"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  const int64_t now = NowMs();
  wire::v2::RequestV2 req;
  auto ts = Series("rw2_requests_total", {{1, now - 2000, 0}, {2, now - 1000, 0}});
  ts.exemplars.push_back({{{"trace_id", "abc"}}, 2, now - 1000});
  ts.metadata = {wire::MetricType::kCounter, "Requests handled.", ""};
  req.timeseries.push_back(ts);
  auto r = Post(c, **s, wire::v2::EncodeRequestV2(req));
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.Header("X-Prometheus-Remote-Write-Samples-Written"), "2");
  EXPECT_EQ(r.Header("X-Prometheus-Remote-Write-Histograms-Written"), "0");
  EXPECT_EQ(r.Header("X-Prometheus-Remote-Write-Exemplars-Written"), "1");
  auto q = Query(c, **s, "rw2_requests_total");
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "2");
  auto ex = nlohmann::json::parse(
      c.Get((*s)->base_url() +
            "/api/v1/query_exemplars?query=rw2_requests_total&start=0&end=" + std::to_string(now / 1000 + 60))
          .body);
  ASSERT_EQ(ex["data"].size(), 1u) << ex.dump();
  EXPECT_EQ(ex["data"][0]["exemplars"][0]["labels"]["trace_id"], "abc");
}

TEST(RemoteWriteV2, BadSeriesAreReportedAndTheRestIsWritten) {
  auto s = server::StartEmbedded({kAcceptBoth});
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  const int64_t now = NowMs();
  // First a sample at `now`, so that an older one for the same series is out of order.
  {
    wire::v2::RequestV2 first;
    first.timeseries.push_back(Series("rw2_ooo", {{5, now, 0}}));
    ASSERT_EQ(Post(c, **s, wire::v2::EncodeRequestV2(first)).status, 204);
  }
  wire::v2::RequestV2 req;
  req.timeseries.push_back(Series("rw2_good", {{1, now - 1000, 0}, {2, now, 0}}));
  req.timeseries.push_back(Series("rw2_ooo", {{4, now - 5000, 0}}));
  wire::v2::TimeSeries no_name;
  no_name.labels = {{"job", "rw2"}};
  no_name.samples = {{1, now, 0}};
  req.timeseries.push_back(no_name);
  wire::v2::TimeSeries dup = Series("rw2_dup", {{1, now, 0}});
  dup.labels.push_back({"job", "again"});
  req.timeseries.push_back(dup);
  req.timeseries.push_back(Series("rw2_empty", {}));
  req.timeseries.push_back(Series("rw2_future", {{1, now + 3'600'000, 0}}));
  wire::v2::SymbolizedRequest sym = wire::v2::Symbolize(req);
  // A series whose label refs point past the symbol table.
  wire::v2::SymbolizedSeries bad_ref;
  bad_ref.labels_refs = {1, 999};
  bad_ref.samples = {{1, now, 0}};
  sym.timeseries.push_back(bad_ref);

  auto r = Post(c, **s, wire::v2::EncodeSymbolized(sym));
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Header("X-Prometheus-Remote-Write-Samples-Written"), "2");
  EXPECT_EQ(r.Header("X-Prometheus-Remote-Write-Histograms-Written"), "0");
  const std::vector<std::string> expected_lines = {
      "out of order sample for series {__name__=\"rw2_ooo\", job=\"rw2\"}",
      "invalid metric name or labels, got {job=\"rw2\"}",
      "invalid labels for series, labels {__name__=\"rw2_dup\", job=\"rw2\", job=\"again\"}, duplicated "
      "label job",
      "TimeSeries must contain at least one sample or histogram for series {__name__=\"rw2_empty\", "
      "job=\"rw2\"}",
      "out of bounds: timestamp is too far in the future for series {__name__=\"rw2_future\", job=\"rw2\"}",
  };
  // In the order of the series, as Prometheus reports them (the labels of later series are
  // checked ahead, but reported in turn).
  size_t previous = 0;
  for (const std::string& line : expected_lines) {
    const size_t at = r.body.find(line + "\n");
    EXPECT_NE(at, std::string::npos) << line << "\n" << r.body;
    EXPECT_GE(at, previous) << line << "\n" << r.body;
    previous = at;
  }
  EXPECT_GT(r.body.find("outside of symbols table"), previous) << r.body;
  // The good series was committed despite the others.
  auto q = Query(c, **s, "rw2_good");
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "2");
  EXPECT_TRUE(Query(c, **s, "rw2_future")["data"]["result"].empty());
}

std::string Written(const HttpResponse& r) {
  return r.Header("X-Prometheus-Remote-Write-Samples-Written") + "/" +
         r.Header("X-Prometheus-Remote-Write-Histograms-Written") + "/" +
         r.Header("X-Prometheus-Remote-Write-Exemplars-Written");
}

nlohmann::json Exemplars(HttpClient& c, const server::PromrefServer& s, const std::string& q, int64_t now) {
  return nlohmann::json::parse(
      c.Get(s.base_url() + "/api/v1/query_exemplars?" +
            promconform::FormEncode({{"query", q}, {"start", "0"}, {"end", std::to_string(now / 1000 + 60)}}))
          .body);
}

// Bad refs are reported in 3.16's words: label refs by the refs sent, metadata refs unit first,
// exemplar refs by the series' labels, after its samples were written (and they stay written).
TEST(RemoteWriteV2, BadRefsAreReportedAsPrometheus316ReportsThem) {
  auto s = server::StartEmbedded();
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  const int64_t now = NowMs();
  wire::v2::SymbolizedRequest req;
  req.symbols = {"", "__name__", "refs_ok", "trace_id"};
  wire::v2::SymbolizedSeries odd;
  odd.labels_refs = {1, 2, 3};
  odd.samples = {{1, now, 0}};
  wire::v2::SymbolizedSeries outside = odd;
  outside.labels_refs = {1, 104};
  wire::v2::SymbolizedSeries bad_meta = odd;
  bad_meta.labels_refs = {1, 2};
  bad_meta.help_ref = 9;
  bad_meta.unit_ref = 8;
  wire::v2::SymbolizedSeries bad_exemplar = bad_meta;
  bad_exemplar.help_ref = bad_exemplar.unit_ref = 0;
  bad_exemplar.exemplars = {{{3, 40}, 1, now}};
  req.timeseries = {odd, outside, bad_meta, bad_exemplar};
  auto r = Post(c, **s, wire::v2::EncodeSymbolized(req));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "parsing labels for series [1 2 3]: invalid labelRefs length 3\n"
            "parsing labels for series [1 104]: labelRefs 1 (name) = 104 (value) outside of symbols table "
            "(size 4)\n"
            "parsing metadata for series [1 2]: metadata unit_ref 8 outside of symbols table (size 4)\n"
            "parsing exemplar for series {__name__=\"refs_ok\"}: labelRefs 3 (name) = 40 (value) outside of "
            "symbols table (size 4)\n");
  EXPECT_EQ(Written(r), "1/0/0");
  EXPECT_EQ(Query(c, **s, "refs_ok")["data"]["result"].size(), 1u);
}

// Decoded as 2.0 (even when it fails to decode), an answer carries the headers; a request
// taken for 1.0 does not.
TEST(RemoteWriteV2, HeadersFromTheDecodingOfA2Point0BodyOn) {
  auto s = server::StartEmbedded();
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  auto garbage = Post(c, **s, std::string("\x0a\xff\xff\xff\x0f garbage", 13));
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Written(garbage), "0/0/0");
  wire::v2::RequestV2 req;
  req.timeseries.push_back(Series("taken_for_v1", {{1, NowMs(), 0}}));
  auto unknown = Post(c, **s, wire::v2::EncodeRequestV2(req),
                      "application/x-protobuf;proto=io.prometheus.write.v3.Request");
  EXPECT_EQ(unknown.status, 415);
  EXPECT_EQ(Written(unknown), "//");
  // Parameters are not trimmed: " proto" is no proto parameter, so this is a 1.0 request, and
  // the 2.0 body decodes as an empty one (1.0 has no fields 4 and 5).
  auto spaced = Post(c, **s, wire::v2::EncodeRequestV2(req),
                     "application/x-protobuf; proto=io.prometheus.write.v2.Request");
  EXPECT_EQ(spaced.status, 204) << spaced.body;
  EXPECT_EQ(Written(spaced), "//");
  EXPECT_TRUE(Query(c, **s, "taken_for_v1")["data"]["result"].empty());
  // And a 1.0 body under the 2.0 Content-Type is an empty 2.0 request.
  wire::WriteRequest v1;
  v1.timeseries.push_back({{{"__name__", "v1_as_v2"}}, {{NowMs(), 1}}, {}, {}});
  auto as_v2 = Post(c, **s, wire::EncodeWriteRequest(v1));
  EXPECT_EQ(as_v2.status, 204) << as_v2.body;
  EXPECT_EQ(Written(as_v2), "0/0/0");
  EXPECT_TRUE(Query(c, **s, "v1_as_v2")["data"]["result"].empty());
}

// Prometheus checks samples against committed data only: an older one later in the same request
// is counted as written and dropped at commit.
TEST(RemoteWriteV2, AnOlderSampleLaterInTheRequestIsCountedAndDropped) {
  auto s = server::StartEmbedded();
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  const int64_t now = NowMs();
  wire::v2::RequestV2 req;
  req.timeseries.push_back(Series("within", {{2, now, 0}, {1, now - 20000, 0}, {3, now, 0}}));
  auto r = Post(c, **s, wire::v2::EncodeRequestV2(req));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Written(r), "3/0/0");
  auto q = Query(c, **s, "count_over_time(within[1m])");
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "1");
}

// Without --enable-feature=exemplar-storage (Prometheus' default) exemplars are accepted and
// counted, but not kept.
TEST(RemoteWriteV2, ExemplarsAreCountedButKeptOnlyWithExemplarStorage) {
  auto s = server::StartEmbedded();
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  const int64_t now = NowMs();
  wire::v2::RequestV2 req;
  auto ts = Series("not_kept_total", {{1, now, 0}});
  ts.exemplars.push_back({{{"trace_id", "abc"}}, 1, now});
  req.timeseries.push_back(ts);
  auto r = Post(c, **s, wire::v2::EncodeRequestV2(req));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Written(r), "1/0/1");
  EXPECT_TRUE(Exemplars(c, **s, "not_kept_total", now)["data"].empty());
}

TEST(RemoteWriteV2, UndecodableBodyIs400AndOnlyV2CanBeRequired) {
  auto s = server::StartEmbedded(
      {"--web.remote-write-receiver.accepted-protobuf-messages=io.prometheus.write.v2.Request"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  HttpClient c;
  EXPECT_EQ(Post(c, **s, std::string("\xff\xff\xff", 3)).status, 400);
  wire::WriteRequest v1;
  v1.timeseries.push_back({{{"__name__", "v1_only"}}, {{NowMs(), 1}}, {}, {}});
  auto r = Post(c, **s, wire::EncodeWriteRequest(v1), "application/x-protobuf;proto=prometheus.WriteRequest");
  EXPECT_EQ(r.status, 415) << r.body;
}

TEST(RemoteWriteV2, AnUnknownMessageNameInTheFlagIsRefused) {
  auto s = server::StartEmbedded(
      {"--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequestV3"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("prometheus.WriteRequestV3"), std::string::npos) << s.error().message();
}

}  // namespace
}  // namespace promref::api
