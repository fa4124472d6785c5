#include "rules_suite/rule_scenario.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace promconform::rules_suite {

using nlohmann::json;

const char* const kRuleFile =
    R"RULES(# The rules `promconform rules` checks a target with (install them on the target). Only what
# Prometheus 2.42 already had, so that older servers and rulers can load them.
groups:
  - name: promconform-recording
    interval: 2s
    rules:
      - record: promconform:temp:avg
        expr: avg by (job) (promconform_temp)
        labels: {suite: promconform}
      - record: promconform:temp:scaled
        expr: promconform_temp * 2
        labels: {scaled: "yes", suite: promconform}
  - name: promconform-alerts
    interval: 2s
    rules:
      - alert: PromconformHighTemp
        expr: promconform_temp > 30
        for: 6s
        labels:
          severity: '{{ if gt $value 40.0 }}page{{ else }}ticket{{ end }}'
        annotations:
          summary: '{{ $labels.host }} is at {{ $value | humanize }}'
          hosts: '{{ with query "count(promconform_temp)" }}{{ . | first | value }}{{ end }} hosts'
          broken: '{{ humanize "warm" }}'
      - alert: PromconformAnyTemp
        expr: promconform_temp > 0
      - alert: PromconformKeepB
        expr: promconform_temp{host="b"} > 30
        keep_firing_for: 10m
)RULES";

namespace {

using Clock = std::chrono::steady_clock;

json Parse(const HttpResponse& r) {
  if (r.status != 200) return json{{"status", r.status}, {"body", r.body}};
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return json{{"status", r.status}, {"body", r.body}};
  return j.contains("data") ? j["data"] : j;
}

std::string UrlQuery(const std::string& q) {
  return UrlEncode(q);
}

bool IsSuiteGroup(const json& g) {
  return g.is_object() && g.contains("name") && g["name"].is_string() &&
         g["name"].get<std::string>().rfind("promconform-", 0) == 0;
}

std::string AlertName(const json& a) {
  if (!a.is_object() || !a.contains("labels") || !a["labels"].is_object()) return "";
  const json& l = a["labels"];
  return l.contains("alertname") && l["alertname"].is_string() ? l["alertname"].get<std::string>() : "";
}

std::string State(const json& a) {
  return a.is_object() && a.contains("state") && a["state"].is_string() ? a["state"].get<std::string>() : "";
}

std::string AlertKey(const json& a) {
  return a.is_object() && a.contains("labels") ? a["labels"].dump() : a.dump();
}

json Query(const Access& access, const std::string& q) {
  json out = json::object();
  const json data = Parse(access.get("/api/v1/query?query=" + UrlQuery(q)));
  if (!data.is_object() || !data.contains("result") || !data["result"].is_array()) return data;
  for (const auto& s : data["result"]) {
    if (!s.is_object() || !s.contains("metric") || !s.contains("value") || !s["value"].is_array() ||
        s["value"].size() != 2)
      return data;
    out[s["metric"].dump()] = s["value"][1];
  }
  return out;
}

json Snapshot(const Access& access) {
  json s;
  s["rules"] = NormalizeRules(Parse(access.get("/api/v1/rules")));
  const json alerts = Parse(access.get("/api/v1/alerts"));
  s["alerts"] = alerts.is_object() && alerts.contains("alerts") && alerts["alerts"].is_array()
                    ? NormalizeAlerts(alerts["alerts"])
                    : alerts;
  s["series"]["ALERTS"] = Query(access, "ALERTS{alertname=~\"Promconform.*\"}");
  s["series"]["ALERTS_FOR_STATE"] =
      Query(access, "count by (alertname) (ALERTS_FOR_STATE{alertname=~\"Promconform.*\"})");
  s["series"]["promconform:temp:avg"] = Query(access, "promconform:temp:avg");
  s["series"]["promconform:temp:scaled"] = Query(access, "promconform:temp:scaled");
  return s;
}

json Filters(const Access& access) {
  json out;
  for (const std::string& q :
       std::vector<std::string>{"type=alert", "type=record", "exclude_alerts=true",
                                "rule_name[]=PromconformKeepB&rule_name[]=promconform:temp:avg",
                                "rule_group[]=promconform-recording",
                                "match[]=" + UrlQuery("{scaled=\"yes\"}"), "rule_name[]=nosuch"}) {
    out[q] = NormalizeRules(Parse(access.get("/api/v1/rules?" + q)));
  }
  return out;
}

promref::wire::WriteRequest Temperatures(const std::vector<std::pair<std::string, double>>& hosts) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  promref::wire::WriteRequest req;
  for (const auto& [host, v] : hosts) {
    promref::wire::TimeSeries ts;
    ts.labels = {{"__name__", "promconform_temp"}, {"host", host}, {"job", "promconform"}};
    ts.samples.push_back({now, v});
    req.timeseries.push_back(std::move(ts));
  }
  return req;
}

// Polls the alerts endpoint every 250ms, recording state changes, until `done` holds of an
// answer or `limit` passes (then false). Keeps writing `data` every 2s so it stays fresh.
using Hosts = std::vector<std::pair<std::string, double>>;

bool Poll(const Access& access, Clock::time_point start, const Hosts& hosts,
          const std::function<bool(const json&)>& done, std::chrono::seconds limit, Observation* obs,
          promref::Status* write_error) {
  const auto deadline = Clock::now() + limit;
  auto next_write = Clock::now() + std::chrono::seconds(2);
  std::map<std::string, std::string> last;
  for (const auto& [key, changes] : obs->timelines) last[key] = changes.back().state;
  while (Clock::now() < deadline) {
    if (Clock::now() >= next_write) {
      if (auto st = access.write(Temperatures(hosts)); !st.ok()) {
        *write_error = st;
        return false;
      }
      next_write += std::chrono::seconds(2);
    }
    const json alerts = Parse(access.get("/api/v1/alerts"));
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    std::map<std::string, std::string> now;
    if (alerts.is_object() && alerts.contains("alerts") && alerts["alerts"].is_array()) {
      for (const auto& a : alerts["alerts"]) now[AlertKey(a)] = State(a);
    }
    for (const auto& [key, state] : now) {
      if (last[key] != state) obs->timelines[key].push_back({t, state});
    }
    for (const auto& [key, state] : last) {
      if (!now.count(key) && state != "gone") obs->timelines[key].push_back({t, "gone"});
    }
    last.clear();
    for (const auto& [key, changes] : obs->timelines) last[key] = changes.back().state;
    if (done(alerts)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

size_t Count(const json& alerts, const std::string& name, const std::string& state) {
  size_t n = 0;
  if (!alerts.is_object() || !alerts.contains("alerts") || !alerts["alerts"].is_array()) return 0;
  for (const auto& a : alerts["alerts"]) {
    if (AlertName(a) == name && State(a) == state) ++n;
  }
  return n;
}

}  // namespace

json NormalizeRules(const json& data) {
  if (!data.is_object() || !data.contains("groups") || !data["groups"].is_array()) return data;
  json groups = json::array();
  for (json g : data["groups"]) {
    if (!IsSuiteGroup(g)) continue;
    if (g.contains("file") && g["file"].is_string())
      g["file"] = std::filesystem::path(g["file"].get<std::string>()).filename().string();
    g.erase("evaluationTime");
    g.erase("lastEvaluation");
    if (g.contains("rules") && g["rules"].is_array()) {
      for (auto& r : g["rules"]) {
        if (!r.is_object()) continue;
        r.erase("evaluationTime");
        r.erase("lastEvaluation");
        if (r.contains("alerts") && r["alerts"].is_array()) r["alerts"] = NormalizeAlerts(r["alerts"]);
      }
    }
    groups.push_back(std::move(g));
  }
  return json{{"groups", groups}};
}

json NormalizeAlerts(const json& alerts) {
  json out = json::array();
  if (!alerts.is_array()) return alerts;
  for (json a : alerts) {
    if (AlertName(a).rfind("Promconform", 0) != 0) continue;
    a["activeAt"] = a.contains("activeAt") ? "set" : "missing";
    if (a.contains("keepFiringSince")) a["keepFiringSince"] = "set";
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const json& x, const json& y) { return x["labels"].dump() < y["labels"].dump(); });
  return out;
}

promref::Result<Observation> Observe(const Access& access) {
  Observation obs;
  promref::Status write_error;
  const auto start = Clock::now();
  const Hosts hot = {{"a", 10}, {"b", 35}, {"c", 50}};
  if (auto st = access.write(Temperatures(hot)); !st.ok()) return st.error();
  if (!Poll(
          access, start, hot, [](const json& a) { return Count(a, "PromconformHighTemp", "firing") == 2; },
          std::chrono::seconds(45), &obs, &write_error)) {
    if (!write_error.ok()) return write_error.error();
    obs.problems.push_back("PromconformHighTemp did not fire for hosts b and c within 45s");
  }
  // Two more evaluations: recording rules and ALERTS are written after the alert state.
  Poll(
      access, start, hot, [](const json&) { return false; }, std::chrono::seconds(5), &obs, &write_error);
  obs.snapshots["firing"] = Snapshot(access);
  obs.snapshots["filters"] = Filters(access);

  const Hosts cool = {{"a", 10}, {"b", 5}, {"c", 5}};
  if (auto st = access.write(Temperatures(cool)); !st.ok()) return st.error();
  if (!Poll(
          access, start, cool, [](const json& a) { return Count(a, "PromconformHighTemp", "firing") == 0; },
          std::chrono::seconds(30), &obs, &write_error)) {
    if (!write_error.ok()) return write_error.error();
    obs.problems.push_back("PromconformHighTemp did not resolve within 30s");
  }
  Poll(
      access, start, cool, [](const json&) { return false; }, std::chrono::seconds(5), &obs, &write_error);
  obs.snapshots["resolved"] = Snapshot(access);
  return obs;
}

}  // namespace promconform::rules_suite
