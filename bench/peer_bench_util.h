// Helpers shared by the benchmarks that drive promref and its peers as separate processes over
// HTTP (remote_write_vs_peers, promql_vs_prometheus), so that every server is fed and measured
// the same way:
//
//   - the promref binary as a LocalPeer, like Prometheus and VictoriaMetrics;
//   - a remote-write load encoded once (snappy protobuf RW 1.0) and sent by concurrent senders
//     in time order: the request for (step k, batch b) leaves only once (k-1, b) was answered,
//     so no store ever sees a series go back in time;
//   - CPU time and resident memory of a process from /proc;
//   - timed HTTP queries.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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
  spec.binary = binary;
  spec.args = {"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.path={dir}/data",
               "--web.enable-remote-write-receiver"};
  return spec;
}

inline std::unique_ptr<LocalPeer> StartOrDie(const PeerSpec& spec) {
  auto peer = LocalPeer::Start(spec);
  if (!peer.ok()) {
    std::cerr << peer.error().message() << "\n";
    std::exit(1);
  }
  return std::move(*peer);
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
    for (const auto& e : result) {
      if (e.contains("values")) a.points += e["values"].size();
      if (e.contains("value")) ++a.points;
    }
    if (!result.empty()) {
      const auto& e = result[0];
      const auto& v = e.contains("value") ? e["value"] : (e["values"].empty() ? nullptr : e["values"][0]);
      if (v.is_array()) a.first_value = std::stod(v[1].get<std::string>());
    }
  } else if (j["data"]["resultType"] == "scalar") {
    a.series = 1;
    a.points = 1;
    a.first_value = std::stod(result[1].get<std::string>());
  }
  return a;
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace promref::bench
