// The rule-and-alert scenario of `promconform rules`: the rule file the target must evaluate, the
// data it is fed by remote write in two phases, and what is observed of the target meanwhile.
//
// Phase one writes temperatures that make PromconformHighTemp pending, then firing after its
// `for` (6s); phase two cools two hosts down, so that alert resolves while PromconformKeepB
// keeps firing (keep_firing_for). After each phase settles, the rules and alerts endpoints, the
// ALERTS series and the recording rules' outputs are snapshotted; throughout, every alert's
// state changes are timed. Groups evaluate every 2s, so a run takes about half a minute.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "model/error.h"
#include "wire/remote_write.h"

namespace promconform::rules_suite {

// The rule file to install on the target (fixtures/rules/promconform_rules.yml holds the same
// text for users who install it by hand).
extern const char* const kRuleFile;
// The `for` of PromconformHighTemp, in seconds.
inline constexpr double kHighTempForSeconds = 6;

// How the scenario reaches the target.
struct Access {
  // GET of a path and query under the target's API root ("/api/v1/rules?type=alert").
  std::function<HttpResponse(const std::string& path_and_query)> get;
  // A remote write of the data.
  std::function<promref::Status(const promref::wire::WriteRequest&)> write;
};

struct StateChange {
  double seconds = 0;  // since phase one's first write
  std::string state;   // pending | firing | gone
};

struct Observation {
  // Normalised answers: {"firing": {...}, "resolved": {...}, "filters": {...}}.
  nlohmann::json snapshots = nlohmann::json::object();
  // Per alert (alertname and labels), its states as polled, in order.
  std::map<std::string, std::vector<StateChange>> timelines;
  // Where the target never reached a step ("HighTemp never fired within 45s").
  std::vector<std::string> problems;
};

// Runs the scenario. Only transport failures are errors; a target that misbehaves yields an
// observation with problems and odd snapshots, for the judge.
promref::Result<Observation> Observe(const Access& access);

// What of a /api/v1/rules answer must match Prometheus: the suite's groups only, files by base
// name, evaluation times and activeAt dropped, alerts sorted.
nlohmann::json NormalizeRules(const nlohmann::json& data);
nlohmann::json NormalizeAlerts(const nlohmann::json& alerts);

}  // namespace promconform::rules_suite
