// The PromQL function table: names, argument types, variadic counts, return types and the
// experimental flag, as in Prometheus 3.x (promql/parser/functions.go at the upstream commit of
// ../shared/upstream). Evaluation lives in the engine; this table is what the parser checks.
#include <unordered_map>

#include "promql/ast.h"

namespace promref::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

std::vector<Function> BuildTable() {
  std::vector<Function> t;
  auto add = [&t](std::string name, std::vector<ValueType> args, ValueType ret, int variadic = 0,
                  bool experimental = false) {
    t.push_back(Function{std::move(name), std::move(args), variadic, ret, experimental});
  };
  // Element-wise math on instant vectors.
  for (const char* f :
       {"abs",   "ceil", "exp",   "floor", "ln",    "log10", "log2", "sqrt", "sgn",  "deg", "rad", "acos",
        "acosh", "asin", "asinh", "atan",  "atanh", "cos",   "cosh", "sin",  "sinh", "tan", "tanh"}) {
    add(f, {V}, V);
  }
  add("absent", {V}, V);
  add("absent_over_time", {M}, V);
  add("clamp", {V, S, S}, V);
  add("clamp_max", {V, S}, V);
  add("clamp_min", {V, S}, V);
  add("round", {V, S}, V, 1);
  // Range functions.
  for (const char* f :
       {"avg_over_time", "count_over_time", "last_over_time", "first_over_time", "max_over_time",
        "min_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time", "sum_over_time",
        "changes", "delta", "deriv", "idelta", "increase", "irate", "rate", "resets"}) {
    add(f, {M}, V);
  }
  add("mad_over_time", {M}, V, 0, true);
  for (const char* f :
       {"ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time"}) {
    add(f, {M}, V, 0, true);
  }
  add("quantile_over_time", {S, M}, V);
  add("predict_linear", {M, S}, V);
  add("double_exponential_smoothing", {M, S, S}, V, 0, true);
  add("integral", {M, S}, V, 1, true);
  // Dates: the argument is optional (defaults to vector(time())).
  for (const char* f :
       {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"}) {
    add(f, {V}, V, 1);
  }
  // Histograms.
  for (const char* f :
       {"histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar"}) {
    add(f, {V}, V);
  }
  add("histogram_fraction", {S, S, V}, V);
  add("histogram_quantile", {S, V}, V);
  add("histogram_quantiles", {V, Str, S}, V, 9, true);
  // Labels and ordering.
  add("label_replace", {V, Str, Str, Str, Str}, V);
  add("label_join", {V, Str, Str, Str}, V, -1);
  add("sort", {V}, V);
  add("sort_desc", {V}, V);
  add("sort_by_label", {V, Str}, V, -1, true);
  add("sort_by_label_desc", {V, Str}, V, -1, true);
  add("info", {V, V}, V, 1, true);
  // Conversions and constants.
  add("scalar", {V}, S);
  add("vector", {S}, V);
  add("time", {}, S);
  add("timestamp", {V}, V);
  add("pi", {}, S);
  add("start_timestamp", {V}, V, 0, true);
  // Query-context functions (folded to constants before evaluation).
  for (const char* f : {"start", "end", "range", "step"}) add(f, {}, S, 0, true);
  add("min_of", {S, S}, S, 0, true);
  add("max_of", {S, S}, S, 0, true);
  return t;
}

}  // namespace

const std::vector<Function>& AllFunctions() {
  static const auto* table = new std::vector<Function>(BuildTable());
  return *table;
}

const Function* FindFunction(std::string_view name) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const Function*>();
    for (const Function& f : AllFunctions()) (*m)[f.name] = &f;
    return m;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

}  // namespace promref::promql
