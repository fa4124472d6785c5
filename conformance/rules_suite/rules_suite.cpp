#include "rules_suite/rules_suite.h"

#include <functional>

namespace promconform::rules_suite {

using nlohmann::json;

namespace {

// Where one case's answer sits in a set of answers (recorded or observed).
using Path = std::function<json(const json& answers)>;

// One answer compared with the claimed version's, and with the other version's when that one
// answers differently: matching it is `other_version`, as in the main suite.
CaseResult Compare(const std::string& id, const std::string& title, const std::string& request,
                   const Path& at, const Observation& obs, const Expected& expected) {
  CaseResult c;
  c.id = id;
  c.category = "rules";
  c.title = title;
  ExchangeResult e;
  e.name = id;
  e.request = request;
  e.expected = at(expected.answers);
  e.actual = at(obs.snapshots);
  e.expected_source = expected.source;
  const json other = expected.other_answers.is_null() ? json() : at(expected.other_answers);
  c.version_difference = !other.is_null() && other != e.expected;
  if (e.expected != e.actual) {
    e.verdict = c.version_difference && other == e.actual ? Verdict::kOtherVersion : Verdict::kFail;
    e.diffs.push_back("expected " + e.expected.dump() + "\n     got " + e.actual.dump());
    if (e.verdict == Verdict::kOtherVersion) e.diffs.push_back("as " + expected.other_source + " answers");
  }
  c.verdict = e.verdict;
  c.exchanges.push_back(std::move(e));
  return c;
}

CaseResult Law(const std::string& id, const std::string& title, const std::vector<std::string>& violations) {
  CaseResult c;
  c.id = id;
  c.category = "alert-timing";
  c.title = title;
  ExchangeResult e;
  e.name = id;
  e.request = "GET /api/v1/alerts (polled every 250ms)";
  e.expected_source = "Prometheus' alerting rule semantics";
  e.diffs = violations;
  e.verdict = violations.empty() ? Verdict::kPass : Verdict::kFail;
  c.verdict = e.verdict;
  c.exchanges.push_back(std::move(e));
  return c;
}

// j[key] when j is an object holding it, else null: answers from a target may have any shape.
json Get(const json& j, const std::string& key) {
  return j.is_object() && j.contains(key) ? j[key] : json();
}

json Array(const json& j) {
  return j.is_array() ? j : json::array();
}

std::string Str(const json& j, const std::string& key) {
  const json v = Get(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}

bool Named(const std::string& key, const std::string& name) {
  return key.find("\"alertname\":\"" + name + "\"") != std::string::npos;
}

std::string Describe(const std::vector<StateChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s@%.1fs", out.empty() ? "" : " -> ", c.state.c_str(), c.seconds);
    out += buf;
  }
  return out;
}

// PromconformHighTemp (for: 6s): each of its alerts is pending before it fires, and fires no
// sooner than `for` after the data that triggers it was written.
std::vector<CaseResult> ForLaws(const Observation& obs) {
  std::vector<std::string> pending_first, held;
  size_t alerts = 0;
  for (const auto& [key, changes] : obs.timelines) {
    if (!Named(key, "PromconformHighTemp")) continue;
    ++alerts;
    const auto fired =
        std::find_if(changes.begin(), changes.end(), [](const auto& c) { return c.state == "firing"; });
    if (fired == changes.end()) continue;
    const bool was_pending =
        std::any_of(changes.begin(), fired, [](const auto& c) { return c.state == "pending"; });
    if (!was_pending) pending_first.push_back(key + " fired without being pending: " + Describe(changes));
    if (fired->seconds < kHighTempForSeconds) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " fired %.1fs after its data was written (for: 6s): ", fired->seconds);
      held.push_back(key + buf + Describe(changes));
    }
  }
  if (alerts == 0) pending_first.push_back("no PromconformHighTemp alert was ever seen");
  return {
      Law("alert-timing/for-pending-first", "an alert with `for` is pending before it fires", pending_first),
      Law("alert-timing/for-held", "an alert fires no sooner than its `for` after its condition holds",
          held)};
}

// PromconformKeepB (keep_firing_for: 10m) still fires, with keepFiringSince, after its condition
// stopped holding; PromconformHighTemp is gone.
CaseResult KeepFiringLaw(const Observation& obs) {
  std::vector<std::string> violations;
  bool kept = false;
  for (const auto& a : Array(Get(Get(obs.snapshots, "resolved"), "alerts"))) {
    const std::string name = Str(Get(a, "labels"), "alertname");
    if (name == "PromconformKeepB") kept = Str(a, "state") == "firing" && a.contains("keepFiringSince");
    if (name == "PromconformHighTemp")
      violations.push_back("PromconformHighTemp still active after its condition stopped: " + a.dump());
  }
  if (!kept) violations.push_back("PromconformKeepB is not firing with keepFiringSince after b cooled down");
  return Law("alert-timing/keep-firing-for", "keep_firing_for keeps a resolved alert firing", violations);
}

}  // namespace

json Recordable(const Observation& obs) {
  return obs.snapshots;
}

RunResults Judge(const Observation& obs, const Expected& expected, RunInfo info) {
  RunResults r;
  r.info = std::move(info);
  const json& want_all = expected.answers;
  for (const std::string p : {"firing", "resolved"}) {
    const json want = Get(want_all, p);
    for (const auto& g : Array(Get(Get(want, "rules"), "groups"))) {
      const std::string name = Str(g, "name");
      const Path at = [p, name](const json& answers) {
        for (const auto& h : Array(Get(Get(Get(answers, p), "rules"), "groups"))) {
          if (Str(h, "name") == name) return h;
        }
        return json();
      };
      r.cases.push_back(Compare("rules/" + p + "/group/" + name,
                                "/api/v1/rules group " + name + " (" + p + ")", "GET /api/v1/rules", at, obs,
                                expected));
    }
    r.cases.push_back(Compare(
        "rules/" + p + "/alerts", "/api/v1/alerts (" + p + ")", "GET /api/v1/alerts",
        [p](const json& answers) { return Get(Get(answers, p), "alerts"); }, obs, expected));
    const json recorded = Get(want, "series");
    const json series_answers = recorded.is_object() ? recorded : json::object();
    for (const auto& [name, series] : series_answers.items()) {
      const std::string n = name;
      r.cases.push_back(Compare(
          "rules/" + p + "/series/" + n, n + " series (" + p + ")", "GET /api/v1/query?query=" + n,
          [p, n](const json& answers) { return Get(Get(Get(answers, p), "series"), n); }, obs, expected));
    }
  }
  const json recorded_filters = Get(want_all, "filters");
  const json filter_answers = recorded_filters.is_object() ? recorded_filters : json::object();
  for (const auto& [query, answer] : filter_answers.items()) {
    const std::string q = query;
    r.cases.push_back(Compare(
        "rules/filters/" + q, "/api/v1/rules?" + q, "GET /api/v1/rules?" + q,
        [q](const json& answers) { return Get(Get(answers, "filters"), q); }, obs, expected));
  }
  for (auto& c : ForLaws(obs)) r.cases.push_back(std::move(c));
  r.cases.push_back(KeepFiringLaw(obs));
  for (const auto& p : obs.problems) r.info.tweak_notes.push_back(p);
  return r;
}

}  // namespace promconform::rules_suite
