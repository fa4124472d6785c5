// A tenant's remote_write section at work: one queue and one WAL watcher per endpoint, over
// that tenant's TSDB write-ahead log. A reload keeps the queues whose endpoint configuration
// (and the external labels) did not change, restarts the others and stops the ones removed.
//
// Remote write reads the WAL, as in Prometheus; a TSDB kept in memory only (--storage.in-memory)
// has none, so there the section is reported as not applied.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "remote/queue_manager.h"
#include "remote/wal_watcher.h"

namespace promref::remote {

class RemoteWriter {
 public:
  RemoteWriter(
      std::string wal_dir, std::string user_agent,
      std::function<void(const std::string&)> log = [](const std::string&) {});
  ~RemoteWriter();  // Stop()

  void ApplyConfig(const std::vector<config::RemoteWriteConfig>& configs,
                   const model::Labels& external_labels);
  void Stop();

  // The running queues, in configuration order (tests and /metrics).
  std::vector<const QueueManager*> Queues() const;

 private:
  struct Endpoint {
    std::unique_ptr<QueueManager> queue;
    std::unique_ptr<WalWatcher> watcher;
  };
  Endpoint Start(const config::RemoteWriteConfig& c, const model::Labels& external_labels);

  const std::string wal_dir_;
  const std::string user_agent_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex mu_;
  model::Labels external_labels_;
  std::vector<Endpoint> endpoints_;
};

}  // namespace promref::remote
