// The native-histogram suite: every histogram function, operator and aggregation of Prometheus
// 3.x over the `pch_` series of the dataset (datasets/native_histograms.h), each expression as
// instant queries at the PromQL suite's three times and, where its type allows, a range query.
// Answers are recorded from Prometheus 3.16 (2.42 has native histograms behind a flag with other
// semantics, so its fixtures leave these cases out). A target that does not store native
// histograms gets `unsupported` for every case here (see LoadReport), not a flood of failures.
#include "promql/parser.h"
#include "suites/suite.h"

namespace promconform {
namespace {

using namespace suite_util;

constexpr const char* kSeed = "003 式クエリ (expression queries); PromQL native histograms (reference §4-8)";

// Counters of every layout (the gauge and the stopping series are asked about on their own).
const std::vector<std::string> kCounters = {
    "pch_request_duration_seconds",
    "pch_response_size_bytes",
    "pch_custom_seconds",
    "pch_sparse_bytes",
    "pch_dense_seconds",
    "pch_schema_change_seconds",
};

class Builder {
 public:
  void Add(const std::string& category, const std::string& expr) {
    Case c;
    c.category = "native_histograms/" + category;
    c.id = CaseId("promql", c.category + "|" + expr);
    c.seed = kSeed;
    c.since = "3.0";
    c.title = expr;
    c.expr = expr;
    c.native_histograms = true;
    // timestamp() answers Unix times: compared relative to the dataset's base, as the float
    // suite's are (recorded absolute, they would hold only for a run at the recording's base).
    c.timestamp_values = expr.starts_with("timestamp(");
    c.order = OrderOf(expr);
    for (int64_t t : kInstantTimes) c.exchanges.push_back(InstantExchange(expr, t));
    auto parsed = promref::promql::ParseExpr(expr);
    if (parsed.ok() && (*parsed)->Type() != promref::promql::ValueType::kMatrix) {
      c.exchanges.push_back(RangeExchange(expr, kRangeStart, kRangeEnd, kRangeStep));
    }
    cases_.push_back(std::move(c));
  }
  std::vector<Case> Take() { return std::move(cases_); }

 private:
  std::vector<Case> cases_;
};

void Selectors(Builder& b) {
  for (const std::string& m : kCounters) b.Add("selectors", m);
  for (const char* e : {
           "pch_queue_depth",
           "pch_stopping_seconds",
           "pch_mixed",
           "{__name__=~\"pch_.*\"}",
           "pch_request_duration_seconds{instance=\"host-2\"}",
           "pch_request_duration_seconds offset 10m",
           "pch_request_duration_seconds[1m]",
           "pch_custom_seconds[45s]",
           "pch_mixed[21m]",
           "timestamp(pch_request_duration_seconds)",
           "label_replace(pch_custom_seconds, \"host\", \"$1\", \"instance\", \"host-(.*)\")",
       }) {
    b.Add("selectors", e);
  }
}

void Functions(Builder& b) {
  for (const std::string& m : kCounters) {
    b.Add("functions", "histogram_count(" + m + ")");
    b.Add("functions", "histogram_sum(" + m + ")");
    b.Add("functions", "histogram_avg(" + m + ")");
    b.Add("functions", "histogram_quantile(0.5, rate(" + m + "[5m]))");
    b.Add("functions", "histogram_quantile(0.99, rate(" + m + "[5m]))");
    b.Add("functions", "histogram_fraction(0, 0.25, rate(" + m + "[5m]))");
  }
  for (const char* e : {
           "histogram_count(pch_queue_depth)",
           "histogram_sum(pch_queue_depth)",
           "histogram_stddev(pch_request_duration_seconds)",
           "histogram_stdvar(pch_custom_seconds)",
           "histogram_stddev(pch_queue_depth)",
           "histogram_stdvar(pch_response_size_bytes)",
           "histogram_quantile(0.9, pch_queue_depth)",
           "histogram_quantile(0.1, pch_queue_depth)",
           "histogram_quantile(0, pch_request_duration_seconds)",
           "histogram_quantile(1, rate(pch_request_duration_seconds[5m]))",
           "histogram_quantile(-0.5, pch_custom_seconds)",
           "histogram_quantile(1.5, pch_custom_seconds)",
           "histogram_quantile(0.9, sum by (job) (rate(pch_request_duration_seconds[5m])))",
           "histogram_quantile(0.5, rate(pch_mixed[5m]))",
           "histogram_fraction(-10, 10, pch_queue_depth)",
           "histogram_fraction(-Inf, 0, pch_queue_depth)",
           "histogram_fraction(0.1, +Inf, rate(pch_custom_seconds[5m]))",
           "histogram_fraction(0.05, 0.5, pch_custom_seconds)",
           "histogram_count(rate(pch_stopping_seconds[5m]))",
       }) {
    b.Add("functions", e);
  }
}

void Rates(Builder& b) {
  for (const std::string& m : kCounters) {
    b.Add("rates", "rate(" + m + "[5m])");
    b.Add("rates", "histogram_count(increase(" + m + "[10m]))");
    b.Add("rates", "irate(" + m + "[1m])");
    b.Add("rates", "resets(" + m + "[30m])");
  }
  for (const char* e : {
           "rate(pch_request_duration_seconds[1m])",
           "increase(pch_request_duration_seconds{instance=\"host-2\"}[30m])",
           "rate(pch_mixed[5m])",
           "rate(pch_mixed[30m])",
           "rate(pch_queue_depth[5m])",
           "delta(pch_queue_depth[5m])",
           "idelta(pch_queue_depth[1m])",
           "delta(pch_request_duration_seconds[5m])",
           "changes(pch_custom_seconds[10m])",
           "changes(pch_queue_depth[10m])",
           "resets(pch_queue_depth[10m])",
           "rate(pch_schema_change_seconds[10m])",
       }) {
    b.Add("rates", e);
  }
}

void OverTime(Builder& b) {
  for (const char* e : {
           "sum_over_time(pch_queue_depth[2m])",
           "avg_over_time(pch_queue_depth[2m])",
           "sum_over_time(pch_request_duration_seconds[1m])",
           "avg_over_time(pch_custom_seconds[1m])",
           "count_over_time(pch_request_duration_seconds[5m])",
           "last_over_time(pch_stopping_seconds[10m])",
           "present_over_time(pch_schema_change_seconds[5m])",
           "max_over_time(pch_request_duration_seconds[5m])",
           "quantile_over_time(0.5, pch_request_duration_seconds[5m])",
           "stddev_over_time(pch_queue_depth[5m])",
           "sum_over_time(pch_mixed[30m])",
           "count_over_time(pch_mixed[30m])",
           "absent_over_time(pch_stopping_seconds[1m])",
           "histogram_count(sum_over_time(pch_dense_seconds[1m]))",
       }) {
    b.Add("over_time", e);
  }
}

void Aggregations(Builder& b) {
  for (const char* e : {
           "sum(pch_request_duration_seconds)",
           "sum by (job) (rate(pch_request_duration_seconds[5m]))",
           "avg(rate(pch_custom_seconds[5m]))",
           "avg by (instance) (pch_custom_seconds)",
           "sum(pch_custom_seconds)",
           "count(pch_request_duration_seconds)",
           "count by (job) ({__name__=~\"pch_.*\"})",
           "group by (job) ({__name__=~\"pch_.*\"})",
           "sum({__name__=~\"pch_request_duration_seconds|pch_schema_change_seconds\"})",
           "sum({__name__=~\"pch_request_duration_seconds|pch_custom_seconds\"})",
           "sum({__name__=~\"pch_request_duration_seconds|pch_mixed\"})",
           "sum(rate({__name__=~\"pch_request_duration_seconds|pch_dense_seconds\"}[5m]))",
           "max(pch_request_duration_seconds)",
           "min by (job) ({__name__=~\"pch_.*\"})",
           "stddev(pch_request_duration_seconds)",
           "quantile(0.5, pch_request_duration_seconds)",
           "topk(1, pch_request_duration_seconds)",
           "count_values(\"value\", histogram_count(pch_custom_seconds))",
           "histogram_count(sum(pch_request_duration_seconds)) - "
           "sum(histogram_count(pch_request_duration_seconds))",
       }) {
    b.Add("aggregations", e);
  }
}

void Operators(Builder& b) {
  for (const char* e : {
           "pch_request_duration_seconds * 2",
           "0.5 * pch_custom_seconds",
           "pch_queue_depth / 4",
           "pch_request_duration_seconds / 0",
           "-pch_queue_depth",
           "pch_request_duration_seconds + pch_request_duration_seconds",
           "pch_request_duration_seconds - pch_request_duration_seconds offset 5m",
           "pch_custom_seconds - ignoring(instance) group_left pch_custom_seconds{instance=\"host-1\"}",
           "pch_request_duration_seconds + 1",
           "pch_request_duration_seconds * pch_request_duration_seconds",
           "pch_request_duration_seconds / on() group_left "
           "sum(histogram_count(pch_request_duration_seconds))",
           "pch_request_duration_seconds > 1",
           "pch_request_duration_seconds == pch_request_duration_seconds",
           "pch_request_duration_seconds != pch_request_duration_seconds offset 1m",
           "pch_request_duration_seconds == bool pch_request_duration_seconds",
           "pch_request_duration_seconds and on(instance) pch_custom_seconds",
           "pch_request_duration_seconds or pch_queue_depth",
           "pch_custom_seconds unless pch_custom_seconds{instance=\"host-1\"}",
           "histogram_count(pch_request_duration_seconds) > 100",
           "absent(pch_request_duration_seconds)",
           "absent(pch_stopping_seconds)",
       }) {
    b.Add("operators", e);
  }
}

}  // namespace

std::vector<Case> BuildNativeHistogramSuite() {
  Builder b;
  Selectors(b);
  Functions(b);
  Rates(b);
  OverTime(b);
  Aggregations(b);
  Operators(b);
  return b.Take();
}

}  // namespace promconform
