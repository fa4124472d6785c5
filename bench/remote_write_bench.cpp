// In-process remote-write ingestion: the receiver's handler (snappy, protobuf decoding, label
// checks, series lookup, WAL, head) without HTTP, so that its CPU cost per sample can be
// profiled and compared change by change. The load is remote_write_vs_peers' (tsdb_bench_data.h
// series, one sample each per 15 s step, requests of 2000 series-samples); one iteration sends
// the requests of one step, in order, from one thread.
//
//   BM_RemoteWriteHandler/<wal>   handler CPU per sample over 100k series, with and without
//                                 the WAL (promref's default keeps one)
//   BM_DecodeWriteRequest         protobuf decoding only, per sample
//
// The whole-server comparison against Prometheus and VictoriaMetrics is remote_write_vs_peers.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "api/prometheus_api.h"
#include "bench/peer_bench_util.h"
#include "tsdb/db.h"
#include "wire/remote_write.h"

namespace promref::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSeries = 100000;
constexpr size_t kPerRequest = 2000;
constexpr int64_t kSteps = 64;
constexpr int64_t kT0 = 1'700'000'000'000;

const EncodedLoad& Load() {
  static const EncodedLoad load = EncodeLoad(MakeSeries(kSeries), kT0, kSteps, kPerRequest);
  return load;
}

void BM_RemoteWriteHandler(benchmark::State& state) {
  const bool with_wal = state.range(0) != 0;
  const EncodedLoad& load = Load();
  std::string dir;
  if (with_wal) {
    dir = (fs::temp_directory_path() / ("rw-bench-" + std::to_string(std::random_device{}()))).string();
    fs::create_directories(dir);
  }
  tsdb::Options o;
  o.dir = dir;
  o.background_compaction = false;
  auto db = std::move(*tsdb::DB::Open(o));
  api::Tenant tenant{"default", db.get(), nullptr};
  api::ApiDeps deps;
  deps.options.enable_remote_write_receiver = true;
  deps.now = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(kT0 + 86'400'000));
  };
  api::PrometheusApi api(std::move(deps));
  api::Request req;
  req.method = "POST";
  req.headers = {{"Content-Encoding", "snappy"}, {"Content-Type", "application/x-protobuf"}};
  req.tenant = &tenant;
  auto send_step = [&](int64_t step) {
    for (size_t b = 0; b < load.batches; ++b) {
      req.body = load.bodies[static_cast<size_t>(step) * load.batches + b];
      const api::Response r = api.RemoteWrite(req);
      if (r.status != 204) {
        state.SkipWithError(("status " + std::to_string(r.status) + ": " + r.body).c_str());
        return false;
      }
    }
    return true;
  };
  if (!send_step(0)) return;  // creates the series
  int64_t step = 1;
  for (auto _ : state) {
    if (step == kSteps) {
      state.SkipWithError("ran out of encoded steps; raise kSteps");
      break;
    }
    if (!send_step(step++)) break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kSeries));
  db.reset();
  if (!dir.empty()) fs::remove_all(dir);
}
BENCHMARK(BM_RemoteWriteHandler)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(40);

void BM_DecodeWriteRequest(benchmark::State& state) {
  const EncodedLoad& load = Load();
  std::vector<std::string> raw;
  for (size_t b = 0; b < load.batches; ++b) raw.push_back(*wire::SnappyDecompress(load.bodies[b], 1 << 30));
  for (auto _ : state) {
    for (const std::string& r : raw) {
      auto w = wire::DecodeWriteRequest(r);
      benchmark::DoNotOptimize(w);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kSeries));
}
BENCHMARK(BM_DecodeWriteRequest)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promref::bench

BENCHMARK_MAIN();
