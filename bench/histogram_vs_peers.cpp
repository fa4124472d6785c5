// Native histograms in the promref binary against Prometheus 3.x (and VictoriaMetrics, which
// accepts them but keeps them in its own form: v1.151 turns each into h_bucket{vmrange=...},
// h_sum and h_count, so `h` is empty there; the data check says so, and its CPU and disk figures
// are printed without ratios), all as child processes measured the same way as in
// remote_write_vs_peers. Every ratio is promref / one peer; --no-vm leaves VictoriaMetrics out.
//
//   load        `series` series h{job, instance} of realistic exponential histograms: schema 3,
//               20 buckets in two spans around a per-series latency (~20 populated), integer
//               counters growing by a few observations per bucket per 15 s scrape (stochastic
//               rounding of a bell-shaped share of 5..54 observations), sum the midpoints
//               of the observations; `samples` scrapes each, in time order, ending 5 min before
//               now. Encoded once as snappy protobuf RW 1.0 requests of `per-request` series and
//               sent by `senders` senders to /api/v1/write, in `rounds` slices interleaved
//               across the servers.
//   CPU         server utime+stime (/proc/<pid>/stat) from its first slice to its last, per
//               histogram sample written.
//   disk        after the queries, the server is stopped (SIGTERM) and its data directory
//               measured: bytes per sample in total and by part (wal, chunks_head, blocks,
//               other). With the default 120 samples (30 min) nothing is compacted into a block
//               yet: the figures are those of the WAL and the head's chunks. So that the block
//               format is measured too, promref and Prometheus are first asked for a snapshot
//               (POST /api/v1/admin/tsdb/snapshot writes the head as a block under snapshots/),
//               counted apart from the total.
//   queries     histogram_quantile(0.9, sum by (job) (rate(h[5m]))), sum(rate(h[5m])),
//               histogram_count(rate(h[5m])), each instant (at the last sample) and range (the
//               whole span, 30 s step), median of `runs` runs interleaved across the servers
//               (after one warm-up run each).
//
// usage: histogram_vs_peers [--full] [--series N] [--samples K] [--senders S] [--per-request R]
//                           [--rounds N] [--runs N] [--promref PATH] [--no-vm]
// The default is a small, quick run (1000 series); --full is 10k series.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/peer_bench_util.h"

namespace promref::bench {
namespace {

struct Args {
  size_t series = 1000;
  int samples = 120;
  int senders = 2;
  size_t per_request = 500;
  int rounds = 4;
  int runs = 5;
  std::string promref = PROMREF_BINARY;
  bool full = false;
  bool no_vm = false;
};

constexpr int32_t kSchema = 3;
constexpr int kBuckets = 20;                              // 16 + 4, in two spans with a gap of 2
constexpr double kZeroThreshold = 2.938735877055719e-39;  // Prometheus' default (2^-128)

// Bucket j's index relative to the series' centre: -10..5, then 8..11.
int32_t BucketOffset(int j) {
  return j < 16 ? j - 10 : j - 16 + 8;
}
// The share of a scrape's observations bucket j gets: a bell around the centre.
const std::vector<double>& BucketWeights() {
  static const std::vector<double> w = [] {
    std::vector<double> v(kBuckets);
    double total = 0;
    for (int j = 0; j < kBuckets; ++j) {
      const double x = BucketOffset(j);
      v[j] = std::exp(-(x * x) / 18.0) + 0.02;
      total += v[j];
    }
    for (double& x : v) x /= total;
    return v;
  }();
  return w;
}

struct HSeries {
  wire::RawLabels labels;
  int32_t centre = 0;  // bucket index of the typical latency (schema 3: 2^(centre/8) s)
  double rate = 0;     // observations per scrape
};

std::vector<HSeries> MakeHistogramSeries(size_t n) {
  std::vector<HSeries> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].labels = {{"__name__", "h"},
                     {"instance", "host-" + std::to_string(i) + ":9100"},
                     {"job", "job-" + std::to_string(i % 10)}};
    out[i].centre = -34 + static_cast<int32_t>(Mix(i * 7 + 1) % 24);  // ~50 ms .. ~400 ms
    out[i].rate = 5 + static_cast<double>(Mix(i * 7 + 2) % 50);
  }
  return out;
}

// The cumulative state of one series' histogram.
struct HState {
  std::vector<uint64_t> buckets = std::vector<uint64_t>(kBuckets);
  uint64_t count = 0;
  double sum = 0;
};

void Advance(const HSeries& s, uint64_t series_index, int64_t step, HState* st) {
  const auto& w = BucketWeights();
  for (int j = 0; j < kBuckets; ++j) {
    const double u =
        Uniform((series_index * 131 + static_cast<uint64_t>(j)) * 1000003 + static_cast<uint64_t>(step));
    const auto inc = static_cast<uint64_t>(std::floor(w[j] * s.rate + u));
    st->buckets[j] += inc;
    st->count += inc;
    const int32_t idx = s.centre + BucketOffset(j);
    st->sum += static_cast<double>(inc) * std::exp2((idx - 0.5) / (1 << kSchema));
  }
}

wire::Histogram ToWire(const HSeries& s, const HState& st, int64_t t) {
  wire::Histogram h;
  h.is_float = false;
  h.schema = kSchema;
  h.zero_threshold = kZeroThreshold;
  h.count_int = st.count;
  h.sum = st.sum;
  h.positive_spans = {{s.centre - 10, 16}, {2, 4}};
  int64_t prev = 0;
  for (uint64_t c : st.buckets) {
    h.positive_deltas.push_back(static_cast<int64_t>(c) - prev);
    prev = static_cast<int64_t>(c);
  }
  h.timestamp = t;
  return h;
}

// As EncodeLoad, with a histogram per series and step: a thread owns whole batches and walks
// them through the steps, carrying each series' cumulative counts.
EncodedLoad EncodeHistogramLoad(const std::vector<HSeries>& series, int64_t t0, int64_t steps,
                                size_t per_request) {
  EncodedLoad load;
  load.steps = steps;
  load.batches = (series.size() + per_request - 1) / per_request;
  load.bodies.resize(static_cast<size_t>(steps) * load.batches);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t b = t; b < load.batches; b += threads) {
        const size_t first = b * per_request;
        const size_t end = std::min(series.size(), first + per_request);
        std::vector<HState> state(end - first);
        for (int64_t k = 0; k < steps; ++k) {
          wire::WriteRequest req;
          for (size_t j = first; j < end; ++j) {
            Advance(series[j], j, k, &state[j - first]);
            wire::TimeSeries ts;
            ts.labels = series[j].labels;
            ts.histograms.push_back(ToWire(series[j], state[j - first], t0 + k * kScrapeInterval));
            req.timeseries.push_back(std::move(ts));
          }
          load.bodies[static_cast<size_t>(k) * load.batches + b] =
              wire::SnappyCompress(wire::EncodeWriteRequest(req));
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  load.samples = series.size() * static_cast<uint64_t>(steps);
  for (const auto& body : load.bodies) load.bytes += body.size();
  return load;
}

struct DiskUse {
  uint64_t total = 0, wal = 0, chunks_head = 0, blocks = 0, other = 0;
  uint64_t snapshot = 0;  // snapshots/ (not in total): the head written out as a block
};

uint64_t TreeBytes(const std::filesystem::path& dir) {
  std::error_code ec;
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) bytes += e.file_size(ec);
  }
  return bytes;
}

// The data directory by its top-level parts: Prometheus' (and promref's) wal/, chunks_head/ and
// block directories (ULIDs: 26 characters starting with 0); anything else (VictoriaMetrics'
// whole layout, lock files, indexes) is "other". snapshots/ is counted apart.
DiskUse MeasureDisk(const std::string& data_dir) {
  namespace fs = std::filesystem;
  DiskUse d;
  std::error_code ec;
  for (const fs::directory_entry& top : fs::directory_iterator(data_dir, ec)) {
    const uint64_t bytes = top.is_regular_file(ec) ? top.file_size(ec) : TreeBytes(top.path());
    const std::string name = top.path().filename().string();
    if (name == "snapshots") {
      d.snapshot += bytes;
      continue;
    }
    if (name == "wal") {
      d.wal += bytes;
    } else if (name == "chunks_head") {
      d.chunks_head += bytes;
    } else if (name.size() == 26 && name[0] == '0') {
      d.blocks += bytes;
    } else {
      d.other += bytes;
    }
    d.total += bytes;
  }
  return d;
}

struct Server : BenchServer {
  double seconds = 0;
  double cpu_us_per_sample = 0;
  uint64_t failed = 0;
  bool data_ok = false;
  double samples_held = 0;
  DiskUse disk;
};

void Ingest(std::vector<Server>& servers, const EncodedLoad& load, int senders, int rounds) {
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<uint64_t> cpu0;
  for (Server& s : servers) cpu0.push_back(CpuMicros(s.peer->pid()));
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
  for (size_t i = 0; i < servers.size(); ++i) {
    Server& s = servers[i];
    s.cpu_us_per_sample =
        static_cast<double>(CpuMicros(s.peer->pid()) - cpu0[i]) / static_cast<double>(load.samples);
    std::printf("%-10s wrote %llu histogram samples in %.2f s (%llu failed requests): %.2f CPU us/sample\n",
                s.tag.c_str(), static_cast<unsigned long long>(load.samples), s.seconds,
                static_cast<unsigned long long>(s.failed), s.cpu_us_per_sample);
  }
  std::fflush(stdout);
}

// count(h) and sum(count_over_time(h[span])): what the server holds of the load.
void CheckHistogramData(Server& s, int64_t t0, int64_t t_end, uint64_t want_series, uint64_t want_samples) {
  HttpClient client({.timeout_ms = 300000});
  if (s.victoria) client.Get(s.peer->base_url() + "/internal/force_flush");
  const std::string window = std::to_string((t_end - t0) / 1000 + 60) + "s";
  double series = 0;
  for (int attempt = 0; attempt < (s.victoria ? 10 : 1); ++attempt) {
    const QueryAnswer a = TimedQuery(client, s.peer->base_url(), "count(h)", 0, t_end, 0, false);
    const QueryAnswer b =
        TimedQuery(client, s.peer->base_url(), "sum(count_over_time(h[" + window + "]))", 0, t_end, 0, false);
    series = a.series ? a.first_value : 0;
    s.samples_held = b.series ? b.first_value : 0;
    if (!a.error.empty() || !b.error.empty())
      std::printf("%-10s %s%s\n", s.tag.c_str(), a.error.c_str(), b.error.c_str());
    s.data_ok =
        series == static_cast<double>(want_series) && s.samples_held == static_cast<double>(want_samples);
    if (s.data_ok) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (!s.data_ok && s.victoria) {
    // What it made of the load, if anything: the metric names it holds.
    const HttpResponse r = client.Get(s.peer->base_url() + "/api/v1/label/__name__/values");
    std::printf("%-10s metric names held: %s\n", s.tag.c_str(), r.body.substr(0, 300).c_str());
    // VictoriaMetrics turns a native histogram into its own vmrange buckets, _sum and _count.
    for (const char* q : {"count(h_count)", "count(h_bucket)", "sum(count_over_time(h_count[1d]))"}) {
      const QueryAnswer c = TimedQuery(client, s.peer->base_url(), q, 0, t_end, 0, false);
      std::printf("%-10s   %s = %.0f\n", s.tag.c_str(), q, c.series ? c.first_value : 0.0);
    }
  }
  std::printf(
      "%-10s data check: count(h) = %.0f series (want %llu), sum(count_over_time(h)) = %.0f samples "
      "(want %llu)%s\n",
      s.tag.c_str(), series, static_cast<unsigned long long>(want_series), s.samples_held,
      static_cast<unsigned long long>(want_samples),
      s.data_ok ? "" : "  <-- MISMATCH (not held as native histograms)");
  std::fflush(stdout);
}

struct Query {
  std::string name;
  std::string expr;
  bool range;
};

int Run(const Args& a) {
  std::vector<ServerSpec> specs = BenchServerSpecs(a.promref, false, {"-search.disableCache"});
  if (a.no_vm) {
    specs.erase(std::remove_if(specs.begin(), specs.end(), [](const ServerSpec& s) { return s.victoria(); }),
                specs.end());
  }
  if (!BinariesPresent(specs)) return 1;
  specs[0].spec.args.push_back("--web.enable-admin-api");  // for the snapshot (Prometheus has it on)
  const auto series = MakeHistogramSeries(a.series);
  const int64_t t_end = (NowMs() - 5 * 60 * 1000) / kScrapeInterval * kScrapeInterval;
  const int64_t t0 = t_end - (a.samples - 1) * kScrapeInterval;
  const auto enc_start = std::chrono::steady_clock::now();
  const EncodedLoad load = EncodeHistogramLoad(series, t0, a.samples, a.per_request);
  std::printf(
      "== native histograms by remote write: %zu series x %d samples (15 s apart) = %llu histogram samples "
      "(schema %d, %d buckets); %zu requests of <= %zu series (%.1f MiB snappy, encoded in %.1f s); %d "
      "senders ==\n",
      series.size(), a.samples, static_cast<unsigned long long>(load.samples), kSchema, kBuckets,
      load.bodies.size(), a.per_request, static_cast<double>(load.bytes) / 1048576.0,
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
  Ingest(servers, load, a.senders, a.rounds);
  for (Server& s : servers) CheckHistogramData(s, t0, t_end, series.size(), load.samples);

  const std::vector<std::string> exprs = {
      "histogram_quantile(0.9, sum by (job) (rate(h[5m])))",
      "sum(rate(h[5m]))",
      "histogram_count(rate(h[5m]))",
  };
  std::vector<Query> queries;
  for (const std::string& e : exprs) queries.push_back({"instant " + e, e, false});
  for (const std::string& e : exprs) queries.push_back({"range " + e, e, true});
  const int64_t step = 30000;
  const size_t n = servers.size();
  WaitQuiet(running, 120);
  std::printf(
      "\n== queries: instant at the last sample, range over [t0, t0+%llds] step 30s; median of %d runs "
      "(interleaved) ==\n",
      static_cast<long long>((t_end - t0) / 1000), a.runs);
  std::vector<std::unique_ptr<HttpClient>> cl;
  for (size_t i = 0; i < n; ++i)
    cl.push_back(std::make_unique<HttpClient>(promconform::HttpClientOptions{.timeout_ms = 300000}));
  std::vector<std::string> tags;
  for (const Server& s : servers) tags.push_back(s.tag);
  constexpr int kWidth = 68;
  PrintQueryTableHeader(kWidth, tags);
  std::vector<std::vector<double>> ratios(n);
  for (const Query& q : queries) {
    std::vector<std::vector<double>> ms(n);
    std::vector<QueryAnswer> shape(n);
    for (size_t i = 0; i < n; ++i) {
      if (servers[i].data_ok)
        shape[i] = TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, q.range);
    }
    for (int r = 0; r < a.runs; ++r) {
      for (size_t i = 0; i < n; ++i) {
        if (!servers[i].data_ok) continue;  // it holds none of the data: nothing to time
        const QueryAnswer ans =
            TimedQuery(*cl[i], servers[i].peer->base_url(), q.expr, t0, t_end, step, q.range);
        if (!ans.error.empty())
          std::printf("  %s: %s failed: %s\n", servers[i].tag.c_str(), q.expr.c_str(), ans.error.c_str());
        ms[i].push_back(ans.ms);
      }
    }
    std::vector<double> med(n);
    for (size_t i = 0; i < n; ++i) med[i] = Median(ms[i]);
    std::printf("%-*s", kWidth, q.name.c_str());
    for (size_t i = 0; i < n; ++i) {
      if (servers[i].data_ok) {
        std::printf(" %12.2f", med[i]);
      } else {
        std::printf(" %12s", "n/a");
      }
    }
    for (size_t i = 1; i < n; ++i) {
      // A server that holds none of the data has nothing to time: no ratio against it.
      if (!servers[i].data_ok) {
        std::printf(" %12s", "n/a");
        continue;
      }
      ratios[i].push_back(med[0] / med[i]);
      std::printf(" %12.3f", med[0] / med[i]);
    }
    std::printf("  ");
    for (size_t i = 0; i < n; ++i) std::printf("%s%zu/%zu", i ? ", " : " ", shape[i].series, shape[i].points);
    std::printf("\n");
    std::fflush(stdout);
  }

  // The head written out as a block (POST /api/v1/admin/tsdb/snapshot): the block format's
  // bytes per sample, which 30 min of data would not otherwise reach (no head compaction yet).
  for (Server& s : servers) {
    if (s.victoria) continue;
    HttpRequest req;
    req.method = "POST";
    req.url = s.peer->base_url() + "/api/v1/admin/tsdb/snapshot";
    const HttpResponse r = cl[0]->Do(req);
    if (r.status != 200)
      std::printf("%-10s snapshot failed: HTTP %ld %s\n", s.tag.c_str(), r.status, r.body.c_str());
  }
  // Disk, once every server is stopped (its WAL and head chunks flushed as on any shutdown).
  for (Server& s : servers) {
    s.peer->Stop();
    s.disk = MeasureDisk(s.peer->dir() + "/data");
  }

  const double samples = static_cast<double>(load.samples);
  std::printf("\n== summary (%zu series x %d histogram samples, %d senders) ==\n", series.size(), a.samples,
              a.senders);
  PrintServers(servers);
  std::printf("%-36s", "");
  for (const Server& s : servers) std::printf(" %14s", s.tag.c_str());
  for (size_t i = 1; i < n; ++i) std::printf(" %12s", ("pr/" + servers[i].tag).c_str());
  std::printf("\n");
  auto row = [&](const char* name, auto value, const char* fmt) {
    std::printf("%-36s", name);
    for (const Server& s : servers) std::printf(fmt, value(s));
    for (size_t i = 1; i < n; ++i) {
      if (value(servers[i]) == 0 || !servers[i].data_ok) {
        std::printf(" %12s", "n/a");
      } else {
        std::printf(" %12.3f", value(servers[0]) / value(servers[i]));
      }
    }
    std::printf("\n");
  };
  row(
      "server CPU us per sample written", [](const Server& s) { return s.cpu_us_per_sample; }, " %14.2f");
  row(
      "disk bytes per sample (total)",
      [&](const Server& s) { return static_cast<double>(s.disk.total) / samples; }, " %14.2f");
  row(
      "  of which wal/", [&](const Server& s) { return static_cast<double>(s.disk.wal) / samples; },
      " %14.2f");
  row(
      "  of which chunks_head/",
      [&](const Server& s) { return static_cast<double>(s.disk.chunks_head) / samples; }, " %14.2f");
  row(
      "  of which blocks", [&](const Server& s) { return static_cast<double>(s.disk.blocks) / samples; },
      " %14.2f");
  row(
      "  of which other", [&](const Server& s) { return static_cast<double>(s.disk.other) / samples; },
      " %14.2f");
  row(
      "snapshot block bytes per sample",
      [&](const Server& s) { return static_cast<double>(s.disk.snapshot) / samples; }, " %14.2f");
  row(
      "samples held (count_over_time)", [](const Server& s) { return s.samples_held; }, " %14.0f");
  for (size_t i = 1; i < n; ++i) {
    if (ratios[i].empty()) {
      std::printf("query median ratio %s / %s: n/a (it holds none of the histograms)\n",
                  servers[0].label.c_str(), servers[i].label.c_str());
    } else {
      std::printf("query median ratio %s / %s: %.3f\n", servers[0].label.c_str(), servers[i].label.c_str(),
                  Median(ratios[i]));
    }
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
  bool series_set = false;
  const bool ok = promref::bench::ParseFlags(
      argc, argv,
      {
          {"--series",
           [&](const std::string& v) {
             a.series = std::stoul(v);
             series_set = true;
           }},
          {"--samples", [&](const std::string& v) { a.samples = std::stoi(v); }},
          {"--senders", [&](const std::string& v) { a.senders = std::stoi(v); }},
          {"--per-request", [&](const std::string& v) { a.per_request = std::stoul(v); }},
          {"--rounds", [&](const std::string& v) { a.rounds = std::max(1, std::stoi(v)); }},
          {"--runs", [&](const std::string& v) { a.runs = std::stoi(v); }},
          {"--promref", [&](const std::string& v) { a.promref = v; }},
      },
      {{"--full", &a.full}, {"--no-vm", &a.no_vm}});
  if (!ok) return 2;
  if (a.full && !series_set) a.series = 10000;
  return promref::bench::Run(a);
}
