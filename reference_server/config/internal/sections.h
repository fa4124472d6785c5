// The configuration's sections that live in their own files, as ParseConfig and ToYaml use them
// (internal to the config folder). Parsers throw ConfigError (yaml_decode.h).
#pragma once

#include <yaml-cpp/yaml.h>

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
