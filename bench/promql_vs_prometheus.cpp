// The PromQL engine of the promref binary against its peers, all as child processes over HTTP, on
// the same data. The peers are the current Prometheus 3.x and VictoriaMetrics (MetricsQL, with its
// rollup result cache disabled so that repeated runs are computed), built from their pinned Go
// modules (peers/versions) by peers/build; with --legacy-peers also Debian's Prometheus 2.42 and
// VictoriaMetrics 1.79, which the default run leaves out to stay within time on a 2-core machine.
//
// The data: `series` series of tsdb_bench_data.h (counters, gauges, classic histogram buckets)
// scraped every 15 s for `hours` hours, loaded over remote write (snappy protobuf RW 1.0, 4
// senders, in time order). Once all servers are quiet (head compaction done), every query runs as
// an instant query at the last sample and as a range query over the whole span (step 60 s), `runs`
// times each after one warm-up run, alternating between the servers. Reports the median latency
// per query, the ratio promref / each peer (current peers first) and per peer the median of the
// ratios; the target is <= 0.5 against the current Prometheus. The servers are listed with the
// versions they report. VictoriaMetrics' answers may differ in shape where MetricsQL differs
// from PromQL; such rows are marked.
//
// usage: promql_vs_prometheus [--series N] [--hours H] [--runs N] [--step-seconds S]
//                             [--promref PATH] [--filter SUBSTRING] [--legacy-peers]
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/peer_bench_util.h"

namespace promref::bench {
namespace {

struct Args {
  size_t series = 10000;
  int hours = 6;
  int runs = 9;
  int step_seconds = 60;
  std::string promref = PROMREF_BINARY;
  std::string filter;
  bool legacy_peers = false;
};

struct Query {
  std::string name;
  std::string expr;
};

const std::vector<Query>& Queries() {
  static const std::vector<Query> q = {
      {"rate", "rate(http_requests_total[5m])"},
      {"sum by rate", "sum by (job) (rate(http_requests_total[5m]))"},
      {"avg_over_time", "avg_over_time(node_hwmon_temp_celsius[10m])"},
      {"histogram_quantile", "histogram_quantile(0.99, sum by (le) (rate(rpc_duration_seconds_bucket[5m])))"},
      {"topk", "topk(5, sum by (instance) (rate(http_requests_total[5m])))"},
      {"binop on()",
       "rate(rpc_duration_seconds_sum[5m]) / on(job, instance, handler) "
       "rate(rpc_duration_seconds_count[5m])"},
      {"subquery", "max_over_time(sum by (job) (rate(http_requests_total[1m]))[30m:1m])"},
      {"count_values", "count_values(\"temp\", round(node_hwmon_temp_celsius))"},
      {"quantile_over_time", "quantile_over_time(0.9, node_hwmon_temp_celsius[30m])"},
      {"sum gauges", "sum by (job) (node_hwmon_temp_celsius)"},
  };
  return q;
}

int Run(const Args& a) {
  const std::vector<ServerSpec> specs = BenchServerSpecs(a.promref, a.legacy_peers, {"-search.disableCache"});
  if (!BinariesPresent(specs)) return 1;
  const auto series = MakeSeries(a.series);
  const int64_t steps = static_cast<int64_t>(a.hours) * 3600 * 1000 / kScrapeInterval;
  const int64_t t_end = (NowMs() - 5 * 60 * 1000) / kScrapeInterval * kScrapeInterval;
  const int64_t t0 = t_end - (steps - 1) * kScrapeInterval;
  const EncodedLoad load = EncodeLoad(series, t0, steps, 2000);
  std::printf("== promql: %zu series x %lld samples (%d h at 15 s) = %llu samples ==\n", series.size(),
              static_cast<long long>(steps), a.hours, static_cast<unsigned long long>(load.samples));
  std::fflush(stdout);

  const size_t n = specs.size();
  std::vector<BenchServer> servers(n);
  std::vector<pid_t> pids;
  for (size_t i = 0; i < n; ++i) {
    WaitQuiet(pids, 60);
    if (!StartServer(specs[i], servers[i])) return 1;
    pids.push_back(servers[i].peer->pid());
    const SendResult r = SendLoad(servers[i].peer->base_url() + "/api/v1/write", load, 4);
    std::printf("%-10s loaded in %.1f s (%.0f samples/s), %llu failed requests\n", servers[i].tag.c_str(),
                r.seconds, static_cast<double>(load.samples) / r.seconds,
                static_cast<unsigned long long>(r.failed_requests));
    std::fflush(stdout);
  }
  PrintServers(servers);
  std::printf("waiting for all servers to be quiet (head compaction)...\n");
  std::fflush(stdout);
  WaitQuiet(pids, 180);
  for (const BenchServer& s : servers) CheckData(s, t0, t_end, series.size(), load.samples);

  std::vector<std::unique_ptr<HttpClient>> clients;
  for (size_t i = 0; i < n; ++i)
    clients.push_back(std::make_unique<HttpClient>(promconform::HttpClientOptions{.timeout_ms = 300000}));
  const int64_t step = static_cast<int64_t>(a.step_seconds) * 1000;
  std::printf("\nmedian of %d runs; range queries over [t0, t0+%dh] step %ds, instant queries at t0+%dh\n",
              a.runs, a.hours, a.step_seconds, a.hours);
  std::vector<std::string> tags;
  for (const BenchServer& s : servers) tags.push_back(s.tag);
  PrintQueryTableHeader(30, tags);
  // [peer] -> promref/peer per query, all and by kind.
  std::vector<std::vector<double>> ratios(n);
  std::vector<std::vector<double>> instant_ratios(n);
  std::vector<std::vector<double>> range_ratios(n);
  for (const Query& q : Queries()) {
    if (!a.filter.empty() && q.name.find(a.filter) == std::string::npos) continue;
    for (const bool range : {false, true}) {
      std::vector<QueryAnswer> shape(n);
      std::vector<std::vector<double>> ms(n);
      for (size_t i = 0; i < n; ++i) {
        shape[i] = TimedQuery(*clients[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, range);
        if (!shape[i].error.empty())
          std::printf("  %s: %s failed: %s\n", servers[i].tag.c_str(), q.expr.c_str(),
                      shape[i].error.c_str());
      }
      for (int r = 0; r < a.runs; ++r) {
        for (size_t i = 0; i < n; ++i) {
          ms[i].push_back(
              TimedQuery(*clients[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, range).ms);
        }
      }
      std::vector<double> med(n);
      for (size_t i = 0; i < n; ++i) med[i] = Median(ms[i]);
      std::printf("%-30s", (q.name + (range ? " [range]" : " [instant]")).c_str());
      for (size_t i = 0; i < n; ++i) std::printf(" %12.2f", med[i]);
      std::string differ;
      for (size_t i = 1; i < n; ++i) {
        const double ratio = med[0] / med[i];
        ratios[i].push_back(ratio);
        (range ? range_ratios : instant_ratios)[i].push_back(ratio);
        std::printf(" %12.3f", ratio);
        if (shape[i].series != shape[0].series || shape[i].points != shape[0].points)
          differ += " " + servers[i].tag;
      }
      std::printf("  ");
      for (size_t i = 0; i < n; ++i)
        std::printf("%s%zu/%zu", i ? ", " : " ", shape[i].series, shape[i].points);
      std::printf("%s\n", differ.empty() ? "" : ("  <-- result shapes differ:" + differ).c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\n");
  for (size_t i = 1; i < n; ++i) {
    // The target is set against the Prometheus a user runs today, not the legacy one.
    const bool target = !servers[i].victoria && !servers[i].legacy;
    std::printf("median ratio %s / %s: %.3f over %zu queries (instant %.3f, range %.3f)%s\n",
                servers[0].label.c_str(), servers[i].label.c_str(), Median(ratios[i]), ratios[i].size(),
                Median(instant_ratios[i]), Median(range_ratios[i]), target ? "; target <= 0.5" : "");
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
          {"--hours", [&](const std::string& v) { a.hours = std::stoi(v); }},
          {"--runs", [&](const std::string& v) { a.runs = std::stoi(v); }},
          {"--step-seconds", [&](const std::string& v) { a.step_seconds = std::stoi(v); }},
          {"--promref", [&](const std::string& v) { a.promref = v; }},
          {"--filter", [&](const std::string& v) { a.filter = v; }},
      },
      {{"--legacy-peers", &a.legacy_peers}});
  if (!ok) return 2;
  return promref::bench::Run(a);
}
