// In-process PromQL engine benchmarks: the queries of remote_write_vs_peers, as range queries
// over the whole span at a 30 s step, on a head of tsdb_bench_data.h series (100k by default,
// PROMREF_BENCH_SERIES to change) with 120 samples each, 15 s apart, no WAL.
// PROMREF_BENCH_QUERY adds one more range query of your own (benchmark "custom").
// EncodeJson/<query>: the API's JSON encoding of a query's result (the query itself outside the
// measurement).
//
// This measures the engine and the head's read path alone, without HTTP, JSON or another
// process, so that `perf record` on it shows where a query's time goes. The comparison with
// the peers stays remote_write_vs_peers'.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "api/result_json.h"
#include "bench/tsdb_bench_data.h"
#include "promql/engine.h"
#include "tsdb/db.h"

namespace promref::bench {
namespace {

constexpr int kSamples = 120;
constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kStep = 30000;

size_t SeriesCount() {
  const char* env = std::getenv("PROMREF_BENCH_SERIES");
  return env != nullptr ? std::strtoul(env, nullptr, 10) : 100000;
}

// The head, filled once for all benchmarks: every series' sample at each step, in time order,
// as remote write delivers them.
tsdb::DB& LoadedDB() {
  static std::unique_ptr<tsdb::DB> db = [] {
    tsdb::Options o;
    o.background_compaction = false;
    auto d = std::move(*tsdb::DB::Open(o));
    const auto series = MakeSeries(SeriesCount());
    std::vector<storage::SeriesRef> refs;
    AppendScrapes(*d, series, &refs, kT0, kSamples, series.size());
    return d;
  }();
  return *db;
}

// A range query's time is its wall-clock latency; its CPU is the whole process', since a
// large selection is decoded on a second thread while the first evaluates.
void RangeQueryTiming(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
}

void RunRangeQuery(benchmark::State& state, const char* query) {
  tsdb::DB& db = LoadedDB();
  const promql::Engine engine;
  const int64_t end = kT0 + (kSamples - 1) * kScrapeInterval;
  for (auto _ : state) {
    const promql::QueryResult r = engine.RangeQuery(db, query, kT0, end, kStep);
    if (!r.status.ok()) {
      state.SkipWithError(r.status.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}

void EncodeJson(benchmark::State& state, const char* query) {
  tsdb::DB& db = LoadedDB();
  const promql::Engine engine;
  const promql::QueryResult r =
      engine.RangeQuery(db, query, kT0, kT0 + (kSamples - 1) * kScrapeInterval, kStep);
  if (!r.status.ok()) {
    state.SkipWithError(r.status.error().message().c_str());
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    api::JsonWriter w;
    api::WriteQueryData(w, r.value, nullptr);
    bytes = w.Take().size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

BENCHMARK_CAPTURE(EncodeJson, selector, "node_hwmon_temp_celsius{job=~\"job-1|job-2|job-3\"}")
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(RunRangeQuery, sum_rate, "sum by (job) (rate(http_requests_total[5m]))")
    ->Apply(RangeQueryTiming);
BENCHMARK_CAPTURE(RunRangeQuery, selector, "node_hwmon_temp_celsius{job=~\"job-1|job-2|job-3\"}")
    ->Apply(RangeQueryTiming);
BENCHMARK_CAPTURE(RunRangeQuery, histogram_quantile,
                  "histogram_quantile(0.9, sum by (le, job) (rate(rpc_duration_seconds_bucket[5m])))")
    ->Apply(RangeQueryTiming);
BENCHMARK_CAPTURE(RunRangeQuery, topk_rate, "topk(10, rate(http_requests_total[5m]))")
    ->Apply(RangeQueryTiming);
BENCHMARK_CAPTURE(RunRangeQuery, avg_avg_over_time,
                  "avg by (job) (avg_over_time(node_hwmon_temp_celsius[5m]))")
    ->Apply(RangeQueryTiming);

}  // namespace
}  // namespace promref::bench

int main(int argc, char** argv) {
  if (const char* q = std::getenv("PROMREF_BENCH_QUERY")) {
    benchmark::RegisterBenchmark("RunRangeQuery/custom", promref::bench::RunRangeQuery, q)
        ->Apply(promref::bench::RangeQueryTiming);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
