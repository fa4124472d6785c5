// /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers, as Prometheus 3.16's web API answers
// them: every filter of the rules endpoint, paging by group_limit and group_next_token, and the
// per-tenant rule manager of the front door's tenant.
#include <algorithm>
#include <set>

#include "api/envelope.h"
#include "api/internal/params.h"
#include "api/json_writer.h"
#include "api/prometheus_api.h"
#include "model/go_strconv.h"
#include "model/sha256.h"
#include "rules/manager.h"

namespace promref::api {
namespace {

const rules::Manager* RuleManagerFor(const ApiDeps& deps, const Request& req) {
  if (!deps.rule_manager || req.tenant == nullptr) return nullptr;
  return deps.rule_manager(req.tenant->id);
}

std::string TimeText(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return "0001-01-01T00:00:00Z";
  return internal::Rfc3339Nano(t);
}

std::string ToLowerAscii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void WriteAlert(JsonWriter& w, const rules::Alert& a) {
  w.BeginObject();
  w.Key("labels").Labels(a.labels);
  w.Key("annotations").Labels(a.annotations);
  w.Key("state").String(rules::AlertStateName(a.state));
  w.Key("activeAt").String(TimeText(a.active_at));
  if (!rules::IsZero(a.keep_firing_since)) w.Key("keepFiringSince").String(TimeText(a.keep_firing_since));
  w.Key("value").String(model::FormatFloat(a.value, 'e'));
  w.EndObject();
}

void WriteAlerts(JsonWriter& w, const std::vector<rules::Alert>& alerts) {
  w.BeginArray();
  for (const auto& a : alerts) WriteAlert(w, a);
  w.EndArray();
}

void WriteRuleStatus(JsonWriter& w, const rules::Rule& r) {
  const auto st = r.status();
  w.Key("health").String(rules::HealthName(st.health));
  if (!st.last_error.empty()) w.Key("lastError").String(st.last_error);
  w.Key("evaluationTime").Number(st.evaluation_seconds);
  w.Key("lastEvaluation").String(TimeText(st.last_evaluation));
}

void WriteRule(JsonWriter& w, const rules::Rule& r, bool exclude_alerts) {
  w.BeginObject();
  if (r.is_alerting()) {
    const auto& ar = static_cast<const rules::AlertingRule&>(r);
    w.Key("state").String(rules::AlertStateName(ar.State()));
    w.Key("name").String(r.name());
    w.Key("query").String(r.query());
    w.Key("duration").Number(std::chrono::duration<double>(ar.hold()).count());
    w.Key("keepFiringFor").Number(std::chrono::duration<double>(ar.keep_firing_for()).count());
    w.Key("labels").Labels(r.labels());
    w.Key("annotations").Labels(ar.annotations());
    w.Key("alerts");
    if (exclude_alerts) {
      w.Null();
    } else {
      WriteAlerts(w, ar.ActiveAlerts());
    }
    WriteRuleStatus(w, r);
    w.Key("type").String("alerting");
  } else {
    w.Key("name").String(r.name());
    w.Key("query").String(r.query());
    w.Key("labels").Labels(r.labels());
    WriteRuleStatus(w, r);
    w.Key("type").String("recording");
  }
  w.EndObject();
}

bool MatchesAny(const std::vector<std::vector<model::Matcher>>& sets, const model::Labels& labels) {
  if (sets.empty()) return true;
  for (const auto& set : sets) {
    bool all = true;
    for (const auto& m : set) all = all && m.Matches(labels.Get(m.name()));
    if (all) return true;
  }
  return false;
}

std::string NextToken(const rules::Group& g) {
  return model::Sha256Hex(g.file() + ";" + g.name());
}

// strconv.ParseInt(s, 10, 32).
Result<int64_t> ParseInt32(const std::string& s) {
  const std::string prefix = "strconv.ParseInt: parsing " + model::GoQuote(s) + ": ";
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return BadData(prefix + "invalid syntax");
  int64_t v = 0;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return BadData(prefix + "invalid syntax");
    v = v * 10 + (s[i] - '0');
    if (v > (int64_t{1} << 31)) {
      overflow = true;
      v = int64_t{1} << 31;
    }
  }
  if (s[0] == '-') v = -v;
  if (overflow || v > INT32_MAX || v < INT32_MIN) return BadData(prefix + "value out of range");
  return v;
}

struct RulesQuery {
  std::set<std::string> names, groups, files;
  std::vector<std::vector<model::Matcher>> matchers;
  bool alerts = true, recording = true, exclude_alerts = false;
  int64_t max_groups = -1;
  std::string next_token;
};

// The request's filters, checked in Prometheus' order.
Result<RulesQuery> ParseRulesQuery(const Request& req, const promql::ParseOptions& parse) {
  RulesQuery q;
  for (const auto& v : req.FormValues("rule_name[]")) q.names.insert(v);
  for (const auto& v : req.FormValues("rule_group[]")) q.groups.insert(v);
  for (const auto& v : req.FormValues("file[]")) q.files.insert(v);
  if (req.HasForm("match[]")) {
    auto sets = internal::ParseMatchers(req.FormValues("match[]"), parse);
    if (!sets.ok()) return sets.error();
    q.matchers = std::move(*sets);
  }
  const std::string type = ToLowerAscii(req.QueryValue("type"));
  if (!type.empty() && type != "alert" && type != "record")
    return InvalidParam("type", "not supported value " + model::GoQuote(type));
  q.alerts = type.empty() || type == "alert";
  q.recording = type.empty() || type == "record";
  if (const std::string ex = ToLowerAscii(req.QueryValue("exclude_alerts")); !ex.empty()) {
    auto b = internal::ParseBool(ex);
    if (!b.ok())
      return InvalidParam("exclude_alerts", "error converting exclude_alerts: " + b.error().message());
    q.exclude_alerts = *b;
  }
  const std::string limit = req.QueryValue("group_limit");
  const std::string token = req.QueryValue("group_next_token");
  if (!token.empty() && limit.empty()) {
    return InvalidParam("group_next_token",
                        "group_limit needs to be present in order to paginate over the groups");
  }
  if (!limit.empty()) {
    auto n = ParseInt32(limit);
    if (!n.ok())
      return InvalidParam("group_limit", "group_limit needs to be a valid number: " + n.error().message());
    if (*n <= 0) return InvalidParam("group_limit", "group_limit needs to be greater than 0");
    q.max_groups = *n;
    q.next_token = token;
  }
  return q;
}

}  // namespace

Response PrometheusApi::Rules(const Request& req) {
  auto parsed = ParseRulesQuery(req, parse_options());
  if (!parsed.ok()) return ApiError(parsed.error());
  const RulesQuery q = std::move(*parsed);
  const rules::Manager* m = RuleManagerFor(deps_, req);
  auto groups = m ? m->RuleGroups() : std::vector<std::shared_ptr<rules::Group>>{};
  // Which groups to show, with their rules, before writing anything.
  std::vector<std::pair<const rules::Group*, std::vector<const rules::Rule*>>> shown;
  std::string next;
  bool found_token = false;
  for (const auto& g : groups) {
    if (q.max_groups > 0 && !q.next_token.empty() && !found_token) {
      if (q.next_token != NextToken(*g)) continue;
      found_token = true;
    }
    if (!q.groups.empty() && !q.groups.count(g->name())) continue;
    if (!q.files.empty() && !q.files.count(g->file())) continue;
    std::vector<const rules::Rule*> rules;
    for (const auto& r : g->rules()) {
      if (!MatchesAny(q.matchers, r->labels())) continue;
      if (!q.names.empty() && !q.names.count(r->name())) continue;
      if (r->is_alerting() ? !q.alerts : !q.recording) continue;
      rules.push_back(r.get());
    }
    if (rules.empty()) continue;
    if (q.max_groups > 0 && static_cast<int64_t>(shown.size()) == q.max_groups) {
      next = NextToken(*g);
      break;
    }
    shown.emplace_back(g.get(), std::move(rules));
  }
  if (q.max_groups > 0 && !q.next_token.empty() && !found_token) {
    return ApiError(InvalidParam(
        "group_next_token", "invalid group_next_token '" + q.next_token + "'. were rule groups changed?"));
  }
  return ApiSuccess([groups = std::move(groups), shown = std::move(shown), next, q](JsonWriter& w) {
    w.BeginObject().Key("groups").BeginArray();
    for (const auto& [g, rules] : shown) {
      w.BeginObject();
      w.Key("name").String(g->name());
      w.Key("file").String(g->file());
      w.Key("rules").BeginArray();
      for (const auto* r : rules) WriteRule(w, *r, q.exclude_alerts);
      w.EndArray();
      w.Key("interval").Number(std::chrono::duration<double>(g->interval()).count());
      w.Key("limit").Int(g->limit());
      w.Key("evaluationTime").Number(g->evaluation_seconds());
      w.Key("lastEvaluation").String(TimeText(g->last_evaluation()));
      w.EndObject();
    }
    w.EndArray();
    if (!next.empty()) w.Key("groupNextToken").String(next);
    w.EndObject();
  });
}

Response PrometheusApi::Alerts(const Request& req) {
  std::vector<rules::Alert> alerts;
  if (const rules::Manager* m = RuleManagerFor(deps_, req)) {
    for (const auto& g : m->RuleGroups()) {
      for (const auto& r : g->rules()) {
        if (!r->is_alerting()) continue;
        auto active = static_cast<const rules::AlertingRule&>(*r).ActiveAlerts();
        alerts.insert(alerts.end(), active.begin(), active.end());
      }
    }
  }
  return ApiSuccess([alerts = std::move(alerts)](JsonWriter& w) {
    w.BeginObject().Key("alerts");
    WriteAlerts(w, alerts);
    w.EndObject();
  });
}

Response PrometheusApi::Alertmanagers(const Request&) {
  std::vector<std::string> active, dropped;
  if (deps_.alertmanagers) std::tie(active, dropped) = deps_.alertmanagers();
  return ApiSuccess([active, dropped](JsonWriter& w) {
    w.BeginObject();
    for (const auto* list : {&active, &dropped}) {
      w.Key(list == &active ? "activeAlertmanagers" : "droppedAlertmanagers").BeginArray();
      for (const auto& url : *list) w.BeginObject().Key("url").String(url).EndObject();
      w.EndArray();
    }
    w.EndObject();
  });
}

}  // namespace promref::api
