// The promqltest script format: Prometheus' own PromQL test language (promql/promqltest), read
// into commands that a Runner executes.
//
// A script is a sequence of commands separated by blank lines:
//
//   load 5m                                      series descriptions, one per line
//     http_requests{job="api"} 0+10x10 _ stale
//   load_with_nhcb 5m                            same, classic histograms also loaded as NHCB
//   clear                                        drop all data
//   eval instant at 50m sum(http_requests)       an instant query, then its expectations
//     expect no_warn
//     {} 100
//   eval range from 0 to 10m step 5m foo         a range query, expected values per step
//     foo{} 1 _ 3
//
// Lines are trimmed; a line whose first non-blank character is '#' counts as blank (so a
// comment ends a block, exactly as in Prometheus). Line numbers here are 1-based.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace promref::promqltest {

// One value of a series description: a float, a native histogram, or an omitted step (`_`).
struct SequenceValue {
  double value = 0;
  bool omitted = false;
  std::shared_ptr<const model::FloatHistogram> histogram;
  // The histogram literal spelled `counter_reset_hint:`; only then does a comparison check the
  // hint (otherwise "don't care", as in Prometheus).
  bool counter_reset_hint_set = false;

  bool IsHistogram() const { return histogram != nullptr; }
};

// `metric{label="value"} v1 v2 ...`.
struct SeriesDescription {
  model::Labels labels;
  std::vector<SequenceValue> values;
};

// One series of a load block. `start_timestamps` holds the `@st` offsets (ms relative to the
// sample's timestamp) from a `metric@st ...` line right above it: empty when there is none,
// otherwise one entry per value (an omitted entry means "no start timestamp").
struct LoadSeries {
  int line = 0;
  model::Labels labels;
  std::vector<SequenceValue> values;
  std::vector<SequenceValue> start_timestamps;
};

struct LoadCommand {
  int line = 0;
  int64_t interval_ms = 0;
  bool with_nhcb = false;  // load_with_nhcb: classic histograms are also loaded as NHCB
  // In script order. A later definition of the same labels replaces an earlier one.
  std::vector<LoadSeries> series;
  // A standalone `@st ...` line: offsets applied, cycling, to series without their own.
  std::vector<SequenceValue> default_start_timestamps;

  bool HasStartTimestamps() const;
};

struct ClearCommand {
  int line = 0;
};

// What an `expect fail|warn|info ... [msg: ...|regex: ...]` line (or the older
// `expected_fail_message` / `expected_fail_regexp`) accepts.
class MessageMatcher {
 public:
  enum class Kind { kAny, kExact, kRegex };

  static MessageMatcher Any() { return MessageMatcher(Kind::kAny, ""); }
  static MessageMatcher Exact(std::string message) {
    return MessageMatcher(Kind::kExact, std::move(message));
  }
  // A Go/RE2 regular expression, matched anywhere in the text (Go's MatchString).
  static Result<MessageMatcher> Regex(std::string pattern);

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }
  bool Matches(std::string_view s) const;
  // "message" or "pattern", as Prometheus' failure messages say.
  std::string_view TypeName() const { return kind_ == Kind::kExact ? "message" : "pattern"; }
  // What it prints as: the message, or the pattern (".*" style for kAny).
  std::string Describe() const { return kind_ == Kind::kAny ? "^.*$" : text_; }

 private:
  MessageMatcher(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}
  Kind kind_;
  std::string text_;
  std::shared_ptr<const re2::RE2> re_;
};

// An expected series line of an eval block.
struct ExpectedSeries {
  int line = 0;
  int position = 0;  // 1-based among the expected series lines (for `expect ordered`)
  model::Labels labels;
  std::vector<SequenceValue> values;
};

struct EvalCommand {
  int line = 0;
  std::string expr;
  // Instant: `eval_time` (after `expect range vector`, the end of that range). Range: the
  // query range. Instant evals with `expect range vector` also set start/end/step: the
  // timestamps the expected points sit at.
  int64_t eval_time = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;

  std::optional<MessageMatcher> expected_fail;  // expected_fail_message / expected_fail_regexp
  std::vector<MessageMatcher> expect_fail;      // at most one
  std::vector<MessageMatcher> expect_warn;
  std::vector<MessageMatcher> expect_info;

  std::optional<std::string> expected_string;  // `expect string "..."`
  SequenceValue scalar;                        // when expect_scalar
  std::vector<ExpectedSeries> series;

  bool is_range = false;
  // eval_fail / eval_warn / eval_info / eval_ordered (the older spelling of the expectations).
  bool fail = false;
  bool warn = false;
  bool info = false;
  bool ordered = false;
  bool expect_no_warn = false;
  bool expect_no_info = false;
  bool expect_ordered = false;
  bool expect_range_vector = false;  // `expect range vector from .. to .. step ..`
  bool expect_scalar = false;
  // Not re-checked as a range query (string results, range-vector results).
  bool exclude_from_range_query = false;

  bool IsFail() const { return fail || !expect_fail.empty(); }
  bool IsOrdered() const { return ordered || expect_ordered; }
  // Whether an expectation holds a native histogram literal.
  bool ExpectsHistograms() const;
};

using Command = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct Script {
  std::string name;
  std::vector<Command> commands;
  size_t NumEvals() const;
};

// A script error: the 1-based line it is on and what is wrong there.
struct ScriptError {
  int line = 0;
  std::string message;
  std::string ToString(std::string_view script_name) const;  // "<name>:<line>: <message>"
};

// Reads a whole script. Prometheus stops at the first error and so does this.
struct ParsedScript {
  Script script;
  std::optional<ScriptError> error;
  bool ok() const { return !error.has_value(); }
};
ParsedScript ParseScript(std::string_view text, std::string name);

// --- The pieces, exposed for tests and for other harness modes ------------------------------

// `metric{l="v"} 1+2x3 _ stale {{schema:0 sum:1 count:1}}x2`: a series description as
// Prometheus' parser.ParseSeriesDesc reads it.
Result<SeriesDescription> ParseSeriesDescription(std::string_view line);

// One `{{...}}` native histogram literal, braces included.
Result<model::FloatHistogram> ParseHistogramLiteral(std::string_view text,
                                                    bool* counter_reset_hint_set = nullptr);

// The value part of an `@st` line: `_`, `_xN`, `<dur>`, `<dur>xN`, `<dur>+<dur>xN`,
// `<dur>-<dur>xN`, `*`, `*xN` (durations may be signed). Values are milliseconds.
Result<std::vector<SequenceValue>> ParseStartTimestampSequence(std::string_view text);

// The scalar form of an expectation line: Go's strconv.ParseInt(s, 0, 64), then ParseFloat.
std::optional<double> ParseScalar(std::string_view s);

}  // namespace promref::promqltest
