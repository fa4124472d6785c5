// How a PromQL expression relates to absolute time: the questions a harness must answer before
// it can move a promqltest evaluation from 1970 to another time window on a remote endpoint.
//
//   ReadSpan        which sample timestamps a query can read (selectors, ranges, offsets, @,
//                   subqueries, lookback): the proof that windows never see each other's data;
//   SubquerySteps   the steps subqueries align to (multiples of the step since the epoch): a
//                   window's shift must be a multiple of each, or the answer would change;
//   TimeDependence  how the answer's values move when every time moves by D: not at all (most
//                   queries), by exactly k·D seconds (time(), timestamp(), min/max of them...),
//                   or in a way no shift of the expectations captures (sum of timestamps,
//                   month()): those evaluations are reported apart, never judged;
//   ShiftAtModifiers the expression with every `@ <t>` moved by D (start()/end() follow the query).
//
// All times are milliseconds. The analysis is static and conservative: a read span always
// contains what the engine reads (it may be wider).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace promconform::remote_promqltest {

// A closed interval of timestamps; empty when lo > hi.
struct Interval {
  int64_t lo = 1;
  int64_t hi = 0;

  bool empty() const { return lo > hi; }
  bool Overlaps(const Interval& o) const { return !empty() && !o.empty() && lo <= o.hi && o.lo <= hi; }
  void Extend(const Interval& o);
  Interval Shifted(int64_t d) const { return empty() ? *this : Interval{lo + d, hi + d}; }
};

// A query's evaluation times: an instant query at `start` (== end, step 0) or a range query.
struct QueryTimes {
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;
};

struct EngineTimes {
  int64_t lookback_ms = 5 * 60 * 1000;           // the target's --query.lookback-delta
  int64_t default_subquery_step_ms = 60 * 1000;  // its global evaluation interval
};

// Every sample timestamp the query may read; empty when it reads no series.
Interval ReadSpan(const promref::promql::Expr& e, const QueryTimes& q, const EngineTimes& engine);

// The steps of every subquery in the expression (the default step where none is written).
std::vector<int64_t> SubquerySteps(const promref::promql::Expr& e, const EngineTimes& engine);

// How the values of the answer move when every sample and evaluation time moves by D ms.
struct TimeDependence {
  // Values move by exactly `seconds_per_shift` · D/1000 (0: they do not move). Unset: they move
  // in a way that is not a uniform shift; `why` says what.
  std::optional<int> seconds_per_shift = 0;
  std::string why;
  // The answer stays the same only when D is a multiple of this (ms): minute() and hour() of a
  // shifted time need whole hours or days, day_of_week() whole weeks. 0: any D.
  int64_t period_ms = 0;
};
TimeDependence AnalyzeTimeDependence(const promref::promql::Expr& e);

// `expr` with every `@ <timestamp>` moved by `delta_ms`, printed canonically; `expr` unchanged
// when it has no such modifier or does not parse (`experimental` syntax allowed or not).
std::string ShiftAtModifiers(std::string_view expr, int64_t delta_ms, bool experimental = true);

}  // namespace promconform::remote_promqltest
