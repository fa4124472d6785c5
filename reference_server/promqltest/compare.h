// How a query's outcome is judged against an eval command's expectations, following
// Prometheus' promqltest (test.go: checkExpectedFailure, checkAnnotations, compareResult):
//
// - An error passes only when a failure is expected (eval_fail / `expect fail`), and then only
//   if its text is the expected message (exact) or matches the expected regex (anywhere).
//   Success where a failure is expected fails.
// - Annotations are checked only where asked: `expect warn|info` (each expectation must match
//   some annotation, and every annotation of that kind must match some expectation),
//   `expect no_warn|no_info` (none of that kind), eval_warn / eval_info (at least one).
//   With no such line, any annotations are accepted.
// - Values: floats with Prometheus' almost.Equal at relative epsilon 1e-6 (NaN equals NaN, the
//   stale marker equals only itself); series matched by exact label set, in any order unless
//   the eval is ordered (then the i-th expected line is the i-th sample); every expected series
//   must be there and nothing else; range results must be sorted by labels, have exactly the
//   expected points at start + i*step (`_` leaves a step out) and histograms compared after
//   compaction, or, for an evaluator whose answers are the query API's JSON, as that shows them
//   (HistogramDetail).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "promql/engine.h"
#include "promql/value.h"
#include "promqltest/histogram_util.h"
#include "promqltest/script.h"

namespace promref::promqltest {

// The relative tolerance of Prometheus' test harness (defaultEpsilon).
inline constexpr double kDefaultEpsilon = 1e-6;

// Prometheus' almost.Equal: equal when both are the stale marker, both are (other) NaNs, or
// they differ by less than epsilon relative to their magnitude (absolutely, near zero).
bool AlmostEqual(double a, double b, double epsilon = kDefaultEpsilon);

// Why an outcome does not meet the expectations. `category` is short and stable (it goes in
// the known-failures file): unexpected-error, missing-error, wrong-error, annotations,
// wrong-type, unexpected-series, missing-series, wrong-value, wrong-timestamp, wrong-count,
// order, unsorted.
struct Mismatch {
  std::string category;
  std::string message;
};

// The whole judgement of one query, in Prometheus' order: error or expected failure first, then
// annotations, then the value. `shown_expr` is the expression the messages quote (the @ variant
// being run, or the script's own). `detail` is how much of a histogram the result carries (the
// evaluator's capabilities say).
std::optional<Mismatch> CheckQueryResult(const EvalCommand& cmd, const promql::QueryResult& result,
                                         std::string_view shown_expr,
                                         HistogramDetail detail = HistogramDetail::kFull);

// The pieces of CheckQueryResult.
std::optional<Mismatch> CheckExpectedFailure(const EvalCommand& cmd, const Error& error,
                                             std::string_view shown_expr);
std::optional<Mismatch> CheckAnnotations(const EvalCommand& cmd, const promql::Annotations& annotations,
                                         std::string_view shown_expr);
std::optional<Mismatch> CompareResult(const EvalCommand& cmd, const promql::Value& value,
                                      HistogramDetail detail = HistogramDetail::kFull);

// Text of values in messages: Go's %v for floats, the test literal for histograms.
std::string FormatValue(double v);
std::string FormatSeries(const promql::Series& s);

}  // namespace promref::promqltest
