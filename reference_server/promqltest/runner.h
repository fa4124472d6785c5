// Runs promqltest scripts against an Evaluator, the way Prometheus' own harness
// (promql/promqltest/test.go) runs them, and reports every evaluation as passed, failed (with
// the reason) or skipped (with the capability it needs).
//
// Per script: the evaluator is cleared first and on every `clear`; `load` writes the expanded
// samples; each `eval` is one evaluation. An instant eval is, as in Prometheus, several
// queries that must all meet the expectations:
//   1. the expression at its time;
//   2. unless it calls a function whose value depends on the evaluation time (time(),
//      timestamp(), hour(), predict_linear(), ...), the same expression with `@ <time>` added
//      to every selector and subquery that has no @ yet (not inside subqueries), evaluated at
//      -10t, 0, t/5, t and 10t (at t=0: -1s, 0, 1s);
//   3. for each of those, unless the eval expects a string or a range vector, expects a
//      failure, is ordered, or the text calls start()/end()/range()/step(): a range query from
//      t-1m to t+1m step 1m whose middle step must meet the same expectations.
// A range eval is one range query.
//
// Classification: an evaluation needs native histograms when the series its selectors match
// (in the data loaded since the last clear) hold histogram samples or its expectations are
// histogram literals; it needs start timestamps when those series carry `@st` data or it calls
// start_timestamp(); it needs experimental PromQL when the expression parses only with the
// experimental syntax or unquoted UTF-8 names. Evaluations whose needs are not enabled are skipped, not run.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "promql/parser.h"
#include "promqltest/evaluator.h"
#include "promqltest/script.h"

namespace promref::promqltest {

// The parser options of Prometheus 3.16's test runner (promqltest.TestParserOpts): experimental
// syntax and unquoted UTF-8 names on. Whatever reads a script's expressions parses them so.
inline constexpr promql::ParseOptions kScriptParseOptions{.experimental = true, .unquoted_utf8_names = true};

enum class Outcome { kPassed, kFailed, kSkipped };
std::string_view OutcomeName(Outcome o);  // "passed", "failed", "skipped"

struct EvalResult {
  int line = 0;      // of the eval (or of the load / script error it reports)
  std::string expr;  // as written; empty for a failed load or an unreadable script
  Outcome outcome = Outcome::kPassed;
  // Failed: where and how, e.g. "wrong-value", "at-variant/missing-series",
  // "range-mode/unexpected-error", "parse" (our parser rejects the expression), "load" (the
  // data could not be stored), "script" (the file could not be read). Skipped: the need that
  // is not enabled ("native-histograms", "start-timestamps", "experimental").
  std::string category;
  std::string message;
  bool needs_native_histograms = false;
  bool needs_start_timestamps = false;
  bool needs_experimental = false;
};

struct ScriptReport {
  std::string name;
  std::vector<EvalResult> results;  // in line order
  size_t passed = 0;
  size_t failed = 0;
  size_t skipped = 0;
};

struct RunOptions {
  // Run evaluations that need native histograms (the evaluator must store them too).
  bool native_histograms = false;
  // Run evaluations that need start timestamps (the evaluator must store them too).
  bool start_timestamps = true;
  // The evaluator accepts experimental PromQL (functions, duration expressions, fill
  // modifiers, anchored/smoothed, unquoted UTF-8 names); otherwise evaluations that use it are
  // skipped.
  bool experimental = true;
  // Prometheus' extra queries per instant eval (see the top of this file). Both on is what
  // Prometheus does; off only to narrow down a failure.
  bool at_modifier_variants = true;
  bool range_mode_check = true;
};

ScriptReport RunScript(const Script& script, Evaluator& evaluator, const RunOptions& options);

// Reads and runs a script. An unreadable script is one failed result (category "script") at
// the line of the error.
ScriptReport RunScriptText(std::string_view text, std::string name, Evaluator& evaluator,
                           const RunOptions& options);

// The file's name (without directories) names the report.
Result<ScriptReport> RunScriptFile(const std::string& path, Evaluator& evaluator, const RunOptions& options);

// The range-mode re-check of an instant eval at t: a range query from t-1m to t+1m, step 1m.
inline constexpr int64_t kRangeModeStepMs = 60'000;

// One query the runner may send for an eval: an instant query (start == end, step 0) or a
// range query.
struct PlannedQuery {
  std::string expr;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;
};

// Every query RunScript may send for `cmd` under `options` (it stops early at a mismatch): the
// eval itself, its @ variants, and their range-mode re-checks. For an evaluator that must know
// beforehand which times a script reads.
std::vector<PlannedQuery> QueriesOf(const EvalCommand& cmd, const RunOptions& options);

// The @-modifier variants Prometheus adds to an instant eval at `t` (see the top of this
// file): (expression text, evaluation time) pairs; empty when the expression calls a function
// that depends on the evaluation time, or does not parse.
std::vector<std::pair<std::string, int64_t>> AtModifierVariants(std::string_view expr, int64_t t);

}  // namespace promref::promqltest
