// Remote-write ingestion and query_range latency of the promref binary against real Prometheus
// 2.42 and VictoriaMetrics 1.79 (Debian packages), in one run, all three as child processes
// measured the same way:
//
//   ingestion   the same load (tsdb_bench_data.h series, one sample each per 15 s step, in time
//               order) encoded once as snappy protobuf RW 1.0 requests of ~`per-request`
//               series-samples and sent by `senders` concurrent senders to /api/v1/write.
//               The steps are sent in `rounds` slices, each slice to every server in turn
//               (the first server rotating), so that whatever else runs on the machine weighs
//               on all three alike. Per server: samples/s over the wall time of its own
//               slices, server CPU (utime+stime from /proc/<pid>/stat) per sample from its
//               first slice to its last (everything it did meanwhile, background work
//               included), and VmRSS growth per series (before the load vs 5 s after it).
//   data check  count() of series and sum(count_over_time()) of samples on every server.
//   queries     a handful of query_range queries over the whole ingested span, interleaved
//               across the servers, median of `runs` runs each (after one warm-up run).
//               VictoriaMetrics runs with its rollup result cache disabled.
//
// usage: remote_write_vs_peers [--series N] [--samples K] [--senders S] [--per-request R]
//                              [--rounds N] [--runs N] [--promref PATH]
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
};

struct Server {
  std::string name;
  std::unique_ptr<LocalPeer> peer;
  double seconds = 0;
  double samples_per_s = 0;
  double cpu_us_per_sample = 0;
  double cpu_us_per_sample_settled = 0;
  double rss_idle = 0;
  double rss_after = 0;
  double rss_per_series = 0;
  uint64_t failed = 0;
  double count_series = 0;
  double count_samples = 0;
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
        s.name.c_str(), static_cast<unsigned long long>(load.samples), s.seconds,
        static_cast<unsigned long long>(s.failed), s.samples_per_s, s.cpu_us_per_sample,
        s.cpu_us_per_sample_settled, s.rss_idle / 1048576.0, s.rss_after / 1048576.0);
  }
  std::fflush(stdout);
}

// Counts series and samples on the server; VictoriaMetrics may need a moment after its flush.
void Check(Server& s, int64_t t0, int64_t t_end, uint64_t want_series, uint64_t want_samples) {
  HttpClient client({.timeout_ms = 300000});
  if (s.name == "victoria") client.Get(s.peer->base_url() + "/internal/force_flush");
  const int64_t window_s = (t_end - t0) / 1000 + 60;
  for (int attempt = 0; attempt < 30; ++attempt) {
    const QueryAnswer a =
        TimedQuery(client, s.peer->base_url(), "count({__name__=~\".+\"})", 0, t_end, 0, false);
    // Per metric name: count_over_time drops the name, and _sum and _count share the other labels.
    double samples = 0;
    std::string error = a.error;
    for (const char* name : {"http_requests_total", "node_hwmon_temp_celsius", "rpc_duration_seconds_bucket",
                             "rpc_duration_seconds_sum", "rpc_duration_seconds_count"}) {
      const QueryAnswer b =
          TimedQuery(client, s.peer->base_url(),
                     "sum(count_over_time(" + std::string(name) + "[" + std::to_string(window_s) + "s]))", 0,
                     t_end, 0, false);
      error += b.error;
      samples += b.first_value;
    }
    if (!error.empty()) {
      std::printf("%-10s count query failed: %s\n", s.name.c_str(), error.c_str());
      return;
    }
    s.count_series = a.first_value;
    s.count_samples = samples;
    if ((s.count_series == static_cast<double>(want_series) &&
         s.count_samples == static_cast<double>(want_samples)) ||
        s.name != "victoria") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::printf(
      "%-10s data check: count() = %.0f series (want %llu), sum(count_over_time) = %.0f samples (want "
      "%llu)%s\n",
      s.name.c_str(), s.count_series, static_cast<unsigned long long>(want_series), s.count_samples,
      static_cast<unsigned long long>(want_samples),
      s.count_series == static_cast<double>(want_series) &&
              s.count_samples == static_cast<double>(want_samples)
          ? ""
          : "  <-- MISMATCH");
  std::fflush(stdout);
}

struct Query {
  std::string name;
  std::string expr;
};

void Run(const Args& a) {
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
  std::printf("promref binary: %s\n", a.promref.c_str());
  std::fflush(stdout);

  std::vector<Server> servers(3);
  servers[0].name = "promref";
  servers[1].name = "prometheus";
  servers[2].name = "victoria";
  const PeerSpec specs[3] = {PromrefPeer(a.promref), promconform::PrometheusPeer(),
                             promconform::VictoriaMetricsPeer({"-search.disableCache"})};
  std::vector<pid_t> running;
  for (int i = 0; i < 3; ++i) {
    WaitQuiet(running, 60);
    servers[i].peer = StartOrDie(specs[i]);
    running.push_back(servers[i].peer->pid());
  }
  WaitQuiet(running, 60);
  Ingest(servers, load, series.size(), a.senders, a.rounds);
  for (Server& s : servers) Check(s, t0, t_end, series.size(), load.samples);

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
  WaitQuiet(running, 120);
  std::printf("\n== query_range over [t0, t0+%llds], step 30s, median of %d runs (interleaved) ==\n",
              static_cast<long long>((t_end - t0) / 1000), a.runs);
  std::vector<std::unique_ptr<HttpClient>> cl;
  for (int i = 0; i < 3; ++i)
    cl.push_back(std::make_unique<HttpClient>(promconform::HttpClientOptions{.timeout_ms = 300000}));
  std::printf("%-28s %12s %12s %12s %10s %10s   %s\n", "query", "promref ms", "prom ms", "vm ms", "pr/prom",
              "pr/vm", "series/points (promref, prom, vm)");
  std::vector<double> r_prom;
  std::vector<double> r_vm;
  for (const Query& q : queries) {
    std::vector<double> ms[3];
    QueryAnswer shape[3];
    for (int i = 0; i < 3; ++i)
      shape[i] = TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, true);
    for (int r = 0; r < a.runs; ++r) {
      for (int i = 0; i < 3; ++i) {
        const QueryAnswer ans =
            TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, true);
        if (!ans.error.empty())
          std::printf("  %s: %s failed: %s\n", servers[i].name.c_str(), q.expr.c_str(), ans.error.c_str());
        ms[i].push_back(ans.ms);
      }
    }
    const double m0 = Median(ms[0]);
    const double m1 = Median(ms[1]);
    const double m2 = Median(ms[2]);
    r_prom.push_back(m0 / m1);
    r_vm.push_back(m0 / m2);
    std::printf("%-28s %12.2f %12.2f %12.2f %10.3f %10.3f   %zu/%zu, %zu/%zu, %zu/%zu\n", q.name.c_str(), m0,
                m1, m2, m0 / m1, m0 / m2, shape[0].series, shape[0].points, shape[1].series, shape[1].points,
                shape[2].series, shape[2].points);
    std::fflush(stdout);
  }

  std::printf("\n== summary (%zu series x %d samples, %d senders) ==\n", series.size(), a.samples, a.senders);
  std::printf("%-32s %14s %14s %14s %12s %12s\n", "", "promref", "prometheus", "victoria", "pr/prom",
              "pr/vm");
  auto row = [&](const char* name, double Server::*f, const char* fmt) {
    std::printf("%-32s ", name);
    for (const Server& s : servers) std::printf(fmt, s.*f);
    std::printf(" %12.3f %12.3f\n", servers[0].*f / servers[1].*f, servers[0].*f / servers[2].*f);
  };
  row("ingest samples/s (wall)", &Server::samples_per_s, "%14.0f ");
  row("server CPU us/sample", &Server::cpu_us_per_sample, "%14.3f ");
  row("  incl. 5 s after ingestion", &Server::cpu_us_per_sample_settled, "%14.3f ");
  row("RSS growth bytes/series", &Server::rss_per_series, "%14.0f ");
  std::printf("%-32s %14.1f %14.1f %14.1f\n", "RSS after ingestion MiB", servers[0].rss_after / 1048576.0,
              servers[1].rss_after / 1048576.0, servers[2].rss_after / 1048576.0);
  std::printf("query_range median ratio: promref/prometheus %.3f, promref/victoria %.3f\n", Median(r_prom),
              Median(r_vm));
  for (const Server& s : servers) {
    if (s.failed)
      std::printf("WARNING: %s failed %llu requests\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.failed));
  }
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
      });
  if (!ok) return 2;
  promref::bench::Run(a);
  return 0;
}
