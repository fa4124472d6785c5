// The configuration's sections that live in their own files, as ParseConfig and ToYaml use them
// (internal to the config folder). Parsers throw ConfigError (yaml_decode.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "config/config.h"

namespace promref::config::internal {

// http_client_config.cpp: the fields of prometheus/common's HTTPClientConfig inlined in `n`,
// checked as HTTPClientConfig.Validate does (bearer_token folded into authorization).
HttpClientConfig ParseHttpClient(const YAML::Node& n);
// Its fields, into the mapping being written.
void EmitHttpClient(YAML::Emitter& out, const HttpClientConfig& h);

// scrape_config.cpp: scrape_configs, decoded, filled in from `global` and validated as Prometheus
// does; adds what promref does not act on to *warnings.
std::vector<ScrapeConfig> ParseScrapeConfigs(const YAML::Node& n, const GlobalConfig& global,
                                             std::vector<std::string>* warnings);
// Discovery and relabeling lists shared by scrape_configs and alerting.alertmanagers. A null
// relabel rule sets *null_rule (the caller names the section in its error).
std::vector<relabel::RelabelConfig> RelabelList(const YAML::Node& n, bool* null_rule);
std::vector<StaticTargets> StaticConfigs(const YAML::Node& n);
std::vector<FileSdConfig> FileSdConfigs(const YAML::Node& n);
// The discovery kinds of `sc` that promref accepts but does not discover with, sorted by kind.
std::vector<UnsupportedDiscovery> UnsupportedDiscoveries(const YAML::Node& sc);
const std::set<std::string>& UnsupportedDiscoveryKeys();

// alerting_config.cpp: `alerting`, as AlertingConfig.UnmarshalYAML and Validate (relabeling
// checked with the global name validation scheme).
AlertingConfig ParseAlerting(const YAML::Node& n, const GlobalConfig& global,
                             std::vector<std::string>* warnings);

// A scrape_protocols list as written, then checked (validateAcceptScrapeProtocols); `where` is
// " for global config" or " for scrape config ...".
std::vector<std::string> ScrapeProtocols(const YAML::Node& n);
void CheckScrapeProtocols(const std::vector<std::string>& protocols, const std::string& where);

// remote_write_config.cpp: remote_write, decoded and validated as Prometheus does (write
// relabeling checked with the global name validation scheme); adds what promref does not
// apply to *warnings.
std::vector<RemoteWriteConfig> ParseRemoteWrite(const YAML::Node& n, const GlobalConfig& global,
                                                std::vector<std::string>* warnings);

}  // namespace promref::config::internal
