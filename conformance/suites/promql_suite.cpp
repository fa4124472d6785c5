// The PromQL suite over the standard dataset (see datasets/dataset.h for the series).
//
// Rules that keep every case valid for Prometheus 2.42 and 3.x alike (the versions suite holds
// the cases about their differences): ranges, offsets and steps are whole seconds; subquery
// steps divide five minutes; evaluation times sit at .234 s; `@` times at .500 s; no
// expression mixes absolute times with data (hour(timestamp(x)) would depend on the base);
// no experimental function, no 3.x-only syntax. Where a case's answer still changed on purpose
// after 2.42 (atan2 drops the metric name, stddev of a lone NaN, rate extrapolation, topk ties,
// nested subqueries...), the fixtures recorded from Prometheus 3.x hold its answer beside 2.42's.
#include <cstdio>
#include <map>
#include <set>

#include "promql/ast.h"
#include "promql/parser.h"
#include "suites/suite.h"

namespace promconform {
namespace {

using namespace suite_util;

constexpr const char* kSeed = "003 式クエリ (expression queries); PromQL (reference §4-8)";

class Builder {
 public:
  struct Opts {
    bool timestamp_values = false;
    bool instant_only = false;
    bool absolute_time = false;
    std::string since = "2.0";
  };

  void Add(const std::string& category, const std::string& expr) { Add(category, expr, Opts{}); }

  void Add(const std::string& category, const std::string& expr, const Opts& o) {
    if (!seen_.insert(expr).second) return;
    Case c;
    c.category = category;
    c.id = CaseId("promql", category + "|" + expr);
    c.seed = kSeed;
    c.since = o.since;
    c.title = expr;
    c.expr = expr;
    c.timestamp_values = o.timestamp_values;
    c.absolute_time = o.absolute_time;
    c.order = OrderOf(expr);
    bool range_ok = !o.instant_only;
    auto parsed = promref::promql::ParseExpr(expr);
    if (parsed.ok()) {
      const auto t = (*parsed)->Type();
      if (t == promref::promql::ValueType::kMatrix || t == promref::promql::ValueType::kString)
        range_ok = false;
    }
    if (o.absolute_time) {
      // Fixed instants, independent of the dataset: 2023-11-14T22:13:20.234Z and two more.
      for (int64_t t : {1700000000234LL, 1709251199234LL, 951825600234LL}) {
        Exchange e = InstantExchange(expr, 0);
        e.name = "instant@" + std::to_string(t);
        for (auto& [k, v] : e.request.params) {
          if (k == "time") v = std::to_string(t / 1000) + "." + std::to_string(t % 1000);
        }
        c.exchanges.push_back(std::move(e));
      }
      if (range_ok) {
        Exchange e = RangeExchange(expr, 0, 0, 3600000);
        for (auto& [k, v] : e.request.params) {
          if (k == "start") v = "1709164800.234";
          if (k == "end") v = "1709337600.234";
        }
        c.exchanges.push_back(std::move(e));
      }
    } else {
      for (int64_t t : kInstantTimes) c.exchanges.push_back(InstantExchange(expr, t));
      if (range_ok) c.exchanges.push_back(RangeExchange(expr, kRangeStart, kRangeEnd, kRangeStep));
    }
    cases_.push_back(std::move(c));
  }

  // Staleness and the end of data: instants around the lookback's end and a range across it.
  void Staleness(const std::string& category, const std::string& expr) {
    if (!seen_.insert(expr).second) return;
    Case c;
    c.category = category;
    c.id = CaseId("promql", category + "|" + expr);
    c.seed = kSeed;
    c.since = "2.0";
    c.title = expr;
    c.expr = expr;
    c.order = OrderOf(expr);
    for (int64_t t : {50 * 60000 + 30234, 54 * 60000 + 10234, 55 * 60000 + 50234}) {
      c.exchanges.push_back(InstantExchange(expr, t));
    }
    c.exchanges.push_back(RangeExchange(expr, 40 * 60000 + 234, 58 * 60000 + 234, 30000));
    c.exchanges.push_back(RangeExchange(expr, 14 * 60000 + 234, 30 * 60000 + 234, 15000));
    cases_.push_back(std::move(c));
  }

  // An expression that must fail: one instant query is enough.
  void Error(const std::string& category, const std::string& expr) {
    if (!seen_.insert(expr).second) return;
    Case c;
    c.category = category;
    c.id = CaseId("promql", category + "|" + expr);
    c.seed = kSeed;
    c.since = "2.0";
    c.title = expr;
    c.expr = expr;
    c.exchanges.push_back(InstantExchange(expr, kInstantTimes[1]));
    cases_.push_back(std::move(c));
  }

  std::vector<Case> Take() { return std::move(cases_); }

 private:
  std::set<std::string> seen_;
  std::vector<Case> cases_;
};

Builder::Opts Ts() {
  Builder::Opts o;
  o.timestamp_values = true;
  return o;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// ---------------------------------------------------------------------------------------------

void Selectors(Builder& b) {
  const std::string cat = "promql/selectors";
  for (const char* s : {
           "pc_http_requests_total",
           "pc_http_requests_total{job=\"api\"}",
           "pc_http_requests_total{job!=\"api\"}",
           "pc_http_requests_total{job=~\"a.*\"}",
           "pc_http_requests_total{job!~\"a.*\"}",
           "pc_http_requests_total{job=~\"api|web\",code=\"500\"}",
           "pc_http_requests_total{job=\"api\",job!=\"web\"}",
           "pc_http_requests_total{method=~\"get\"}",
           "pc_http_requests_total{method=~\"(?i)get\"}",
           "pc_http_requests_total{instance=~\"host\"}",
           "pc_http_requests_total{instance=~\"host-.\"}",
           "pc_http_requests_total{instance=~\"host-[12]\",code!~\"5..\"}",
           "pc_http_requests_total{nonexistent=\"\"}",
           "pc_http_requests_total{nonexistent!=\"\"}",
           "pc_http_requests_total{nonexistent=~\".*\"}",
           "pc_http_requests_total{nonexistent=~\".+\"}",
           "pc_http_requests_total{job=\"\"}",
           "{__name__=\"pc_queue_length\"}",
           "{__name__=~\"pc_queue.*\"}",
           "{__name__=~\"pc_(ratio|up)\"}",
           "{__name__=~\"pc_temperature_celsius|pc_ratio\",instance=\"host-1\"}",
           "{__name__!=\"pc_up\",job=\"web\",__name__=~\"pc_.*\"}",
           "{job=\"web\",instance=\"host-3\"}",
           "{__name__=~\"pc_http_.*\",code=\"500\",method=\"POST\"}",
           "pc_temperature_celsius",
           "pc_temperature_celsius{location=\"outlet\"}",
           "pc_memory_usage_bytes",
           "pc_queue_length",
           "pc_ratio",
           "pc_up",
           "pc_special_values",
           "pc_special_values{kind=~\"nan|mixed_nan\"}",
           "pc_special_values{kind=~\"(neg_)?inf\"}",
           "pc_special_values{kind=~\"tiny|huge|small|large\"}",
           "pc_special_values{kind=~\"zero|neg_zero|negative\"}",
           "pc_build_info",
           "pc_instance_zone",
           "pc_event_timestamp_seconds",
           "pc_labels_edge",
           "pc_labels_edge{text=\"with space\"}",
           "pc_labels_edge{text=~\".*ü.*\"}",
           "pc_labels_edge{text=\"quote\\\"back\\\\slash\"}",
           "pc_labels_edge{text=~\"<.*>.*\"}",
           "pc_labels_edge{text=~\"/path/to\\\\?x=1&y=2\"}",
           "pc_request_duration_seconds_bucket{instance=\"host-1\"}",
           "pc_request_duration_seconds_bucket{le=\"+Inf\"}",
           "pc_request_duration_seconds_count",
           "pc_request_duration_seconds_sum",
           "pc_rpc_duration_seconds",
           "pc_rpc_duration_seconds{quantile=\"0.99\"}",
           "pc_broken_histogram_bucket",
           "pc_intermittent_total",
           "pc_flapping",
           "pc_short_lived",
           "pc_hc_requests_total{pod=\"pod-007\"}",
           "pc_hc_requests_total{pod=~\"pod-00.\",zone=\"b\"}",
           "pc_cpu_seconds_total{mode=\"idle\"}",
           "pc_cpu_seconds_total{instance=\"host-2\"}",
           "PC_UP",
           "pc_nonexistent_metric",
           "pc_nonexistent_metric{job=\"x\"}",
           "pc_up{job=\"api\"} # a comment",
       }) {
    b.Add(cat, s);
  }
  // Range selectors at the top of an instant query return the raw samples.
  for (const char* s :
       {"pc_queue_length{job=\"api\"}[1m]", "pc_ratio[2m]", "pc_flapping[5m]",
        "pc_special_values{kind=~\"nan|inf|neg_zero|small|large\"}[45s]", "pc_up{instance=\"host-3\"}[30s]",
        "pc_intermittent_total[3m]",
        "pc_http_requests_total{instance=\"host-2\",job=\"api\",method=\"GET\"}[2m]", "pc_short_lived[10m]",
        "pc_labels_edge[1m]", "pc_rpc_duration_seconds{service=\"db\"}[1m]"}) {
    b.Add(cat, s);
  }
}

void Modifiers(Builder& b) {
  const std::string cat = "promql/modifiers";
  const std::vector<std::string> sels = {"pc_queue_length", "pc_temperature_celsius{location=\"inlet\"}",
                                         "pc_flapping", "pc_short_lived", "pc_intermittent_total"};
  for (const auto& s : sels) {
    for (const char* off : {"1m", "10m", "30m", "1h", "-2m", "-10m", "90s", "1m30s"}) {
      b.Add(cat, s + " offset " + off);
    }
  }
  for (const char* e : {
           "rate(pc_http_requests_total[5m] offset 10m)",
           "rate(pc_http_requests_total[5m] offset -5m)",
           "sum(pc_queue_length offset 3m)",
           "sum by (job) (rate(pc_http_requests_total[2m] offset 1m))",
           "pc_queue_length - pc_queue_length offset 5m",
           "pc_queue_length offset 5m - pc_queue_length",
           "max_over_time(pc_temperature_celsius[10m] offset 7m)",
           "delta(pc_memory_usage_bytes[5m] offset 2m)",
           "pc_up offset 20m and pc_up",
           "count_over_time(pc_flapping[10m] offset 5m)",
           "timestamp(pc_queue_length offset 2m) - timestamp(pc_queue_length)",
       }) {
    b.Add(cat, e);
  }
  // @ with absolute times (inside the dataset, at .500 s) and with start()/end().
  for (const auto& s : sels) {
    for (const std::string at : {"${T+600.5}", "${T+1500.5}", "${T+2700.5}", "${T+100.5}", "${T+3500.5}"}) {
      b.Add(cat, s + " @ " + at);
    }
    b.Add(cat, s + " @ start()");
    b.Add(cat, s + " @ end()");
  }
  for (const char* e : {
           "rate(pc_http_requests_total[5m] @ ${T+1800.5})",
           "rate(pc_http_requests_total[5m] @ start())",
           "rate(pc_http_requests_total[5m] @ end())",
           "sum(pc_queue_length @ ${T+1200.5})",
           "pc_queue_length @ ${T+1200.5} offset 5m",
           "pc_queue_length offset 5m @ ${T+1200.5}",
           "pc_queue_length @ ${T+1200.5} offset -5m",
           "avg_over_time(pc_temperature_celsius[10m] @ end())",
           "avg_over_time(pc_temperature_celsius[10m] @ start() offset -10m)",
           "pc_queue_length - pc_queue_length @ start()",
           "pc_queue_length / pc_queue_length @ end()",
           "max_over_time(rate(pc_cpu_seconds_total[2m])[10m:1m] @ ${T+2400.5})",
           "max_over_time(rate(pc_cpu_seconds_total[2m])[10m:1m] @ end())",
           "sum_over_time(pc_queue_length[10m:30s] @ start())",
           "timestamp(pc_up @ ${T+900.5})",
           "pc_short_lived @ ${T+700.5} or pc_short_lived",
           "count(pc_flapping @ start())",
           "pc_up @ ${T-600.5}",
           "pc_up @ ${T+9000.5}",
       }) {
    if (std::string(e).find("timestamp(") == 0) {
      b.Add(cat, e, Ts());
    } else {
      b.Add(cat, e);
    }
  }
}

void MathFunctions(Builder& b) {
  const std::string cat = "promql/functions/math";
  const std::vector<std::string> inputs = {
      "pc_temperature_celsius",
      "pc_ratio",
      "pc_queue_length{job=\"api\"}",
      "pc_special_values",
      "pc_memory_usage_bytes{type=\"stack\"}",
      "pc_rpc_duration_seconds",
  };
  for (const char* f :
       {"abs",   "ceil", "floor", "exp",  "ln",    "log2", "log10", "sqrt", "sgn",  "deg", "rad", "acos",
        "acosh", "asin", "asinh", "atan", "atanh", "cos",  "cosh",  "sin",  "sinh", "tan", "tanh"}) {
    for (const auto& in : inputs) b.Add(cat, std::string(f) + "(" + in + ")");
    b.Add(cat, std::string(f) + "(rate(pc_cpu_seconds_total[5m]))");
    b.Add(cat, "sum by (instance) (" + std::string(f) + "(pc_temperature_celsius))");
    b.Add(cat, std::string(f) + "(vector(0.5))");
    b.Add(cat, std::string(f) + "(-pc_ratio)");
  }
  for (const auto& in : inputs) {
    for (const char* arg : {"", ", 1", ", 0.5", ", 10", ", 0.001", ", -3", ", 0"}) {
      b.Add(cat, "round(" + in + arg + ")");
    }
    b.Add(cat, "clamp(" + in + ", 0, 10)");
    b.Add(cat, "clamp(" + in + ", -1, 0.5)");
    b.Add(cat, "clamp_min(" + in + ", 0.3)");
    b.Add(cat, "clamp_max(" + in + ", 0.3)");
  }
  for (const char* e : {"clamp(pc_temperature_celsius, 30, 10)",
                        "clamp(pc_temperature_celsius, 10, 10)",
                        "clamp(pc_ratio, -Inf, +Inf)",
                        "clamp(pc_ratio, NaN, 1)",
                        "clamp_min(pc_ratio, NaN)",
                        "clamp_max(pc_special_values, -Inf)",
                        "round(pc_temperature_celsius, scalar(pc_ratio{instance=\"host-1\"}))",
                        "round(vector(2.5))",
                        "round(vector(-2.5))",
                        "round(vector(-0.5))",
                        "round(vector(1.5), 0.2)",
                        "exp(vector(710))",
                        "ln(vector(0))",
                        "sqrt(vector(-1))",
                        "pi()",
                        "pi() * 2",
                        "deg(vector(pi()))",
                        "rad(vector(180))",
                        "sgn(vector(-0.0))",
                        "abs(vector(-Inf))",
                        "atanh(vector(1))",
                        "acosh(vector(0.5))",
                        "floor(vector(-0.5))",
                        "ceil(vector(-0.5))"}) {
    b.Add(cat, e);
  }
}

void RangeFunctions(Builder& b) {
  const std::string cat = "promql/functions/range";
  const std::vector<std::string> counters = {
      "pc_http_requests_total",
      "pc_http_requests_total{job=\"api\",instance=\"host-2\"}",
      "pc_cpu_seconds_total",
      "pc_intermittent_total",
      "pc_request_duration_seconds_count",
      "pc_rpc_duration_seconds_sum",
  };
  const std::vector<std::string> gauges = {
      "pc_temperature_celsius", "pc_queue_length",    "pc_memory_usage_bytes", "pc_flapping",
      "pc_short_lived",         "pc_up{job=\"web\"}", "pc_special_values"};
  const std::vector<std::string> ranges = {"1m", "10m", "30m", "1h", "20s", "2m30s"};
  for (const char* f : {"rate", "irate", "increase", "resets"}) {
    for (const auto& c : counters) {
      for (const auto& r : ranges) b.Add(cat, std::string(f) + "(" + c + "[" + r + "])");
    }
  }
  for (const char* f : {"delta", "idelta", "deriv", "changes"}) {
    for (const auto& g : gauges) {
      if (std::string(f) == "deriv" && g == "pc_special_values") continue;  // ±Inf: 3.x answers NaN
      for (const char* r : {"1m", "10m", "30m"}) b.Add(cat, std::string(f) + "(" + g + "[" + r + "])");
    }
  }
  for (const char* f : {"avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
                        "last_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time"}) {
    for (const auto& g : gauges) {
      for (const char* r : {"1m", "30m"}) b.Add(cat, std::string(f) + "(" + g + "[" + r + "])");
    }
    b.Add(cat, std::string(f) + "(pc_http_requests_total{code=\"500\"}[10m])");
    b.Add(cat, std::string(f) + "(pc_nonexistent_metric[5m])");
  }
  for (const auto& g : gauges) {
    for (const char* q : {"0", "0.25", "0.5", "0.9", "1", "-0.5", "1.5"}) {
      b.Add(cat, std::string("quantile_over_time(") + q + ", " + g + "[10m])");
    }
  }
  b.Add(cat, "quantile_over_time(NaN, pc_queue_length[5m])");
  b.Add(cat, "quantile_over_time(scalar(pc_ratio{instance=\"host-1\"}), pc_queue_length[5m])");
  for (const char* g :
       {"pc_temperature_celsius", "pc_memory_usage_bytes", "pc_queue_length", "pc_cpu_seconds_total"}) {
    for (const char* args : {"[5m], 60", "[10m], 600", "[30m], 3600", "[10m], -300", "[5m], 0"}) {
      b.Add(cat, std::string("predict_linear(") + g + args + ")");
    }
    for (const char* args : {"[10m], 0.5, 0.5", "[5m], 0.1, 0.9", "[30m], 0.9, 0.1"}) {
      // holt_winters: 2.x only (renamed and made experimental in 3.0): see the versions suite.
      (void)args;
    }
  }
  for (const char* e : {
           "absent_over_time(pc_queue_length[5m])",
           "absent_over_time(pc_nonexistent_metric[5m])",
           "absent_over_time(pc_nonexistent_metric{job=\"a\",instance=~\"x.*\"}[5m])",
           "absent_over_time(pc_flapping{instance=\"host-2\"}[1m])",
           "absent_over_time(pc_short_lived{pod=\"pod-1\"}[2m])",
           "absent_over_time(pc_intermittent_total{instance=\"host-1\"}[1m])",
           "rate(pc_hc_requests_total{zone=\"c\",pod=~\"pod-0[0-4].\"}[5m])",
           "sum(rate(pc_hc_requests_total[5m]))",
           "sum by (zone) (increase(pc_hc_requests_total[10m]))",
           "rate(pc_http_requests_total[5m]) * 60",
           "increase(pc_http_requests_total{job=\"api\",instance=\"host-2\",code=\"200\"}[15m])",
           "resets(pc_http_requests_total{job=\"api\"}[30m])",
           "changes(pc_up[30m])",
           "changes(pc_special_values[5m])",
           "last_over_time(pc_flapping[1m])",
           "present_over_time(pc_short_lived[10m])",
           "count_over_time(pc_special_values[2m])",
       }) {
    b.Add(cat, e);
  }
}

void LabelFunctions(Builder& b) {
  const std::string cat = "promql/functions/labels";
  for (
      const char* e : {
          R"q(label_replace(pc_up, "foo", "$1", "instance", "host-(.*)"))q",
          R"q(label_replace(pc_up, "instance", "$1", "instance", "host-(.*)"))q",
          R"q(label_replace(pc_up, "foo", "bar", "instance", ".*"))q",
          R"q(label_replace(pc_up, "foo", "$1-$2", "instance", "(host)-(\\d)"))q",
          R"q(label_replace(pc_up, "foo", "${1}x", "job", "(.*)"))q",
          R"q(label_replace(pc_up, "foo", "$name", "job", "(?P<name>a.*)"))q",
          R"q(label_replace(pc_up, "foo", "$1", "nonexistent", "(.*)"))q",
          R"q(label_replace(pc_up, "foo", "$1", "nonexistent", "(.+)"))q",
          R"q(label_replace(pc_up, "job", "", "job", ".*"))q",
          R"q(label_replace(pc_up, "job", "$1", "job", "x(.*)"))q",
          R"q(label_replace(pc_up, "foo", "$1", "job", "ap"))q",
          R"q(label_replace(pc_up, "__name__", "renamed", "job", ".*"))q",
          R"q(label_replace(rate(pc_http_requests_total[5m]), "__name__", "rate_of_requests", "", ""))q",
          R"q(label_replace(pc_labels_edge, "t", "[$1]", "text", "(.*)"))q",
          R"q(label_replace(pc_up, "instance", "same", "instance", ".*"))q",
          R"q(label_replace(pc_up{job="api"}, "job", "web", "job", "api") or pc_up)q",
          R"q(label_join(pc_up, "foo", ",", "job", "instance"))q",
          R"q(label_join(pc_up, "foo", "", "job", "instance"))q",
          R"q(label_join(pc_up, "foo", "-"))q",
          R"q(label_join(pc_up, "job", "-"))q",
          R"q(label_join(pc_up, "foo", "::", "job", "job", "instance"))q",
          R"q(label_join(pc_up, "foo", "-", "nonexistent", "job"))q",
          R"q(label_join(pc_up, "instance", "/", "instance", "job"))q",
          R"q(label_join(pc_http_requests_total, "id", "_", "job", "instance", "method", "code"))q",
          R"q(label_join(pc_labels_edge, "copy", "|", "text", "text"))q",
          R"q(label_join(pc_up, "__name__", "", "job"))q",
          R"q(sum by (foo) (label_replace(pc_up, "foo", "$1", "instance", "host-(\\d)")))q",
          R"q(label_replace(pc_up, "instance", "x", "job", ".*"))q",
          R"q(label_replace(pc_up, "foo", "$1", "instance", "host-(.*)") * on(foo) group_left label_replace(pc_ratio, "foo", "$1", "instance", "host-(.*)"))q",
      }) {
    b.Add(cat, e);
  }
}

void TimeFunctions(Builder& b) {
  const std::string cat = "promql/functions/time";
  for (const char* f :
       {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"}) {
    b.Add(cat, std::string(f) + "(pc_event_timestamp_seconds)");
    b.Add(cat, std::string(f) + "(pc_event_timestamp_seconds{event=\"leap_day\"} + 86400)");
    b.Add(cat, std::string(f) + "(vector(1700000000))");
    b.Add(cat, std::string(f) + "(vector(-1))");
    // Without an argument the function reads the evaluation time: fixed instants, no data.
    Builder::Opts abs;
    abs.absolute_time = true;
    b.Add(cat, std::string(f) + "()", abs);
    b.Add(cat, std::string(f) + "(vector(time()))", abs);
  }
  Builder::Opts abs_ts;
  abs_ts.absolute_time = true;
  abs_ts.timestamp_values = true;
  b.Add(cat, "time()", Ts());
  b.Add(cat, "vector(time())", Ts());
  b.Add(cat, "time() + 60", Ts());
  b.Add(cat, "vector(time()) - 3600", Ts());
  b.Add(cat, "timestamp(pc_queue_length)", Ts());
  b.Add(cat, "timestamp(pc_flapping)", Ts());
  b.Add(cat, "timestamp(pc_short_lived)", Ts());
  b.Add(cat, "timestamp(pc_up offset 5m)", Ts());
  b.Add(cat, "timestamp(sum(pc_up))", Ts());
  b.Add(cat, "timestamp(pc_queue_length * 1)", Ts());
  b.Add(cat, "timestamp(vector(1))", Ts());
  b.Add(cat, "time()", abs_ts);  // deduplicated by text: kept in the relative form above
  for (const char* e : {"time() - timestamp(pc_queue_length)", "time() - timestamp(pc_flapping) > 20",
                        "timestamp(pc_short_lived) - timestamp(pc_short_lived offset 30s)",
                        "day_of_week(pc_event_timestamp_seconds) * hour(pc_event_timestamp_seconds)",
                        "month(pc_event_timestamp_seconds{event=\"before_epoch\"})",
                        "year(pc_event_timestamp_seconds{event=\"far_future\"})",
                        "days_in_month(vector(951782400))", "day_of_year(vector(1609372800))"}) {
    b.Add(cat, e);
  }
}

void OtherFunctions(Builder& b) {
  const std::string cat = "promql/functions/misc";
  for (const char* e : {
           "vector(1)",
           "vector(-1.5)",
           "vector(scalar(pc_ratio{instance=\"host-2\"}))",
           "vector(pi())",
           "scalar(pc_ratio{instance=\"host-2\"})",
           "scalar(pc_ratio)",
           "scalar(pc_nonexistent_metric)",
           "scalar(sum(pc_queue_length))",
           "scalar(vector(3)) * 2",
           "sort(pc_temperature_celsius)",
           "sort_desc(pc_temperature_celsius)",
           "sort(pc_queue_length)",
           "sort_desc(pc_queue_length)",
           "sort(pc_special_values)",
           "sort_desc(pc_special_values)",
           "sort(rate(pc_http_requests_total[5m]))",
           "sort_desc(sum by (instance) (rate(pc_http_requests_total[5m])))",
           "sort(pc_nonexistent_metric)",
           "sort_desc(pc_memory_usage_bytes)",
           "sort(-pc_ratio)",
           "absent(pc_queue_length)",
           "absent(pc_nonexistent_metric)",
           "absent(pc_nonexistent_metric{job=\"myjob\"})",
           "absent(pc_nonexistent_metric{job=\"myjob\",instance=~\".*\"})",
           "absent(pc_nonexistent_metric{job=\"a\",job=\"b\"})",
           "absent(pc_nonexistent_metric{job!=\"a\",env=\"prod\"})",
           "absent(sum(pc_nonexistent_metric))",
           "absent(pc_queue_length{job=\"nope\"})",
           "absent(rate(pc_nonexistent_metric[5m]))",
           "absent(pc_flapping{instance=\"host-2\"})",
           "absent(pc_short_lived{pod=\"pod-3\"})",
           "absent(vector(1))",
           "histogram_count(pc_request_duration_seconds_bucket)",
           "histogram_sum(pc_request_duration_seconds_bucket)",
           "histogram_fraction(0, 0.1, pc_request_duration_seconds_bucket) or vector(7)",
       }) {
    b.Add(cat, e);
  }
}

void HistogramFunctions(Builder& b) {
  const std::string cat = "promql/functions/histograms";
  const std::vector<std::string> inputs = {
      "rate(pc_request_duration_seconds_bucket[5m])",
      "sum by (le) (rate(pc_request_duration_seconds_bucket[5m]))",
      "sum by (le, instance) (rate(pc_request_duration_seconds_bucket[10m]))",
      "pc_request_duration_seconds_bucket",
      "sum without (instance) (increase(pc_request_duration_seconds_bucket[30m]))",
      "pc_broken_histogram_bucket",
      "rate(pc_request_duration_seconds_bucket{le=~\"0.1|1|\\\\+Inf\"}[5m])",
      "rate(pc_request_duration_seconds_bucket{le!=\"+Inf\"}[5m])",
  };
  for (const auto& in : inputs) {
    for (const char* q : {"0", "0.1", "0.5", "0.9", "0.99", "1", "-0.5", "1.5", "NaN"}) {
      b.Add(cat, std::string("histogram_quantile(") + q + ", " + in + ")");
    }
  }
  for (const char* e : {
           "histogram_quantile(0.9, rate(pc_request_duration_seconds_bucket{le=\"+Inf\"}[5m]))",
           "histogram_quantile(0.9, pc_rpc_duration_seconds)",
           "histogram_quantile(scalar(pc_ratio{instance=\"host-3\"}), pc_request_duration_seconds_bucket)",
           "histogram_quantile(0.5, label_replace(pc_request_duration_seconds_bucket, \"le\", \"x\", \"le\", "
           "\"0.5\"))",
           "rate(pc_request_duration_seconds_sum[5m]) / rate(pc_request_duration_seconds_count[5m])",
           "sum(rate(pc_request_duration_seconds_sum[5m])) / "
           "sum(rate(pc_request_duration_seconds_count[5m]))",
           "rate(pc_rpc_duration_seconds_sum[5m]) / rate(pc_rpc_duration_seconds_count[5m])",
           "max by (service) (pc_rpc_duration_seconds)",
           "pc_rpc_duration_seconds{quantile=\"0.9\"} > 0.05",
           "sum by (le) (pc_request_duration_seconds_bucket) / ignoring(le) group_left "
           "sum(pc_request_duration_seconds_count)",
       }) {
    b.Add(cat, e);
  }
}

void Operators(Builder& b) {
  const std::string arith = "promql/operators/arithmetic";
  const std::string cmp = "promql/operators/comparison";
  const std::string set = "promql/operators/set";
  const std::string match = "promql/operators/matching";
  const char* ops[] = {"+", "-", "*", "/", "%", "^", "atan2"};
  const std::vector<std::string> vecs = {"pc_temperature_celsius", "pc_queue_length", "pc_special_values",
                                         "rate(pc_cpu_seconds_total[5m])"};
  for (const char* op : ops) {
    const std::string o = op;
    for (const auto& v : vecs) {
      for (const char* s : {"2", "-1.5", "0", "NaN"}) {
        b.Add(arith, v + " " + o + " " + s);
        b.Add(arith, std::string(s) + " " + o + " " + v);
      }
    }
    for (const char* pair : {"3, 2", "-7, 3", "2, 0", "0, 0", "-2, 0.5", "Inf, 2", "1e308, 10", "-0, 1"}) {
      std::string p = pair;
      const std::string l = p.substr(0, p.find(',')), r = p.substr(p.find(',') + 2);
      b.Add(arith, l + " " + o + " " + r);
    }
    // Vector matching, each mode.
    b.Add(match, "pc_temperature_celsius{location=\"inlet\"} " + o +
                     " ignoring(location) pc_temperature_celsius{location=\"outlet\"}");
    b.Add(match, "pc_memory_usage_bytes{type=\"heap\"} " + o +
                     " on(instance) pc_memory_usage_bytes{type=\"stack\"}");
    b.Add(match, "pc_cpu_seconds_total{mode=\"user\"} " + o +
                     " ignoring(mode) pc_cpu_seconds_total{mode=\"system\"}");
    b.Add(match, "pc_queue_length " + o + " pc_up");
    b.Add(match, "pc_queue_length " + o + " on(job, instance) pc_up");
    b.Add(match, "pc_temperature_celsius " + o + " on(instance) group_left pc_ratio");
    b.Add(match, "pc_temperature_celsius " + o + " on(instance) group_left(version) pc_build_info");
    b.Add(match, "pc_ratio " + o + " on(instance) group_right pc_temperature_celsius");
    b.Add(match, "pc_build_info " + o + " on(instance) group_right(version, revision) pc_memory_usage_bytes");
    b.Add(match, "rate(pc_http_requests_total[5m]) " + o + " on(job, instance) group_left pc_up");
    b.Add(match,
          "rate(pc_http_requests_total[5m]) " + o + " ignoring(method, code) group_left pc_queue_length");
    b.Add(match, "pc_queue_length " + o + " ignoring(job) group_right(job) rate(pc_http_requests_total[5m])");
  }
  for (const char* e : {
           "1 + 2 * 3",
           "(1 + 2) * 3",
           "2 ^ 3 ^ 2",
           "(2 ^ 3) ^ 2",
           "-2 ^ 2",
           "2 ^ -1",
           "-2 ^ -2",
           "1 - -1",
           "10 % 3 * 2",
           "1 + 2 * 3 ^ 2 ^ 0.5",
           "-pc_temperature_celsius",
           "+pc_queue_length",
           "-(-pc_ratio)",
           "- - pc_ratio",
           "-vector(1)",
           "-(1)",
           "2 * -pc_ratio ^ 2",
           "pc_ratio * 2 + 1 - pc_ratio / 4",
           "atan2(pc_ratio, 1)",
           "pc_ratio atan2 pc_ratio",
           "pc_memory_usage_bytes / 1024 / 1024",
           "pc_special_values * 0",
           "pc_special_values / 0",
           "pc_special_values - pc_special_values",
           "pc_special_values % 0",
           "pc_special_values ^ 0",
           "0 / pc_special_values",
           "pc_temperature_celsius % -7",
           "pc_temperature_celsius ^ 0.5",
       }) {
    // Bare two-argument atan2(a, b) is not a function: an error case.
    if (std::string(e).rfind("atan2(", 0) == 0) {
      b.Error("promql/errors", e);
    } else {
      b.Add(arith, e);
    }
  }
  // Comparisons.
  for (const char* op : {"==", "!=", ">", "<", ">=", "<="}) {
    const std::string o = op;
    for (const auto& v : vecs) {
      for (const char* s : {"10", "0", "NaN"}) {
        b.Add(cmp, v + " " + o + " " + s);
        b.Add(cmp, std::string(s) + " " + o + " " + v);
        b.Add(cmp, v + " " + o + " bool " + s);
      }
    }
    b.Add(cmp, "1 " + o + " bool 2");
    b.Add(cmp, "2 " + o + " bool 2");
    b.Add(cmp, "NaN " + o + " bool NaN");
    b.Error("promql/errors", "1 " + o + " 2");
    b.Add(cmp, "pc_queue_length " + o + " pc_queue_length offset 1m");
    b.Add(cmp, "pc_queue_length " + o + " bool pc_queue_length offset 1m");
    b.Add(cmp, "pc_temperature_celsius{location=\"inlet\"} " + o +
                   " ignoring(location) pc_temperature_celsius{location=\"outlet\"}");
    b.Add(cmp, "pc_temperature_celsius " + o + " on(instance) group_left pc_ratio * 30");
    b.Add(cmp, "pc_ratio " + o + " bool on(instance) group_right pc_temperature_celsius");
    b.Add(cmp, "pc_up " + o + " bool on(job, instance) pc_queue_length");
  }
  b.Add(cmp, "pc_queue_length > 5 < 15");
  b.Add(cmp, "pc_queue_length > bool 5 == bool 1");
  b.Add(cmp, "pc_up == 0");
  b.Add(cmp, "count(pc_up == 1)");
  // Set operators.
  for (const char* op : {"and", "or", "unless"}) {
    const std::string o = op;
    for (const char* pair : {
             "pc_queue_length|pc_up",
             "pc_queue_length{job=\"api\"}|pc_queue_length{instance=\"host-1\"}",
             "pc_temperature_celsius|pc_ratio",
             "pc_short_lived|pc_flapping",
             "pc_up == 1|pc_queue_length > 5",
             "pc_nonexistent_metric|pc_ratio",
             "pc_ratio|pc_nonexistent_metric",
             "rate(pc_http_requests_total[5m])|pc_up",
         }) {
      std::string p = pair;
      const std::string l = p.substr(0, p.find('|')), r = p.substr(p.find('|') + 1);
      b.Add(set, l + " " + o + " " + r);
      b.Add(set, l + " " + o + " on(instance) " + r);
      b.Add(set, l + " " + o + " ignoring(job) " + r);
    }
    b.Add(set, "pc_queue_length " + o + " on() pc_ratio");
    b.Add(set, "pc_temperature_celsius " + o + " on(instance, location) pc_temperature_celsius offset 10m");
    b.Error("promql/errors", "pc_up " + o + " 1");
    b.Error("promql/errors", "1 " + o + " pc_up");
    b.Error("promql/errors", "pc_up " + o + " on(instance) group_left pc_ratio");
  }
  for (const char* e :
       {"pc_up or pc_queue_length and pc_ratio", "(pc_up or pc_queue_length) and pc_ratio",
        "pc_up unless pc_queue_length or pc_ratio", "pc_queue_length > 3 and pc_queue_length < 10",
        "pc_ratio and pc_ratio > 0.5 or pc_ratio * 0", "pc_up AND pc_queue_length", "vector(1) or vector(2)",
        "vector(1) and vector(2)", "vector(1) unless vector(2)"}) {
    b.Add(set, e);
  }
  // Matching errors at run time (422).
  for (const char* e : {
           "pc_temperature_celsius + on(instance) pc_memory_usage_bytes",
           "pc_temperature_celsius + on(instance) group_left pc_memory_usage_bytes",
           "pc_http_requests_total + ignoring(code) pc_http_requests_total",
           "pc_temperature_celsius * on(instance) group_right pc_memory_usage_bytes",
           "pc_queue_length + on(instance) group_left pc_up",
           "sum by (instance) (pc_up) + on() group_left sum by (job) (pc_up)",
       }) {
    b.Error("promql/errors", e);
  }
}

void Aggregations(Builder& b) {
  const std::string cat = "promql/aggregations";
  const std::vector<std::string> inputs = {
      "pc_temperature_celsius", "pc_queue_length",      "rate(pc_http_requests_total[5m])",
      "pc_special_values",      "pc_hc_requests_total", "pc_flapping",
      "pc_memory_usage_bytes",
  };
  const std::vector<std::string> groupings = {"",
                                              " by (instance)",
                                              " by (job)",
                                              " without (instance)",
                                              " by (job, instance)",
                                              " without (job, instance, method, code, location, type, kind)",
                                              " by (__name__)",
                                              " by (nonexistent)",
                                              " without ()",
                                              " by (zone)"};
  for (const char* op : {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"}) {
    for (const auto& in : inputs) {
      for (const auto& g : groupings) {
        if (in == "pc_hc_requests_total" && g != "" && g != " by (zone)") continue;
        if (in != "pc_hc_requests_total" && g == " by (zone)") continue;
        b.Add(cat, std::string(op) + g + " (" + in + ")");
      }
      // The high-cardinality family folded over its pods (its answers stay small: the fixtures
      // must stay under 1 MiB).
      if (in == "pc_hc_requests_total") b.Add(cat, std::string(op) + " without (pod) (" + in + ")");
    }
    b.Add(cat, std::string(op) + "(pc_nonexistent_metric)");
    b.Add(cat, std::string(op) + "(vector(1))");
    b.Add(cat, std::string(op) + " (pc_queue_length) by (job)");
  }
  for (const char* op : {"topk", "bottomk"}) {
    for (const char* k :
         {"1", "2", "3", "0", "-1", "100", "2.9", "scalar(pc_ratio{instance=\"host-1\"}) * 4"}) {
      for (const char* in : {"pc_temperature_celsius", "pc_queue_length", "rate(pc_http_requests_total[5m])",
                             "pc_special_values"}) {
        b.Add(cat, std::string(op) + "(" + k + ", " + in + ")");
      }
    }
    for (const char* g : {" by (instance)", " by (job)", " without (instance)", " by (zone)"}) {
      const char* in = std::string(g) == " by (zone)" ? "pc_hc_requests_total" : "pc_queue_length";
      b.Add(cat, std::string(op) + g + " (2, " + in + ")");
    }
    b.Add(cat, std::string(op) + " by (job) (1, rate(pc_http_requests_total[5m]))");
    b.Add(cat, std::string(op) + "(5, pc_hc_requests_total)");
  }
  for (const char* q : {"0", "0.5", "0.9", "1", "-1", "2", "NaN", "0.25"}) {
    for (const char* in : {"pc_temperature_celsius", "pc_queue_length", "pc_special_values",
                           "rate(pc_http_requests_total[5m])"}) {
      b.Add(cat, std::string("quantile(") + q + ", " + in + ")");
    }
    b.Add(cat, std::string("quantile by (job) (") + q + ", pc_queue_length)");
    b.Add(cat, std::string("quantile without (pod) (") + q + ", pc_hc_requests_total)");
  }
  for (const char* e : {
           "count_values(\"value\", pc_queue_length)",
           "count_values by (job) (\"value\", pc_queue_length)",
           "count_values without (instance) (\"v\", pc_up)",
           "count_values(\"value\", pc_special_values)",
           "count_values(\"value\", pc_ratio)",
           "count_values(\"job\", pc_queue_length)",
           "count_values(\"value\", pc_build_info)",
           "count_values(\"value\", round(pc_temperature_celsius))",
           "count_values(\"version\", pc_build_info)",
           "sum(count_values(\"value\", pc_queue_length))",
           "avg(pc_queue_length) by (job)",
           "sum(pc_queue_length) without (instance)",
           "SUM(pc_queue_length)",
           "sum by (job,) (pc_queue_length)",
           "sum(sum by (job) (pc_queue_length))",
           "max(min by (instance) (pc_temperature_celsius))",
           "count(count by (job) (pc_http_requests_total))",
           "sum(rate(pc_http_requests_total[5m])) by (code) / ignoring(code) group_left "
           "sum(rate(pc_http_requests_total[5m]))",
           "avg(pc_special_values{kind=~\"huge|large\"})",
           "sum(pc_special_values{kind=~\"tiny|zero|neg_zero\"})",
           "stddev(pc_special_values{kind=~\"inf|zero\"})",
           "min(pc_special_values{kind=~\"nan|negative\"})",
           "max(pc_special_values{kind=~\"nan|mixed_nan\"})",
           "group by (zone) (pc_hc_requests_total)",
           "count by (zone) (rate(pc_hc_requests_total[5m]) > 0.2)",
           "topk(3, sum by (pod) (rate(pc_hc_requests_total[10m])))",
           "bottomk(2, max by (instance) (pc_memory_usage_bytes))",
           "quantile(0.5, sum by (instance) (pc_memory_usage_bytes))",
       }) {
    b.Add(cat, e);
  }
}

void Subqueries(Builder& b) {
  const std::string cat = "promql/subqueries";
  for (const char* e : {
           "max_over_time(rate(pc_http_requests_total[5m])[10m:1m])",
           "min_over_time(rate(pc_http_requests_total[2m])[30m:30s])",
           "avg_over_time(pc_temperature_celsius[15m:30s])",
           "avg_over_time(pc_temperature_celsius[15m:1m])",
           "sum_over_time(pc_queue_length[10m:15s])",
           "count_over_time(pc_queue_length[10m:20s])",
           "count_over_time(pc_flapping[10m:15s])",
           "count_over_time(pc_short_lived[20m:1m])",
           "last_over_time(pc_flapping[5m:10s])",
           "max_over_time(sum(pc_queue_length)[20m:5m])",
           "max_over_time(sum(pc_queue_length)[20m:5m] offset 5m)",
           "max_over_time(sum(pc_queue_length)[20m:5m] offset -5m)",
           "rate(sum(pc_http_requests_total)[10m:1m])",
           "rate(pc_http_requests_total{job=\"api\",method=\"GET\"}[5m:15s])",
           "increase(pc_cpu_seconds_total{mode=\"user\"}[10m:30s])",
           "deriv(pc_memory_usage_bytes[10m:1m])",
           "delta(pc_temperature_celsius[10m:1m])",
           "changes(pc_queue_length[10m:30s])",
           "resets(pc_http_requests_total{job=\"api\",instance=\"host-2\"}[30m:1m])",
           "stddev_over_time(rate(pc_cpu_seconds_total[1m])[15m:15s])",
           "quantile_over_time(0.9, rate(pc_http_requests_total[1m])[20m:1m])",
           "predict_linear(pc_memory_usage_bytes[20m:1m], 600)",
           "present_over_time(pc_short_lived[30m:5m])",
           "absent_over_time(pc_nonexistent_metric[5m:1m])",
           "absent_over_time(pc_queue_length[5m:1m])",
           "max_over_time(max_over_time(pc_temperature_celsius[5m:30s])[20m:1m])",
           "avg_over_time(rate(pc_http_requests_total[5m])[30m:5m:])",
           "sum_over_time(avg_over_time(pc_ratio[2m:20s])[10m:1m])",
           "max_over_time(deriv(rate(pc_cpu_seconds_total[2m])[5m:30s])[10m:1m])",
           "avg_over_time((pc_queue_length > 5)[10m:30s])",
           "max_over_time((pc_up == 0)[30m:1m])",
           "count_over_time((pc_up == bool 0)[30m:1m])",
           "min_over_time(-pc_temperature_celsius[10m:10s])",
           "max_over_time(pc_queue_length[10m:1m] @ ${T+1800.5})",
           "max_over_time(pc_queue_length[10m:1m] @ end())",
           "max_over_time(pc_queue_length @ ${T+1800.5}[10m:1m])",
           "sum_over_time(vector(1)[5m:1m])",
           "sum_over_time(vector(time())[2m:1m]) - 2 * time()",
           "avg_over_time(scalar(pc_ratio{instance=\"host-1\"})[5m:30s])",
           "last_over_time(rate(pc_http_requests_total[5m])[10m:1m])",
           "rate(pc_hc_requests_total{zone=\"d\",pod=~\"pod-1[0-3].\"}[10m:1m])",
           "sum(max_over_time(pc_hc_requests_total[10m:5m])) by (zone)",
       }) {
    b.Add(cat, e);
  }
  // Subqueries at the top of an instant query return the inner steps.
  for (const char* e :
       {"pc_queue_length{job=\"api\"}[5m:1m]",
        "rate(pc_http_requests_total{job=\"web\",code=\"200\"}[5m])[10m:5m]", "sum(pc_queue_length)[15m:30s]",
        "pc_flapping[20m:5m] offset 5m", "vector(1)[3m:1m]"}) {
    b.Add(cat, e);
  }
}

void Literals(Builder& b) {
  const std::string cat = "promql/literals";
  for (const char* e :
       {"1",         "-1",         "1.5",         ".5",        "5.",
        "1e3",       "1E-3",       "1e-7",        "1e21",      "1.7976931348623157e308",
        "4.9e-324",  "0x1F",       "0Xff",        "010",       "017",
        "019",       "Inf",        "-Inf",        "+Inf",      "NaN",
        "nan",       "inf",        "-0",          "0",         "123456789012345678901234567890",
        "0.1 + 0.2", "1/3",        "2^0.5",       "3 % 2",     "-3 % 2",
        "5.5 % -2",  "1e308 * 10", "-1e308 * 10", "Inf - Inf", "NaN == NaN",
        "(((1)))",   "((1 + 2))"}) {
    b.Add(cat, e);
  }
  for (const char* e : {R"("a string")", R"('single quoted')", "`raw \\n string`",
                        R"("escapes: \n\t\"\\ \x41\u00e9\101")", R"("")", R"("ünïcødé")"}) {
    b.Add(cat, e);
  }
}

void Staleness(Builder& b) {
  const std::string cat = "promql/staleness";
  for (const char* e : {"pc_flapping", "pc_short_lived", "pc_intermittent_total", "pc_up{job=\"web\"}",
                        "pc_queue_length", "sum(pc_queue_length)", "count(pc_short_lived)",
                        "rate(pc_http_requests_total{job=\"api\"}[5m])", "last_over_time(pc_flapping[10m])",
                        "rate(pc_intermittent_total[5m])", "increase(pc_intermittent_total[2m])",
                        "count_over_time(pc_flapping[2m])", "timestamp(pc_flapping) - time()",
                        "absent(pc_flapping{instance=\"host-2\"})", "pc_flapping offset 5m",
                        "avg_over_time(pc_short_lived[3m])", "pc_hc_requests_total{pod=\"pod-042\"}"}) {
    b.Staleness(cat, e);
  }
}

void Errors(Builder& b) {
  const std::string cat = "promql/errors";
  for (const char* e : {
           "",
           "sum(",
           "sum(pc_up",
           "pc_up{",
           "pc_up{job=}",
           "pc_up{job=\"a\"",
           "rate(pc_up)",
           "rate(pc_up[5m]",
           "pc_up[5m",
           "pc_up[5]m",
           "pc_up[-5m]",
           "pc_up[0s]",
           "pc_up offset",
           "pc_up @",
           "pc_up @ foo()",
           "{}",
           "{job=~\".*\"}",
           "{job=\"\"}",
           "pc_up{job=~\"(\"}",
           "pc_up{job=~\"[\"}",
           "unknown_function(pc_up)",
           "Rate(pc_up[5m])",
           "rate(pc_up[5m], 1)",
           "rate()",
           "histogram_quantile(pc_up)",
           "abs(pc_up, pc_up)",
           "round(pc_up, 1, 2)",
           "label_replace(pc_up, \"a\", \"b\", \"c\")",
           "label_join(pc_up)",
           "label_replace(pc_up, \"foo\", \"$1\", \"instance\", \"(\")",
           "sum by (job) pc_up",
           "sum pc_up",
           "topk(pc_up)",
           "topk(pc_up, 2)",
           "quantile(pc_up)",
           "count_values(pc_up)",
           "count_values(\"\", pc_up)",
           "sum(pc_up) offset 5m",
           "(pc_up) offset 5m",
           "rate(pc_up[5m]) offset 5m",
           "pc_up offset 5m offset 5m",
           "pc_up @ 100 @ 200",
           "pc_up[5m] @ start() @ end()",
           "sum(rate(pc_up[5m]))[5m]",
           "pc_up[5m][5m]",
           "(pc_up[5m])",
           "-pc_up[5m]",
           "pc_up[5m] + 1",
           "pc_up + pc_up[5m]",
           "\"a\" + 1",
           "sum(\"a\")",
           "abs(\"a\")",
           "vector(pc_up)",
           "scalar(pc_up[5m])",
           "time(1)",
           "pc_up == bool",
           "pc_up + bool pc_up",
           "1 + bool 2",
           "pc_up and bool pc_up",
           "pc_up + on(job) group_left(job) pc_up",
           "pc_up{job=\"a\"}{job=\"b\"}",
           "pc_up{__name__=\"x\"}",
           "0x1p3",
           "1.5m",
           "pc_up[1.5m]",
           "pc_up[5m:1m:1m]",
           "max_over_time(pc_up[5m:-1m])",
           "pc_up @ Inf",
           "pc_up @ NaN",
           "pc_up offset 1y2y",
           "\"unterminated",
           "'mixed\"",
           "$",
           "pc_up[5m] offset 1m offset 1m",
           "on",
           "bool",
           "sum by",
       }) {
    b.Error(cat, e);
  }
}

// Prometheus 3.x's UTF-8 syntax: quoted metric and label names in selectors, grouping and
// matching. 2.42 refuses it (its answer is recorded too, so a target claiming 2.42 that accepts it
// answers as the other version).
void Utf8Syntax(Builder& b) {
  const std::string cat = "promql/utf8_syntax";
  Builder::Opts v3;
  v3.since = "3.0";
  for (const char* e : {
           R"({"pc_http_requests_total"})",
           R"({"pc_http_requests_total", job="api"})",
           R"(pc_http_requests_total{"job"="api", "code"=~"5.."})",
           R"({__name__="pc_http_requests_total", "method"="get"})",
           R"(sum by ("job") (pc_http_requests_total))",
           R"(sum without ("instance", "code") ({"pc_http_requests_total"}))",
           R"(rate({"pc_http_requests_total"}[5m]))",
           R"(pc_up * on ("instance", "job") pc_up)",
           R"(count by ("job") ({"pc_up"}))",
       }) {
    b.Add(cat, e, v3);
  }
}

}  // namespace

std::vector<Case> BuildPromqlSuite() {
  Builder b;
  Selectors(b);
  Modifiers(b);
  MathFunctions(b);
  RangeFunctions(b);
  LabelFunctions(b);
  TimeFunctions(b);
  OtherFunctions(b);
  HistogramFunctions(b);
  Operators(b);
  Aggregations(b);
  Subqueries(b);
  Literals(b);
  Staleness(b);
  Utf8Syntax(b);
  std::vector<Case> cases = b.Take();
  Builder errors;
  Errors(errors);
  for (auto& c : errors.Take()) cases.push_back(std::move(c));
  // Range queries over expressions that are not instant vectors or scalars: 400.
  for (const char* e :
       {"pc_up[5m]", "\"a string\"", "rate(pc_up[5m])[10m:1m]", "pc_queue_length[1m] offset 1m"}) {
    Case c;
    c.category = "promql/errors";
    c.id = CaseId("promql", "range-type|" + std::string(e));
    c.seed = kSeed;
    c.since = "2.0";
    c.title = std::string(e) + " (range query)";
    c.expr = e;
    c.exchanges.push_back(RangeExchange(e, kRangeStart, kRangeEnd, kRangeStep));
    cases.push_back(std::move(c));
  }
  (void)Replace;
  return cases;
}

}  // namespace promconform
