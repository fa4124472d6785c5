// Helpers shared by the benchmarks that drive promref and its peers as separate processes over
// HTTP (remote_write_vs_peers, promql_vs_prometheus, and the peers of tsdb_vs_peers), so that
// every server is chosen, fed and measured the same way:
//
//   - the servers: promref, the current peers (Prometheus 3.x and VictoriaMetrics built from their
//     pinned Go modules by peers/build) and, with --legacy-peers, Debian's Prometheus 2.42 and
//     VictoriaMetrics 1.79; each named by the version it reports, so that a ratio says what it
//     compares;
//   - the promref binary as a LocalPeer, like the peers;
//   - a remote-write load encoded once (snappy protobuf RW 1.0) and sent by concurrent senders
//     in time order: the request for (step k, batch b) leaves only once (k-1, b) was answered,
//     so no store ever sees a series go back in time;
//   - CPU time and resident memory of a process from /proc;
//   - timed HTTP queries, and a count of what a server holds.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/tsdb_bench_data.h"
#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "peers/local_peer.h"
#include "wire/remote_write.h"

// The promref binary the benchmarks start (CMake passes its build path; --promref overrides).
#ifndef PROMREF_BINARY
#define PROMREF_BINARY "promref"
#endif

namespace promref::bench {

using promconform::HttpClient;
using promconform::HttpRequest;
using promconform::HttpResponse;
using promconform::LocalPeer;
using promconform::PeerSpec;

inline uint64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// utime + stime of a whole process (all its threads), in microseconds.
inline uint64_t CpuMicros(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(s.substr(close + 2));
  std::string f;
  uint64_t utime = 0;
  uint64_t stime = 0;
  // Fields after the command: state(3) ppid(4) ... utime(14) stime(15).
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  static const long tck = sysconf(_SC_CLK_TCK);
  return (utime + stime) * 1000000ULL / static_cast<uint64_t>(tck);
}

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The promref binary on a free loopback port with a data directory of its own.
inline PeerSpec PromrefPeer(const std::string& binary) {
  PeerSpec spec;
  spec.name = "promref";
  // Absolute: the peer runs in its own directory, where a relative path would name nothing.
  spec.binary = std::filesystem::absolute(binary).string();
  spec.args = {"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.path={dir}/data",
               "--web.enable-remote-write-receiver"};
  spec.missing_hint = "build the promref target, or pass --promref PATH";
  return spec;
}

// A server a benchmark compares, before it runs.
struct ServerSpec {
  std::string product;  // "promref", "prometheus" or "victoria-metrics"
  std::string build;    // where the binary comes from, for labels: "pinned module build", ...
  std::string version;  // what to call it when it does not report a version
  bool legacy = false;  // one of the old peers only --legacy-peers runs
  PeerSpec spec;
  bool victoria() const { return product == "victoria-metrics"; }
};

// promref (unless `promref_binary` is empty: tsdb_vs_peers runs its TSDB in process), then an
// earlier promref build to measure a change against (`baseline_binary`, when given), then the
// current peers, then with `legacy` Debian's: every ratio column is promref / one of them, in this
// order. The old peers are opt-in because each one more server costs a load and its measurement,
// too long on a 2-core machine. VictoriaMetrics gets `vm_args`.
inline std::vector<ServerSpec> BenchServerSpecs(const std::string& promref_binary, bool legacy,
                                                const std::vector<std::string>& vm_args = {},
                                                const std::string& baseline_binary = "") {
  std::vector<ServerSpec> specs;
  if (!promref_binary.empty()) specs.push_back({"promref", "", "", false, PromrefPeer(promref_binary)});
  if (!baseline_binary.empty())
    specs.push_back({"promref", "baseline", "", false, PromrefPeer(baseline_binary)});
  specs.push_back({"prometheus", "pinned module build", "3", false, promconform::PinnedPrometheusPeer()});
  specs.push_back({"victoria-metrics", "pinned module build", "", false,
                   promconform::PinnedVictoriaMetricsPeer(vm_args)});
  if (legacy) {
    specs.push_back({"prometheus", "Debian package", "2.42", true, promconform::PrometheusPeer()});
    specs.push_back(
        {"victoria-metrics", "Debian package", "1.79", true, promconform::VictoriaMetricsPeer(vm_args)});
  }
  return specs;
}

// Says which binaries are missing (for a pinned peer: that peers/build builds it), all at once and
// before the benchmark spends minutes on the servers that are there.
inline bool BinariesPresent(const std::vector<ServerSpec>& specs) {
  bool ok = true;
  for (const ServerSpec& s : specs) {
    if (std::filesystem::exists(s.spec.binary)) continue;
    std::fprintf(stderr, "%s: %s is not installed (%s)\n", s.spec.name.c_str(), s.spec.binary.c_str(),
                 s.spec.missing_hint.c_str());
    ok = false;
  }
  return ok;
}

// The version a running server reports: promref and Prometheus in /api/v1/status/buildinfo,
// VictoriaMetrics in its vm_app_version metric (its buildinfo endpoint answers a fixed Prometheus
// version, for Grafana). "" when it does not say: Debian builds VictoriaMetrics without one.
inline std::string ReportedVersion(const std::string& base_url, bool victoria) {
  HttpClient client({.timeout_ms = 10000});
  if (!victoria) {
    const HttpResponse r = client.Get(base_url + "/api/v1/status/buildinfo");
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object()) return "";
    return j.value(nlohmann::json::json_pointer("/data/version"), std::string());
  }
  const HttpResponse r = client.Get(base_url + "/metrics");
  const size_t line = r.body.find("vm_app_version{");
  if (r.status != 200 || line == std::string::npos) return "";
  const std::string labels = r.body.substr(line, r.body.find('}', line) - line);
  auto label = [&](const std::string& key) -> std::string {
    const size_t at = labels.find(key + "=\"");
    if (at == std::string::npos) return "";
    const size_t from = at + key.size() + 2;
    return labels.substr(from, labels.find('"', from) - from);
  };
  // short_version is "v1.151.0"; version the whole build string ("victoria-metrics-v1.151.0").
  const std::string short_version = label("short_version");
  return short_version.empty() ? label("{version") : short_version;
}

// A server as a benchmark runs it.
struct BenchServer {
  std::string tag;    // column heading: "promref", "prom3.16", "vm1.151", "prom2.42", "vm1.79"
  std::string label;  // for summary lines: "prometheus 3.16.0 (pinned module build)"
  bool victoria = false;
  bool legacy = false;
  std::string binary;
  std::unique_ptr<LocalPeer> peer;
};

// The heading of a query table: a latency column per server, a ratio column per peer (promref
// first among `tags`), then the series/points of each.
inline void PrintQueryTableHeader(int query_width, const std::vector<std::string>& tags) {
  std::printf("%-*s", query_width, "query");
  for (const std::string& t : tags) std::printf(" %12s", (t + " ms").c_str());
  for (size_t i = 1; i < tags.size(); ++i) std::printf(" %12s", ("pr/" + tags[i]).c_str());
  std::printf("   series/points (");
  for (size_t i = 0; i < tags.size(); ++i) std::printf("%s%s", i ? ", " : "", tags[i].c_str());
  std::printf(")\n");
}

// Starts a server and names it by the version it reports (by `spec.version` when it reports
// none). False after printing why it did not start, for a missing pinned peer with the hint to run
// peers/build; callers return rather than exit, so that the servers already running are stopped.
inline bool StartServer(const ServerSpec& spec, BenchServer& out) {
  auto peer = LocalPeer::Start(spec.spec);
  if (!peer.ok()) {
    std::fprintf(stderr, "%s\n", peer.error().message().c_str());
    return false;
  }
  out.peer = std::move(*peer);
  out.victoria = spec.victoria();
  out.legacy = spec.legacy;
  out.binary = spec.spec.binary;
  std::string version = ReportedVersion(out.peer->base_url(), out.victoria);
  if (version.empty()) version = spec.version;
  if (spec.product == "promref") {
    out.tag = spec.build == "baseline" ? "baseline" : "promref";
    out.label = (version.empty() ? "promref" : "promref " + version) +
                (spec.build.empty() ? "" : " (" + spec.build + ")");
    return true;
  }
  // Columns carry major.minor ("2.42.0+ds" -> 2.42, "v1.151.0" -> 1.151); labels all of it.
  std::string short_version = version.substr(version.rfind('v', 0) == 0 ? 1 : 0);
  const size_t dot = short_version.find('.');
  if (dot != std::string::npos) short_version = short_version.substr(0, short_version.find('.', dot + 1));
  out.tag = (out.victoria ? "vm" : "prom") + short_version;
  out.label = spec.product + (version.empty() ? "" : " " + version) + " (" + spec.build + ")";
  return true;
}

// One line per server, so that a reader of the tables knows what each column is.
template <typename S>
void PrintServers(const std::vector<S>& servers) {
  for (const BenchServer& s : servers) {
    std::printf("  %-10s %s: %s\n", s.tag.c_str(), s.label.c_str(), s.binary.c_str());
  }
  std::fflush(stdout);
}

// Waits until the processes together use less than 3% of a core over a second (at most
// `max_seconds`): lets background work (head compaction, merges, GC) end before measuring.
inline void WaitQuiet(const std::vector<pid_t>& pids, int max_seconds = 120) {
  auto total = [&] {
    uint64_t t = 0;
    for (pid_t p : pids) t += CpuMicros(p);
    return t;
  };
  for (int i = 0; i < max_seconds; ++i) {
    const uint64_t a = total();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (total() - a < 30000) return;
  }
}

// `steps` scrapes of `series` from t0, as request bodies: bodies[k * batches + b] holds the
// sample of step k of series [b * per_request, (b + 1) * per_request).
struct EncodedLoad {
  int64_t steps = 0;
  size_t batches = 0;
  uint64_t samples = 0;
  uint64_t bytes = 0;
  std::vector<std::string> bodies;
};

inline EncodedLoad EncodeLoad(const std::vector<SeriesSpec>& series, int64_t t0, int64_t steps,
                              size_t per_request) {
  EncodedLoad load;
  load.steps = steps;
  load.batches = (series.size() + per_request - 1) / per_request;
  load.bodies.resize(static_cast<size_t>(steps) * load.batches);
  std::vector<wire::RawLabels> labels;
  for (const SeriesSpec& s : series) {
    wire::RawLabels l;
    for (const model::LabelView& lv : s.labels) l.emplace_back(lv.name, lv.value);
    labels.push_back(std::move(l));
  }
  // Encoding is CPU work of this process only; spread it over the cores before any server runs.
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < load.bodies.size(); i += threads) {
        const int64_t k = static_cast<int64_t>(i / load.batches);
        const size_t b = i % load.batches;
        wire::WriteRequest req;
        for (size_t j = b * per_request; j < std::min(series.size(), (b + 1) * per_request); ++j) {
          wire::TimeSeries ts;
          ts.labels = labels[j];
          ts.samples.push_back({t0 + k * kScrapeInterval, Value(series[j], k)});
          req.timeseries.push_back(std::move(ts));
        }
        load.bodies[i] = wire::SnappyCompress(wire::EncodeWriteRequest(req));
      }
    });
  }
  for (auto& t : pool) t.join();
  load.samples = series.size() * static_cast<uint64_t>(steps);
  for (const auto& b : load.bodies) load.bytes += b.size();
  return load;
}

struct SendResult {
  double seconds = 0;
  uint64_t failed_requests = 0;
};

// Sends steps [first_step, end_step) of the load (all of it by default) to `url` from `senders`
// threads. Requests leave in (step, batch) order; one waits for the previous step of its batch
// to be answered, so each series' samples arrive in time order even with several senders.
inline SendResult SendLoad(const std::string& url, const EncodedLoad& load, int senders,
                           int64_t first_step = 0, int64_t end_step = -1) {
  if (end_step < 0) end_step = load.steps;
  std::atomic<size_t> next{static_cast<size_t>(first_step) * load.batches};
  const size_t end = static_cast<size_t>(end_step) * load.batches;
  std::vector<std::atomic<int64_t>> done(load.batches);
  for (auto& d : done) d.store(first_step - 1);
  std::atomic<uint64_t> failed{0};
  std::mutex err_mu;
  bool reported = false;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&] {
      HttpClient client({.timeout_ms = 300000});
      HttpRequest req;
      req.method = "POST";
      req.url = url;
      req.headers = promconform::RemoteWriteV1Headers("promconform-bench/0.1");
      for (size_t i = next++; i < end; i = next++) {
        const int64_t k = static_cast<int64_t>(i / load.batches);
        const size_t b = i % load.batches;
        while (done[b].load(std::memory_order_acquire) < k - 1) std::this_thread::yield();
        req.body = load.bodies[i];
        HttpResponse r = client.Do(req);
        if (!r.answered() || r.status < 200 || r.status >= 300) {
          ++failed;
          std::lock_guard<std::mutex> lock(err_mu);
          if (!reported) {
            reported = true;
            std::fprintf(stderr, "remote write to %s failed (first failure shown): %s HTTP %ld %s\n",
                         url.c_str(), r.transport_error.c_str(), r.status, r.body.substr(0, 300).c_str());
          }
        }
        done[b].store(k, std::memory_order_release);
      }
    });
  }
  for (auto& t : threads) t.join();
  SendResult res;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  res.failed_requests = failed.load();
  return res;
}

struct QueryAnswer {
  double ms = 0;
  long status = 0;
  size_t series = 0;  // elements of the result vector or matrix
  size_t points = 0;  // samples in a matrix (1 per element of a vector)
  double first_value = 0;
  std::string error;
};

// One timed GET of an instant (`end` only) or range query; the answer is parsed after the clock
// stops.
inline QueryAnswer TimedQuery(HttpClient& client, const std::string& base, const std::string& query,
                              int64_t start_ms, int64_t end_ms, int64_t step_ms, bool range) {
  auto secs = [](int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    return std::string(buf);
  };
  std::string url = base + (range ? "/api/v1/query_range?" : "/api/v1/query?");
  std::vector<std::pair<std::string, std::string>> params = {{"query", query}};
  if (range) {
    params.emplace_back("start", secs(start_ms));
    params.emplace_back("end", secs(end_ms));
    params.emplace_back("step", secs(step_ms));
  } else {
    params.emplace_back("time", secs(end_ms));
  }
  url += promconform::FormEncode(params);
  const auto t = std::chrono::steady_clock::now();
  HttpResponse r = client.Get(url);
  QueryAnswer a;
  a.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  a.status = r.status;
  if (!r.answered()) {
    a.error = r.transport_error;
    return a;
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") {
    a.error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
    return a;
  }
  const auto& result = j["data"]["result"];
  if (result.is_array()) {
    a.series = result.size();
    // Float samples are "value"/"values", native histograms "histogram"/"histograms" (whose
    // value is an object: first_value stays 0 for them).
    for (const auto& e : result) {
      if (e.contains("values")) a.points += e["values"].size();
      if (e.contains("histograms")) a.points += e["histograms"].size();
      if (e.contains("value") || e.contains("histogram")) ++a.points;
    }
    if (!result.empty()) {
      const auto& e = result[0];
      nlohmann::json v;
      if (e.contains("value")) {
        v = e["value"];
      } else if (e.contains("values") && !e["values"].empty()) {
        v = e["values"][0];
      }
      if (v.is_array() && v.size() == 2 && v[1].is_string())
        a.first_value = std::stod(v[1].get<std::string>());
    }
  } else if (j["data"]["resultType"] == "scalar") {
    a.series = 1;
    a.points = 1;
    a.first_value = std::stod(result[1].get<std::string>());
  }
  return a;
}

// Counts the series (count()) and samples (sum(count_over_time()) over [t0, t_end]) a server holds,
// prints them against what was sent and says whether they match. VictoriaMetrics is flushed first
// and given up to 30 s, as its freshly ingested data takes a moment to become searchable.
inline bool CheckData(const BenchServer& s, int64_t t0, int64_t t_end, uint64_t want_series,
                      uint64_t want_samples) {
  HttpClient client({.timeout_ms = 300000});
  if (s.victoria) client.Get(s.peer->base_url() + "/internal/force_flush");
  const int64_t window_s = (t_end - t0) / 1000 + 60;
  double series = 0;
  double samples = 0;
  bool match = false;
  for (int attempt = 0; attempt < 30; ++attempt) {
    const QueryAnswer a =
        TimedQuery(client, s.peer->base_url(), "count({__name__=~\".+\"})", 0, t_end, 0, false);
    // Per metric name: count_over_time drops the name, and _sum and _count share the other labels.
    samples = 0;
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
      std::printf("%-10s count query failed: %s\n", s.tag.c_str(), error.c_str());
      std::fflush(stdout);
      return false;
    }
    series = a.first_value;
    match = series == static_cast<double>(want_series) && samples == static_cast<double>(want_samples);
    if (match || !s.victoria) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::printf(
      "%-10s data check: count() = %.0f series (want %llu), sum(count_over_time) = %.0f samples (want "
      "%llu)%s\n",
      s.tag.c_str(), series, static_cast<unsigned long long>(want_series), samples,
      static_cast<unsigned long long>(want_samples), match ? "" : "  <-- MISMATCH");
  std::fflush(stdout);
  return match;
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace promref::bench
