// A group of targets as service discovery hands it over (Prometheus' targetgroup.Group): each
// target a label set (at least __address__), labels shared by the group, and the source that
// names the group so that a later update replaces it.
#pragma once

#include <string>
#include <vector>

#include "model/labels.h"

namespace promref::scrape {

struct TargetGroup {
  // "0", "1", ... for static_configs (their index); "<file>:<index>" for file_sd_configs.
  std::string source;
  std::vector<model::Labels> targets;
  model::Labels labels;
  friend bool operator==(const TargetGroup&, const TargetGroup&) = default;
};

}  // namespace promref::scrape
