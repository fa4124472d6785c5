// In-process TSDB benchmarks:
//   BM_Append     samples/s appended (and committed) for 100k series, 1 or 2 threads, with
//                 and without the WAL; batches of 1000 samples per commit, refs cached as a
//                 scrape loop caches them
//   BM_XorDecode  samples/s decoded from XOR chunks of 120 samples of the benchmark's data
//                 (counters, gauges, histogram buckets), a batch (ReadFloats) at a time
//   BM_Select     latency of Select + iterating the returned series over a head of 1M series,
//                 for `=`, `=~` and `!=` matchers
//   BM_HeadBytesWithFullChunks
//                 heap bytes the head keeps per series once 100k series hold 2 hours of 15 s
//                 samples (3 full chunks and an open one), with and without the head chunk
//                 files (counters; the time is the load's)
// Head memory and disk figures against real Prometheus/VictoriaMetrics: see tsdb_vs_peers.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <filesystem>
#include <random>
#include <thread>

#include "bench/tsdb_bench_data.h"
#include "tsdb/chunks/xor.h"
#include "tsdb/db.h"

namespace promref::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kAppendSeries = 100000;
constexpr size_t kBatch = 1000;
constexpr int kValueSteps = 16;

std::string TempDir() {
  std::random_device rd;
  const std::string dir = (fs::temp_directory_path() / ("tsdb-bench-" + std::to_string(rd()))).string();
  fs::create_directories(dir);
  return dir;
}

void BM_Append(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool with_wal = state.range(1) != 0;
  const auto series = MakeSeries(kAppendSeries);
  // Values of a few consecutive scrapes, precomputed so that the loop measures the store.
  std::vector<double> values(series.size() * kValueSteps);
  for (size_t i = 0; i < series.size(); ++i) {
    for (int k = 0; k < kValueSteps; ++k) values[i * kValueSteps + k] = Value(series[i], k);
  }
  const std::string dir = with_wal ? TempDir() : "";
  tsdb::Options o;
  o.dir = dir;
  o.background_compaction = false;
  auto db = std::move(*tsdb::DB::Open(o));
  std::vector<storage::SeriesRef> refs(series.size(), 0);
  const int64_t t0 = 1'700'000'000'000;
  int64_t step = 0;
  auto pass = [&](int thread) {
    const size_t lo = series.size() * thread / threads;
    const size_t hi = series.size() * (thread + 1) / threads;
    const int64_t t = t0 + step * kScrapeInterval;
    for (size_t b = lo; b < hi; b += kBatch) {
      auto app = db->MakeAppender();
      for (size_t i = b; i < std::min(hi, b + kBatch); ++i) {
        const auto r =
            app->Append(refs[i], series[i].labels, t, values[i * kValueSteps + step % kValueSteps]);
        refs[i] = r.ref;
      }
      if (!app->Commit().ok()) std::abort();
    }
  };
  pass(0);  // creates the series (threads = 1 for this pass)
  ++step;
  for (auto _ : state) {
    std::vector<std::thread> ts;
    for (int w = 1; w < threads; ++w) ts.emplace_back(pass, w);
    pass(0);
    for (auto& t : ts) t.join();
    ++step;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(series.size()));
  state.counters["series"] = static_cast<double>(series.size());
  db.reset();
  if (!dir.empty()) fs::remove_all(dir);
}
// Each iteration is one scrape of all 100k series; 200 iterations = 20M samples, 50 minutes
// of data (no head compaction inside the measurement).
BENCHMARK(BM_Append)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"threads", "wal"})
    ->Iterations(200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// --- Head memory with full chunks ----------------------------------------------------------

void BM_HeadBytesWithFullChunks(benchmark::State& state) {
  const bool chunk_files = state.range(0) != 0;
  const auto series = MakeSeries(kAppendSeries);
  constexpr int kSteps = 480;                // 2 hours at 15 s: chunks of 120, 3 of them full
  constexpr int64_t t0 = 1'700'006'400'000;  // a block range start: no range cut in 2 hours
  for (auto _ : state) {
    const std::string dir = chunk_files ? TempDir() : "";  // in memory: no chunk files
    tsdb::Options o;
    o.dir = dir;
    o.background_compaction = false;
    auto db = std::move(*tsdb::DB::Open(o));
    std::vector<storage::SeriesRef> refs;
    AppendScrapes(*db, series, &refs, t0, kSteps, kBatch);
    const auto n = static_cast<double>(series.size());
    state.counters["head_bytes_per_series"] = static_cast<double>(db->head().MemoryBytes()) / n;
    state.counters["chunk_file_bytes_per_series"] = static_cast<double>(db->HeadChunkFilesSize()) / n;
    db.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }
}
BENCHMARK(BM_HeadBytesWithFullChunks)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("chunk_files")
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// --- XOR chunk decoding --------------------------------------------------------------------

void BM_XorDecode(benchmark::State& state) {
  const auto series = MakeSeries(3000);
  std::vector<tsdb::ChunkBuffer> chunks(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    tsdb::XorState st;
    tsdb::XorAppender app(&chunks[i], &st);
    for (int k = 0; k < 120; ++k) app.Append(1'700'000'000'000 + k * kScrapeInterval, Value(series[i], k));
  }
  int64_t t[256];
  double v[256];
  size_t samples = 0;
  for (auto _ : state) {
    for (const tsdb::ChunkBuffer& c : chunks) {
      tsdb::XorIterator it(std::string_view(reinterpret_cast<const char*>(c.data()), c.size()));
      storage::ValueType vt = it.Next();
      while (vt == storage::ValueType::kFloat) samples += it.ReadFloats(INT64_MAX, 256, t, v, &vt);
      benchmark::DoNotOptimize(v[0]);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(samples));
}
BENCHMARK(BM_XorDecode);

// --- Select over 1M series ------------------------------------------------------------------

constexpr size_t kSelectSeries = 1000000;

tsdb::DB& SelectDb() {
  static std::unique_ptr<tsdb::DB> db = [] {
    tsdb::Options o;
    o.background_compaction = false;
    auto d = std::move(*tsdb::DB::Open(o));
    auto app = d->MakeAppender();
    for (size_t i = 0; i < kSelectSeries; ++i) {
      model::LabelsBuilder b;
      b.Set("__name__", "metric_" + std::to_string(i % 100));
      b.Set("job", "job_" + std::to_string(i % 50));
      b.Set("instance", "inst_" + std::to_string(i));
      b.Set("zone", i % 3 == 0 ? "eu" : "us");
      if (!app->Append(0, b.Build(), 1000, static_cast<double>(i)).ok()) std::abort();
      if (i % 10000 == 9999) {
        if (!app->Commit().ok()) std::abort();
        app = d->MakeAppender();
      }
    }
    if (!app->Commit().ok()) std::abort();
    return d;
  }();
  return *db;
}

model::Matcher M(model::MatchType t, const char* n, const char* v) {
  return *model::Matcher::Make(t, n, v);
}

void RunSelect(benchmark::State& state, std::vector<model::Matcher> ms, bool sorted) {
  tsdb::DB& db = SelectDb();
  size_t n = 0;
  for (auto _ : state) {
    auto q = *db.MakeQuerier(0, 10000);
    auto set = q->Select(sorted, {}, ms);
    n = 0;
    while (set->Next()) {
      benchmark::DoNotOptimize(set->At().labels().Encoded().data());
      ++n;
    }
  }
  state.counters["series_returned"] = static_cast<double>(n);
  state.counters["head_series"] = static_cast<double>(kSelectSeries);
}

void BM_SelectEqual(benchmark::State& s) {
  RunSelect(s, {M(model::MatchType::kEqual, "__name__", "metric_7")}, false);
}
void BM_SelectEqualTwo(benchmark::State& s) {
  RunSelect(
      s, {M(model::MatchType::kEqual, "__name__", "metric_7"), M(model::MatchType::kEqual, "job", "job_7")},
      false);
}
void BM_SelectRegexAlternation(benchmark::State& s) {
  RunSelect(s, {M(model::MatchType::kRegexMatch, "__name__", "metric_1|metric_2|metric_3")}, false);
}
void BM_SelectRegexPrefixHighCardinality(benchmark::State& s) {
  RunSelect(s,
            {M(model::MatchType::kEqual, "__name__", "metric_7"),
             M(model::MatchType::kRegexMatch, "instance", "inst_12.*")},
            false);
}
void BM_SelectRegexGeneral(benchmark::State& s) {
  RunSelect(s, {M(model::MatchType::kRegexMatch, "__name__", "metric_[1-3]7")}, false);
}
void BM_SelectNotEqual(benchmark::State& s) {
  RunSelect(
      s, {M(model::MatchType::kEqual, "__name__", "metric_7"), M(model::MatchType::kNotEqual, "zone", "eu")},
      false);
}
void BM_SelectNotEqualSorted(benchmark::State& s) {
  RunSelect(
      s, {M(model::MatchType::kEqual, "__name__", "metric_7"), M(model::MatchType::kNotEqual, "zone", "eu")},
      true);
}
BENCHMARK(BM_SelectEqual)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectEqualTwo)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectRegexAlternation)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectRegexPrefixHighCardinality)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectRegexGeneral)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectNotEqual)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectNotEqualSorted)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promref::bench

BENCHMARK_MAIN();
