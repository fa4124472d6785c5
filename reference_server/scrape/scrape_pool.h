// The targets and loops of one job (Prometheus' scrapePool).
//
// Sync turns the job's discovered groups into targets, starts a loop for each new one
// (identified by Target::Hash), keeps the loops of targets that stay, and stops those of
// targets that went away (their series go stale two intervals later). Reload restarts every
// loop with the new configuration; when the change cannot alter the scraped series (interval,
// timeout, sample_limit, HTTP client), the new loops reuse the old ones' caches, so nothing
// goes stale.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "scrape/scrape_loop.h"
#include "scrape/target.h"
#include "scrape/target_group.h"

namespace promref::scrape {

class ScrapePool {
 public:
  ScrapePool(std::shared_ptr<const config::ScrapeConfig> config, LoopEnvironment env);
  ~ScrapePool();  // Stop()

  // Replaces the job's targets with those of `groups` (every group of the job).
  // Returns the targets that could not be created ("instance 0 in group 0: no address").
  std::vector<std::string> Sync(const std::vector<TargetGroup>& groups);
  // Restarts every loop with `config`.
  void Reload(std::shared_ptr<const config::ScrapeConfig> config);
  // Stops every loop without end-of-run stale markers (shutdown, job removed).
  void Stop();

  std::shared_ptr<const config::ScrapeConfig> config() const;
  std::vector<std::shared_ptr<Target>> ActiveTargets() const;
  std::vector<std::shared_ptr<Target>> DroppedTargets() const;  // at most keep_dropped_targets
  size_t DroppedTargetCount() const;

 private:
  std::unique_ptr<ScrapeLoop> NewLoop(const std::shared_ptr<Target>& t, std::shared_ptr<ScrapeCache> cache);
  std::optional<std::string> TargetLimitError() const;
  void Retire(std::unique_ptr<ScrapeLoop> loop);  // stops it; its thread may still mark staleness

  mutable std::mutex mu_;
  std::shared_ptr<const config::ScrapeConfig> config_;
  LoopEnvironment env_;
  std::map<uint64_t, std::unique_ptr<ScrapeLoop>> loops_;  // by Target::Hash
  std::vector<std::shared_ptr<Target>> dropped_;
  size_t dropped_count_ = 0;
  std::vector<std::unique_ptr<ScrapeLoop>> retired_;
};

// Whether two configurations scrape the same series, so that a reload may keep the scrape
// caches (Prometheus' reusableCache: equal up to interval, timeout, sample_limit and HTTP
// client settings).
bool ReusableCache(const config::ScrapeConfig& a, const config::ScrapeConfig& b);

}  // namespace promref::scrape
