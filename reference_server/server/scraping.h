// The scrape managers of promref's tenants: the default tenant scrapes the configuration's
// scrape_configs; a vendor tenant (an NHN Cloud project) scrapes the jobs made through its
// workspace API. Each manager writes into its own tenant's storage only.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/nhn_workspace.h"
#include "config/config.h"
#include "scrape/manager.h"

namespace promref::server {

class Tenants;

struct ScrapingOptions {
  std::string user_agent;
  bool extra_metrics = false;
  int64_t discovery_reload_interval_ms = 5000;
  std::string hostname;
};

class TenantScrapers {
 public:
  TenantScrapers(Tenants* tenants, ScrapingOptions options)
      : tenants_(tenants), options_(std::move(options)) {}
  ~TenantScrapers() { StopAll(); }

  // Gives the tenant these jobs (creating its manager on first use). An unknown tenant whose
  // storage cannot open is reported as an error.
  Status Apply(const std::string& tenant, const std::vector<config::ScrapeConfig>& jobs,
               const model::Labels& external_labels);
  // The tenant's manager, or null when it scrapes nothing.
  const scrape::Manager* Get(const std::string& tenant) const;
  // Stops every loop (before the tenants' storage closes).
  void StopAll();

 private:
  Tenants* tenants_;
  const ScrapingOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<scrape::Manager>> managers_;
};

// The scrape configs of an NHN Cloud project's workspace jobs, with every default Prometheus
// gives a job (intervals and limits from `global`). Jobs whose names clash are logged and left
// out, as a configuration could not hold them.
std::vector<config::ScrapeConfig> WorkspaceScrapeConfigs(
    const std::vector<api::NhnWorkspaceApi::ScrapeJob>& jobs, const config::GlobalConfig& global);

// The machine's host name, as Go's os.Hostname (for the offset seed and globalUrl).
std::string Hostname();

}  // namespace promref::server
