// Remote write out to real receivers: promref (on disk) takes samples by its own remote-write
// receiver and forwards them, from its WAL, to Prometheus 3.16 (remote write 2.0) and to
// VictoriaMetrics (1.0). Both end up holding exactly what promref holds, with the external
// labels added and write relabeling applied.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "conformance/client/http_client.h"
#include "conformance/peers/local_peer.h"
#include "server/promref_server.h"
#include "wire/remote_write.h"

namespace promref {
namespace {

using nlohmann::json;
using promconform::HttpClient;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json Query(HttpClient& c, const std::string& base, const std::string& q, int64_t t_ms) {
  const auto r = c.Get(base + "/api/v1/query?" +
                       promconform::FormEncode({{"query", q}, {"time", std::to_string(t_ms / 1000.0)}}));
  const json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j["data"]["result"];
}

// Series -> values, from a matrix result; `add` labels are set on every series.
std::map<std::string, std::vector<std::string>> Values(const json& result, const json& add = json::object()) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& s : result) {
    json metric = s["metric"];
    for (const auto& [k, v] : add.items()) metric[k] = v;
    auto& values = out[metric.dump()];
    for (const auto& v : s["values"]) values.push_back(v[1].get<std::string>());
  }
  return out;
}

TEST(RemoteWriteOutDiff, PrometheusAndVictoriaMetricsReceiveWhatPromrefHolds) {
  auto prom = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
  ASSERT_TRUE(prom.ok()) << prom.error().message();
  auto vm =
      promconform::LocalPeer::Start(promconform::PinnedVictoriaMetricsPeer({"-search.latencyOffset=0s"}));
  ASSERT_TRUE(vm.ok()) << vm.error().message();
  const auto dir = std::filesystem::temp_directory_path() / ("rw_out_diff_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  const std::string cfg =
      "global: {external_labels: {replica: a}}\n"
      "remote_write:\n"
      "- url: " +
      (*prom)->base_url() +
      "/api/v1/write\n"
      "  name: prom\n"
      "  protobuf_message: io.prometheus.write.v2.Request\n"
      "  queue_config: {batch_send_deadline: 100ms}\n"
      "- url: " +
      (*vm)->base_url() +
      "/api/v1/write\n"
      "  name: vm\n"
      "  write_relabel_configs: [{source_labels: [__name__], regex: 'rwo_private.*', action: drop}]\n"
      "  queue_config: {batch_send_deadline: 100ms}\n";
  std::vector<std::string> args = {"promref", "--web.listen-address=127.0.0.1:0",
                                   "--storage.tsdb.path=" + dir.string(),
                                   "--web.enable-remote-write-receiver"};
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto flags = server::ParseFlags(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(flags.ok());
  auto parsed = config::ParseConfig(cfg);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  auto ref = server::PromrefServer::Create(*flags, std::move(*parsed));
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  (*ref)->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the queues' start time passes

  // Samples after the queues started, by promref's own receiver.
  const int64_t t0 = NowMs() / 1000 * 1000 + 1000;
  wire::WriteRequest req;
  for (const char* name : {"rwo_requests_total", "rwo_private_secret"}) {
    for (const char* code : {"200", "500"}) {
      wire::TimeSeries ts{{{"__name__", name}, {"code", code}, {"job", "api"}}, {}, {}, {}};
      for (int i = 0; i < 20; ++i) ts.samples.push_back({t0 + i * 100, i * 1.5 + (code[0] == '5')});
      req.timeseries.push_back(std::move(ts));
    }
  }
  HttpClient c;
  const auto posted = c.Do({"POST",
                            (*ref)->base_url() + "/api/v1/write",
                            {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}},
                            wire::SnappyCompress(wire::EncodeWriteRequest(req))});
  ASSERT_EQ(posted.status, 204) << posted.body;

  const int64_t at = t0 + 2000;
  const auto mine = Values(Query(c, (*ref)->base_url(), "{__name__=~\"rwo_.+\"}[10s]", at));
  ASSERT_EQ(mine.size(), 4u);
  std::map<std::string, std::vector<std::string>> want_vm;
  for (const auto& [series, values] :
       Values(Query(c, (*ref)->base_url(), "rwo_requests_total[10s]", at), {{"replica", "a"}})) {
    want_vm[series] = values;
  }
  const auto want_prom =
      Values(Query(c, (*ref)->base_url(), "{__name__=~\"rwo_.+\"}[10s]", at), {{"replica", "a"}});
  std::map<std::string, std::vector<std::string>> got_prom, got_vm;
  for (int i = 0; i < 150; ++i) {
    got_prom = Values(Query(c, (*prom)->base_url(), "{__name__=~\"rwo_.+\"}[10s]", at));
    got_vm = Values(Query(c, (*vm)->base_url(), "{__name__=~\"rwo_.+\"}[10s]", at));
    if (got_prom == want_prom && got_vm == want_vm) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got_prom, want_prom) << "Prometheus 3.16 over remote write 2.0";
  EXPECT_EQ(got_vm, want_vm) << "VictoriaMetrics over remote write 1.0, rwo_private_* relabeled away";
  ref->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promref
