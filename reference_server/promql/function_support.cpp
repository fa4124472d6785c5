// The function lookups, and helpers shared by the engine and the function files.
#include "promql/internal/function_support.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

PositionRange ArgPosition(const Call& c, size_t i) {
  const Expr* e = c.args[i].get();
  while (e->kind == NodeKind::kParen) e = As<ParenExpr>(*e).expr.get();
  if (e->kind == NodeKind::kSubquery) return {};
  return c.args[i]->pos;
}

double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  // Stable, as Go's sort.Sort is for the small inputs it insertion-sorts (ties such as -0 and 0
  // keep their input order).
  std::stable_sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  // On a sample exactly, that sample: interpolating would turn ±Inf into NaN (Inf * 0) and -0
  // into 0 (-0 + 0), as Prometheus 3.x no longer does.
  if (weight == 0) return values[static_cast<size_t>(lower)];
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

model::Labels LabelsForAbsent(const Expr& arg) {
  const Expr* e = &arg;
  if (e->kind == NodeKind::kMatrixSelector) e = As<MatrixSelector>(*e).vector_selector.get();
  if (e->kind != NodeKind::kVectorSelector) return {};
  model::LabelsBuilder b;
  std::unordered_map<std::string, bool> has;
  for (const model::Matcher& m : As<VectorSelector>(*e).matchers) {
    // The metadata labels (__name__, __type__, __unit__) never describe the absent series.
    if (m.name() == model::kMetricNameLabel || m.name() == "__type__" || m.name() == "__unit__") continue;
    if (m.type() == model::MatchType::kEqual && !has[m.name()]) {
      b.Set(m.name(), m.value());
      has[m.name()] = true;
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

VectorFunction FindVectorFunction(std::string_view name) {
  if (VectorFunction f = FindInstantVectorFunction(name)) return f;
  return FindHistogramFunction(name);
}

RangeFunction FindRangeFunction(std::string_view name) {
  if (RangeFunction f = FindOverTimeFunction(name)) return f;
  return FindRateFunction(name);
}

FunctionCall NewFunctionCall(const Call& c, QueryContext* ctx) {
  FunctionCall fc;
  fc.call = &c;
  fc.ctx = ctx;
  fc.vectors.assign(c.args.size(), nullptr);
  fc.scalars.assign(c.args.size(), 0);
  fc.strings.assign(c.args.size(), "");
  return fc;
}

bool PureOnFloatWindows(std::string_view function) {
  // Not quantile_over_time (warns of its φ), predict_linear, double_exponential_smoothing and
  // integral (scalar arguments, errors), or absent_over_time (its output is the windows').
  static const auto* pure = new std::unordered_set<std::string_view>{"rate",
                                                                     "increase",
                                                                     "delta",
                                                                     "irate",
                                                                     "idelta",
                                                                     "changes",
                                                                     "resets",
                                                                     "deriv",
                                                                     "avg_over_time",
                                                                     "sum_over_time",
                                                                     "count_over_time",
                                                                     "present_over_time",
                                                                     "last_over_time",
                                                                     "first_over_time",
                                                                     "max_over_time",
                                                                     "min_over_time",
                                                                     "stddev_over_time",
                                                                     "stdvar_over_time",
                                                                     "mad_over_time",
                                                                     "ts_of_last_over_time",
                                                                     "ts_of_first_over_time",
                                                                     "ts_of_max_over_time",
                                                                     "ts_of_min_over_time"};
  return pure->contains(function);
}

}  // namespace promref::promql::internal
