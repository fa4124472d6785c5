#include "server/demo_data.h"

#include <cmath>
#include <string>
#include <vector>

#include "model/sample.h"

namespace promref::server {
namespace {

// A small deterministic generator (SplitMix64), so the dataset is the same on every machine.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
};

}  // namespace

size_t LoadDemoData(storage::Storage& store, std::chrono::system_clock::time_point now) {
  const int64_t end = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t start = end - 6 * 3600 * 1000;
  const int64_t interval = 15'000;
  Rng rng{42};
  size_t written = 0;
  auto app = store.MakeAppender();
  auto add = [&](const model::Labels& l, int64_t t, double v) {
    if (app->Append(0, l, t, v).ok()) ++written;
  };
  const std::vector<std::string> instances = {"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"};
  const std::vector<std::pair<std::string, std::string>> routes = {{"GET", "/api/users"},
                                                                   {"POST", "/api/orders"}};
  const std::vector<std::string> codes = {"200", "500"};
  const std::vector<double> buckets = {0.005, 0.025, 0.1, 0.25, 1, 2.5, 10};
  for (size_t ii = 0; ii < instances.size(); ++ii) {
    const std::string& inst = instances[ii];
    std::vector<double> requests(routes.size() * codes.size(), 0);
    std::vector<double> bucket_counts(buckets.size() + 1, 0);
    double latency_sum = 0, cpu = 0;
    for (int64_t t = start; t <= end; t += interval) {
      const int64_t ts = t + static_cast<int64_t>(rng.Uniform() * 800) - 400;  // scrape jitter
      // The second instance restarts at the middle of the window: its counters reset.
      const bool restart = ii == 1 && t - start == 3 * 3600 * 1000;
      if (restart) {
        std::fill(requests.begin(), requests.end(), 0);
        std::fill(bucket_counts.begin(), bucket_counts.end(), 0);
        latency_sum = 0;
        cpu = 0;
      }
      add({{"__name__", "up"}, {"job", "api-server"}, {"instance", inst}}, ts, 1);
      for (size_t r = 0; r < routes.size(); ++r) {
        for (size_t c = 0; c < codes.size(); ++c) {
          double& v = requests[r * codes.size() + c];
          v += std::floor(rng.Uniform() * (c == 0 ? 50 : 3));
          add({{"__name__", "http_requests_total"},
               {"job", "api-server"},
               {"instance", inst},
               {"method", routes[r].first},
               {"handler", routes[r].second},
               {"code", codes[c]}},
              ts, v);
        }
      }
      for (int k = 0; k < 20; ++k) {
        const double latency = -std::log(1 - rng.Uniform()) * 0.12;
        latency_sum += latency;
        for (size_t b = 0; b < buckets.size(); ++b) {
          if (latency <= buckets[b]) bucket_counts[b] += 1;
        }
        bucket_counts.back() += 1;
      }
      for (size_t b = 0; b <= buckets.size(); ++b) {
        std::string le_text = "+Inf";
        if (b < buckets.size()) {
          // Prometheus' client libraries print bucket bounds with Go's %g-like shortest form.
          char buf[32];
          std::snprintf(buf, sizeof buf, "%g", buckets[b]);
          le_text = buf;
        }
        add({{"__name__", "http_request_duration_seconds_bucket"},
             {"job", "api-server"},
             {"instance", inst},
             {"le", le_text}},
            ts, bucket_counts[b]);
      }
      add({{"__name__", "http_request_duration_seconds_sum"}, {"job", "api-server"}, {"instance", inst}}, ts,
          latency_sum);
      add({{"__name__", "http_request_duration_seconds_count"}, {"job", "api-server"}, {"instance", inst}},
          ts, bucket_counts.back());
      for (const char* q : {"0.5", "0.9", "0.99"}) {
        const double p = std::stod(q);
        add({{"__name__", "rpc_duration_seconds"},
             {"job", "api-server"},
             {"instance", inst},
             {"quantile", q}},
            ts, -std::log(1 - p) * 0.1 * (1 + 0.1 * rng.Uniform()));
      }
      cpu += 15 * (0.2 + 0.3 * rng.Uniform());
      add({{"__name__", "process_cpu_seconds_total"}, {"job", "api-server"}, {"instance", inst}}, ts, cpu);
      const double phase = static_cast<double>(t - start) / (3600.0 * 1000) + static_cast<double>(ii);
      add({{"__name__", "process_resident_memory_bytes"}, {"job", "api-server"}, {"instance", inst}}, ts,
          std::floor(2e8 + 5e7 * std::sin(phase) + 1e6 * rng.Uniform()));
      // A batch job that only exists in the first and last hour: staleness in action.
      const int64_t hour = (t - start) / (3600 * 1000);
      const model::Labels batch{{"__name__", "batch_queue_length"}, {"job", "batch"}, {"instance", inst}};
      if (hour == 0 || hour == 5) {
        add(batch, ts, std::floor(100 * rng.Uniform()));
      } else if (t - start == 3600 * 1000) {
        add(batch, ts, model::StaleNaN());
      }
    }
  }
  (void)app->Commit();
  return written;
}

}  // namespace promref::server
