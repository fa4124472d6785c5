// The HTTP front door under a dashboard's load, promref against Prometheus 3.16 (the pinned
// module build) in one run: both get the same data (by remote write), then, per server,
// 1,000 idle keep-alive connections are opened and held while 1,000 concurrent clients each
// issue a dashboard-like mix of query_range requests over their own keep-alive connection.
// Reported: p50/p99/max latency, requests per second, and the server's CPU time per request.
// Both run with --web.max-connections=4096: Prometheus' default (512) would queue the clients
// behind the idle connections, which measures the limit rather than the server.
//
// usage: http_load_vs_prometheus [--promref PATH] [--clients N] [--idle N] [--requests N]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/peer_bench_util.h"
#include "http1/server.h"
#include "http1/testing/raw_socket.h"

namespace promref::bench {
namespace {

struct LoadResult {
  std::vector<double> latencies_ms;
  uint64_t failed = 0;
  double seconds = 0;
  double cpu_seconds = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A Grafana dashboard's panels over the last hour, at a 15 s step.
std::vector<std::string> DashboardQueries(int64_t end_s) {
  const std::string range =
      "&start=" + std::to_string(end_s - 3600) + "&end=" + std::to_string(end_s) + "&step=15";
  return {
      "/api/v1/query_range?query=sum(rate(bench_requests_total[5m]))" + range,
      "/api/v1/query_range?query=sum+by(job)(rate(bench_requests_total[5m]))" + range,
      "/api/v1/"
      "query_range?query=histogram_quantile(0.99,sum+by(le)(rate(bench_latency_seconds_bucket[5m])))" +
          range,
      "/api/v1/query_range?query=avg(bench_temperature)" + range,
      "/api/v1/query_range?query=max_over_time(bench_temperature[5m])" + range,
  };
}

LoadResult RunLoad(const BenchServer& s, int clients, int idle, int requests_per_client, int64_t end_s) {
  LoadResult out;
  std::vector<int> idle_fds;
  for (int i = 0; i < idle; ++i) {
    const int fd = http1::testing::Connect(s.peer->port());
    if (fd >= 0) {
      http1::testing::Send(fd, "GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n");  // then idle, kept alive
      idle_fds.push_back(fd);
    }
  }
  const auto queries = DashboardQueries(end_s);
  std::mutex mu;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  const uint64_t cpu0 = CpuMicros(s.peer->pid());
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client({.timeout_ms = 120000});
      client.Get(s.peer->base_url() + "/-/ready");  // connect before the clock starts
      std::vector<double> mine;
      uint64_t failed = 0;
      ++ready;
      while (!go) std::this_thread::yield();
      for (int r = 0; r < requests_per_client; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const HttpResponse resp = client.Get(s.peer->base_url() + queries[(c + r) % queries.size()]);
        mine.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        failed += resp.status != 200;
      }
      std::lock_guard lock(mu);
      out.latencies_ms.insert(out.latencies_ms.end(), mine.begin(), mine.end());
      out.failed += failed;
    });
  }
  while (ready < clients) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto t0 = std::chrono::steady_clock::now();
  go = true;
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.cpu_seconds = static_cast<double>(CpuMicros(s.peer->pid()) - cpu0) / 1e6;
  for (int fd : idle_fds) close(fd);
  return out;
}

wire::WriteRequest BenchData(int64_t end_ms) {
  wire::WriteRequest req;
  for (int job = 0; job < 5; ++job) {
    for (int inst = 0; inst < 20; ++inst) {
      const std::string j = "job" + std::to_string(job);
      const std::string in = "host" + std::to_string(inst) + ":9100";
      wire::TimeSeries counter{
          {{"__name__", "bench_requests_total"}, {"instance", in}, {"job", j}}, {}, {}, {}};
      wire::TimeSeries gauge{{{"__name__", "bench_temperature"}, {"instance", in}, {"job", j}}, {}, {}, {}};
      for (int k = 0; k < 240; ++k) {
        const int64_t t = end_ms - (239 - k) * 15000;
        counter.samples.push_back({t, static_cast<double>(k * (inst + 1))});
        gauge.samples.push_back({t, 20.0 + (k * 7 + inst) % 13});
      }
      req.timeseries.push_back(counter);
      req.timeseries.push_back(gauge);
      for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
        wire::TimeSeries b{
            {{"__name__", "bench_latency_seconds_bucket"}, {"instance", in}, {"job", j}, {"le", le}},
            {},
            {},
            {}};
        const double share = std::string(le) == "0.1"   ? 0.5
                             : std::string(le) == "0.5" ? 0.8
                             : std::string(le) == "1"   ? 0.95
                                                        : 1;
        for (int k = 0; k < 240; ++k) b.samples.push_back({end_ms - (239 - k) * 15000, share * k * 10});
        req.timeseries.push_back(b);
      }
    }
  }
  return req;
}

}  // namespace
}  // namespace promref::bench

int main(int argc, char** argv) {
  using namespace promref::bench;
  std::string promref_binary = PROMREF_BINARY;
  int clients = 1000, idle = 1000, requests = 5;
  if (!ParseFlags(argc, argv,
                  {{"--promref", [&](const std::string& v) { promref_binary = v; }},
                   {"--clients", [&](const std::string& v) { clients = std::stoi(v); }},
                   {"--idle", [&](const std::string& v) { idle = std::stoi(v); }},
                   {"--requests", [&](const std::string& v) { requests = std::stoi(v); }}})) {
    return 2;
  }
  promref::http1::RaiseOpenFilesLimit();  // 2,000 connections and more
  auto specs = BenchServerSpecs(promref_binary, false);
  specs.resize(2);  // promref and Prometheus 3.x
  for (auto& s : specs) s.spec.args.push_back("--web.max-connections=4096");
  if (!BinariesPresent(specs)) return 1;
  std::vector<BenchServer> servers(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!StartServer(specs[i], servers[i])) return 1;
  }
  PrintServers(servers);
  const int64_t end_ms = NowMs() / 1000 * 1000 - 60000;
  const auto data = promref::bench::BenchData(end_ms);
  for (auto& s : servers) {
    HttpClient c;
    const promref::Status st = promconform::SendRemoteWrite(c, s.peer->base_url() + "/api/v1/write", data);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", s.tag.c_str(), st.error().message().c_str());
      return 1;
    }
  }
  std::printf("%d clients x %d query_range requests, %d idle keep-alive connections held meanwhile\n",
              clients, requests, idle);
  std::printf("%-10s %9s %9s %9s %9s %9s %12s %7s\n", "server", "p50 ms", "p90 ms", "p99 ms", "max ms",
              "req/s", "cpu ms/req", "failed");
  std::vector<LoadResult> results;
  for (auto& s : servers) {
    WaitQuiet({s.peer->pid()}, 30);
    LoadResult r = RunLoad(s, clients, idle, requests, end_ms / 1000);
    const double n = static_cast<double>(r.latencies_ms.size());
    std::printf("%-10s %9.1f %9.1f %9.1f %9.1f %9.0f %12.3f %7llu\n", s.tag.c_str(),
                Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.9),
                Percentile(r.latencies_ms, 0.99), Percentile(r.latencies_ms, 1.0), n / r.seconds,
                r.cpu_seconds * 1000 / n, static_cast<unsigned long long>(r.failed));
    std::fflush(stdout);
    results.push_back(std::move(r));
  }
  std::printf("promref/%s: p50 %.2f, p99 %.2f, cpu per request %.2f\n", servers[1].tag.c_str(),
              Percentile(results[0].latencies_ms, 0.5) / Percentile(results[1].latencies_ms, 0.5),
              Percentile(results[0].latencies_ms, 0.99) / Percentile(results[1].latencies_ms, 0.99),
              (results[0].cpu_seconds / results[0].latencies_ms.size()) /
                  (results[1].cpu_seconds / results[1].latencies_ms.size()));
  return 0;
}
