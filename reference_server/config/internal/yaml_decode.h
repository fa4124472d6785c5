// Strict YAML decoding for the configuration sections, with the errors Go's yaml.v2 gives
// Prometheus (internal to the config folder). Decoders and checks throw ConfigError at the first
// error, which ParseConfig turns into its Result, so that each section reads as straight-line
// code in Prometheus' order and stops where Prometheus stops.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "relabel/relabel_config.h"

namespace promref::config::internal {

struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(std::string message);
// A type error as yaml.v2 reports it for a document (Prometheus reports the first section's).
[[noreturn]] void FailUnmarshal(std::string issue);
[[noreturn]] void FailType(const YAML::Node& n, std::string_view go_type);

// Rejects a non-mapping and fields that the section does not know or that repeat, naming the
// first one like yaml.v2 does.
void CheckKeys(const YAML::Node& n, const std::set<std::string>& known, const std::string& type);

// Written and not null.
bool Present(const YAML::Node& n);

// The decoders below return the zero value (or `if_null`) for an absent or null field.
std::string Str(const YAML::Node& n);
bool Bool(const YAML::Node& n, bool if_null);
// For fields defaulting to true: absent is true, but an explicit null is false as in Go.
bool BoolUnlessAbsent(const YAML::Node& n);
uint64_t Uint(const YAML::Node& n);
double Float(const YAML::Node& n);
int64_t DurationMs(const YAML::Node& n);
// units.Base2Bytes (alecthomas/units): "10MB" and "10MiB" are both 10*2^20; "0" is no limit.
int64_t Base2Bytes(const YAML::Node& n);
model::Labels LabelMap(const YAML::Node& n, relabel::NameValidation scheme);
std::vector<std::string> StringList(const YAML::Node& n);
// model.ValidationScheme: "", "utf8" or "legacy".
std::string ValidationScheme(const YAML::Node& n);
relabel::NameValidation NameValidationOf(const std::string& scheme);

std::string ToLower(std::string s);
std::string Join(const std::vector<std::string>& parts, const std::string& separator);

}  // namespace promref::config::internal
