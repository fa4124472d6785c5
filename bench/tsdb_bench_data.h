// Realistic synthetic series for the TSDB benchmarks, shared by tsdb_bench and tsdb_vs_peers
// so that every store sees the same data:
//
//   counters     integer counters (http_requests_total) growing by a few units a scrape
//   gauges       noisy gauges: a random walk printed with 2 decimals (temperature, load)
//   histograms   classic histogram buckets (10 cumulative `le` buckets, _sum and _count)
//
// in equal thirds, scraped every 15 s on exact boundaries (as Prometheus aligns scrape
// timestamps). Values are a deterministic function of (series, step), so any store can be
// fed the same samples in any order of batches.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/labels.h"
#include "storage/storage.h"

namespace promref::bench {

inline constexpr int64_t kScrapeInterval = 15000;

// splitmix64: a tiny, good, deterministic mixer.
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
inline double Uniform(uint64_t seed) {
  return static_cast<double>(Mix(seed) >> 11) * 0x1.0p-53;
}

enum class Kind { kCounter, kGauge, kBucket, kSum, kCount };

struct SeriesSpec {
  model::Labels labels;
  Kind kind;
  uint64_t seed;
  int bucket = 0;  // for kBucket: index of the `le` bound
};

// `n` series (rounded to whole histograms), in a stable order.
inline std::vector<SeriesSpec> MakeSeries(size_t n) {
  static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  std::vector<SeriesSpec> out;
  out.reserve(n + 12);
  for (size_t i = 0; out.size() < n; ++i) {
    const std::string inst = "host-" + std::to_string(i % 5000) + ":9100";
    const std::string job = "job-" + std::to_string(i % 20);
    switch (i % 3) {
      case 0:
        out.push_back({{{"__name__", "http_requests_total"},
                        {"job", job},
                        {"instance", inst},
                        {"method", i % 2 ? "GET" : "POST"},
                        {"code", std::to_string(200 + (i / 3) % 5)},
                        {"handler", "/api/v" + std::to_string(i / 15)}},
                       Kind::kCounter,
                       Mix(i)});
        break;
      case 1:
        out.push_back({{{"__name__", "node_hwmon_temp_celsius"},
                        {"job", job},
                        {"instance", inst},
                        {"chip", "platform_coretemp_" + std::to_string(i / 3)},
                        {"sensor", "temp" + std::to_string(i % 8)}},
                       Kind::kGauge,
                       Mix(i)});
        break;
      default: {
        const std::string handler = "/rpc/" + std::to_string(i / 3);
        for (int b = 0; b < 10; ++b) {
          out.push_back({{{"__name__", "rpc_duration_seconds_bucket"},
                          {"job", job},
                          {"instance", inst},
                          {"handler", handler},
                          {"le", kLe[b]}},
                         Kind::kBucket,
                         Mix(i),
                         b});
        }
        out.push_back({{{"__name__", "rpc_duration_seconds_sum"},
                        {"job", job},
                        {"instance", inst},
                        {"handler", handler}},
                       Kind::kSum,
                       Mix(i)});
        out.push_back({{{"__name__", "rpc_duration_seconds_count"},
                        {"job", job},
                        {"instance", inst},
                        {"handler", handler}},
                       Kind::kCount,
                       Mix(i)});
        break;
      }
    }
  }
  return out;
}

// Observations of a histogram up to step k (cumulative), for bucket b (10 = count).
inline double HistogramCount(uint64_t seed, int64_t step, int bucket) {
  // Each step adds 0..20 observations; bucket b holds a fixed, seed-dependent share.
  const double rate = 10.0 * (0.5 + Uniform(seed));
  const double total =
      std::floor(rate * static_cast<double>(step) + 3 * Uniform(seed ^ static_cast<uint64_t>(step)));
  if (bucket >= 9) return total;
  const double share = 1.0 - std::exp(-0.4 * (bucket + 1) * (0.5 + Uniform(seed + 7)));
  return std::floor(total * share);
}

// The value of a series at scrape step k (k >= 0).
inline double Value(const SeriesSpec& s, int64_t step) {
  switch (s.kind) {
    case Kind::kCounter: {
      // Increments of 0..2*rate, deterministic per step; the sum is computed incrementally by
      // the caller in order, so here: a closed form with per-step noise bounded by one step.
      const double rate = 1 + std::floor(20 * Uniform(s.seed));
      return std::floor(rate * static_cast<double>(step) +
                        rate * Uniform(s.seed ^ static_cast<uint64_t>(step))) +
             std::floor(1000 * Uniform(s.seed + 1));
    }
    case Kind::kGauge: {
      // A bounded walk around a base temperature, printed with 2 decimals.
      const double base = 30 + 40 * Uniform(s.seed);
      const double slow = 3 * std::sin(static_cast<double>(step) / 40.0 + 6 * Uniform(s.seed + 2));
      const double noise = 0.8 * (Uniform(s.seed ^ (static_cast<uint64_t>(step) * 31)) - 0.5);
      return std::round((base + slow + noise) * 100) / 100;
    }
    case Kind::kBucket: return HistogramCount(s.seed, step, s.bucket);
    case Kind::kCount: return HistogramCount(s.seed, step, 10);
    case Kind::kSum:
      return HistogramCount(s.seed, step, 10) * (0.05 + 0.2 * Uniform(s.seed + 3)) +
             Uniform(s.seed ^ static_cast<uint64_t>(step)) * 0.01;
  }
  return 0;
}

// Appends scrapes 0..steps-1 of `series` (at t0 + k * kScrapeInterval) to `db`, `per_commit`
// series a commit, with the series references cached in `refs` as a scrape loop caches them.
inline void AppendScrapes(storage::Storage& db, const std::vector<SeriesSpec>& series,
                          std::vector<storage::SeriesRef>* refs, int64_t t0, int64_t steps,
                          size_t per_commit) {
  refs->resize(series.size(), 0);
  for (int64_t k = 0; k < steps; ++k) {
    for (size_t lo = 0; lo < series.size(); lo += per_commit) {
      auto app = db.MakeAppender();
      for (size_t i = lo; i < std::min(series.size(), lo + per_commit); ++i) {
        (*refs)[i] =
            app->Append((*refs)[i], series[i].labels, t0 + k * kScrapeInterval, Value(series[i], k)).ref;
      }
      if (!app->Commit().ok()) std::abort();
    }
  }
}

}  // namespace promref::bench
