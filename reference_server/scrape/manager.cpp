#include "scrape/manager.h"

namespace promref::scrape {
namespace {

uint64_t Fnv64a(std::string_view data) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::vector<TargetGroup> StaticGroups(const config::ScrapeConfig& cfg) {
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < cfg.static_configs.size(); ++i) {
    TargetGroup g;
    g.source = std::to_string(i);
    for (const auto& t : cfg.static_configs[i].targets)
      g.targets.push_back(model::Labels{{"__address__", t}});
    g.labels = cfg.static_configs[i].labels;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Manager::Manager(ManagerOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Background(); });
}

Manager::~Manager() {
  Stop();
}

void Manager::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  for (auto& [name, job] : jobs_) job.pool->Stop();
  jobs_.clear();
}

void Manager::SyncJob(Job& job) {
  std::vector<std::string> errors;
  std::vector<TargetGroup> groups = job.static_groups;
  for (auto& f : job.files) {
    f.Refresh(std::chrono::steady_clock::now(), &errors);
    for (auto& g : f.Groups()) groups.push_back(std::move(g));
  }
  for (const auto& failure : job.pool->Sync(groups)) errors.push_back("Creating target failed: " + failure);
  for (const auto& e : errors) options_.log("scrape pool \"" + job.config->job_name + "\": " + e);
  job.pending = false;
}

void Manager::ApplyConfig(const std::vector<config::ScrapeConfig>& jobs,
                          const model::Labels& external_labels) {
  std::lock_guard lock(mu_);
  offset_seed_ = Fnv64a(options_.hostname + external_labels.ToString());
  LoopEnvironment env{options_.storage, offset_seed_, options_.user_agent, options_.extra_metrics,
                      options_.skip_offset};
  std::map<std::string, Job> next;
  for (const config::ScrapeConfig& cfg : jobs) {
    auto shared = std::make_shared<const config::ScrapeConfig>(cfg);
    Job job;
    job.config = shared;
    job.static_groups = StaticGroups(cfg);
    for (const auto& f : cfg.file_sd_configs) job.files.emplace_back(f);
    auto old = jobs_.find(cfg.job_name);
    if (old == jobs_.end()) {
      job.pool = std::make_unique<ScrapePool>(shared, env);
    } else {
      job.pool = std::move(old->second.pool);
      if (!config::SameScrapeConfig(*old->second.config, cfg))
        job.pool->Reload(shared);
      else
        job.config = old->second.config;
      jobs_.erase(old);
    }
    next.emplace(cfg.job_name, std::move(job));
  }
  for (auto& [name, job] : jobs_) job.pool->Stop();  // jobs that went away
  jobs_ = std::move(next);
  for (auto& [name, job] : jobs_) SyncJob(job);
}

void Manager::Background() {
  auto last_sync = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.file_poll_interval, [&] { return stop_; })) {
    const auto now = std::chrono::steady_clock::now();
    for (auto& [name, job] : jobs_) {
      std::vector<std::string> errors;
      for (auto& f : job.files) job.pending |= f.Refresh(now, &errors);
      for (const auto& e : errors) options_.log("scrape pool \"" + name + "\": " + e);
    }
    if (now - last_sync < options_.reload_interval) continue;
    last_sync = now;
    for (auto& [name, job] : jobs_) {
      if (job.pending) SyncJob(job);
    }
  }
}

std::vector<std::string> Manager::ScrapePools() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, job] : jobs_) out.push_back(name);
  return out;
}

std::map<std::string, std::vector<std::shared_ptr<Target>>> Manager::TargetsActive() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<std::shared_ptr<Target>>> out;
  for (const auto& [name, job] : jobs_) out[name] = job.pool->ActiveTargets();
  return out;
}

std::map<std::string, std::vector<std::shared_ptr<Target>>> Manager::TargetsDropped() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<std::shared_ptr<Target>>> out;
  for (const auto& [name, job] : jobs_) out[name] = job.pool->DroppedTargets();
  return out;
}

std::map<std::string, size_t> Manager::TargetsDroppedCounts() const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto& [name, job] : jobs_) out[name] = job.pool->DroppedTargetCount();
  return out;
}

std::shared_ptr<const config::ScrapeConfig> Manager::ScrapePoolConfig(const std::string& pool) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(pool);
  return it == jobs_.end() ? nullptr : it->second.pool->config();
}

}  // namespace promref::scrape
