// The scrape manager of one tenant (Prometheus' scrape.Manager plus the discovery it needs):
// one pool per job, targets from static_configs and file_sd_configs, and the target state the
// API shows.
//
// ApplyConfig stops the pools of jobs that went away, reloads those whose configuration
// changed (only those: a reload leaves unchanged jobs scraping undisturbed) and starts new
// ones with their targets at once. After that a background thread polls the jobs' target
// files and hands changed groups to the pools at most every `reload_interval`
// (--scrape.discovery-reload-interval, 5s as in Prometheus).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "scrape/file_sd.h"
#include "scrape/scrape_pool.h"
#include "storage/storage.h"

namespace promref::scrape {

struct ManagerOptions {
  storage::Storage* storage = nullptr;  // where every job of this manager writes
  std::string user_agent = "Prometheus";
  bool extra_metrics = false;
  std::chrono::milliseconds reload_interval{5000};
  std::chrono::milliseconds file_poll_interval{1000};
  bool skip_offset = false;  // tests: scrape at once instead of at the target's slot
  std::string hostname;      // with the external labels, seeds the spreading of targets
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

class Manager {
 public:
  explicit Manager(ManagerOptions options);
  ~Manager();  // Stop()

  void ApplyConfig(const std::vector<config::ScrapeConfig>& jobs, const model::Labels& external_labels);
  // Stops every loop (no stale markers: a restarted server resumes the series).
  void Stop();

  std::vector<std::string> ScrapePools() const;  // sorted
  // Per pool, pools sorted by name.
  std::map<std::string, std::vector<std::shared_ptr<Target>>> TargetsActive() const;
  std::map<std::string, std::vector<std::shared_ptr<Target>>> TargetsDropped() const;
  std::map<std::string, size_t> TargetsDroppedCounts() const;
  // The configuration of a pool; null when there is no such pool.
  std::shared_ptr<const config::ScrapeConfig> ScrapePoolConfig(const std::string& pool) const;

 private:
  struct Job {
    std::shared_ptr<const config::ScrapeConfig> config;
    std::vector<TargetGroup> static_groups;
    std::vector<FileDiscovery> files;
    std::unique_ptr<ScrapePool> pool;
    bool pending = false;  // discovery changed since the last sync
  };
  void SyncJob(Job& job);
  void Background();

  const ManagerOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Job> jobs_;
  uint64_t offset_seed_ = 0;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace promref::scrape
