// Judging a rule-and-alert observation (rule_scenario.h): the snapshots against those recorded
// from Prometheus 3.16, and the alert timelines against what `for` and keep_firing_for demand,
// as harness results (report/results.h) that the usual report writers print.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/results.h"
#include "rules_suite/rule_scenario.h"

namespace promconform::rules_suite {

// What `record` keeps of an observation (the snapshots).
nlohmann::json Recordable(const Observation& obs);

// The recorded answers a run is judged against: those of the Prometheus line the target claims,
// and those of the other line (null when not recorded).
struct Expected {
  nlohmann::json answers;
  std::string source;  // "recorded from Prometheus 3.16"
  nlohmann::json other_answers;
  std::string other_source;
};

// One case per compared answer (category "rules"; an answer that is the other line's counts as
// other_version) and per timing law (category "alert-timing").
RunResults Judge(const Observation& obs, const Expected& expected, RunInfo info);

}  // namespace promconform::rules_suite
