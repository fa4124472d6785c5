// The comparer: is a normalised response the expected one? If not, exactly how does it differ?
//
// Semantics (decided once, here, for every suite):
//   - floats: equal iff |a-b| <= max(fraction * min(|a|,|b|), margin) (the PromQL compliance
//     tester's rule, default fraction 1e-5, margin 0); any NaN equals any NaN; infinities and
//     zeros compare exactly (so 0 and 1e-300 differ unless a margin says otherwise, and "-0",
//     which Prometheus writes for negative zero, differs from "0");
//   - timestamps compare exactly (integer milliseconds);
//   - label sets compare exactly, after the profile's drop_result_labels / ignore_case tweaks;
//   - series are matched by label set, never by position; except topk()/bottomk(), where which
//     of several series tied at the selection's boundary is kept is not defined: there, per group
//     and time, the kept values must match and every series not at the boundary value must too;
//   - order is compared where it is defined: instant vectors of sort()/sort_desc() (by value,
//     ties in any order), topk()/bottomk() (by value within each group), matrices (sorted by
//     labels, range and instant queries alike), label names and values (sorted); it is checked on
//     what both answers have, so it is reported even when series are missing or unexpected;
//   - status code, envelope status and errorType compare exactly; error message text never;
//   - warnings and infos compare as sets, unless annotations are not comparable (a reference
//     older than Prometheus 2.48 has none) or a tweak ignores them;
//   - an expectation may be partial: only the keys it holds are compared. Partial keys:
//     `result_count` (number of series or items in `data`), `http_in` (any of these codes).
// A type mismatch (a vector where a matrix was expected, a missing field) is a difference,
// never a crash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profiles/profile.h"
#include "suites/case.h"

namespace promconform {

struct CompareOptions {
  ValueTolerance tolerance;
  OrderSpec order;              // instant-vector order, from the query
  bool matrix_ordered = false;  // range query: series sorted by labels
  bool compare_annotations = true;
  std::vector<std::string> drop_labels;
  bool ignore_case = false;
  bool ignore_first_step = false;      // drop the first point of every expected range series
  int64_t truncate_timestamps_ms = 0;  // compare timestamps truncated to this granularity
};

struct CompareResult {
  bool equal = true;
  std::vector<std::string> diffs;  // one human-readable line per difference (capped)
};

CompareResult CompareNormalized(const nlohmann::json& expected, const nlohmann::json& actual,
                                const CompareOptions& options);

// Float equality under a tolerance; "NaN", "+Inf", "-Inf" and Go number text accepted.
bool ValuesEqual(const std::string& a, const std::string& b, const ValueTolerance& tolerance);

// Canonical text of a label set: {a="b", c="d"} sorted by name.
std::string LabelKey(const nlohmann::json& metric);

}  // namespace promconform
