// Real clients against promref:
//  - promtool (Debian's 2.42, and the pinned 3.x's) runs `query instant|range|series|labels`
//    against promref and against the Prometheus of its version holding the same data; the
//    outputs must be identical;
//  - Prometheus scrapes itself and remote-writes to promref (Debian's 2.42 with remote write 1.0,
//    the pinned 3.x with 1.0 and with 2.0); its queue must drain with no failed samples, and
//    promref must then answer queries on that data as Prometheus does.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "peers/local_peer.h"
#include "server/promref_server.h"

namespace promref::api {
namespace {

using promconform::HttpClient;

std::string RunShell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs promtool's query commands against a Prometheus started from `spec` and against promref,
// both holding the same data; each output must be the same.
void ExpectPromtoolSeesTheSame(const std::string& promtool, const promconform::PeerSpec& spec) {
  auto prom = promconform::LocalPeer::Start(spec);
  ASSERT_TRUE(prom.ok()) << prom.error().message();
  auto ref = server::StartEmbedded();
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  const int64_t end = NowMs() / 1000 * 1000 - 60'000;
  wire::WriteRequest req;
  for (const char* job : {"api", "db"}) {
    wire::TimeSeries ts{{{"__name__", "client_requests_total"}, {"job", job}, {"path", "/x"}}, {}, {}, {}};
    for (int i = 0; i < 40; ++i)
      ts.samples.push_back({end - (39 - i) * 15'000 + 250, static_cast<double>(i * 3)});
    req.timeseries.push_back(ts);
  }
  HttpClient client;
  for (const std::string& base : {(*prom)->base_url(), (*ref)->base_url()}) {
    ASSERT_TRUE(promconform::SendRemoteWrite(client, base + "/api/v1/write", req).ok());
  }
  const std::string t = std::to_string(end / 1000 - 7);
  const std::string start = std::to_string(end / 1000 - 300);
  const std::vector<std::string> commands = {
      "query instant --time=" + t + " {} " + Quote("client_requests_total"),
      "query instant --time=" + t + " {} " + Quote("sum by (job) (rate(client_requests_total[2m]))"),
      "query instant --time=" + t + " {} " + Quote("scalar(count(client_requests_total))"),
      "query range --start=" + start + " --end=" + t + " --step=1m {} " +
          Quote("client_requests_total{job=\"db\"}"),
      "query series --match=client_requests_total {}",
      "query series --match=" + Quote("{job=\"api\"}") + " {}",
      "query labels {} job",
      "query labels {} __name__",
  };
  for (const std::string& c : commands) {
    auto run = [&](const std::string& base) {
      std::string cmd = c;
      cmd.replace(cmd.find("{}"), 2, base);
      return RunShell(promtool + " " + cmd);
    };
    const std::string theirs = run((*prom)->base_url());
    const std::string ours = run((*ref)->base_url());
    EXPECT_FALSE(theirs.empty()) << c;
    EXPECT_EQ(ours, theirs) << promtool << " " << c;
  }
}

TEST(RealClients, Promtool242SeesTheSameAnswersFromPromrefAndPrometheus242) {
  ExpectPromtoolSeesTheSame("promtool", promconform::PrometheusPeer());
}

TEST(RealClients, Promtool316SeesTheSameAnswersFromPromrefAndPrometheus316) {
  ExpectPromtoolSeesTheSame(promconform::PinnedPeersBinDir() + "/promtool",
                            promconform::PinnedPrometheusPeer());
}

// Which Prometheus sends, and in which remote-write protocol.
struct Sender {
  const char* name;
  promconform::PeerSpec (*peer)(std::vector<std::string>);
  const char* protobuf_message;  // "" for the default (1.0)
};

class RealRemoteWrite : public ::testing::TestWithParam<Sender> {};

TEST_P(RealRemoteWrite, PrometheusRemoteWritesToPromrefAndBothAnswerAlike) {
  auto ref = server::StartEmbedded();
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  promconform::PeerSpec spec = GetParam().peer({});
  const std::string message = GetParam().protobuf_message;
  spec.files["prometheus.yml"] =
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      "scrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
      "  - job_name: promref\n    static_configs:\n      - targets: ['127.0.0.1:" +
      std::to_string((*ref)->port()) +
      "']\n"
      "remote_write:\n  - url: " +
      (*ref)->base_url() + "/api/v1/write\n" +
      (message.empty() ? std::string() : "    protobuf_message: " + message + "\n") +
      "    queue_config:\n      batch_send_deadline: 1s\n      max_samples_per_send: 500\n"
      "      min_shards: 1\n      max_shards: 1\n";
  // The port placeholder is only substituted in arguments; the config is rewritten below.
  auto prom = promconform::LocalPeer::Start(spec);
  ASSERT_TRUE(prom.ok()) << prom.error().message();
  {
    // Point the scrape job at the port Prometheus actually got, and reload.
    std::string cfg = spec.files["prometheus.yml"];
    cfg.replace(cfg.find("{port}"), 6, std::to_string((*prom)->port()));
    FILE* f = std::fopen(((*prom)->dir() + "/prometheus.yml").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(cfg.c_str(), f);
    std::fclose(f);
    HttpClient c;
    ASSERT_EQ(c.Do({"POST", (*prom)->base_url() + "/-/reload", {}, ""}).status, 200);
  }
  HttpClient client;
  auto query = [&](const std::string& base, const std::string& q, int64_t t) {
    auto r = client.Get(base + "/api/v1/query?" +
                        promconform::FormEncode({{"query", q}, {"time", std::to_string(t / 1000.0)}}));
    auto j = nlohmann::json::parse(r.body);
    auto& res = j["data"]["result"];
    if (res.is_array()) {
      std::sort(res.begin(), res.end(),
                [](const auto& a, const auto& b) { return a["metric"].dump() < b["metric"].dump(); });
    }
    return j;
  };
  // One shard sends in WAL order, so once the highest sent timestamp passes T every sample
  // appended well before T has reached promref. Nothing may fail on the way.
  std::string last_state;  // what the queue looked like at the last poll, for the failure message
  auto wait_sent_past = [&](int64_t target_ms) -> bool {
    for (int i = 0; i < 60; ++i) {
      const int64_t now = NowMs();
      auto failed = query((*prom)->base_url(), "sum(prometheus_remote_storage_samples_failed_total)", now);
      auto sent = query((*prom)->base_url(),
                        "max(prometheus_remote_storage_queue_highest_sent_timestamp_seconds)", now);
      last_state = "failed=" + failed["data"]["result"].dump() +
                   " highest_sent=" + sent["data"]["result"].dump() + " target=" + std::to_string(target_ms);
      if (!failed["data"]["result"].empty()) {
        EXPECT_EQ(failed["data"]["result"][0]["value"][1], "0");
      }
      if (!sent["data"]["result"].empty() &&
          std::stod(sent["data"]["result"][0]["value"][1].get<std::string>()) * 1000 >=
              static_cast<double>(target_ms)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  };
  // Scrape targets start after the discovery manager's 5 s throttle; wait until both jobs have
  // been up for a while before choosing the comparison time.
  int64_t d1 = -1;
  for (int i = 0; i < 60 && d1 < 0; ++i) {
    const int64_t now = NowMs();
    if (query((*prom)->base_url(), "up == 1", now - 1'500)["data"]["result"].size() == 2)
      d1 = now;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GT(d1, 0) << "Prometheus never scraped both targets";
  ASSERT_TRUE(wait_sent_past(d1 + 1'000)) << "Prometheus' remote-write queue did not drain: " << last_state;
  const int64_t t = d1 - 1'500;
  for (const std::string q : {"up", "prometheus_build_info", "count(prometheus_http_requests_total)",
                              "sum by (job) (scrape_samples_scraped)",
                              "max_over_time(scrape_duration_seconds[3s])", "go_goroutines > 0"}) {
    auto theirs = query((*prom)->base_url(), q, t);
    auto ours = query((*ref)->base_url(), q, t);
    EXPECT_FALSE(theirs["data"]["result"].empty())
        << q << " at " << t << ": " << theirs.dump() << " queue: " << last_state;
    EXPECT_EQ(ours, theirs) << q;
  }
  // Prometheus scrapes promref's own /metrics without complaint.
  auto up = query((*prom)->base_url(), "up{job=\"promref\"}", NowMs());
  ASSERT_EQ(up["data"]["result"].size(), 1u) << up.dump();
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "1");
  auto scraped = query(
      (*prom)->base_url(),
      "prometheus_http_requests_total{job=\"promref\",handler=\"/api/v1/write\",code=\"204\"} > 0", NowMs());
  EXPECT_EQ(scraped["data"]["result"].size(), 1u) << scraped.dump();
}

// Debian's 2.42 (remote write 1.0), and the pinned Prometheus 3.x with 1.0 and with 2.0.
INSTANTIATE_TEST_SUITE_P(Senders, RealRemoteWrite,
                         ::testing::Values(Sender{"prometheus242_v1", &promconform::PrometheusPeer, ""},
                                           Sender{"prometheus3_v1", &promconform::PinnedPrometheusPeer, ""},
                                           Sender{"prometheus3_v2", &promconform::PinnedPrometheusPeer,
                                                  "io.prometheus.write.v2.Request"}),
                         [](const ::testing::TestParamInfo<Sender>& i) { return std::string(i.param.name); });

TEST(RealClients, PromtoolFindsNoProblemInPromrefsOwnMetrics) {
  auto ref = server::StartEmbedded();
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient client;
  ASSERT_EQ(client.Get((*ref)->base_url() + "/api/v1/query?query=1").status, 200);
  const std::string out =
      RunShell("curl -sf " + (*ref)->base_url() + "/metrics | promtool check metrics; echo rc=$?");
  EXPECT_EQ(out, "rc=0\n");
}

}  // namespace
}  // namespace promref::api
