// The committed suite: every case the harness knows, generated in code (record fills in the
// expectations; the fixtures are what `run` replays).
//
// Suites:
//   PromQL       every function, operator (each matching mode), aggregation (by/without), offset,
//                @ (incl. start()/end()), subqueries, literals and errors, over the standard
//                dataset; each expression evaluated as an instant query at three times and, when
//                its type allows, as a range query.
//   native histograms  every histogram function, operator and aggregation over the dataset's
//                `pch_` series (Prometheus 3.x; unsupported where a target stores none).
//   versions     promqltest scenarios where Prometheus 3.x answers differently on purpose (left-open
//                windows, lookback, subquery steps, literals), with the 3.x answer from the script.
//   API          every endpoint of seed 003: parameters, time formats, POST forms, limit, match[],
//                name escaping, envelope fields, status codes and errorTypes.
//   remote write receiver behaviour: valid accepted, malformed rejected, stale markers, order.
//   front doors  credentials (401/403), path prefixes, vendor APIs (seeds 000-002).
#pragma once

#include <vector>

#include "datasets/dataset.h"
#include "suites/case.h"

namespace promconform {

std::vector<Case> BuildSuite();

std::vector<Case> BuildPromqlSuite();
std::vector<Case> BuildNativeHistogramSuite();
std::vector<Case> BuildVersionSuite();
std::vector<Case> BuildApiSuite();
std::vector<Case> BuildRemoteWriteSuite();
std::vector<Case> BuildFrontDoorSuite();

// The standard dataset plus the scenario series the suites need.
const Dataset& SuiteDataset();
// The scenario series of the versions suite (promqltest loads), relative to the base.
std::vector<DatasetSeries> VersionScenarioSeries();

// Helpers shared by the suite files.
namespace suite_util {

// Evaluation times (ms after the base) of the PromQL suite's instant queries, and its range.
inline constexpr int64_t kInstantTimes[] = {12 * 60000 + 30234, 31 * 60000 + 7234, 53 * 60000 + 20234};
inline constexpr int64_t kRangeStart = 9 * 60000 + 234;
// The range stays inside the data (the staleness category looks past its end).
inline constexpr int64_t kRangeEnd = 49 * 60000 + 30234;
// Five minutes: about nine points a series, so that the recorded answers of ~3,000 cases stay
// under 1 MiB of fixtures; the start (+234 ms) keeps every step off the scrape grid.
inline constexpr int64_t kRangeStep = 300000;

// A stable id: prefix + "." + 8 hex digits of a hash of `text`.
std::string CaseId(const std::string& prefix, const std::string& text);

// An instant-query exchange at `t_ms` (relative), GET.
Exchange InstantExchange(const std::string& expr, int64_t t_ms);
// A range-query exchange (relative start/end), POST form.
Exchange RangeExchange(const std::string& expr, int64_t start_ms, int64_t end_ms, int64_t step_ms);
// The instant-vector order the expression defines (sort, sort_desc, topk, bottomk).
OrderSpec OrderOf(const std::string& expr);

}  // namespace suite_util
}  // namespace promconform
