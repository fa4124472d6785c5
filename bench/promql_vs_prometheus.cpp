// The PromQL engine of the promref binary against Prometheus 2.42 (Debian package), both as
// child processes over HTTP, on the same data: `series` series of tsdb_bench_data.h (counters,
// gauges, classic histogram buckets) scraped every 15 s for `hours` hours, loaded over remote
// write (snappy protobuf RW 1.0, 4 senders, in time order). Once both servers are quiet (head
// compaction done), every query runs as an instant query at the last sample and as a range
// query over the whole span (step 60 s), `runs` times each after one warm-up run, alternating
// between the servers. Reports the median latency per query, the ratio promref/Prometheus and
// the median of the ratios (the target is <= 0.5).
//
// usage: promql_vs_prometheus [--series N] [--hours H] [--runs N] [--step-seconds S]
//                             [--promref PATH] [--filter SUBSTRING]
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

void Run(const Args& a) {
  const auto series = MakeSeries(a.series);
  const int64_t steps = static_cast<int64_t>(a.hours) * 3600 * 1000 / kScrapeInterval;
  const int64_t t_end = (NowMs() - 5 * 60 * 1000) / kScrapeInterval * kScrapeInterval;
  const int64_t t0 = t_end - (steps - 1) * kScrapeInterval;
  const EncodedLoad load = EncodeLoad(series, t0, steps, 2000);
  std::printf("== promql: %zu series x %lld samples (%d h at 15 s) = %llu samples; promref binary %s ==\n",
              series.size(), static_cast<long long>(steps), a.hours,
              static_cast<unsigned long long>(load.samples), a.promref.c_str());
  std::fflush(stdout);

  const char* names[2] = {"promref", "prometheus"};
  std::unique_ptr<LocalPeer> peers[2];
  std::vector<pid_t> pids;
  const PeerSpec specs[2] = {PromrefPeer(a.promref), promconform::PrometheusPeer()};
  for (int i = 0; i < 2; ++i) {
    WaitQuiet(pids, 60);
    peers[i] = StartOrDie(specs[i]);
    pids.push_back(peers[i]->pid());
    const SendResult r = SendLoad(peers[i]->base_url() + "/api/v1/write", load, 4);
    std::printf("%-10s loaded in %.1f s (%.0f samples/s), %llu failed requests\n", names[i], r.seconds,
                static_cast<double>(load.samples) / r.seconds,
                static_cast<unsigned long long>(r.failed_requests));
    std::fflush(stdout);
  }
  std::printf("waiting for both servers to be quiet (head compaction)...\n");
  std::fflush(stdout);
  WaitQuiet(pids, 180);

  HttpClient clients[2] = {HttpClient({.timeout_ms = 300000}), HttpClient({.timeout_ms = 300000})};
  for (int i = 0; i < 2; ++i) {
    // Per metric name: count_over_time drops the name, and _sum and _count share the other labels.
    double samples = 0;
    std::string error;
    for (const char* name : {"http_requests_total", "node_hwmon_temp_celsius", "rpc_duration_seconds_bucket",
                             "rpc_duration_seconds_sum", "rpc_duration_seconds_count"}) {
      const QueryAnswer c = TimedQuery(clients[i], peers[i]->base_url(),
                                       "sum(count_over_time(" + std::string(name) + "[" +
                                           std::to_string((t_end - t0) / 1000 + 60) + "s]))",
                                       0, t_end, 0, false);
      samples += c.first_value;
      error += c.error;
    }
    std::printf("%-10s data check: %.0f samples (want %llu)%s %s\n", names[i], samples,
                static_cast<unsigned long long>(load.samples),
                samples == static_cast<double>(load.samples) ? "" : "  <-- MISMATCH", error.c_str());
  }

  const int64_t step = static_cast<int64_t>(a.step_seconds) * 1000;
  std::printf("\nmedian of %d runs; range queries over [t0, t0+%dh] step %ds, instant queries at t0+%dh\n",
              a.runs, a.hours, a.step_seconds, a.hours);
  std::printf("%-30s %12s %12s %9s   %s\n", "query", "promref ms", "prom ms", "ratio",
              "series/points (promref, prom)");
  std::vector<double> ratios;
  std::vector<double> instant_ratios;
  std::vector<double> range_ratios;
  for (const Query& q : Queries()) {
    if (!a.filter.empty() && q.name.find(a.filter) == std::string::npos) continue;
    for (const bool range : {false, true}) {
      QueryAnswer shape[2];
      std::vector<double> ms[2];
      for (int i = 0; i < 2; ++i) {
        shape[i] = TimedQuery(clients[i], peers[i]->base_url(), q.expr, t0, t_end, step, range);
        if (!shape[i].error.empty())
          std::printf("  %s: %s failed: %s\n", names[i], q.expr.c_str(), shape[i].error.c_str());
      }
      for (int r = 0; r < a.runs; ++r) {
        for (int i = 0; i < 2; ++i) {
          ms[i].push_back(TimedQuery(clients[i], peers[i]->base_url(), q.expr, t0, t_end, step, range).ms);
        }
      }
      const double m0 = Median(ms[0]);
      const double m1 = Median(ms[1]);
      const double ratio = m0 / m1;
      ratios.push_back(ratio);
      (range ? range_ratios : instant_ratios).push_back(ratio);
      const bool same = shape[0].series == shape[1].series && shape[0].points == shape[1].points;
      std::printf("%-30s %12.2f %12.2f %9.3f   %zu/%zu, %zu/%zu%s\n",
                  (q.name + (range ? " [range]" : " [instant]")).c_str(), m0, m1, ratio, shape[0].series,
                  shape[0].points, shape[1].series, shape[1].points,
                  same ? "" : "  <-- result shapes differ");
      std::fflush(stdout);
    }
  }
  std::printf(
      "\nmedian ratio promref/prometheus: %.3f over %zu queries (instant %.3f, range %.3f); target <= 0.5\n",
      Median(ratios), ratios.size(), Median(instant_ratios), Median(range_ratios));
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
      });
  if (!ok) return 2;
  promref::bench::Run(a);
  return 0;
}
