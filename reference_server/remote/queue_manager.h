// One remote_write endpoint's queue (Prometheus' QueueManager): series labels kept from the
// WAL's series records (external labels added, write_relabel_configs applied once per series),
// samples spread over shards by series, each shard sending batches of max_samples_per_send
// (or whatever it has after batch_send_deadline) as remote write 1.0 or 2.0.
//
// A failed batch is retried with exponential backoff from min_backoff to max_backoff (or the
// endpoint's Retry-After) while the error is recoverable (network, 5xx, 429 with
// retry_on_http_429); any other answer drops the batch, as Prometheus does. While a shard is
// full, AppendSamples blocks, which holds the WAL watcher back instead of growing memory.
// Shards: min_shards; Prometheus' dynamic resharding is not done.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "model/labels.h"
#include "remote/wal_watcher.h"
#include "remote/write_client.h"

namespace promref::remote {

// Prometheus' ewmaRate: a rate over fixed ticks, smoothed with weight 0.2.
class EwmaRate {
 public:
  explicit EwmaRate(double interval_seconds) : interval_(interval_seconds) {}
  void Add(double n) { pending_ += n; }
  void Tick();
  double rate() const { return rate_; }

 private:
  double interval_;
  double pending_ = 0;
  double rate_ = 0;
  bool init_ = false;
};

struct QueueCounters {
  std::atomic<uint64_t> samples_sent{0};
  std::atomic<uint64_t> histograms_sent{0};
  std::atomic<uint64_t> exemplars_sent{0};
  std::atomic<uint64_t> samples_dropped{0};  // relabeled away, too old, or refused by the endpoint
  std::atomic<uint64_t> requests_failed{0};  // final failures
  std::atomic<uint64_t> retries{0};
};

class QueueManager : public WalSink {
 public:
  QueueManager(
      config::RemoteWriteConfig config, model::Labels external_labels, std::string user_agent,
      std::function<void(const std::string&)> log = [](const std::string&) {},
      std::chrono::milliseconds shard_update_interval = std::chrono::seconds(10));
  ~QueueManager() override;  // Stop()

  void Start();
  // Stops the shards; what they hold is not sent (the WAL still has it, as in Prometheus).
  void Stop();

  void StoreSeries(const std::vector<tsdb::wal::RefSeries>& series) override;
  bool AppendSamples(const std::vector<tsdb::wal::RefSample>& samples) override;
  bool AppendHistograms(const std::vector<tsdb::wal::RefHistogram>& histograms) override;
  bool AppendExemplars(const std::vector<tsdb::wal::RefExemplar>& exemplars) override;

  const QueueCounters& counters() const { return counters_; }
  int num_shards() const;
  const config::RemoteWriteConfig& config() const { return config_; }
  // Whether every shard's queue is empty and no request is in flight (tests).
  bool Idle() const;

 private:
  struct Pending {
    uint64_t ref;
    int64_t t;
    double v;
    std::shared_ptr<const model::FloatHistogram> h;  // set for a histogram
    std::shared_ptr<const model::Labels> exemplar;   // set for an exemplar (its labels); v its value
  };
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;  // queued, or draining
    std::deque<Pending> queue;
    bool busy = false;
    bool draining = false;  // send what is queued, then end (a reshard)
    std::thread thread;
  };
  bool Enqueue(Pending p);
  void StartShards(int n);  // shards_mu_ held exclusively
  void DrainShards();       // shards_mu_ held exclusively
  void RunShard(Shard& shard);
  void SendBatch(std::vector<Pending>& batch, WriteClient& client);
  void ReshardLoop();
  int DesiredShards();
  std::string Encode(const std::vector<Pending>& batch, size_t* samples, size_t* histograms) const;

  const config::RemoteWriteConfig config_;
  const model::Labels external_labels_;
  const std::string user_agent_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex series_mu_;
  std::unordered_map<uint64_t, model::Labels> series_;  // empty labels: dropped by relabeling
  mutable std::shared_mutex shards_mu_;                 // exclusive while resharding
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> stop_{false};
  QueueCounters counters_;

  const std::chrono::milliseconds shard_update_interval_;
  std::mutex rates_mu_;
  EwmaRate data_in_, data_out_, data_dropped_, data_out_duration_;
  std::atomic<int64_t> highest_recv_ms_{0}, highest_sent_ms_{0};
  std::atomic<int64_t> reshard_disabled_until_ms_{0};
  std::mutex reshard_mu_;
  std::condition_variable reshard_cv_;
  std::thread reshard_thread_;
};

}  // namespace promref::remote
