// promref's own metrics, served at /metrics in the Prometheus text exposition format (0.0.4).
//
// Names follow Prometheus' where the concept is the same (prometheus_http_requests_total,
// prometheus_http_request_duration_seconds, prometheus_config_last_reload_successful,
// process_*), so dashboards built for Prometheus read promref too; promref-only concepts are
// named promref_*. Nothing here is labelled by tenant: /metrics must not reveal which tenants
// exist or how much data they hold.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promref::api {

// Writes metric families in the text format. Families may be added in any order; the output
// lists them sorted by name, as Prometheus' client library does.
class ExpositionWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts a family: `type` is counter, gauge, histogram or untyped.
  void Family(std::string_view name, std::string_view help, std::string_view type);
  // A sample of the current family; `suffix` is "", "_bucket", "_sum" or "_count".
  void Sample(std::string_view suffix, const Labels& labels, double value);
  std::string Text() const;

 private:
  std::map<std::string, std::string, std::less<>> families_;  // name -> its lines
  std::string* current_ = nullptr;
  std::string current_name_;
};

class SelfMetrics {
 public:
  SelfMetrics();

  // Counts a served request under its route pattern ("/api/v1/query") and status code, and
  // observes its duration in seconds.
  void ObserveRequest(const std::string& handler, int code, double seconds);
  // Records the outcome of a configuration (re)load.
  void ObserveReload(bool ok, std::chrono::system_clock::time_point when);
  struct ReloadState {
    bool ok = true;
    std::chrono::system_clock::time_point last_success;
  };
  ReloadState LastReload() const;
  // Counts what the remote-write receiver stored.
  void ObserveRemoteWrite(uint64_t samples, uint64_t histograms, uint64_t exemplars);

  // Adds families computed at exposition time (storage sizes and the like).
  using Collector = std::function<void(ExpositionWriter&)>;
  void AddCollector(Collector c);

  // The whole exposition: own counters, collectors and process_* metrics.
  std::string Expose() const;

  // Prometheus' buckets for prometheus_http_request_duration_seconds.
  static const std::vector<double>& DurationBuckets();

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed at exposition
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (handler, code) -> count
  std::map<std::string, Histogram> durations_;                // handler -> histogram
  ReloadState reload_;
  std::atomic<uint64_t> rw_samples_{0};
  std::atomic<uint64_t> rw_histograms_{0};
  std::atomic<uint64_t> rw_exemplars_{0};
  std::vector<Collector> collectors_;
};

// Appends the process_* families Prometheus' Go client exposes on Linux, read from /proc.
void CollectProcessMetrics(ExpositionWriter& w);

}  // namespace promref::api
