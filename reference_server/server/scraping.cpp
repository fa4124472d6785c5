#include "server/scraping.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <set>

#include "model/time.h"
#include "server/tenants.h"

namespace promref::server {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::vector<config::ScrapeConfig> WorkspaceScrapeConfigs(
    const std::vector<api::NhnWorkspaceApi::ScrapeJob>& jobs, const config::GlobalConfig& global) {
  std::vector<config::ScrapeConfig> out;
  std::set<std::string> names;
  for (const auto& job : jobs) {
    if (!names.insert(job.name).second) {
      std::fprintf(stderr, "promref: workspace job \"%s\" named twice; scraping the first\n",
                   job.name.c_str());
      continue;
    }
    YAML::Emitter y;
    y << YAML::BeginMap << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "scrape_interval" << YAML::Value << model::FormatDuration(global.scrape_interval_ms);
    y << YAML::Key << "scrape_timeout" << YAML::Value << model::FormatDuration(global.scrape_timeout_ms);
    y << YAML::EndMap << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    y << YAML::Key << "job_name" << YAML::Value << YAML::DoubleQuoted << job.name;
    y << YAML::Key << "metrics_path" << YAML::Value << YAML::DoubleQuoted << job.metrics_path;
    y << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : job.targets) {
      y << YAML::BeginMap << YAML::Key << "targets" << YAML::Value << YAML::Flow << YAML::BeginSeq
        << YAML::DoubleQuoted << t.address << YAML::EndSeq;
      y << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
      y << YAML::Key << "__meta_nhn_host_id" << YAML::Value << YAML::DoubleQuoted << t.host_id;
      y << YAML::Key << "__meta_nhn_host_name" << YAML::Value << YAML::DoubleQuoted << t.host_name;
      y << YAML::EndMap << YAML::EndMap;
    }
    y << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
    auto cfg = config::ParseConfig(y.c_str());
    if (!cfg.ok()) {
      std::fprintf(stderr, "promref: workspace job \"%s\" cannot be scraped: %s\n", job.name.c_str(),
                   cfg.error().message().c_str());
      continue;
    }
    out.push_back(std::move(cfg->scrape_configs.at(0)));
  }
  return out;
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
