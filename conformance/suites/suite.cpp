#include "suites/suite.h"

#include <cstdio>

#include "promql/ast.h"
#include "promql/parser.h"

namespace promconform {

std::vector<Case> BuildSuite() {
  std::vector<Case> all;
  for (auto build : {BuildPromqlSuite, BuildNativeHistogramSuite, BuildVersionSuite, BuildApiSuite,
                     BuildRemoteWriteSuite, BuildFrontDoorSuite}) {
    for (auto& c : build()) all.push_back(std::move(c));
  }
  return all;
}

const Dataset& SuiteDataset() {
  static const Dataset d = [] {
    Dataset out = StandardDataset();
    AddScenarioSeries(out, VersionScenarioSeries());
    return out;
  }();
  return d;
}

namespace suite_util {

std::string CaseId(const std::string& prefix, const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(h ^ (h >> 32)));
  return prefix + "." + buf;
}

Exchange InstantExchange(const std::string& expr, int64_t t_ms) {
  Exchange e;
  e.name = "instant at " + RelText(t_ms);
  e.request.method = "GET";
  e.request.path = "/api/v1/query";
  e.request.params = {{"query", expr}, {"time", RelTime(t_ms)}};
  e.mode = NormalizeMode::kQuery;
  return e;
}

Exchange RangeExchange(const std::string& expr, int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  Exchange e;
  e.name = "range " + RelText(start_ms) + ".." + RelText(end_ms) + " step " + RelText(step_ms);
  e.request.method = "POST";
  e.request.form = true;
  e.request.path = "/api/v1/query_range";
  char step[32];
  std::snprintf(step, sizeof step, "%lld", static_cast<long long>(step_ms / 1000));
  e.request.params = {
      {"query", expr}, {"start", RelTime(start_ms)}, {"end", RelTime(end_ms)}, {"step", step}};
  e.mode = NormalizeMode::kQuery;
  e.step_ms = step_ms;
  return e;
}

OrderSpec OrderOf(const std::string& expr) {
  using namespace promref::promql;
  OrderSpec o;
  auto parsed = ParseExpr(expr);
  if (!parsed.ok()) return o;
  const Expr* e = parsed->get();
  while (e->kind == NodeKind::kParen) e = As<ParenExpr>(*e).expr.get();
  if (e->kind == NodeKind::kCall) {
    const Call& c = As<Call>(*e);
    if (c.func != nullptr && c.func->name == "sort") o.by = "value_asc";
    if (c.func != nullptr && c.func->name == "sort_desc") o.by = "value_desc";
  } else if (e->kind == NodeKind::kAggregate) {
    const AggregateExpr& a = As<AggregateExpr>(*e);
    if (a.op == TokenType::kTopk || a.op == TokenType::kBottomk) {
      o.by = a.op == TokenType::kTopk ? "value_desc" : "value_asc";
      o.grouped = true;
      (a.without ? o.group_without : o.group_by) = a.grouping;
    }
  }
  return o;
}

}  // namespace suite_util
}  // namespace promconform
