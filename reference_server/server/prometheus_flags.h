// Prometheus 3.x's command-line flags that promref accepts without acting on them, so that a
// command line (or a container spec) written for Prometheus starts promref too, and
// /api/v1/status/flags lists every flag Prometheus lists. promref's own flags are in flags.h.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promref::server {

struct CompatFlag {
  std::string_view name;
  std::string_view default_value;  // as /api/v1/status/flags shows it
  bool boolean;                    // --name / --no-name
};

// Every flag of Prometheus 3.16 that promref has no flag of its own for (the pinned version's
// /api/v1/status/flags, defaults included).
const std::vector<CompatFlag>& PrometheusCompatFlags();
const CompatFlag* FindCompatFlag(std::string_view name);

}  // namespace promref::server
