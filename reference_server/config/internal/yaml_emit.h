// Writing the configuration back as Prometheus shows it (yaml.v2's quoting, omitempty fields,
// secrets as <secret>), for ToYaml (internal to the config folder).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"

namespace promref::config::internal {

void EmitStringList(YAML::Emitter& out, const std::vector<std::string>& list);
// One <secret> per value: the count shows, the values do not.
void EmitSecretList(YAML::Emitter& out, const std::vector<std::string>& list);
void EmitLabels(YAML::Emitter& out, const model::Labels& labels);
// Fields with yaml's omitempty.
void EmitIfSet(YAML::Emitter& out, const char* key, const std::string& value);
void EmitSecretIfSet(YAML::Emitter& out, const char* key, const std::string& value);
void EmitUintIfSet(YAML::Emitter& out, const char* key, uint64_t value);
void EmitDuration(YAML::Emitter& out, const char* key, int64_t ms);
void EmitDurationIfSet(YAML::Emitter& out, const char* key, int64_t ms);
// units.Base2Bytes' String ("10MiB", "1KiB512B"), omitted when 0.
void EmitBytesIfSet(YAML::Emitter& out, const char* key, int64_t bytes);

// A section promref keeps only to show back (discovery configurations, oauth2's extras), with
// the values of prometheus/common's Secret fields hidden. EmitRedactedFields writes a mapping's
// entries into the mapping being written.
void EmitRedacted(YAML::Emitter& out, const YAML::Node& n);
void EmitRedactedFields(YAML::Emitter& out, const YAML::Node& map);

}  // namespace promref::config::internal
