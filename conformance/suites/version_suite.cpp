// The versions suite: promqltest scenarios (../shared/upstream/promqltest, Prometheus 3.x) whose
// answers changed on purpose since 2.42 (reference §12): left-open range windows, the left-open
// lookback window, the subquery's first step, and number literals as durations.
//
// Each scenario's `load` block becomes `pcv_` series at the same times after the base (the
// base is a multiple of five minutes, so the 5 s and 10 s subquery steps stay aligned), and each
// `eval` becomes a case whose 3.x answer is transcribed from the script, with file and line.
// The 2.42 answer is recorded like any other. Evaluations whose answers agree in both versions
// are kept: they pin the scenario down, and the report only counts a case as a version
// difference when the two answers really differ.
#include <cmath>

#include "model/sample.h"
#include "suites/suite.h"

namespace promconform {
namespace {

using nlohmann::json;
using namespace suite_util;

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

struct Expected {
  json metric;
  std::string value;
};

struct Eval {
  const char* source;  // "staleness.test:5"
  std::string expr;
  int64_t at_ms;
  std::vector<Expected> result;
  std::string since = "3.0";
};

json V3Vector(const std::vector<Expected>& result, int64_t at_ms) {
  json items = json::array();
  for (const auto& e : result)
    items.push_back({{"metric", e.metric}, {"value", json::array({at_ms, e.value})}});
  return {{"partial", true},
          {"http", 200},
          {"status", "success"},
          {"data", {{"resultType", "vector"}, {"result", items}}}};
}

DatasetSeries Series(promref::wire::RawLabels labels, int64_t step_ms, const std::vector<double>& values) {
  DatasetSeries s;
  s.labels = std::move(labels);
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]) && !promref::model::IsStaleNaN(values[i])) continue;  // "_": no sample
    s.samples.push_back({static_cast<int64_t>(i) * step_ms, values[i]});
  }
  return s;
}

const double kStale = promref::model::StaleNaN();
const double kGap = std::nan("");

std::vector<Eval> Evals() {
  const json foo = {{"path", "/foo"}}, bar = {{"path", "/bar"}}, biz = {{"path", "/biz"}};
  const json stale_name = {{"__name__", "pcv_stale_metric"}};
  const json single_name = {{"__name__", "pcv_stale_single"}};
  const json none = json::object();
  std::vector<Eval> e = {
      // staleness.test: `load 10s / metric 0 1 stale 2`.
      {"staleness.test:5", "pcv_stale_metric", 10 * kSec, {{stale_name, "1"}}},
      {"staleness.test:8", "pcv_stale_metric", 20 * kSec, {}},
      {"staleness.test:10", "pcv_stale_metric", 30 * kSec, {{stale_name, "2"}}},
      {"staleness.test:13", "pcv_stale_metric", 40 * kSec, {{stale_name, "2"}}},
      {"staleness.test:17", "pcv_stale_metric", 329 * kSec, {{stale_name, "2"}}},
      {"staleness.test:20", "pcv_stale_metric", 330 * kSec, {}},
      {"staleness.test:24", "count_over_time(pcv_stale_metric[1m])", 30 * kSec, {{none, "3"}}},
      {"staleness.test:27", "count_over_time(pcv_stale_metric[1s])", 10 * kSec, {{none, "1"}}},
      {"staleness.test:30", "count_over_time(pcv_stale_metric[1s])", 20 * kSec, {}},
      {"staleness.test:32", "count_over_time(pcv_stale_metric[10s])", 20 * kSec, {}},
      {"staleness.test:34", "count_over_time(pcv_stale_metric[20s])", 20 * kSec, {{none, "1"}}},
      {"staleness.test:37", "count_over_time(pcv_stale_metric[10])", 20 * kSec, {}},
      {"staleness.test:39", "count_over_time(pcv_stale_metric[20])", 20 * kSec, {{none, "1"}}},
      // staleness.test: `load 10s / metric 0` (after clear).
      {"staleness.test:49", "pcv_stale_single", 0, {{single_name, "0"}}},
      {"staleness.test:52", "pcv_stale_single", 150 * kSec, {{single_name, "0"}}},
      {"staleness.test:55", "pcv_stale_single", 299 * kSec, {{single_name, "0"}}},
      {"staleness.test:58", "pcv_stale_single", 300 * kSec, {}},
      // subquery.test: `load 10s / metric_total 1 2`.
      {"subquery.test:5", "sum_over_time(pcv_sq_metric_total[50s:10s])", 10 * kSec, {{none, "3"}}},
      {"subquery.test:8", "sum_over_time(pcv_sq_metric_total[50s:5s])", 10 * kSec, {{none, "4"}}},
      {"subquery.test:12", "sum_over_time(pcv_sq_metric_total[50s:10s])", 5 * kMin, {{none, "10"}}},
      {"subquery.test:17",
       "sum_over_time(pcv_sq_metric_total[60s:10s])",
       5 * kMin + 59 * kSec,
       {{none, "2"}}},
      {"subquery.test:20", "rate(pcv_sq_metric_total[20s:10s])", 10 * kSec, {{none, "0.1"}}},
      {"subquery.test:23", "rate(pcv_sq_metric_total[20s:5s])", 20 * kSec, {{none, "0.06666666666666667"}}},
      // functions.test: `load 5m / http_requests{path=...}` (float series only).
      {"functions.test:11", "resets(pcv_http_requests[5m])", 50 * kMin, {}},
      {"functions.test:13",
       "resets(pcv_http_requests[10m])",
       50 * kMin,
       {{foo, "0"}, {bar, "0"}, {biz, "0"}}},
      {"functions.test:18",
       "resets(pcv_http_requests[600])",
       50 * kMin,
       {{foo, "0"}, {bar, "0"}, {biz, "0"}}},
      {"functions.test:23",
       "resets(pcv_http_requests[20m])",
       50 * kMin,
       {{foo, "1"}, {bar, "0"}, {biz, "0"}}},
      {"functions.test:28",
       "resets(pcv_http_requests[30m])",
       50 * kMin,
       {{foo, "1"}, {bar, "0"}, {biz, "0"}}},
      {"functions.test:33",
       "resets(pcv_http_requests[32m])",
       50 * kMin,
       {{foo, "2"}, {bar, "1"}, {biz, "0"}}},
      {"functions.test:38",
       "resets(pcv_http_requests[50m])",
       50 * kMin,
       {{foo, "3"}, {bar, "1"}, {biz, "0"}}},
      {"functions.test:43", "resets(pcv_nonexistent_metric[50m])", 50 * kMin, {}},
      {"functions.test:58", "changes(pcv_http_requests[5m])", 50 * kMin, {}},
      {"functions.test:60",
       "changes(pcv_http_requests[6m])",
       50 * kMin,
       {{foo, "0"}, {bar, "0"}, {biz, "0"}}},
      {"functions.test:65",
       "changes(pcv_http_requests[20m])",
       50 * kMin,
       {{foo, "2"}, {bar, "2"}, {biz, "0"}}},
      {"functions.test:70",
       "changes(pcv_http_requests[30m])",
       50 * kMin,
       {{foo, "3"}, {bar, "4"}, {biz, "0"}}},
      {"functions.test:75",
       "changes(pcv_http_requests[50m])",
       50 * kMin,
       {{foo, "7"}, {bar, "8"}, {biz, "1"}}},
      {"functions.test:80",
       "changes((pcv_http_requests[50m]))",
       50 * kMin,
       {{foo, "7"}, {bar, "8"}, {biz, "1"}}},
      {"functions.test:85", "changes(pcv_nonexistent_metric[50m])", 50 * kMin, {}},
  };
  return e;
}

}  // namespace

std::vector<DatasetSeries> VersionScenarioSeries() {
  std::vector<DatasetSeries> out;
  out.push_back(Series({{"__name__", "pcv_stale_metric"}}, 10 * kSec, {0, 1, kStale, 2}));
  out.push_back(Series({{"__name__", "pcv_stale_single"}}, 10 * kSec, {0}));
  out.push_back(Series({{"__name__", "pcv_sq_metric_total"}}, 10 * kSec, {1, 2}));
  out.push_back(Series({{"__name__", "pcv_http_requests"}, {"path", "/foo"}}, 5 * kMin,
                       {1, 2, 3, 0, 1, 0, 0, 1, 2, 0}));
  out.push_back(Series({{"__name__", "pcv_http_requests"}, {"path", "/bar"}}, 5 * kMin,
                       {1, 2, 3, 4, 5, 1, 2, 3, 4, 5}));
  out.push_back(Series({{"__name__", "pcv_http_requests"}, {"path", "/biz"}}, 5 * kMin,
                       {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
  (void)kGap;
  return out;
}

std::vector<Case> BuildVersionSuite() {
  std::vector<Case> cases;
  for (const Eval& ev : Evals()) {
    Case c;
    c.category = "promql/versions";
    c.id = CaseId("promql.versions", std::string(ev.source) + "|" + ev.expr);
    c.seed = std::string("promqltest ") + ev.source + "; reference §12 (2.42 vs 3.x)";
    c.since = ev.since;
    c.title = ev.expr + " at " + RelText(ev.at_ms) + " (" + ev.source + ")";
    c.expr = ev.expr;
    Exchange e = InstantExchange(ev.expr, ev.at_ms);
    e.expect_v3 = V3Vector(ev.result, ev.at_ms);
    e.expect_v3_source = std::string("promqltest ") + ev.source;
    c.exchanges.push_back(std::move(e));
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace promconform
