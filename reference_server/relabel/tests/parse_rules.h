// Test helper: a YAML list of rules decoded and validated the way a Prometheus configuration
// section does it (every rule decoded, then every rule validated).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "model/error.h"
#include "relabel/relabel_config.h"

namespace promref::relabel::testing {

inline Result<std::vector<RelabelConfig>> ParseRules(const std::string& yaml,
                                                     NameValidation scheme = NameValidation::kUtf8) {
  std::vector<RelabelConfig> rules;
  for (const YAML::Node& node : YAML::Load(yaml)) {
    Result<RelabelConfig> rule = ParseRelabelConfig(node);
    if (!rule.ok()) return rule.error();
    rules.push_back(*std::move(rule));
  }
  for (RelabelConfig& rule : rules) {
    if (Status s = Validate(&rule, scheme); !s.ok()) return s.error();
  }
  return rules;
}

}  // namespace promref::relabel::testing
