#include "scrape/scrape_pool.h"

#include "model/time.h"

namespace promref::scrape {

bool ReusableCache(const config::ScrapeConfig& a, const config::ScrapeConfig& b) {
  const auto zero = [](config::ScrapeConfig c) {
    c.scrape_interval_ms = c.scrape_timeout_ms = 0;
    c.sample_limit = 0;
    c.http_client = {};
    return c;
  };
  return config::SameScrapeConfig(zero(a), zero(b));
}

ScrapePool::ScrapePool(std::shared_ptr<const config::ScrapeConfig> config, LoopEnvironment env)
    : config_(std::move(config)), env_(std::move(env)) {}

ScrapePool::~ScrapePool() {
  Stop();
}

std::shared_ptr<const config::ScrapeConfig> ScrapePool::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

std::unique_ptr<ScrapeLoop> ScrapePool::NewLoop(const std::shared_ptr<Target>& t,
                                                std::shared_ptr<ScrapeCache> cache) {
  // The interval and timeout labels start as the job's values, so they always parse here
  // (PopulateLabels checked them).
  const auto interval = model::ParseDuration(t->Get("__scrape_interval__"));
  const auto timeout = model::ParseDuration(t->Get("__scrape_timeout__"));
  return std::make_unique<ScrapeLoop>(t, std::move(cache), env_,
                                      interval.ok() ? *interval : config_->scrape_interval_ms,
                                      timeout.ok() ? *timeout : config_->scrape_timeout_ms);
}

std::optional<std::string> ScrapePool::TargetLimitError() const {
  const uint64_t limit = config_->target_limit;
  if (limit == 0 || loops_.size() <= limit) return std::nullopt;
  return "target_limit exceeded (number of targets: " + std::to_string(loops_.size()) +
         ", limit: " + std::to_string(limit) + ")";
}

void ScrapePool::Retire(std::unique_ptr<ScrapeLoop> loop) {
  loop->Stop();
  retired_.push_back(std::move(loop));
}

std::vector<std::string> ScrapePool::Sync(const std::vector<TargetGroup>& groups) {
  std::lock_guard lock(mu_);
  std::erase_if(retired_, [](const auto& l) {
    if (!l->Finished()) return false;
    l->Join();
    return true;
  });
  std::vector<std::string> failures;
  std::map<uint64_t, std::shared_ptr<Target>> seen;
  dropped_.clear();
  dropped_count_ = 0;
  for (const TargetGroup& g : groups) {
    GroupTargets made = TargetsFromGroup(g, config_);
    failures.insert(failures.end(), made.failures.begin(), made.failures.end());
    for (auto& t : made.targets) {
      if (t->PublicLabels().empty()) {
        if (config_->keep_dropped_targets == 0 || dropped_.size() < config_->keep_dropped_targets) {
          dropped_.push_back(t);
        }
        ++dropped_count_;
        continue;
      }
      seen.emplace(t->Hash(), t);  // duplicates: the first one stands
    }
  }
  std::vector<ScrapeLoop*> started;
  for (auto& [hash, t] : seen) {
    auto it = loops_.find(hash);
    if (it != loops_.end()) {
      // Kept: show the latest discovered labels and configuration.
      it->second->target()->SetConfig(config_, t->DiscoveredLabels());
      continue;
    }
    auto loop = NewLoop(t, std::make_shared<ScrapeCache>());
    started.push_back(loop.get());
    loops_.emplace(hash, std::move(loop));
  }
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    Retire(std::move(it->second));
    it = loops_.erase(it);
  }
  const std::optional<std::string> forced = TargetLimitError();
  for (auto& [hash, loop] : loops_) loop->SetForcedError(forced);
  for (ScrapeLoop* loop : started) loop->Start();
  return failures;
}

void ScrapePool::Reload(std::shared_ptr<const config::ScrapeConfig> config) {
  std::lock_guard lock(mu_);
  const bool reuse = ReusableCache(*config_, *config);
  config_ = std::move(config);
  const std::optional<std::string> forced = TargetLimitError();
  for (auto& [hash, loop] : loops_) {
    std::shared_ptr<Target> t = loop->target();
    std::shared_ptr<ScrapeCache> cache;
    if (reuse) {
      loop->DisableEndOfRunStaleness();
      cache = loop->cache();
    } else {
      cache = std::make_shared<ScrapeCache>();
    }
    t->SetConfig(config_, t->DiscoveredLabels());
    auto fresh = NewLoop(t, std::move(cache));
    Retire(std::move(loop));  // returns once the old loop scrapes no more
    fresh->SetForcedError(forced);
    fresh->Start();
    loop = std::move(fresh);
  }
}

void ScrapePool::Stop() {
  std::lock_guard lock(mu_);
  for (auto& [hash, loop] : loops_) {
    loop->Cancel();
    retired_.push_back(std::move(loop));
  }
  loops_.clear();
  for (auto& l : retired_) l->Cancel();
  for (auto& l : retired_) l->Join();
  retired_.clear();
}

std::vector<std::shared_ptr<Target>> ScrapePool::ActiveTargets() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Target>> out;
  for (const auto& [hash, loop] : loops_) out.push_back(loop->target());
  return out;
}

std::vector<std::shared_ptr<Target>> ScrapePool::DroppedTargets() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

size_t ScrapePool::DroppedTargetCount() const {
  std::lock_guard lock(mu_);
  return dropped_count_;
}

}  // namespace promref::scrape
