// promref's HTTP API against real Prometheus 3.x (the pinned module build, which promref
// follows), endpoint by endpoint: the same data is written to both by remote write, then the
// same requests (well-formed and malformed: bad times, durations, matchers, missing parameters,
// unknown endpoints, wrong methods) must give the same status, errorType and data.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "peers/local_peer.h"
#include "server/promref_server.h"

namespace promref::api {
namespace {

using promconform::FormEncode;
using promconform::HttpClient;
using promconform::HttpResponse;

struct Case {
  std::string method;
  std::string path;                                       // with query string
  std::vector<std::pair<std::string, std::string>> form;  // POST body
  bool compare_data = true;                               // data must match (else status and errorType)
  std::string version_note;  // non-empty: a deliberate 3.x difference; then only promref's answer is checked
  int promref_status = 0;    // with version_note: the status promref must give
};

class ApiDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    prometheus_ = std::move(*peer).release();
    auto ref = server::StartEmbedded({"--web.enable-lifecycle"});
    ASSERT_TRUE(ref.ok()) << ref.error().message();
    promref_ = std::move(*ref).release();
    // The same data in both: counters with a reset, a gauge, classic histogram buckets, and a
    // series that stops; scraped every 15 s with jitter, ending a minute ago.
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    end_ = (now - 60'000) / 1000 * 1000;
    wire::WriteRequest req;
    uint64_t x = 12345;
    auto jitter = [&x] {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<int64_t>((x >> 33) % 700);
    };
    for (const char* inst : {"a:1", "b:2"}) {
      wire::TimeSeries counter{
          {{"__name__", "diff_requests_total"}, {"job", "api"}, {"instance", inst}}, {}, {}, {}};
      wire::TimeSeries gauge{
          {{"__name__", "diff_temperature"}, {"job", "api"}, {"instance", inst}}, {}, {}, {}};
      wire::TimeSeries stopping{
          {{"__name__", "diff_batch"}, {"job", "batch"}, {"instance", inst}}, {}, {}, {}};
      double c = 0;
      for (int i = 0; i < 120; ++i) {
        const int64_t t = end_ - (119 - i) * 15'000 + jitter();
        c = (i == 70 && std::string(inst) == "b:2") ? 3 : c + static_cast<double>(i % 7);
        counter.samples.push_back({t, c});
        gauge.samples.push_back({t, 20 + static_cast<double>((i * 37) % 11) / 3});
        if (i < 60) stopping.samples.push_back({t, static_cast<double>(i)});
      }
      req.timeseries.push_back(counter);
      req.timeseries.push_back(gauge);
      req.timeseries.push_back(stopping);
      for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
        wire::TimeSeries b{
            {{"__name__", "diff_latency_bucket"}, {"job", "api"}, {"instance", inst}, {"le", le}},
            {},
            {},
            {}};
        for (int i = 0; i < 120; ++i) {
          const double base = static_cast<double>(i) * (std::string(le) == "0.1"   ? 1
                                                        : std::string(le) == "0.5" ? 3
                                                        : std::string(le) == "1"   ? 4
                                                                                   : 5);
          b.samples.push_back({end_ - (119 - i) * 15'000 + 111, base});
        }
        req.timeseries.push_back(b);
      }
    }
    HttpClient client;
    for (const std::string& base : {prometheus_->base_url(), promref_->base_url()}) {
      Status st = promconform::SendRemoteWrite(client, base + "/api/v1/write", req);
      ASSERT_TRUE(st.ok()) << base << ": " << st.error().message();
    }
  }
  static void TearDownTestSuite() {
    delete promref_;
    delete prometheus_;
  }

  static std::string T(int64_t ms) {
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  }

  static promconform::LocalPeer* prometheus_;
  static server::PromrefServer* promref_;
  static int64_t end_;
};
promconform::LocalPeer* ApiDiff::prometheus_ = nullptr;
server::PromrefServer* ApiDiff::promref_ = nullptr;
int64_t ApiDiff::end_ = 0;

// Removes what legitimately differs between two servers from a response's data, and the one
// wording change of 3.x that touches many endpoints: 2.42's "Invalid time value" is "invalid
// time value" in 3.x.
nlohmann::json Normalize(nlohmann::json j) {
  if (j.is_object() && j.contains("data") && j["data"].is_object() && j["data"].contains("stats")) {
    j["data"].erase("stats");
  }
  // The order of an instant vector is unspecified unless the query sorts (none here does).
  if (j.is_object() && j.contains("data") && j["data"].is_object() &&
      j["data"].value("resultType", "") == "vector") {
    auto& r = j["data"]["result"];
    std::sort(r.begin(), r.end(),
              [](const auto& a, const auto& b) { return a["metric"].dump() < b["metric"].dump(); });
  }
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    std::string e = j["error"];
    if (const size_t p = e.find("Invalid time value"); p != std::string::npos) e[p] = 'i';
    j["error"] = e;
  }
  return j;
}

TEST_F(ApiDiff, EveryEndpointAnswersAsPrometheus) {
  const std::string t = T(end_ - 7'777);
  const std::string start = T(end_ - 30 * 60'000), stop = T(end_);
  std::vector<Case> cases = {
      // Expression queries.
      {"GET", "/api/v1/query?query=diff_requests_total&time=" + t},
      {"GET", "/api/v1/query?query=" +
                  promconform::UrlEncode("sum by (instance) (rate(diff_requests_total[5m]))") + "&time=" + t},
      {"GET", "/api/v1/query?query=" +
                  promconform::UrlEncode("histogram_quantile(0.9, rate(diff_latency_bucket[10m]))") +
                  "&time=" + t},
      {"GET", "/api/v1/query?query=" + promconform::UrlEncode("max_over_time(diff_temperature[10m:1m])") +
                  "&time=" + t},
      {"GET", "/api/v1/query?query=diff_batch&time=" + t},
      {"GET", "/api/v1/query?query=%221%22&time=" + t},
      {"GET", "/api/v1/query?query=1e21&time=" + t},
      {"GET", "/api/v1/query?query=diff_temperature%5B1m%5D&time=" + t},
      {"POST", "/api/v1/query", {{"query", "count(diff_temperature)"}, {"time", t}}},
      {"GET", "/api/v1/query?query=diff_temperature&time=" + t + "&stats=true"},
      {"GET", "/api/v1/query?query=sum(&time=" + t},
      {"GET",
       "/api/v1/query?query=1&time=abc",
       {},
       true,
       "3.x spells \"invalid time value\" in lower case",
       400},
      {"GET", "/api/v1/query?time=" + t},
      {"GET", "/api/v1/query?query=1&timeout=abc"},
      {"GET",
       "/api/v1/query?query=" + promconform::UrlEncode("diff_requests_total + on(job) diff_temperature") +
           "&time=" + t,
       {},
       true,
       "3.x names the two duplicate series in sorted order (upstream operators.test, 'stable, sorted order')",
       422},
      {"GET",
       "/api/v1/query?query=" +
           promconform::UrlEncode("label_replace(diff_temperature, \"x\", \"$1\", \"instance\", \"(\")") +
           "&time=" + t},
      {"GET", "/api/v1/query_range?query=diff_temperature&start=" + start + "&end=" + stop + "&step=60"},
      {"GET", "/api/v1/query_range?query=" + promconform::UrlEncode("rate(diff_requests_total[2m])") +
                  "&start=" + start + "&end=" + stop + "&step=37s"},
      {"POST",
       "/api/v1/query_range",
       {{"query", "sum(diff_temperature)"}, {"start", start}, {"end", stop}, {"step", "5m"}}},
      {"GET", "/api/v1/query_range?query=1&start=0&end=11000&step=1"},
      {"GET", "/api/v1/query_range?query=1&start=0&end=11001&step=1"},
      {"GET", "/api/v1/query_range?query=1&start=10&end=0&step=1"},
      {"GET", "/api/v1/query_range?query=1&start=0&end=10&step=0"},
      {"GET", "/api/v1/query_range?query=1&start=0&end=10&step=x"},
      {"GET", "/api/v1/query_range?query=1&end=10&step=1"},
      {"GET", "/api/v1/query_range?query=1&start=0&step=1"},
      {"GET", "/api/v1/query_range?query=1&start=0&end=10"},
      {"GET",
       "/api/v1/query_range?query=diff_temperature%5B5m%5D&start=0&end=10&step=1",
       {},
       true,
       "3.x prefixes the range-vector error with invalid parameter \"query\"",
       400},
      {"GET", "/api/v1/format_query?query=" + promconform::UrlEncode("sum by(job)(rate(x[5m]))/2")},
      {"GET", "/api/v1/format_query?query=sum("},
      {"POST", "/api/v1/format_query", {{"query", "a+b"}}},
      // Series, labels, label values.
      {"GET", "/api/v1/series?match[]=diff_temperature"},
      {"GET", "/api/v1/series?match[]=diff_temperature&match[]=" + promconform::UrlEncode("{job=\"batch\"}")},
      {"POST", "/api/v1/series", {{"match[]", "diff_batch"}, {"start", start}}},
      {"GET", "/api/v1/series"},
      {"GET", "/api/v1/series?match[]=" + promconform::UrlEncode("{job=\"\"}")},
      {"GET",
       "/api/v1/series?match[]=" + promconform::UrlEncode("{job=~\"(\"}"),
       {},
       true,
       "3.x parses a regex on its own first, so Go's error names the bare pattern",
       400},
      {"GET", "/api/v1/series?match[]=up&start=abc"},
      {"GET", "/api/v1/labels"},
      {"GET", "/api/v1/labels?match[]=diff_batch"},
      {"POST", "/api/v1/labels", {{"match[]", "diff_latency_bucket"}}},
      {"GET", "/api/v1/labels?start=x"},
      {"GET", "/api/v1/label/job/values"},
      {"GET", "/api/v1/label/le/values?match[]=diff_latency_bucket"},
      {"GET", "/api/v1/label/__name__/values"},
      {"GET", "/api/v1/label/a-b/values", {}, true, "3.x accepts any UTF-8 label name", 200},
      {"GET", "/api/v1/label/job/values?end=abc"},
      // Exemplars.
      {"GET", "/api/v1/query_exemplars?query=1"},
      {"GET", "/api/v1/query_exemplars?query=diff_temperature"},
      {"GET", "/api/v1/query_exemplars?query=diff_temperature&start=10&end=5"},
      {"GET", "/api/v1/query_exemplars?query=sum("},
      // Targets, rules, alerts and friends (no scrape targets or rules on either side).
      {"GET", "/api/v1/targets", {}, true, "droppedTargetCounts was added in 2.48", 200},
      {"GET", "/api/v1/rules"},
      {"GET", "/api/v1/rules?type=alert"},
      {"GET", "/api/v1/rules?type=bogus"},
      {"GET", "/api/v1/alerts"},
      {"GET", "/api/v1/alertmanagers"},
      {"GET", "/api/v1/targets/metadata"},
      {"GET", "/api/v1/targets/metadata?limit=x"},
      {"GET", "/api/v1/metadata"},
      {"GET", "/api/v1/metadata?limit=x"},
      {"GET", "/api/v1/scrape_pools"},
      // Status (contents describe each server; statuses must agree).
      {"GET", "/api/v1/status/config", {}, false},
      {"GET", "/api/v1/status/flags", {}, false},
      {"GET", "/api/v1/status/runtimeinfo", {}, false},
      {"GET", "/api/v1/status/buildinfo", {}, false},
      {"GET", "/api/v1/status/walreplay", {}, false},
      // Admin API (enabled on both), lifecycle, health, routing.
      {"POST", "/api/v1/admin/tsdb/delete_series"},
      {"POST", "/api/v1/admin/tsdb/delete_series", {{"match[]", "{job=\"\"}"}}},
      {"GET", "/api/v1/admin/tsdb/delete_series"},
      {"GET", "/-/healthy"},
      {"GET", "/-/ready"},
      {"GET", "/-/reload"},
      {"GET", "/api/v1/nope"},
      {"GET", "/nope"},
      {"PUT", "/api/v1/query", {{"query", "1"}}},
      {"POST", "/api/v1/label/job/values", {{"x", "y"}}},
      {"DELETE", "/api/v1/series?match[]=x", {}, true, "DELETE /api/v1/series was removed in 3.12", 405},
      {"GET", "/federate"},
  };
  HttpClient client;
  int disagreements = 0;
  for (const Case& c : cases) {
    auto send = [&](const std::string& base) {
      promconform::HttpRequest req;
      req.method = c.method;
      req.url = base + c.path;
      if (!c.form.empty() || c.method == "POST" || c.method == "PUT") {
        req.body = FormEncode(c.form);
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
      return client.Do(req);
    };
    const HttpResponse ours = send(promref_->base_url());
    ASSERT_TRUE(ours.answered()) << ours.transport_error;
    if (!c.version_note.empty()) {
      // A 3.x change since 2.42: the peer is 3.x, so it is compared like any other case, and
      // the status the case states must hold too.
      EXPECT_EQ(ours.status, c.promref_status)
          << c.method << " " << c.path << " (" << c.version_note << "): " << ours.body;
    }
    const HttpResponse theirs = send(prometheus_->base_url());
    ASSERT_TRUE(theirs.answered()) << theirs.transport_error;
    std::string problem;
    if (ours.status != theirs.status) {
      problem = "status " + std::to_string(ours.status) + " vs prometheus " + std::to_string(theirs.status);
    } else if (theirs.Header("Content-Type").rfind("application/json", 0) == 0) {
      const auto a = nlohmann::json::parse(ours.body, nullptr, false);
      const auto b = nlohmann::json::parse(theirs.body, nullptr, false);
      if (a.is_discarded()) {
        problem = "promref sent invalid JSON";
      } else if (a.value("status", "") != b.value("status", "") ||
                 a.value("errorType", "") != b.value("errorType", "")) {
        problem = "status/errorType differ";
      } else if (c.compare_data && Normalize(a) != Normalize(b)) {
        problem = "data differ";
      }
    } else if (c.compare_data && ours.body != theirs.body) {
      problem = "body differs";
    }
    if (!problem.empty()) {
      ++disagreements;
      ADD_FAILURE() << c.method << " " << c.path << ": " << problem
                    << "\n  promref:    " << ours.body.substr(0, 600)
                    << "\n  prometheus: " << theirs.body.substr(0, 600);
    }
  }
  EXPECT_EQ(disagreements, 0);
}

}  // namespace
}  // namespace promref::api
