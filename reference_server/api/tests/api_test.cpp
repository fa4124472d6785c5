// The API in process: requests go through the front door and the router to the handlers,
// without sockets. Byte-level behaviour against real Prometheus is the differential suite's
// job; these pin down statuses, envelopes, the receiver's rules and tenant isolation.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "api/front_door.h"
#include "api/nhn_workspace.h"
#include "api/prometheus_api.h"
#include "model/sample.h"
#include "storage/mem_storage.h"
#include "wire/remote_write.h"

namespace promref::api {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void Build(FrontDoorConfig fd) {
    ApiDeps deps;
    deps.engine = &engine_;
    deps.options.enable_remote_write_receiver = true;
    deps.options.enable_admin_api = false;
    deps.now = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(2000)); };
    api_ = std::make_unique<PrometheusApi>(deps);
    api_->Register(router_);
    nhn_ = std::make_unique<NhnWorkspaceApi>("", [](const std::string& project) {
      return std::vector<NhnServer>{{"host-1-" + project, "web-1", "10.0.0.1", "i-1"}};
    });
    nhn_->Register(vendor_);
    door_ = std::make_unique<FrontDoor>(std::move(fd), &router_, &vendor_, [this](const std::string& id) {
      auto& t = tenants_[id];
      if (!t.store) {
        t.store = std::make_unique<storage::MemStorage>();
        t.tenant.id = id;
        t.tenant.storage = t.store.get();
      }
      return &t.tenant;
    });
  }
  void SetUp() override { Build({}); }

  struct Reply {
    int status;
    std::string body;
    HeaderList headers;
    std::string content_type;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& n) const {
      for (const auto& [k, v] : headers) {
        if (k == n) return v;
      }
      return "";
    }
  };

  Reply Do(std::string method, std::string target, std::string body = "", HeaderList headers = {}) {
    Request req;
    req.method = std::move(method);
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.raw_query = target.substr(q + 1);
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.ParseForm();
    Response r = door_->Handle(req);
    Reply out{r.status, r.body, r.headers, r.content_type};
    if (r.stream)
      r.stream([&](std::string_view chunk) {
        out.body += chunk;
        return true;
      });
    return out;
  }

  static std::string Write(const std::vector<std::pair<wire::RawLabels, model::Sample>>& series) {
    wire::WriteRequest req;
    for (const auto& [l, s] : series) req.timeseries.push_back({l, {s}, {}, {}});
    return wire::SnappyCompress(wire::EncodeWriteRequest(req));
  }

  promql::Engine engine_;
  Router router_, vendor_;
  std::unique_ptr<PrometheusApi> api_;
  std::unique_ptr<NhnWorkspaceApi> nhn_;
  std::unique_ptr<FrontDoor> door_;
  struct OwnedTenant {
    std::unique_ptr<storage::MemStorage> store;
    Tenant tenant;
  };
  std::map<std::string, OwnedTenant> tenants_;
};

TEST_F(ApiTest, QueryEnvelopeAndErrors) {
  Reply r = Do("GET", "/api/v1/query?query=1%2B1&time=100");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[100,"2"]}})");
  r = Do("GET", "/api/v1/query?query=1%2B&time=100");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:3: parse error: unexpected end of input"})");
  r = Do("GET", "/api/v1/query?query=1&time=abc");
  EXPECT_EQ(
      r.json()["error"],
      "invalid parameter \"time\": invalid time value for 'time': cannot parse \"abc\" to a valid timestamp");
  r = Do("GET", "/api/v1/query?query=1&limit=-1");
  EXPECT_EQ(r.json()["error"], "invalid parameter \"limit\": limit must be non-negative");
  r = Do("GET", "/api/v1/query_range?query=1&start=0&end=11001&step=1");
  EXPECT_EQ(r.status, 400);
  r = Do("GET", "/api/v1/query_range?query=1&start=0&end=11000&step=1");
  EXPECT_EQ(r.status, 200);
  r = Do("GET", "/api/v1/query_range?query=1&start=10&end=0&step=1");
  EXPECT_EQ(r.json()["error"], "invalid parameter \"end\": end timestamp must not be before start time");
  r = Do("GET", "/api/v1/query_range?query=up[5m]&start=0&end=10&step=1");
  EXPECT_EQ(
      r.json()["error"],
      "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar "
      "or instant Vector");
  EXPECT_EQ(Do("PUT", "/api/v1/query").status, 405);
  EXPECT_EQ(Do("GET", "/api/v1/nope").status, 404);
  EXPECT_EQ(Do("GET", "/api/v1/query/").status, 404);
}

TEST_F(ApiTest, QueryTimeoutParameter) {
  // A timeout that is not a positive duration is the parameter's fault (Prometheus' queryTimeout).
  Reply r = Do("GET", "/api/v1/query?query=1&timeout=-1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"timeout\": timeout must be positive, got -1s"})");
  r = Do("GET", "/api/v1/query_range?query=1&start=0&end=10&step=1&timeout=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"], "invalid parameter \"timeout\": timeout must be positive, got 0s");
  r = Do("GET", "/api/v1/query?query=1&timeout=abc");
  EXPECT_EQ(r.json()["error"], "invalid parameter \"timeout\": cannot parse \"abc\" to a valid duration");
  // A deadline of 1 ns (not rounded up to a millisecond) has passed when the query runs.
  for (const char* q : {"/api/v1/query?query=1&time=100&timeout=0.000000001",
                        "/api/v1/query_range?query=1&start=0&end=10&step=1&timeout=0.000000001"}) {
    r = Do("GET", q);
    EXPECT_EQ(r.status, 503) << q;
    EXPECT_EQ(r.body,
              R"({"status":"error","errorType":"timeout","error":"query timed out in query execution"})")
        << q;
  }
  // A parse error is still reported as such: the query is built before it runs.
  EXPECT_EQ(Do("GET", "/api/v1/query?query=1%2B&timeout=0.000000001").status, 400);
  EXPECT_EQ(Do("GET", "/api/v1/query?query=1&time=100&timeout=1m").status, 200);
}

TEST_F(ApiTest, FormBodyWinsOverUrl) {
  Reply r = Do("POST", "/api/v1/query?query=1&time=100", "query=2",
               {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.json()["data"]["result"][1], "2");
}

TEST_F(ApiTest, RemoteWriteReceiverRules) {
  const HeaderList h = {{"Content-Encoding", "snappy"}, {"Content-Type", "application/x-protobuf"}};
  EXPECT_EQ(Do("POST", "/api/v1/write", Write({{{{"__name__", "m"}, {"a", "1"}}, {1000'000, 1}}}), h).status,
            204);
  EXPECT_EQ(Do("POST", "/api/v1/write", Write({{{{"__name__", "m"}, {"a", "1"}}, {999'000, 2}}}), h).status,
            400)
      << "out of order";
  EXPECT_EQ(Do("POST", "/api/v1/write", "garbage", h).status, 400);
  EXPECT_EQ(Do("POST", "/api/v1/write", Write({}), {{"Content-Encoding", "gzip"}}).status, 415);
  EXPECT_EQ(Do("POST", "/api/v1/write", Write({}), {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(Do("POST", "/api/v1/write", Write({}),
               {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"}})
                .status,
            415)
      << "2.0 is not accepted by default";
  // A series without a name is skipped silently, the rest written.
  EXPECT_EQ(Do("POST", "/api/v1/write",
               Write({{{{"a", "no-name"}}, {1000'000, 1}}, {{{"__name__", "ok"}}, {1000'000, 7}}}), h)
                .status,
            204);
  EXPECT_EQ(Do("GET", "/api/v1/query?query=ok&time=1000").json()["data"]["result"][0]["value"][1], "7");
  // So is a series with a label value that is not UTF-8 (Go's decoder passes the bytes on and
  // the handler skips it; the generated C++ parser would have refused the whole request) or a
  // label name given twice, in whatever order the labels come. Labels out of order are sorted.
  EXPECT_EQ(Do("POST", "/api/v1/write",
               Write({{{{"__name__", "skipped"}, {"bad", "\xff"}}, {1000'000, 1}},
                      {{{"job", "j"}, {"__name__", "skipped"}, {"job", "k"}}, {1000'000, 1}},
                      {{{"z", "last"}, {"__name__", "sorted"}, {"a", "first"}}, {1000'000, 3}}}),
               h)
                .status,
            204);
  EXPECT_TRUE(Do("GET", "/api/v1/query?query=skipped&time=1000").json()["data"]["result"].empty());
  EXPECT_EQ(Do("GET", "/api/v1/query?query=sorted&time=1000").json()["data"]["result"][0]["metric"],
            nlohmann::json::parse(R"({"__name__":"sorted","a":"first","z":"last"})"));
  // Stale markers are stored bit-exact and end the series.
  EXPECT_EQ(
      Do("POST", "/api/v1/write", Write({{{{"__name__", "ok"}}, {1010'000, model::StaleNaN()}}}), h).status,
      204);
  EXPECT_TRUE(Do("GET", "/api/v1/query?query=ok&time=1015").json()["data"]["result"].empty());
  // Tencent Cloud's alias path.
  EXPECT_EQ(Do("POST", "/api/v1/prom/write", Write({{{{"__name__", "t"}}, {1000'000, 1}}}), h).status, 204);
}

// The handler keeps each thread's decoding buffers from one request to the next: what a request
// decoded must never come back in a later one, after an error or not.
TEST_F(ApiTest, RemoteWriteBuffersCarryNothingIntoTheNextRequest) {
  const HeaderList h = {{"Content-Encoding", "snappy"}};
  auto many = [](int64_t t, double v) {
    std::vector<std::pair<wire::RawLabels, model::Sample>> series;
    for (int i = 0; i < 3000; ++i)
      series.push_back({{{"__name__", "big"}, {"i", std::to_string(i)}}, {t, v}});
    return Write(series);
  };
  auto one = [](const std::string& name) { return Write({{{{"__name__", name}}, {1005'000, 5}}}); };
  ASSERT_EQ(Do("POST", "/api/v1/write", many(1000'000, 1), h).status, 204);
  ASSERT_EQ(Do("POST", "/api/v1/write", many(1005'000, 2), h).status, 204);
  // Were the first request's series appended again here, their samples would now be out of
  // order: a 400.
  EXPECT_EQ(Do("POST", "/api/v1/write", one("after_big"), h).status, 204);
  // A request that fails in snappy, then one that fails in protobuf, then a good one.
  EXPECT_EQ(Do("POST", "/api/v1/write", "garbage", h).status, 400);
  EXPECT_EQ(Do("POST", "/api/v1/write", wire::SnappyCompress("\x0a\x05"), h).status, 400);
  EXPECT_EQ(Do("POST", "/api/v1/write", one("after_errors"), h).status, 204);
  auto value = [&](const std::string& q) {
    return Do("GET", "/api/v1/query?query=" + q + "&time=1005").json()["data"]["result"][0]["value"][1];
  };
  EXPECT_EQ(value("count(big)"), "3000");
  EXPECT_EQ(value("sum(big)"), "6000");
  EXPECT_EQ(value("count({__name__=~%22after_.*%22})"), "2");
}

TEST_F(ApiTest, SeriesLabelsAndValues) {
  const HeaderList h = {{"Content-Encoding", "snappy"}};
  ASSERT_EQ(Do("POST", "/api/v1/write",
               Write({{{{"__name__", "a"}, {"job", "x"}, {"http.status", "200"}}, {1000'000, 1}},
                      {{{"__name__", "b"}, {"job", "y"}}, {1000'000, 1}}}),
               h)
                .status,
            204);
  EXPECT_EQ(Do("GET", "/api/v1/series").json()["error"], "no match[] parameter provided");
  EXPECT_EQ(Do("GET", "/api/v1/series?match[]={job=%22%22}").json()["error"],
            "invalid parameter \"match[]\": match[] must contain at least one non-empty matcher");
  EXPECT_EQ(Do("GET", "/api/v1/series?match[]=a&match[]=b&match[]=a").json()["data"].size(), 2u);
  EXPECT_EQ(Do("GET", "/api/v1/labels").body,
            R"({"status":"success","data":["__name__","http.status","job"]})");
  Reply r = Do("GET", "/api/v1/label/job/values?limit=1");
  EXPECT_EQ(r.body, R"({"status":"success","data":["x"],"warnings":["results truncated due to limit"]})");
  EXPECT_EQ(Do("GET", "/api/v1/label/U__http_2e_status/values").body,
            R"({"status":"success","data":["200"]})");
  EXPECT_EQ(Do("GET", "/api/v1/label/job/values?match[]=b").body, R"({"status":"success","data":["y"]})");
}

TEST_F(ApiTest, EmptyStateEndpointsHavePrometheusShapes) {
  EXPECT_EQ(
      Do("GET", "/api/v1/targets").body,
      R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}})");
  EXPECT_EQ(
      Do("GET", "/api/v1/targets?state=active").body,
      R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":null}})");
  EXPECT_EQ(Do("GET", "/api/v1/rules").body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Do("GET", "/api/v1/rules?type=x").json()["error"],
            "invalid parameter \"type\": not supported value \"x\"");
  EXPECT_EQ(Do("GET", "/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(Do("POST", "/api/v1/admin/tsdb/snapshot").status, 500);
  EXPECT_EQ(Do("POST", "/api/v1/admin/tsdb/snapshot").json()["errorType"], "unavailable");
  EXPECT_EQ(Do("GET", "/-/healthy").body, "Prometheus Server is Healthy.\n");
  EXPECT_EQ(Do("POST", "/-/reload").status, 403);
  EXPECT_EQ(Do("GET", "/-/reload").status, 405);
  EXPECT_EQ(Do("GET", "/api/v1/query_exemplars?query=1").status, 204);
}

TEST_F(ApiTest, HealthAndReadinessAnswerHeadWithTheStatusOnly) {
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    Reply get = Do("GET", path);
    EXPECT_EQ(get.status, 200) << path;
    EXPECT_EQ(get.content_type, "text/plain; charset=utf-8") << path;
    // Prometheus' HEAD handlers write nothing, so Go sends no Content-Type.
    Reply head = Do("HEAD", path);
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_EQ(head.body, "") << path;
    EXPECT_EQ(head.content_type, "") << path;
    EXPECT_EQ(head.header("Content-Type"), "") << path;
  }
}

TEST_F(ApiTest, CorsHeaders) {
  // Prometheus 3.x names the origin (its default --web.cors.origin `.*` matches every one).
  Reply r = Do("GET", "/api/v1/labels", "", {{"Origin", "http://grafana"}});
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "http://grafana");
  std::vector<std::string> vary;
  for (const auto& [k, v] : r.headers) {
    if (k == "Vary") vary.push_back(v);
  }
  // Prometheus' compression wrapper names Accept-Encoding before the handler's CORS names Origin.
  EXPECT_EQ(vary, (std::vector<std::string>{"Accept-Encoding", "Origin"}));
  EXPECT_EQ(Do("OPTIONS", "/api/v1/anything").status, 204);
}

TEST_F(ApiTest, AnswersAreCompressedAsPrometheusCompressesThem) {
  Reply gz = Do("GET", "/api/v1/labels", "", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  ASSERT_GE(gz.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);  // gzip magic
  EXPECT_EQ(Do("GET", "/api/v1/labels", "", {{"Accept-Encoding", "deflate"}}).header("Content-Encoding"),
            "deflate");
  // Only an exact element counts; the remote-write receiver and health paths are never compressed.
  EXPECT_EQ(Do("GET", "/api/v1/labels", "", {{"Accept-Encoding", "gzip;q=1"}}).header("Content-Encoding"),
            "");
  EXPECT_EQ(Do("GET", "/-/healthy", "", {{"Accept-Encoding", "gzip"}}).header("Content-Encoding"), "");
}

class TenancyTest : public ApiTest {
 protected:
  void SetUp() override {
    FrontDoorConfig fd;
    fd.route_prefix = "/prometheus";
    fd.tenants = {{"projA", {"key-a"}, {"tok-a"}, {{"1001", "tok-a"}}}, {"projB", {"key-b"}, {"tok-b"}, {}}};
    Build(fd);
  }
};

TEST_F(TenancyTest, KeysSelectTenantsThatNeverSeeEachOther) {
  const std::string body = Write({{{{"__name__", "secret"}}, {1000'000, 42}}});
  EXPECT_EQ(Do("POST", "/prometheus/api/v1/write", body, {{"X-TC-APP-KEY", "key-a"}}).status, 204);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/query?query=secret&time=1000", "", {{"x-tc-app-key", "key-a"}})
                .json()["data"]["result"]
                .size(),
            1u);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/query?query=secret&time=1000", "", {{"X-TC-APP-KEY", "key-b"}})
                .json()["data"]["result"]
                .size(),
            0u);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/label/__name__/values", "", {{"X-TC-APP-KEY", "key-b"}}).body,
            R"({"status":"success","data":[]})");
  // Bearer and basic auth reach the same tenant as its app key.
  EXPECT_EQ(
      Do("GET", "/prometheus/api/v1/query?query=secret&time=1000", "", {{"Authorization", "Bearer tok-a"}})
          .json()["data"]["result"]
          .size(),
      1u);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/query?query=secret&time=1000", "",
               {{"Authorization", "Basic MTAwMTp0b2stYQ=="}})  // 1001:tok-a
                .json()["data"]["result"]
                .size(),
            1u);
}

TEST_F(TenancyTest, MissingOrUnknownCredentialsAre401AndOtherProjectsAre403) {
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/labels").status, 401);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/labels", "", {{"X-TC-APP-KEY", "nope"}}).status, 401);
  EXPECT_EQ(Do("GET", "/prometheus/api/v1/labels", "", {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(Do("GET", "/api/v1/labels", "", {{"X-TC-APP-KEY", "key-a"}}).status, 404)
      << "API only under the prefix";
  EXPECT_EQ(Do("GET", "/v1.0/projects/projB/jobs", "", {{"X-TC-APP-KEY", "key-a"}, {"X-SYSMON-REGION", "kr"}})
                .status,
            403);
  EXPECT_EQ(Do("GET", "/v1.0/projects/projA/jobs", "", {{"X-SYSMON-REGION", "kr"}}).status, 401);
}

TEST_F(TenancyTest, NhnWorkspaceJobsAndTargets) {
  const HeaderList h = {
      {"X-TC-APP-KEY", "key-a"}, {"X-SYSMON-REGION", "kr"}, {"Content-Type", "application/json"}};
  Reply r = Do("GET", "/v1.0/projects/projA/jobs", "", h);
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j["header"]["resultCode"], 0);
  ASSERT_EQ(j["body"].size(), 1u);
  const std::string reserved = j["body"][0]["jobId"];
  EXPECT_EQ(j["body"][0]["reservedJobCd"], "DEFAULT");

  r = Do("POST", "/v1.0/projects/projA/jobs",
         R"({"jobName":"web","metricsPath":"/metrics","description":"d"})", h);
  j = r.json();
  ASSERT_EQ(j["header"]["resultCode"], 0);
  const std::string job = j["body"]["jobId"];
  EXPECT_EQ(Do("POST", "/v1.0/projects/projA/jobs", R"({"jobName":"web","metricsPath":"/metrics"})", h)
                .json()["header"]["resultCode"],
            -40001);
  EXPECT_EQ(Do("POST", "/v1.0/projects/projA/jobs", R"({"jobName":"x"})", h).json()["header"]["resultCode"],
            -40002);
  EXPECT_EQ(Do("PUT", "/v1.0/projects/projA/jobs/" + reserved, R"({"metricsPath":"/m"})", h)
                .json()["header"]["resultCode"],
            -40012);
  EXPECT_EQ(Do("POST", "/v1.0/projects/projA/jobs/" + job + "/targets", R"({"hostId":"nope","port":9100})", h)
                .json()["header"]["resultCode"],
            -40004);
  r = Do("POST", "/v1.0/projects/projA/jobs/" + job + "/targets",
         R"({"hostId":"host-1-projA","port":"9100"})", h);
  ASSERT_EQ(r.json()["header"]["resultCode"], 0);
  const std::string target = r.json()["body"];
  EXPECT_EQ(Do("GET", "/v1.0/projects/projA/jobs/" + job + "/targets", "", h).json()["body"][0]["port"],
            9100);
  EXPECT_EQ(Do("DELETE", "/v1.0/projects/projA/jobs/" + job + "/targets/" + target, "", h).json()["body"],
            target);
  EXPECT_EQ(Do("DELETE", "/v1.0/projects/projA/jobs/" + job + "/targets/" + target, "", h)
                .json()["header"]["resultCode"],
            -40007);
  EXPECT_EQ(Do("DELETE", "/v1.0/projects/projA/jobs/" + job, "", h).json()["body"], job);
  EXPECT_EQ(Do("GET", "/v1.0/projects/projA/jobs/" + job, "", h).json()["header"]["resultCode"], -40006);
  EXPECT_EQ(Do("GET", "/v1.0/projects/projA/servers", "", h).json()["body"][0]["hostId"], "host-1-projA");
}

TEST(SecretEquals, ComparesWholeStrings) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "abcd"));
  EXPECT_FALSE(SecretEquals("", "a"));
}

}  // namespace
}  // namespace promref::api
