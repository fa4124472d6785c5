// The TSDB against real Prometheus 2.42 and VictoriaMetrics 1.79 (Debian packages) on the same
// data (tsdb_bench_data.h), in one run:
//
//   disk     bytes per sample on disk after compaction: 4 hours of counters, noisy gauges and
//            histogram buckets. Prometheus and promref both cut the oldest 2 h into a block
//            (the head then spans more than 1.5 block ranges); their blocks are compared
//            sample for sample. VictoriaMetrics keeps no blocks: its whole data directory
//            after a flush and a clean stop is divided by all samples.
//   memory   resident memory per series after ingesting a scrape-like load (many series, a
//            few samples each): the peers' VmRSS after remote-write ingestion, promref's RSS
//            growth in this process (plus its own accounting of head bytes).
//
// usage: tsdb_vs_peers [--disk-series N] [--hours H] [--mem-series N] [--mem-samples K]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "bench/bench_flags.h"
#include "bench/tsdb_bench_data.h"
#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "peers/local_peer.h"
#include "tsdb/db.h"
#include "tsdb/util/file.h"
#include "wire/remote_write.h"

namespace promref::bench {
namespace {

namespace fs = std::filesystem;
using promconform::HttpClient;
using promconform::LocalPeer;

constexpr int64_t kTwoHours = 2 * 3600 * 1000;

struct Args {
  size_t disk_series = 6000;
  int hours = 4;
  size_t mem_series = 100000;
  int mem_samples = 20;
};

uint64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::string TempDir(const std::string& tag) {
  std::random_device rd;
  const std::string dir =
      (fs::temp_directory_path() / ("tsdb-vs-peers-" + tag + "-" + std::to_string(rd()))).string();
  fs::create_directories(dir);
  return dir;
}

// Feeds `steps` scrapes of `series` starting at t0 to a remote-write endpoint, `per_request`
// series per request.
void RemoteWrite(const std::string& url, const std::vector<SeriesSpec>& series, int64_t t0, int64_t steps,
                 size_t per_request = 5000) {
  HttpClient client({.timeout_ms = 120000});
  for (int64_t k = 0; k < steps; ++k) {
    for (size_t lo = 0; lo < series.size(); lo += per_request) {
      wire::WriteRequest req;
      for (size_t i = lo; i < std::min(series.size(), lo + per_request); ++i) {
        wire::TimeSeries ts;
        for (const model::LabelView& l : series[i].labels) ts.labels.emplace_back(l.name, l.value);
        ts.samples.push_back({t0 + k * kScrapeInterval, Value(series[i], k)});
        req.timeseries.push_back(std::move(ts));
      }
      if (Status s = promconform::SendRemoteWrite(client, url, req); !s.ok()) {
        std::cerr << "remote write failed: " << s.error().message() << "\n";
        std::exit(1);
      }
    }
  }
}

struct BlockFigures {
  uint64_t bytes = 0;
  uint64_t samples = 0;
  uint64_t series = 0;
  int blocks = 0;
};

// Sums the blocks (directories with a meta.json) under `dir`.
BlockFigures Blocks(const std::string& dir) {
  BlockFigures f;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_directory() || !fs::exists(e.path() / "meta.json")) continue;
    std::ifstream in(e.path() / "meta.json");
    const auto j = nlohmann::json::parse(in);
    f.bytes += tsdb::DirSize(e.path().string());
    f.samples += j["stats"]["numSamples"].get<uint64_t>();
    f.series += j["stats"]["numSeries"].get<uint64_t>();
    ++f.blocks;
  }
  return f;
}

int64_t AlignedStart(int hours) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return (now - (hours + 2) * 3600 * 1000) / kTwoHours * kTwoHours;
}

void Disk(const Args& a) {
  const auto series = MakeSeries(a.disk_series);
  const int64_t steps = a.hours * 3600 * 1000 / kScrapeInterval;
  const int64_t t0 = AlignedStart(a.hours);
  const uint64_t total = series.size() * static_cast<uint64_t>(steps);
  std::printf("== disk: %zu series x %lld scrapes (%d h at 15 s) = %llu samples ==\n", series.size(),
              static_cast<long long>(steps), a.hours, static_cast<unsigned long long>(total));

  // promref
  const std::string dir = TempDir("promref");
  BlockFigures ours;
  uint64_t ours_total = 0;
  {
    tsdb::Options o;
    o.dir = dir;
    o.background_compaction = false;
    auto db = std::move(*tsdb::DB::Open(o));
    std::vector<storage::SeriesRef> refs(series.size(), 0);
    for (int64_t k = 0; k < steps; ++k) {
      for (size_t lo = 0; lo < series.size(); lo += 5000) {
        auto app = db->MakeAppender();
        for (size_t i = lo; i < std::min(series.size(), lo + 5000); ++i) {
          refs[i] = app->Append(refs[i], series[i].labels, t0 + k * kScrapeInterval, Value(series[i], k)).ref;
        }
        if (!app->Commit().ok()) std::abort();
      }
    }
    if (!db->Compact().ok()) std::abort();
    db.reset();
    ours = Blocks(dir);
    ours_total = tsdb::DirSize(dir);
  }

  // Prometheus
  BlockFigures prom;
  uint64_t prom_total = 0;
  {
    auto peer = LocalPeer::Start(promconform::PrometheusPeer());
    if (!peer.ok()) {
      std::cerr << peer.error().message() << "\n";
      std::exit(1);
    }
    RemoteWrite((*peer)->base_url() + "/api/v1/write", series, t0, steps);
    // The head compacts on its own once it spans 3 h; wait for the block.
    for (int i = 0; i < 600 && Blocks((*peer)->dir() + "/data").blocks == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    (*peer)->Stop();
    prom = Blocks((*peer)->dir() + "/data");
    prom_total = tsdb::DirSize((*peer)->dir() + "/data");
  }

  // VictoriaMetrics
  uint64_t vm_total = 0;
  {
    auto peer = LocalPeer::Start(promconform::VictoriaMetricsPeer());
    if (!peer.ok()) {
      std::cerr << peer.error().message() << "\n";
      std::exit(1);
    }
    RemoteWrite((*peer)->base_url() + "/api/v1/write", series, t0, steps);
    HttpClient c;
    c.Get((*peer)->base_url() + "/internal/force_flush");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    (*peer)->Stop();
    const std::string d = (*peer)->dir() + "/data";
    vm_total = tsdb::DirSize(d + "/data") + tsdb::DirSize(d + "/indexdb");
  }

  auto per = [](uint64_t bytes, uint64_t samples) {
    return samples ? static_cast<double>(bytes) / samples : 0.0;
  };
  const double ours_bps = per(ours.bytes, ours.samples);
  const double prom_bps = per(prom.bytes, prom.samples);
  const double vm_bps = per(vm_total, total);
  std::printf(
      "promref     blocks: %d, %llu samples, %llu bytes -> %.3f bytes/sample (whole dir incl. WAL %llu "
      "bytes)\n",
      ours.blocks, (unsigned long long)ours.samples, (unsigned long long)ours.bytes, ours_bps,
      (unsigned long long)ours_total);
  std::printf(
      "prometheus  blocks: %d, %llu samples, %llu bytes -> %.3f bytes/sample (whole dir incl. WAL %llu "
      "bytes)\n",
      prom.blocks, (unsigned long long)prom.samples, (unsigned long long)prom.bytes, prom_bps,
      (unsigned long long)prom_total);
  std::printf("victoria    data+indexdb: %llu bytes for %llu samples -> %.3f bytes/sample\n",
              (unsigned long long)vm_total, (unsigned long long)total, vm_bps);
  std::printf("ratio promref/prometheus (blocks): %.3f   promref/victoria: %.3f\n", ours_bps / prom_bps,
              ours_bps / vm_bps);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void Memory(const Args& a) {
  const auto series = MakeSeries(a.mem_series);
  const int64_t t0 = AlignedStart(1);
  std::printf("== memory: %zu series x %d samples ==\n", series.size(), a.mem_samples);

  // promref, in this process.
  double ours_rss = 0;
  double ours_acct = 0;
  {
    malloc_trim(0);
    const uint64_t before = RssBytes(0);
    const std::string dir = TempDir("mem");
    tsdb::Options o;
    o.dir = dir;
    o.background_compaction = false;
    auto db = std::move(*tsdb::DB::Open(o));
    std::vector<storage::SeriesRef> refs(series.size(), 0);
    for (int k = 0; k < a.mem_samples; ++k) {
      for (size_t lo = 0; lo < series.size(); lo += 5000) {
        auto app = db->MakeAppender();
        for (size_t i = lo; i < std::min(series.size(), lo + 5000); ++i) {
          refs[i] = app->Append(refs[i], series[i].labels, t0 + k * kScrapeInterval, Value(series[i], k)).ref;
        }
        if (!app->Commit().ok()) std::abort();
      }
    }
    const uint64_t after = RssBytes(0) - refs.capacity() * sizeof(storage::SeriesRef);
    ours_rss = static_cast<double>(after - before) / series.size();
    ours_acct = static_cast<double>(db->head().MemoryBytes()) / series.size();
    db.reset();
    fs::remove_all(dir);
  }

  auto peer_rss = [&](promconform::PeerSpec spec, const char* name) {
    auto peer = LocalPeer::Start(spec);
    if (!peer.ok()) {
      std::cerr << peer.error().message() << "\n";
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const uint64_t idle = RssBytes((*peer)->pid());
    RemoteWrite((*peer)->base_url() + "/api/v1/write", series, t0, a.mem_samples, 10000);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    const uint64_t rss = RssBytes((*peer)->pid());
    std::printf("%-11s RSS idle %.1f MiB, after ingestion %.1f MiB -> %.0f bytes/series (%.0f above idle)\n",
                name, idle / 1048576.0, rss / 1048576.0, static_cast<double>(rss) / series.size(),
                static_cast<double>(rss - idle) / series.size());
    return std::make_pair(static_cast<double>(rss) / series.size(),
                          static_cast<double>(rss - idle) / series.size());
  };
  const auto prom = peer_rss(promconform::PrometheusPeer(), "prometheus");
  const auto vm = peer_rss(promconform::VictoriaMetricsPeer(), "victoria");
  std::printf("promref     RSS growth %.0f bytes/series (head accounting %.0f bytes/series)\n", ours_rss,
              ours_acct);
  std::printf("ratio promref/prometheus: %.3f (vs RSS above idle: %.3f)   promref/victoria: %.3f (%.3f)\n",
              ours_rss / prom.first, ours_rss / prom.second, ours_rss / vm.first, ours_rss / vm.second);
}

}  // namespace
}  // namespace promref::bench

int main(int argc, char** argv) {
  promref::bench::Args a;
  std::string only;
  const bool ok = promref::bench::ParseFlags(
      argc, argv,
      {
          {"--disk-series", [&](const std::string& v) { a.disk_series = std::stoul(v); }},
          {"--hours", [&](const std::string& v) { a.hours = std::stoi(v); }},
          {"--mem-series", [&](const std::string& v) { a.mem_series = std::stoul(v); }},
          {"--mem-samples", [&](const std::string& v) { a.mem_samples = std::stoi(v); }},
          {"--only", [&](const std::string& v) { only = v; }},
      });
  if (!ok) return 2;
  if (only.empty() || only == "disk") promref::bench::Disk(a);
  if (only.empty() || only == "memory") promref::bench::Memory(a);
  return 0;
}
