#include "server/scraping.h"

#include <unistd.h>

#include <cstdio>

#include "server/tenants.h"

namespace promref::server {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

Status TenantScrapers::Apply(const std::string& tenant, const std::vector<config::ScrapeConfig>& jobs,
                             const model::Labels& external_labels) {
  std::lock_guard lock(mu_);
  auto it = managers_.find(tenant);
  if (it == managers_.end()) {
    if (jobs.empty()) return {};  // nothing to scrape: no manager, no storage opened for it
    api::Tenant* t = tenants_->Get(tenant);
    if (t == nullptr)
      return Error(ErrorKind::kInternal,
                   "opening storage of tenant \"" + tenant + "\": " + tenants_->LastError());
    scrape::ManagerOptions o;
    o.storage = t->storage;
    o.user_agent = options_.user_agent;
    o.extra_metrics = options_.extra_metrics;
    o.reload_interval = std::chrono::milliseconds(options_.discovery_reload_interval_ms);
    o.hostname = options_.hostname;
    o.log = [tenant](const std::string& line) {
      std::fprintf(stderr, "promref: scrape (tenant %s): %s\n", tenant.c_str(), line.c_str());
    };
    it = managers_.emplace(tenant, std::make_unique<scrape::Manager>(std::move(o))).first;
  }
  it->second->ApplyConfig(jobs, external_labels);
  return {};
}

const scrape::Manager* TenantScrapers::Get(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  auto it = managers_.find(tenant);
  return it == managers_.end() ? nullptr : it->second.get();
}

void TenantScrapers::StopAll() {
  std::lock_guard lock(mu_);
  for (auto& [tenant, m] : managers_) m->Stop();
}

}  // namespace promref::server
