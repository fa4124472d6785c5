// The `otlp` section (otlp_config.cpp), as ParseConfig and ToYaml use it (internal to the
// config folder). The parser throws ConfigError (yaml_decode.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/config.h"

namespace promref::config::internal {

// OTLPConfig.UnmarshalYAML of Prometheus 3.16 (defaults, then the fields written, then the
// resource attribute checks), and Load's translation strategy check against the global name
// validation scheme.
OtlpConfig ParseOtlp(const YAML::Node& n, const GlobalConfig& global);
// Its fields as /api/v1/status/config shows them (omitempty: false and empty are left out).
void EmitOtlp(YAML::Emitter& out, const OtlpConfig& c);

}  // namespace promref::config::internal
