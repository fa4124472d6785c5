// Remote-write ingestion and query_range latency of the promref binary against its peers, in one
// run, all as child processes measured the same way. The peers are the current Prometheus 3.x and
// VictoriaMetrics, built from their pinned Go modules (peers/versions) by peers/build; with
// --legacy-peers also Debian's Prometheus 2.42 and VictoriaMetrics 1.79, which the default run
// leaves out to stay within time on a 2-core machine. Every ratio is promref / one peer, the
// current peers first; the servers are listed with the versions they report before the tables.
//
//   ingestion   the same load (tsdb_bench_data.h series, one sample each per 15 s step, in time
//               order) encoded once as snappy protobuf RW 1.0 requests of ~`per-request`
//               series-samples and sent by `senders` concurrent senders to /api/v1/write.
//               The steps are sent in `rounds` slices, each slice to every server in turn
//               (the first server rotating), so that whatever else runs on the machine weighs
//               on all servers alike. Per server: samples/s over the wall time of its own
//               slices, server CPU (utime+stime from /proc/<pid>/stat) per sample from its
//               first slice to its last (everything it did meanwhile, background work
//               included), and VmRSS growth per series (before the load vs 5 s after it).
//   data check  count() of series and sum(count_over_time()) of samples on every server.
//   queries     a handful of query_range queries over the whole ingested span, interleaved
//               across the servers, median of `runs` runs each (after one warm-up run).
//               VictoriaMetrics runs with its rollup result cache disabled.
//
// usage: remote_write_vs_peers [--series N] [--samples K] [--senders S] [--per-request R]
//                              [--rounds N] [--runs N] [--promref PATH] [--baseline PATH]
//                              [--legacy-peers] [--no-peers]
//   --baseline  an earlier promref build, run beside the current one: pr/baseline is a change's
//               effect measured in the same run as the peers
//   --no-peers  promref (and the baseline) alone: a quick run to profile promref under the
//               benchmark's load (`perf record -p` on its pid), with no peer figures
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/peer_bench_util.h"

namespace promref::bench {
namespace {

struct Args {
  size_t series = 100000;
  int samples = 120;
  int senders = 4;
  size_t per_request = 2000;
  int rounds = 6;
  int runs = 7;
  std::string promref = PROMREF_BINARY;
  std::string baseline;  // an earlier promref build, to measure a change against in the same run
  bool legacy_peers = false;
  bool no_peers = false;
};

// servers[0] is promref; the ratios divide its figures by each other server's.
struct Server : BenchServer {
  double seconds = 0;
  double samples_per_s = 0;
  double cpu_us_per_sample = 0;
  double cpu_us_per_sample_settled = 0;
  double rss_idle = 0;
  double rss_after = 0;
  double rss_per_series = 0;
  uint64_t failed = 0;
};

// Feeds the load to all servers, interleaved in rounds (see the top comment).
void Ingest(std::vector<Server>& servers, const EncodedLoad& load, size_t series, int senders, int rounds) {
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<uint64_t> cpu0;
  for (Server& s : servers) {
    s.rss_idle = static_cast<double>(RssBytes(s.peer->pid()));
    cpu0.push_back(CpuMicros(s.peer->pid()));
  }
  for (int r = 0; r < rounds; ++r) {
    const int64_t first = load.steps * r / rounds;
    const int64_t end = load.steps * (r + 1) / rounds;
    for (size_t k = 0; k < servers.size(); ++k) {
      Server& s = servers[(k + static_cast<size_t>(r)) % servers.size()];
      const SendResult sent = SendLoad(s.peer->base_url() + "/api/v1/write", load, senders, first, end);
      s.seconds += sent.seconds;
      s.failed += sent.failed_requests;
    }
  }
  std::vector<uint64_t> cpu1;
  for (Server& s : servers) cpu1.push_back(CpuMicros(s.peer->pid()));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const double samples = static_cast<double>(load.samples);
  for (size_t i = 0; i < servers.size(); ++i) {
    Server& s = servers[i];
    const pid_t pid = s.peer->pid();
    s.rss_after = static_cast<double>(RssBytes(pid));
    s.samples_per_s = samples / s.seconds;
    s.cpu_us_per_sample = static_cast<double>(cpu1[i] - cpu0[i]) / samples;
    s.cpu_us_per_sample_settled = static_cast<double>(CpuMicros(pid) - cpu0[i]) / samples;
    s.rss_per_series = (s.rss_after - s.rss_idle) / static_cast<double>(series);
    std::printf(
        "%-10s ingested %llu samples in %.2f s (%llu failed requests): %.0f samples/s, %.3f CPU us/sample "
        "(%.3f incl. 5 s after), RSS %.1f -> %.1f MiB\n",
        s.tag.c_str(), static_cast<unsigned long long>(load.samples), s.seconds,
        static_cast<unsigned long long>(s.failed), s.samples_per_s, s.cpu_us_per_sample,
        s.cpu_us_per_sample_settled, s.rss_idle / 1048576.0, s.rss_after / 1048576.0);
  }
  std::fflush(stdout);
}

struct Query {
  std::string name;
  std::string expr;
};

int Run(const Args& a) {
  std::vector<ServerSpec> specs =
      BenchServerSpecs(a.promref, a.legacy_peers, {"-search.disableCache"}, a.baseline);
  if (a.no_peers) std::erase_if(specs, [](const ServerSpec& s) { return s.product != "promref"; });
  if (!BinariesPresent(specs)) return 1;
  const auto series = MakeSeries(a.series);
  const int64_t t_end = (NowMs() - 5 * 60 * 1000) / kScrapeInterval * kScrapeInterval;
  const int64_t t0 = t_end - (a.samples - 1) * kScrapeInterval;
  const auto enc_start = std::chrono::steady_clock::now();
  const EncodedLoad load = EncodeLoad(series, t0, a.samples, a.per_request);
  std::printf(
      "== remote write: %zu series x %d samples (15 s apart) = %llu samples; %zu requests of <= %zu "
      "series-samples (%.1f MiB snappy, encoded in %.1f s); %d senders ==\n",
      series.size(), a.samples, static_cast<unsigned long long>(load.samples), load.bodies.size(),
      a.per_request, static_cast<double>(load.bytes) / 1048576.0,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - enc_start).count(), a.senders);
  std::fflush(stdout);

  std::vector<Server> servers(specs.size());
  std::vector<pid_t> running;
  for (size_t i = 0; i < specs.size(); ++i) {
    WaitQuiet(running, 60);
    if (!StartServer(specs[i], servers[i])) return 1;
    running.push_back(servers[i].peer->pid());
  }
  PrintServers(servers);
  WaitQuiet(running, 60);
  Ingest(servers, load, series.size(), a.senders, a.rounds);
  for (const Server& s : servers) CheckData(s, t0, t_end, series.size(), load.samples);

  // Queries over the whole span, 30 s steps.
  const std::vector<Query> queries = {
      {"sum(rate) by job", "sum by (job) (rate(http_requests_total[5m]))"},
      {"selector ~1k series", "node_hwmon_temp_celsius{job=~\"job-1|job-2|job-3\"}"},
      {"histogram_quantile",
       "histogram_quantile(0.9, sum by (le, job) (rate(rpc_duration_seconds_bucket[5m])))"},
      {"topk(10, rate)", "topk(10, rate(http_requests_total[5m]))"},
      {"avg by job (avg_over_time)", "avg by (job) (avg_over_time(node_hwmon_temp_celsius[5m]))"},
  };
  const int64_t step = 30000;
  const size_t n = servers.size();
  WaitQuiet(running, 120);
  std::printf("\n== query_range over [t0, t0+%llds], step 30s, median of %d runs (interleaved) ==\n",
              static_cast<long long>((t_end - t0) / 1000), a.runs);
  std::vector<std::unique_ptr<HttpClient>> cl;
  for (size_t i = 0; i < n; ++i)
    cl.push_back(std::make_unique<HttpClient>(promconform::HttpClientOptions{.timeout_ms = 300000}));
  std::vector<std::string> tags;
  for (const Server& s : servers) tags.push_back(s.tag);
  PrintQueryTableHeader(28, tags);
  std::vector<std::vector<double>> ratios(n);  // [peer] -> promref/peer per query
  for (const Query& q : queries) {
    std::vector<std::vector<double>> ms(n);
    std::vector<QueryAnswer> shape(n);
    for (size_t i = 0; i < n; ++i)
      shape[i] = TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, true);
    for (int r = 0; r < a.runs; ++r) {
      for (size_t i = 0; i < n; ++i) {
        const QueryAnswer ans =
            TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, true);
        if (!ans.error.empty())
          std::printf("  %s: %s failed: %s\n", servers[i].tag.c_str(), q.expr.c_str(), ans.error.c_str());
        ms[i].push_back(ans.ms);
      }
    }
    std::vector<double> med(n);
    for (size_t i = 0; i < n; ++i) med[i] = Median(ms[i]);
    std::printf("%-28s", q.name.c_str());
    for (size_t i = 0; i < n; ++i) std::printf(" %12.2f", med[i]);
    for (size_t i = 1; i < n; ++i) {
      ratios[i].push_back(med[0] / med[i]);
      std::printf(" %12.3f", med[0] / med[i]);
    }
    std::printf("  ");
    for (size_t i = 0; i < n; ++i) std::printf("%s%zu/%zu", i ? ", " : " ", shape[i].series, shape[i].points);
    std::printf("\n");
    std::fflush(stdout);
  }

  std::printf("\n== summary (%zu series x %d samples, %d senders) ==\n", series.size(), a.samples, a.senders);
  PrintServers(servers);
  std::printf("%-32s", "");
  for (const Server& s : servers) std::printf(" %14s", s.tag.c_str());
  for (size_t i = 1; i < n; ++i) std::printf(" %12s", ("pr/" + servers[i].tag).c_str());
  std::printf("\n");
  auto row = [&](const char* name, double Server::*f, const char* fmt) {
    std::printf("%-32s", name);
    for (const Server& s : servers) std::printf(fmt, s.*f);
    for (size_t i = 1; i < n; ++i) std::printf(" %12.3f", servers[0].*f / servers[i].*f);
    std::printf("\n");
  };
  row("ingest samples/s (wall)", &Server::samples_per_s, " %14.0f");
  row("server CPU us/sample", &Server::cpu_us_per_sample, " %14.3f");
  row("  incl. 5 s after ingestion", &Server::cpu_us_per_sample_settled, " %14.3f");
  row("RSS growth bytes/series", &Server::rss_per_series, " %14.0f");
  std::printf("%-32s", "RSS after ingestion MiB");
  for (const Server& s : servers) std::printf(" %14.1f", s.rss_after / 1048576.0);
  std::printf("\n");
  for (size_t i = 1; i < n; ++i) {
    std::printf("query_range median ratio %s / %s: %.3f\n", servers[0].label.c_str(),
                servers[i].label.c_str(), Median(ratios[i]));
  }
  for (const Server& s : servers) {
    if (s.failed)
      std::printf("WARNING: %s failed %llu requests\n", s.label.c_str(),
                  static_cast<unsigned long long>(s.failed));
  }
  return 0;
}

}  // namespace
}  // namespace promref::bench

int main(int argc, char** argv) {
  promref::bench::Args a;
  const bool ok = promref::bench::ParseFlags(
      argc, argv,
      {
          {"--series", [&](const std::string& v) { a.series = std::stoul(v); }},
          {"--samples", [&](const std::string& v) { a.samples = std::stoi(v); }},
          {"--senders", [&](const std::string& v) { a.senders = std::stoi(v); }},
          {"--per-request", [&](const std::string& v) { a.per_request = std::stoul(v); }},
          {"--rounds", [&](const std::string& v) { a.rounds = std::max(1, std::stoi(v)); }},
          {"--runs", [&](const std::string& v) { a.runs = std::stoi(v); }},
          {"--promref", [&](const std::string& v) { a.promref = v; }},
          {"--baseline", [&](const std::string& v) { a.baseline = v; }},
      },
      {{"--legacy-peers", &a.legacy_peers}, {"--no-peers", &a.no_peers}});
  if (!ok) return 2;
  return promref::bench::Run(a);
}
