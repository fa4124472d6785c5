// Where a promqltest script runs: something that holds loaded data and answers PromQL queries.
//
// The runner only talks to this interface, so the same scripts can check the in-process
// engine (InProcessEvaluator) or, later, a remote Prometheus-compatible endpoint: load by
// remote write, clear by using a fresh tenant / series namespace (or the admin delete API),
// query over HTTP and decode the JSON into a promql::QueryResult.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "promql/engine.h"
#include "promqltest/histogram_util.h"
#include "promqltest/script.h"

namespace promref::promqltest {

// One sample a load command writes. Exactly one of `f` (when `h` is null) or `h` is the value.
struct LoadedSample {
  int64_t t = 0;
  double f = 0;
  std::shared_ptr<const model::FloatHistogram> h;
  std::optional<int64_t> start_timestamp;  // ms, from an `@st` line
};

struct LoadedSeries {
  model::Labels labels;
  std::vector<LoadedSample> samples;  // in time order
};

// The samples a load command writes: each series' values at 0, interval, 2*interval, ...
// (`_` leaves a step out), with start timestamps from `@st` lines, and for load_with_nhcb the
// classic histograms (`_bucket{le}`, `_count`, `_sum`) also converted to native histograms with
// custom buckets under the base name. Errors when that conversion fails (not cumulative,
// count mismatch, `_bucket` without `le`).
Result<std::vector<LoadedSeries>> ExpandLoad(const LoadCommand& cmd);

struct EvaluatorCapabilities {
  bool native_histograms = false;  // stores native-histogram samples
  bool start_timestamps = false;   // stores the start timestamp of samples
  // How much of a native histogram its answers carry: what the comparison can judge.
  HistogramDetail histogram_detail = HistogramDetail::kFull;
};

// Why an evaluator declines an evaluation: a short stable category ("absolute-time") and a
// sentence for the report.
struct SkipReason {
  std::string category;
  std::string message;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;

  // For reports: "in-process engine (MemStorage)", "http://host:9090", ...
  virtual std::string Describe() const = 0;
  virtual EvaluatorCapabilities Capabilities() const = 0;

  // Forgets all data (the `clear` command, and the start of every script).
  virtual Status Clear() = 0;
  // Adds the samples of one load command. Data the store cannot hold (start timestamps, when
  // not supported) is dropped silently: the runner skips the evaluations that need it.
  virtual Status Load(const std::vector<LoadedSeries>& series) = 0;

  // Called before every eval command, whether it then runs or is skipped for a need. A reason
  // returned here skips the evaluation (an evaluator that cannot judge it fairly, e.g. a remote
  // endpoint where the answer depends on absolute time); nullopt runs it.
  virtual std::optional<SkipReason> BeginEval(const EvalCommand& cmd) {
    (void)cmd;
    return std::nullopt;
  }

  virtual promql::QueryResult Instant(std::string_view expr, int64_t t) = 0;
  virtual promql::QueryResult Range(std::string_view expr, int64_t start, int64_t end, int64_t step) = 0;
};

}  // namespace promref::promqltest
