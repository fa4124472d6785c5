// What the scrape manager knows: /api/v1/targets, /api/v1/scrape_pools,
// /api/v1/targets/metadata and /api/v1/metadata, in Prometheus 3.16's shapes.
//
// Each answers for the requesting tenant's scrape manager only. Prometheus walks Go maps
// here, so the order of targets within a pool (and of metadata) is not defined there; promref
// lists pools by name and targets in a stable order.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api/envelope.h"
#include "api/internal/params.h"
#include "api/json_writer.h"
#include "api/prometheus_api.h"
#include "model/go_strconv.h"
#include "promql/parser.h"
#include "relabel/relabel.h"
#include "scrape/manager.h"

namespace promref::api {
namespace {

const scrape::Manager* ManagerFor(const ApiDeps& deps, const Request& req) {
  if (!deps.scrape_manager || req.tenant == nullptr) return nullptr;
  return deps.scrape_manager(req.tenant->id);
}

// Go's time.Time zero value, for a target never scraped.
std::string LastScrapeText(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return "0001-01-01T00:00:00Z";
  return internal::Rfc3339Nano(t);
}

// getGlobalURL: a target on localhost is shown under the external URL's host (and, when it
// is promref itself, its scheme and port too).
std::string GlobalUrl(const std::string& url, const ApiDeps& deps) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || deps.external_host.empty()) return url;
  const size_t host_start = scheme_end + 3;
  const size_t host_end = url.find_first_of("/?", host_start);
  const std::string hostport = url.substr(host_start, host_end - host_start);
  std::string host = hostport, port;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t close = hostport.find(']');
    host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) port = hostport.substr(close + 2);
  } else if (const size_t colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host != "127.0.0.1" && host != "localhost" && host != "::1") return url;
  const std::string rest = host_end == std::string::npos ? "" : url.substr(host_end);
  if (port == deps.listen_port) return deps.external_scheme + "://" + deps.external_host + rest;
  std::string ext_host = deps.external_host.substr(0, deps.external_host.rfind(':'));
  return url.substr(0, host_start) + ext_host + (port.empty() ? "" : ":" + port) + rest;
}

void WriteActiveTarget(JsonWriter& w, const std::string& pool, const scrape::Target& t, const ApiDeps& deps) {
  const scrape::ScrapeReport r = t.LastReport();
  const std::string url = t.Url();
  w.BeginObject();
  w.Key("discoveredLabels").Labels(t.DiscoveredLabels());
  w.Key("labels").Labels(t.PublicLabels());
  w.Key("scrapePool").String(pool);
  w.Key("scrapeUrl").String(url);
  w.Key("globalUrl").String(GlobalUrl(url, deps));
  w.Key("lastError").String(r.last_error);
  w.Key("lastScrape").String(LastScrapeText(r.last_scrape));
  w.Key("lastScrapeDuration").Number(r.last_duration_seconds);
  w.Key("health").String(scrape::HealthName(r.health));
  w.Key("scrapeInterval").String(t.Get("__scrape_interval__"));
  w.Key("scrapeTimeout").String(t.Get("__scrape_timeout__"));
  w.EndObject();
}

using TargetsByPool = std::map<std::string, std::vector<std::shared_ptr<scrape::Target>>>;

// Within a pool, by URL then labels: stable for readers and tests.
void SortTargets(TargetsByPool* pools) {
  for (auto& [pool, targets] : *pools) {
    std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
      const std::string ua = a->Url(), ub = b->Url();
      return ua != ub ? ua < ub : a->all_labels() < b->all_labels();
    });
  }
}

}  // namespace

Response PrometheusApi::Targets(const Request& req) {
  // Prometheus reads `state` and `scrapePool` from the URL only; `state` case-insensitively.
  std::vector<std::pair<std::string, std::string>> url;
  ParseQueryInto(req.raw_query, &url);
  std::string state, pool_filter;
  bool have_state = false, have_pool = false;
  for (const auto& [k, v] : url) {
    if (k == "state" && !have_state) state = v, have_state = true;
    if (k == "scrapePool" && !have_pool) pool_filter = v, have_pool = true;
  }
  std::transform(state.begin(), state.end(), state.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool show_active = state.empty() || state == "any" || state == "active";
  const bool show_dropped = state.empty() || state == "any" || state == "dropped";
  const scrape::Manager* m = ManagerFor(deps_, req);
  TargetsByPool active, dropped;
  std::map<std::string, size_t> dropped_counts;
  if (m != nullptr) {
    if (show_active) active = m->TargetsActive();
    if (show_dropped) dropped = m->TargetsDropped(), dropped_counts = m->TargetsDroppedCounts();
  }
  SortTargets(&active);
  return ApiSuccess([this, active = std::move(active), dropped = std::move(dropped),
                     dropped_counts = std::move(dropped_counts), pool_filter, show_dropped](JsonWriter& w) {
    w.BeginObject();
    w.Key("activeTargets").BeginArray();
    for (const auto& [pool, targets] : active) {
      if (!pool_filter.empty() && pool != pool_filter) continue;
      for (const auto& t : targets) WriteActiveTarget(w, pool, *t, deps_);
    }
    w.EndArray();
    w.Key("droppedTargets").BeginArray();
    for (const auto& [pool, targets] : dropped) {
      if (!pool_filter.empty() && pool != pool_filter) continue;
      for (const auto& t : targets) {
        w.BeginObject();
        w.Key("discoveredLabels").Labels(t->DiscoveredLabels());
        w.Key("scrapePool").String(pool);
        w.EndObject();
      }
    }
    w.EndArray();
    w.Key("droppedTargetCounts");
    if (!show_dropped) {
      w.Null();
    } else {
      w.BeginObject();
      for (const auto& [pool, n] : dropped_counts) w.Key(pool).Int(static_cast<int64_t>(n));
      w.EndObject();
    }
    w.EndObject();
  });
}

// How each relabel_configs rule of a pool changes a label set (the relabeling page of
// Prometheus' UI asks this).
Response PrometheusApi::TargetRelabelSteps(const Request& req) {
  const std::string pool = req.FormValue("scrapePool");
  if (pool.empty()) return ApiError(BadData("no scrapePool parameter provided"));
  const std::string labels_json = req.FormValue("labels");
  if (labels_json.empty()) return ApiError(BadData("no labels parameter provided"));
  model::LabelsBuilder in;
  const nlohmann::json j = nlohmann::json::parse(labels_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return ApiError(BadData(
        "error parsing labels: " +
        std::string(j.is_discarded() ? "invalid character in labels JSON"
                                     : "json: cannot unmarshal into Go value of type map[string]string")));
  }
  for (const auto& [name, value] : j.items()) {
    if (!value.is_string())
      return ApiError(BadData("error parsing labels: json: cannot unmarshal into Go value of type string"));
    in.Set(name, value.get<std::string>());
  }
  const scrape::Manager* m = ManagerFor(deps_, req);
  auto cfg = m ? m->ScrapePoolConfig(pool) : nullptr;
  if (!cfg)
    return ApiError(
        BadData("error retrieving scrape config: scrape pool " + model::GoQuote(pool) + " not found"));
  struct Step {
    const relabel::RelabelConfig* rule;
    model::Labels output;
    bool keep;
  };
  std::vector<Step> steps;
  std::optional<model::Labels> current = in.Build();
  for (const auto& rule : cfg->relabel_configs) {
    if (current) current = relabel::Process(*current, std::span(&rule, 1));
    steps.push_back({&rule, current.value_or(model::Labels()), current.has_value()});
  }
  return ApiSuccess([cfg, steps = std::move(steps)](JsonWriter& w) {
    w.BeginObject().Key("steps").BeginArray();
    for (const Step& s : steps) {
      const relabel::RelabelConfig& r = *s.rule;
      w.BeginObject().Key("rule").BeginObject();
      if (!r.source_labels.empty()) {
        w.Key("source_labels").BeginArray();
        for (const auto& l : r.source_labels) w.String(l);
        w.EndArray();
      }
      w.Key("separator").String(r.separator);
      w.Key("regex").String(r.regex.pattern());
      if (r.modulus != 0) w.Key("modulus").Int(static_cast<int64_t>(r.modulus));
      if (!r.target_label.empty()) w.Key("target_label").String(r.target_label);
      w.Key("replacement").String(r.replacement);
      w.Key("action").String(relabel::ActionName(r.action));
      w.EndObject();
      w.Key("output").Labels(s.output);
      w.Key("keep").Bool(s.keep);
      w.EndObject();
    }
    w.EndArray().EndObject();
  });
}

Response PrometheusApi::ScrapePools(const Request& req) {
  const scrape::Manager* m = ManagerFor(deps_, req);
  std::vector<std::string> pools = m ? m->ScrapePools() : std::vector<std::string>{};
  return ApiSuccess([pools = std::move(pools)](JsonWriter& w) {
    w.BeginObject().Key("scrapePools").BeginArray();
    for (const auto& p : pools) w.String(p);
    w.EndArray().EndObject();
  });
}

Response PrometheusApi::TargetsMetadata(const Request& req) {
  int64_t limit = -1;
  if (const std::string s = req.FormValue("limit"); !s.empty() && !internal::AtoiOk(s, &limit)) {
    return ApiError(BadData("limit must be a number"));
  }
  std::vector<model::Matcher> matchers;
  if (const std::string mt = req.FormValue("match_target"); !mt.empty()) {
    auto m = promql::ParseMetricSelector(mt, parse_options());
    if (!m.ok()) return ApiError(m.error().Prefixed("invalid parameter \"match_target\": "));
    matchers = std::move(*m);
  }
  const std::string metric = req.FormValue("metric");
  struct Row {
    model::Labels target;
    scrape::FamilyMetadata md;
  };
  std::vector<Row> rows;
  const scrape::Manager* m = ManagerFor(deps_, req);
  TargetsByPool active = m ? m->TargetsActive() : TargetsByPool{};
  SortTargets(&active);
  for (const auto& [pool, targets] : active) {
    for (const auto& t : targets) {
      if (limit >= 0 && static_cast<int64_t>(rows.size()) >= limit) break;
      const model::Labels labels = t->PublicLabels();
      if (!std::all_of(matchers.begin(), matchers.end(),
                       [&](const model::Matcher& mm) { return mm.Matches(labels.Get(mm.name())); })) {
        continue;
      }
      auto store = t->metadata();
      if (!store) continue;
      if (metric.empty()) {
        for (auto& md : store->List()) rows.push_back({labels, std::move(md)});
      } else if (auto md = store->Get(metric)) {
        md->family.clear();  // Prometheus leaves "metric" out when it was asked for
        rows.push_back({labels, std::move(*md)});
      }
    }
  }
  return ApiSuccess([rows = std::move(rows)](JsonWriter& w) {
    w.BeginArray();
    for (const auto& r : rows) {
      w.BeginObject();
      w.Key("target").Labels(r.target);
      if (!r.md.family.empty()) w.Key("metric").String(r.md.family);
      w.Key("type").String(r.md.type);
      w.Key("help").String(r.md.help);
      w.Key("unit").String(r.md.unit);
      w.EndObject();
    }
    w.EndArray();
  });
}

Response PrometheusApi::Metadata(const Request& req) {
  int64_t limit = -1, limit_per_metric = -1;
  if (const std::string s = req.FormValue("limit"); !s.empty() && !internal::AtoiOk(s, &limit)) {
    return ApiError(BadData("limit must be a number"));
  }
  if (const std::string s = req.FormValue("limit_per_metric");
      !s.empty() && !internal::AtoiOk(s, &limit_per_metric)) {
    return ApiError(BadData("limit_per_metric must be a number"));
  }
  const std::string metric = req.FormValue("metric");
  // Prometheus answers from the metadata caches of its active scrape targets, never from the
  // TSDB: metadata sent by remote write (kept in storage and the WAL) does not appear here.
  using Key = std::tuple<std::string, std::string, std::string>;  // type, help, unit
  std::map<std::string, std::set<Key>> metrics;
  const scrape::Manager* m = ManagerFor(deps_, req);
  TargetsByPool active = m ? m->TargetsActive() : TargetsByPool{};
  SortTargets(&active);
  const auto add = [&](const scrape::FamilyMetadata& md) {
    auto& set = metrics[md.family];
    if (limit_per_metric > 0 && static_cast<int64_t>(set.size()) >= limit_per_metric) return;
    set.insert({md.type, md.help, md.unit});
  };
  for (const auto& [pool, targets] : active) {
    for (const auto& t : targets) {
      auto store = t->metadata();
      if (!store) continue;
      if (metric.empty()) {
        for (const auto& md : store->List()) add(md);
      } else if (auto md = store->Get(metric)) {
        add(*md);
      }
    }
  }
  return ApiSuccess([metrics = std::move(metrics), limit](JsonWriter& w) {
    w.BeginObject();
    int64_t n = 0;
    for (const auto& [name, entries] : metrics) {
      if (limit >= 0 && n >= limit) break;
      ++n;
      w.Key(name).BeginArray();
      for (const auto& [type, help, unit] : entries) {
        w.BeginObject();
        w.Key("type").String(type);
        w.Key("help").String(help);
        w.Key("unit").String(unit);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  });
}

}  // namespace promref::api
