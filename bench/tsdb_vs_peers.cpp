// The TSDB against its peers on the same data (tsdb_bench_data.h), in one run. The peers are the
// current Prometheus 3.x and VictoriaMetrics, built from their pinned Go modules (peers/versions)
// by peers/build; with --legacy-peers also Debian's Prometheus 2.42 and VictoriaMetrics 1.79, which
// the default run leaves out to stay within time on a 2-core machine. Each peer runs alone, one
// after the other; every ratio is promref / one peer, the current peers first, named with the
// version the peer reports.
//
//   disk     bytes per sample on disk: 4 hours of counters, noisy gauges and histogram
//            buckets. Prometheus and promref both cut the oldest 2 h into a block (the head
//            then spans more than 1.5 block ranges); their blocks are compared sample for
//            sample. VictoriaMetrics keeps no blocks: its whole data directory after a flush
//            and a clean stop is divided by all samples, and compared with promref's whole
//            directory right after the load (WAL and head chunk files) and after compaction
//            (blocks, and the head's WAL and chunk files). Also printed: promref's WAL replay
//            time when reopened.
//   memory   resident memory per series after ingesting a scrape-like load (many series, a
//            few samples each): the peers' VmRSS after remote-write ingestion, promref's RSS
//            growth in this process (plus its own accounting of head bytes).
//
// usage: tsdb_vs_peers [--disk-series N] [--hours H] [--mem-series N] [--mem-samples K]
//                      [--only disk|memory] [--legacy-peers]
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
#include "bench/peer_bench_util.h"
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

constexpr int64_t kTwoHours = 2 * 3600 * 1000;

struct Args {
  size_t disk_series = 6000;
  int hours = 4;
  size_t mem_series = 100000;
  int mem_samples = 20;
  bool legacy_peers = false;
};

std::string TempDir(const std::string& tag) {
  std::random_device rd;
  const std::string dir =
      (fs::temp_directory_path() / ("tsdb-vs-peers-" + tag + "-" + std::to_string(rd()))).string();
  fs::create_directories(dir);
  return dir;
}

// Feeds `steps` scrapes of `series` starting at t0 to a remote-write endpoint, `per_request`
// series per request. False after saying why a request failed; callers return rather than exit,
// so that the peer is stopped.
bool RemoteWrite(const std::string& url, const std::vector<SeriesSpec>& series, int64_t t0, int64_t steps,
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
        return false;
      }
    }
  }
  return true;
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

bool Disk(const Args& a, const std::vector<ServerSpec>& peers) {
  const auto series = MakeSeries(a.disk_series);
  const int64_t steps = a.hours * 3600 * 1000 / kScrapeInterval;
  const int64_t t0 = AlignedStart(a.hours);
  const uint64_t total = series.size() * static_cast<uint64_t>(steps);
  std::printf("== disk: %zu series x %lld scrapes (%d h at 15 s) = %llu samples ==\n", series.size(),
              static_cast<long long>(steps), a.hours, static_cast<unsigned long long>(total));

  // promref, with the server's default WAL compression (snappy).
  const std::string dir = TempDir("promref");
  BlockFigures ours;
  uint64_t ours_ingested = 0;   // whole directory right after the load (no block yet)
  uint64_t ours_compacted = 0;  // whole directory after compaction and a clean close
  double replay_seconds = 0;
  {
    tsdb::Options o;
    o.dir = dir;
    o.background_compaction = false;
    auto db = std::move(*tsdb::DB::Open(o));
    std::vector<storage::SeriesRef> refs;
    AppendScrapes(*db, series, &refs, t0, steps, 5000);
    ours_ingested = tsdb::DirSize(dir);
    if (!db->Compact().ok()) std::abort();
    db.reset();
    ours = Blocks(dir);
    ours_compacted = tsdb::DirSize(dir);
    // What a restart costs now: the head's remaining hour replayed from the WAL.
    tsdb::Options reopen = o;
    auto again = std::move(*tsdb::DB::Open(reopen));
    replay_seconds = again->WalReplay().seconds;
    again.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  auto per = [](uint64_t bytes, uint64_t samples) {
    return samples ? static_cast<double>(bytes) / static_cast<double>(samples) : 0.0;
  };
  const double ours_bps = per(ours.bytes, ours.samples);
  const double ours_ingested_bps = per(ours_ingested, total);
  const double ours_compacted_bps = per(ours_compacted, total);
  std::printf(
      "%-10s blocks: %d, %llu samples, %llu bytes -> %.3f bytes/sample\n"
      "%-10s whole dir: %.3f bytes/sample right after ingest (WAL and head chunk files), %.3f after "
      "compaction (blocks + the head's WAL and chunk files); WAL replay on reopen %.3f s\n",
      "promref", ours.blocks, (unsigned long long)ours.samples, (unsigned long long)ours.bytes, ours_bps,
      "promref", ours_ingested_bps, ours_compacted_bps, replay_seconds);
  std::fflush(stdout);

  // Each peer alone, so that none competes with another for the machine.
  std::vector<std::string> ratios;
  for (const ServerSpec& spec : peers) {
    BenchServer peer;
    if (!StartServer(spec, peer)) return false;
    if (!RemoteWrite(peer.peer->base_url() + "/api/v1/write", series, t0, steps)) return false;
    double bps = 0;
    if (peer.victoria) {
      HttpClient c;
      c.Get(peer.peer->base_url() + "/internal/force_flush");
      std::this_thread::sleep_for(std::chrono::seconds(2));
      peer.peer->Stop();
      const std::string d = peer.peer->dir() + "/data";
      const uint64_t bytes = tsdb::DirSize(d + "/data") + tsdb::DirSize(d + "/indexdb");
      bps = per(bytes, total);
      std::printf("%-10s data+indexdb: %llu bytes for %llu samples -> %.3f bytes/sample\n", peer.tag.c_str(),
                  (unsigned long long)bytes, (unsigned long long)total, bps);
    } else {
      // The head compacts on its own once it spans 3 h; wait for the block.
      for (int i = 0; i < 600 && Blocks(peer.peer->dir() + "/data").blocks == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      peer.peer->Stop();
      const BlockFigures prom = Blocks(peer.peer->dir() + "/data");
      bps = per(prom.bytes, prom.samples);
      std::printf(
          "%-10s blocks: %d, %llu samples, %llu bytes -> %.3f bytes/sample (whole dir incl. WAL %llu "
          "bytes)\n",
          peer.tag.c_str(), prom.blocks, (unsigned long long)prom.samples, (unsigned long long)prom.bytes,
          bps, (unsigned long long)tsdb::DirSize(peer.peer->dir() + "/data"));
    }
    std::fflush(stdout);
    char line[512];
    if (peer.victoria) {
      // VictoriaMetrics' directory holds all it keeps: compare promref's whole directory.
      std::snprintf(line, sizeof line,
                    "ratio promref / %s (whole dir vs data+indexdb): %.3f right after ingest, %.3f after "
                    "compaction",
                    peer.label.c_str(), ours_ingested_bps / bps, ours_compacted_bps / bps);
    } else {
      std::snprintf(line, sizeof line, "ratio promref / %s (blocks): %.3f", peer.label.c_str(),
                    ours_bps / bps);
    }
    ratios.emplace_back(line);
  }
  for (const std::string& r : ratios) std::printf("%s\n", r.c_str());
  return true;
}

bool Memory(const Args& a, const std::vector<ServerSpec>& peers) {
  const auto series = MakeSeries(a.mem_series);
  const int64_t t0 = AlignedStart(1);
  std::printf("== memory: %zu series x %d samples ==\n", series.size(), a.mem_samples);

  // promref, in this process.
  double ours_rss = 0;
  double ours_acct = 0;
  {
    const std::string dir = TempDir("mem");
    tsdb::Options o;
    o.dir = dir;
    o.background_compaction = false;
    auto db = std::move(*tsdb::DB::Open(o));
    // Measured from the opened, empty database, as the peers are from their idle RSS.
    malloc_trim(0);
    const uint64_t before = RssBytes(getpid());
    std::vector<storage::SeriesRef> refs(series.size(), 0);
    AppendScrapes(*db, series, &refs, t0, a.mem_samples, 5000);
    const uint64_t after = RssBytes(getpid()) - refs.capacity() * sizeof(storage::SeriesRef);
    ours_rss = static_cast<double>(after - before) / series.size();
    ours_acct = static_cast<double>(db->head().MemoryBytes()) / series.size();
    db.reset();
    fs::remove_all(dir);
  }

  std::printf("%-10s RSS growth %.0f bytes/series (head accounting %.0f bytes/series)\n", "promref", ours_rss,
              ours_acct);
  std::fflush(stdout);

  // Each peer alone, so that none competes with another for the machine.
  std::vector<std::string> ratios;
  for (const ServerSpec& spec : peers) {
    BenchServer peer;
    if (!StartServer(spec, peer)) return false;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const uint64_t idle = RssBytes(peer.peer->pid());
    if (!RemoteWrite(peer.peer->base_url() + "/api/v1/write", series, t0, a.mem_samples, 10000)) return false;
    std::this_thread::sleep_for(std::chrono::seconds(5));
    const uint64_t rss = RssBytes(peer.peer->pid());
    const double per_series = static_cast<double>(rss) / series.size();
    const double above_idle = static_cast<double>(rss - idle) / series.size();
    std::printf("%-10s RSS idle %.1f MiB, after ingestion %.1f MiB -> %.0f bytes/series (%.0f above idle)\n",
                peer.tag.c_str(), idle / 1048576.0, rss / 1048576.0, per_series, above_idle);
    std::fflush(stdout);
    char line[512];
    std::snprintf(line, sizeof line, "ratio promref / %s: %.3f (vs RSS above idle: %.3f)", peer.label.c_str(),
                  ours_rss / per_series, ours_rss / above_idle);
    ratios.emplace_back(line);
  }
  for (const std::string& r : ratios) std::printf("%s\n", r.c_str());
  return true;
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
      },
      {{"--legacy-peers", &a.legacy_peers}});
  if (!ok) return 2;
  // promref runs in this process; the peers are checked before minutes go into promref's part.
  const auto peers = promref::bench::BenchServerSpecs("", a.legacy_peers);
  if (!promref::bench::BinariesPresent(peers)) return 1;
  if ((only.empty() || only == "disk") && !promref::bench::Disk(a, peers)) return 1;
  if ((only.empty() || only == "memory") && !promref::bench::Memory(a, peers)) return 1;
  return 0;
}
