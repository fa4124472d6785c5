// promref and Prometheus 3.16 scrape the same test exporters with the same configuration;
// their targets, scrape pools, metadata, series and latest values must agree.
//
// The exporters cover what a scrape can meet: every metric type in the text format and in
// OpenMetrics (exemplars, units), exposed labels that collide with target labels (with and
// without honor_labels), metric relabeling, a target that answers 500, one that times out,
// one over body_size_limit, one over sample_limit, a malformed body, a target dropped by
// relabeling, and series that disappear (staleness).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "conformance/client/http_client.h"
#include "conformance/peers/local_peer.h"
#include "metrics.pb.h"
#include "server/promref_server.h"

namespace promref {
namespace {

using nlohmann::json;
using promconform::HttpClient;

constexpr const char* kText = R"(# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a"} 1027
http_requests_total{code="500",path="/a b\"c\\d\ne"} 3
# HELP temp_celsius Temperature.
# TYPE temp_celsius gauge
temp_celsius -3.5
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 2
latency_seconds_bucket{le="1"} 5
latency_seconds_bucket{le="+Inf"} 6
latency_seconds_sum 3.2
latency_seconds_count 6
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.01
rpc_seconds{quantile="0.99"} 0.5
rpc_seconds_sum 12
rpc_seconds_count 100
untyped_thing 42
# HELP debug_only Dropped by metric relabeling.
# TYPE debug_only gauge
debug_only 1
special_values{kind="nan"} NaN
special_values{kind="inf"} +Inf
)";

constexpr const char* kOpenMetrics = R"(# TYPE build info
# HELP build Build information.
build_info{version="1.2.3"} 1
# TYPE disk_bytes gauge
# UNIT disk_bytes bytes
# HELP disk_bytes Disk usage.
disk_bytes 1.5e9
# TYPE jobs counter
# HELP jobs Jobs done.
jobs_total 17 # {trace_id="abc"} 1.0
# TYPE state stateset
state{state="a"} 1
state{state="b"} 0
# TYPE req_size_bytes histogram
req_size_bytes_bucket{le="100"} 1.5 # {trace_id="x"} 50 1700000000.000
req_size_bytes_bucket{le="+Inf"} 2.5
req_size_bytes_sum 120
req_size_bytes_count 2.5
# EOF
)";

// A counter and a histogram with both native and classic buckets, in the delimited protobuf
// format (what native histograms need over scrape).
std::string ProtobufBody() {
  namespace dto = io::prometheus::client;
  std::string out;
  const auto put = [&](const dto::MetricFamily& f) {
    const std::string bytes = f.SerializeAsString();
    for (uint64_t n = bytes.size();; n >>= 7) {  // varint length prefix
      out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
      if (n <= 0x7f) break;
    }
    out += bytes;
  };
  dto::MetricFamily counter;
  counter.set_name("proto_requests_total");
  counter.set_help("Requests.");
  counter.set_type(dto::COUNTER);
  counter.add_metric()->mutable_counter()->set_value(5);
  put(counter);
  dto::MetricFamily hist;
  hist.set_name("proto_latency_seconds");
  hist.set_help("Latency.");
  hist.set_type(dto::HISTOGRAM);
  auto* h = hist.add_metric()->mutable_histogram();
  h->set_sample_count(4);
  h->set_sample_sum(10);
  h->set_schema(0);
  h->set_zero_threshold(1e-128);
  h->set_zero_count(1);
  auto* span = h->add_positive_span();
  span->set_offset(0);
  span->set_length(2);
  h->add_positive_delta(2);
  h->add_positive_delta(-1);
  auto* b1 = h->add_bucket();
  b1->set_upper_bound(1);
  b1->set_cumulative_count(3);
  auto* b2 = h->add_bucket();
  b2->set_upper_bound(2);
  b2->set_cumulative_count(4);
  put(hist);
  return out;
}

constexpr const char* kConflict = "m{job=\"exporter\",instance=\"inner\",exported_job=\"x\"} 1\n";

class Exporters {
 public:
  Exporters() {
    Text("/ok", kText, "text/plain; version=0.0.4; charset=utf-8");
    Text("/om", kOpenMetrics, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    Text("/conflict", kConflict, "text/plain; version=0.0.4");
    Text("/proto", ProtobufBody(),
         "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited");
    Text("/bad", "m{a=\"1\" 1\n", "text/plain; version=0.0.4");
    Text("/limit", "a 1\nb 2\nc 3\n", "text/plain; version=0.0.4");
    Text("/big", std::string(300, '#') + "\nm 1\n", "text/plain; version=0.0.4");
    server_.Get("/fail", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("failed\n", "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      res.set_content("m 1\n", "text/plain; version=0.0.4");
    });
    server_.Get("/changing", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(shrunk_ ? "stays 1\n" : "stays 1\ngoes 2\n", "text/plain; version=0.0.4");
    });
    // Enough workers that the slow target's requests (two servers, one a second each) never
    // queue the others' behind them.
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Exporters() {
    server_.stop();
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Shrink() { shrunk_ = true; }

 private:
  void Text(const std::string& path, std::string body, std::string type) {
    server_.Get(
        path, [body, type](const httplib::Request&, httplib::Response& res) { res.set_content(body, type); });
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> shrunk_{false};
};

std::string Config(const std::string& addr) {
  const auto job = [&](const std::string& name, const std::string& path, const std::string& extra = "") {
    return "  - job_name: " + name + "\n    metrics_path: " + path +
           "\n    static_configs:\n      - targets: ['" + addr + "']\n        labels: {env: test}\n" + extra;
  };
  return "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" +
         job("ok", "/ok",
             "    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: debug_.*\n"
             "        action: drop\n      - source_labels: [code]\n        target_label: status\n") +
         job("om", "/om") + job("conflict", "/conflict") +
         job("honor", "/conflict", "    honor_labels: true\n") + job("bad", "/bad") + job("fail", "/fail") +
         job("slow", "/slow", "    scrape_timeout: 500ms\n") +
         job("big", "/big", "    body_size_limit: 100B\n") + job("limit", "/limit", "    sample_limit: 2\n") +
         job("labels", "/ok", "    label_limit: 3\n") + job("changing", "/changing") +
         job("proto", "/proto", "    scrape_native_histograms: true\n") + job("proto_text", "/proto") +
         job("nhcb", "/ok", "    convert_classic_histograms_to_nhcb: true\n") +
         job("nhcb_keep", "/om",
             "    convert_classic_histograms_to_nhcb: true\n    always_scrape_classic_histograms: true\n") +
         job("nhcb_proto", "/proto", "    convert_classic_histograms_to_nhcb: true\n") +
         job("proto_coarse", "/proto",
             "    scrape_native_histograms: true\n    native_histogram_min_bucket_factor: 4\n") +
         job("proto_bucket_limit", "/proto",
             "    scrape_native_histograms: true\n    native_histogram_bucket_limit: 1\n") +
         job("proto_classic", "/proto",
             "    scrape_native_histograms: true\n    always_scrape_classic_histograms: true\n") +
         job("dropped", "/ok",
             "    relabel_configs:\n      - source_labels: [env]\n        regex: test\n        action: "
             "drop\n");
}

json Get(HttpClient& c, const std::string& url) {
  auto r = c.Get(url);
  EXPECT_EQ(r.status, 200) << url << ": " << r.body;
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j["data"];
}

// Active targets by pool, without the fields that depend on timing.
std::map<std::string, json> ActiveTargets(const json& data) {
  std::map<std::string, json> out;
  for (json t : data["activeTargets"]) {
    t.erase("lastScrape");
    t.erase("lastScrapeDuration");
    out[t["scrapePool"].get<std::string>()] = t;
  }
  return out;
}

bool AllScrapedTwice(HttpClient& c, const std::string& base) {
  const json data = Get(c, base + "/api/v1/targets?state=active");
  if (data["activeTargets"].size() != 19) return false;
  for (const auto& t : data["activeTargets"]) {
    if (t["lastScrape"] == "0001-01-01T00:00:00Z") return false;
  }
  return true;
}

// Every series and its latest value at `t`, volatile series left out.
std::map<std::string, std::string> Latest(HttpClient& c, const std::string& base) {
  const json data = Get(c, base + "/api/v1/query?query=" + "%7Bjob%3D~%22.%2B%22%7D");
  std::map<std::string, std::string> out;
  for (const auto& s : data["result"]) {
    const std::string name = s["metric"].value("__name__", "");
    if (name == "scrape_duration_seconds" || name == "scrape_series_added") continue;
    out[s["metric"].dump()] =
        s.contains("histogram") ? s["histogram"][1].dump() : s["value"][1].get<std::string>();
  }
  return out;
}

std::set<std::string> AsSet(const json& array) {
  std::set<std::string> out;
  for (const auto& e : array) out.insert(e.dump());
  return out;
}

TEST(ScrapeDiff, TargetsSeriesAndMetadataAgreeWithPrometheus) {
  Exporters exporters;
  const std::string cfg = Config(exporters.address());
  auto spec = promconform::PinnedPrometheusPeer({"--scrape.discovery-reload-interval=1s"});
  spec.files["prometheus.yml"] = cfg;
  auto peer = promconform::LocalPeer::Start(spec);
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({"--scrape.discovery-reload-interval=1s"}, cfg);
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  const std::string prom = (*peer)->base_url(), mine = (*ref)->base_url();
  HttpClient c;
  for (int i = 0; i < 300 && !(AllScrapedTwice(c, prom) && AllScrapedTwice(c, mine)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few more scrapes each

  const json prom_targets = Get(c, prom + "/api/v1/targets"), my_targets = Get(c, mine + "/api/v1/targets");
  auto want = ActiveTargets(prom_targets), got = ActiveTargets(my_targets);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [pool, t] : want) {
    SCOPED_TRACE(pool);
    json mine_t = got[pool], prom_t = t;
    mine_t.erase("globalUrl");  // hostnames differ only if the two servers' listen ports match
    prom_t.erase("globalUrl");
    EXPECT_EQ(mine_t.dump(2), prom_t.dump(2));
  }
  // The cases the exporters set up really happened (Prometheus is the oracle of the texts).
  // Two buckets that stay two down to schema -4: over a limit of one, the scrape fails.
  EXPECT_EQ(want["proto_bucket_limit"]["lastError"], "histogram bucket limit exceeded");
  for (const char* pool : {"fail", "slow", "big", "limit", "labels", "bad"}) {
    EXPECT_EQ(want[pool]["health"], "down") << pool;
  }
  for (const char* pool : {"ok", "om", "conflict", "honor", "changing"})
    EXPECT_EQ(want[pool]["health"], "up") << pool;
  EXPECT_EQ(prom_targets["droppedTargets"].size(), 1u);
  EXPECT_EQ(my_targets["droppedTargets"], prom_targets["droppedTargets"]);
  EXPECT_EQ(my_targets["droppedTargetCounts"], prom_targets["droppedTargetCounts"]);
  EXPECT_EQ(Get(c, mine + "/api/v1/scrape_pools"), Get(c, prom + "/api/v1/scrape_pools"));

  EXPECT_EQ(AsSet(Get(c, mine + "/api/v1/targets/metadata")),
            AsSet(Get(c, prom + "/api/v1/targets/metadata")));
  EXPECT_EQ(Get(c, mine + "/api/v1/metadata"), Get(c, prom + "/api/v1/metadata"));
  EXPECT_EQ(Get(c, mine + "/api/v1/targets/metadata?metric=jobs&match_target=%7Bjob%3D%22om%22%7D"),
            Get(c, prom + "/api/v1/targets/metadata?metric=jobs&match_target=%7Bjob%3D%22om%22%7D"));

  for (const std::string q :
       {"scrapePool=dropped&labels=%7B%22__address__%22%3A%22h%3A1%22%2C%22env%22%3A%22test%22%7D",
        "scrapePool=dropped&labels=%7B%22env%22%3A%22prod%22%7D", "scrapePool=ok&labels=%7B%7D",
        "scrapePool=nope&labels=%7B%7D", "scrapePool=ok"}) {
    SCOPED_TRACE(q);
    const auto want_r = c.Get(prom + "/api/v1/targets/relabel_steps?" + q);
    const auto got_r = c.Get(mine + "/api/v1/targets/relabel_steps?" + q);
    EXPECT_EQ(got_r.status, want_r.status);
    EXPECT_EQ(got_r.body, want_r.body);
  }

  const auto want_latest = Latest(c, prom), got_latest = Latest(c, mine);
  EXPECT_GE(want_latest.size(), 50u);
  size_t native = 0, classic_buckets = 0;
  for (const auto& [series, v] : want_latest) {
    if (series.find("proto_latency_seconds\"") != std::string::npos && v.starts_with("{")) ++native;
    if (series.find("proto_latency_seconds_bucket") != std::string::npos) ++classic_buckets;
  }
  EXPECT_EQ(native, 4u) << "jobs proto, proto_classic and proto_coarse read the native histogram; nhcb_proto "
                           "converts";
  size_t nhcb = 0;
  for (const auto& [series, v] : want_latest) {
    if (series.find("\"latency_seconds\"") != std::string::npos &&
        series.find("\"job\":\"nhcb\"") != std::string::npos && v.starts_with("{")) {
      ++nhcb;
    }
  }
  EXPECT_EQ(nhcb, 1u) << "job nhcb turns latency_seconds into one NHCB series";
  EXPECT_EQ(classic_buckets, 6u) << "proto_text and proto_classic keep the classic buckets (le 1, 2, +Inf)";
  for (const auto& [series, v] : want_latest) {
    auto it = got_latest.find(series);
    if (it == got_latest.end()) {
      ADD_FAILURE() << "promref lacks " << series;
    } else {
      EXPECT_EQ(it->second, v) << series;
    }
  }
  for (const auto& [series, v] : got_latest) {
    EXPECT_TRUE(want_latest.count(series)) << "promref has, Prometheus does not: " << series;
  }

  // A series that leaves the exposition goes stale at the next scrape in both.
  exporters.Shrink();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (const std::string& base : {prom, mine}) {
    SCOPED_TRACE(base);
    // On a loaded machine one scrape of /changing can time out, which marks `stays` stale too
    // until the next one: wait for a scrape that went through.
    for (int i = 0; i < 50 && Get(c, base + "/api/v1/query?query=stays")["result"].empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(Get(c, base + "/api/v1/query?query=goes")["result"].empty());
    EXPECT_EQ(Get(c, base + "/api/v1/query?query=stays")["result"].size(), 1u);
    EXPECT_EQ(Get(c, base + "/api/v1/query?query=count_over_time(goes[1m])")["result"].size(), 1u);
  }
}

}  // namespace
}  // namespace promref
