// What the law files share: rewriting expressions (offsets, @), reading answers as maps of
// label sets, comparing two answers within a tolerance, and building outcomes with the
// evidence (both sides and the curl commands).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "properties/laws.h"

namespace promconform::properties {

// Calls whose value depends on the evaluation time itself (time(), timestamp(), the date
// functions without an argument, start()/end()/range()/step(), predict_linear) or `@ start()`/`@ end()`: laws
// that move the evaluation time cannot hold for them.
bool TimeDependent(const promref::promql::Expr& e);
// Whether some selector or subquery is pinned `@ start()` or `@ end()` (which mean the query's
// range, not the step's time: a range query and its instant steps differ there).
bool HasAtStartEnd(const promref::promql::Expr& e);
// Whether some selector or subquery carries an `@`.
bool HasAt(const promref::promql::Expr& e);
// Whether `e` holds topk/bottomk/limitk/limit_ratio: among tied values which series they keep is
// not defined, so two evaluations of `e` may differ (Go's map order feeds them in count_values).
bool TieSensitive(const promref::promql::Expr& e);
// Whether some subquery has no step (it then depends on the server's evaluation_interval).
bool HasDefaultStepSubquery(const promref::promql::Expr& e);
// Whether `e` evaluates to an instant vector or a scalar and neither of the above.
bool TimeFreeInstant(const promref::promql::Expr& e);

// The expression with every outermost selector and subquery offset by `d_ms` more.
std::string ShiftOffsets(const std::string& expr, int64_t d_ms);
// The expression with every outermost selector and subquery (that has no @) pinned `@ t_ms`.
std::string PinAt(const std::string& expr, int64_t t_ms);
// "5m", "-90s", "1m30s": a PromQL duration.
std::string DurationText(int64_t ms);
// A number as PromQL text ("Inf", "NaN", "0.5").
std::string NumberText(double v);

// Instant results by label set. With `drop_name`, __name__ is removed first.
std::map<LabelMap, Point> ByLabels(const Answer& a, bool drop_name = false);
LabelMap WithoutName(LabelMap l);
// The group an element falls in under `by (labels)` / `without (labels)`.
LabelMap GroupOf(const LabelMap& l, const std::vector<std::string>& labels, bool without);

// The tolerance for sides that compute the same number along different paths.
ValueTolerance Loose(const ValueTolerance& t);
bool Near(double a, double b, const ValueTolerance& t);  // NaN == NaN; Inf exact
bool SameText(const std::string& a, const std::string& b, const ValueTolerance& t);

// Outcomes.
Outcome Fail(std::string detail, const Answer& lhs, const Answer& rhs);
Outcome Fail1(std::string detail, const Answer& a);
// Skip when the base query is an error (the law's premise: the expression evaluates).
std::optional<Outcome> SkipIfError(const Answer& a);
// Fail when a derived query errs where the base did not.
std::optional<Outcome> FailIfError(const Answer& derived, const Answer& base);

// Same instant results (label sets and values; timestamps ignored unless `timestamps`).
Outcome SameInstant(const Answer& lhs, const Answer& rhs, const ValueTolerance& t, bool drop_name_lhs = false,
                    bool drop_name_rhs = false);
// Sorted label names used by a result's series (__name__ excluded).
std::vector<std::string> LabelNamesOf(const Answer& a);

}  // namespace promconform::properties
