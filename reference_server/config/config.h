// promref's configuration file: Prometheus' shape (global, scrape_configs, rule_files,
// remote_write), parsed and validated as Prometheus does, plus a `promref` section for the
// vendor front doors (route prefix, tenants and their credentials).
#pragma once

#include <string>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace promref::config {

struct GlobalConfig {
  int64_t scrape_interval_ms = 60'000;
  int64_t scrape_timeout_ms = 10'000;
  int64_t evaluation_interval_ms = 60'000;
  model::Labels external_labels;
};

struct StaticTargets {
  std::vector<std::string> targets;
  model::Labels labels;
};

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // 0: the global one
  int64_t scrape_timeout_ms = 0;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::vector<StaticTargets> static_configs;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;
  int64_t remote_timeout_ms = 30'000;
};

struct Server {  // a machine of a tenant's project (NHN Cloud's /servers), for workspace targets
  std::string host_id;
  std::string host_name;
  std::string ip;
  std::string instance_id;
};

struct Tenant {
  std::string id;
  std::vector<Server> servers;
  std::vector<std::string> app_keys;
  std::vector<std::string> bearer_tokens;
  std::vector<std::pair<std::string, std::string>> basic_auth;  // username (app id), password
};

struct PromrefSection {
  std::string route_prefix;
  std::vector<Tenant> tenants;
};

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  std::vector<std::string> rule_files;
  std::vector<RemoteWriteConfig> remote_write;
  PromrefSection promref;
};

// Parses and validates YAML text (unknown fields are errors, as in Prometheus).
Result<Config> ParseConfig(const std::string& yaml);
Result<Config> LoadConfigFile(const std::string& path);

// The loaded configuration as /api/v1/status/config shows it: defaults filled in, secrets
// (tenant keys and tokens) redacted.
std::string ToYaml(const Config& c);

}  // namespace promref::config
