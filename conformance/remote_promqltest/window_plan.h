// Where each section of a promqltest run lives in time on a remote endpoint.
//
// Prometheus' harness wipes its storage at every `clear`; a remote endpoint cannot be wiped, and
// renaming metrics would change what `__name__` does. So every section gets its own time
// window instead: its samples and evaluation times move by the window's base, and the plan
// proves from the expressions (ReadSpan: ranges, offsets, @, lookback, subqueries) that no
// query of a window can read a sample of another.
//
// A window is what one storage state of the in-process harness is: it opens at the start of a
// script, at every `clear`, and at a `load` that follows an eval (the evals before it must not
// see that data, so the new window re-loads everything loaded since the last clear).
//
// Windows are laid out backwards from an end time (just before now, where endpoints accept
// samples), each base a multiple of the window's unit: 1m (the default subquery step), times
// every subquery step its evals use (subqueries align to the epoch), times the period a
// time-dependent answer needs (an hour for minute(), a day for hour(), a week for
// day_of_week()). The pinned scripts span about three weeks: the endpoint must keep samples
// that long (Prometheus' default retention is 15 days). Windows follow each other in time, so all their
// samples can be written at once, in time order, as a TSDB head that only appends near its
// newest time requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "promqltest/evaluator.h"
#include "promqltest/runner.h"
#include "promqltest/script.h"
#include "remote_promqltest/expr_time.h"

namespace promconform::remote_promqltest {

namespace pt = promref::promqltest;

// The window state machine shared by the planner and the evaluator, so both count windows
// the same way.
class WindowTracker {
 public:
  void Clear();  // a script starts or `clear`: a new, empty window
  // A `load`: true when it opens a new window (it follows an eval in the current one).
  bool Load();
  void Eval();
  // The current window (0-based); -1 before the first Clear.
  int index() const { return index_; }

 private:
  int index_ = -1;
  bool evaluated_ = false;
};

// What one eval command needs of time, from every query the runner may send for it.
struct EvalFootprint {
  bool parsed = false;
  Interval reads;              // relative sample times any of its queries may read
  std::vector<int64_t> steps;  // subquery steps
  TimeDependence dependence;   // of the expression's values
};
EvalFootprint Footprint(const pt::EvalCommand& cmd, const pt::RunOptions& run, const EngineTimes& engine);

struct Window {
  std::string where;                     // "functions.test:120": the command that opened it
  std::vector<pt::LoadedSeries> series;  // what it holds (relative times), in load order
  Interval data;                         // relative times of the samples it holds
  Interval reads;                        // relative read span of its evals (those within the reach below)
  int64_t unit_ms = 0;                   // the base is a multiple of this
  int64_t base_ms = 0;                   // absolute time of relative 0
  Interval Occupied() const;             // absolute: data and reads
  Interval DataAbs() const { return data.Shifted(base_ms); }
};

struct PlanOptions {
  pt::RunOptions run;
  EngineTimes engine;
  int64_t gap_ms = 60 * 1000;  // between windows
  // Reads further than this from the window's data (e.g. `@ 1e9`) do not widen the window;
  // such evaluations run only if they still touch no other window (IsolationProblem).
  int64_t max_reach_ms = int64_t{30} * 24 * 3600 * 1000;
  // The largest unit a window may need; a subquery step that would need more is left out and
  // its evaluations are reported apart.
  int64_t max_unit_ms = int64_t{7} * 24 * 3600 * 1000;
};

struct Layout {
  std::vector<Window> windows;
  Interval span;  // absolute: from the first window's occupied start to the last one's end
  size_t samples = 0;

  // Why an eval of window `own` reading `reads` (relative) is not isolated: it reads another
  // window's data or outside the layout (where data of others may be). nullopt when isolated.
  std::optional<std::string> IsolationProblem(size_t own, const Interval& reads) const;
};

// Plans the windows of the scripts in the order they will run, ending at `end_ms`.
Layout PlanWindows(const std::vector<const pt::Script*>& scripts, const PlanOptions& options, int64_t end_ms);

// Why an eval cannot be judged in its window: a subquery step or a period its answer needs
// that the base is not a multiple of, or values that depend on absolute time in a way no shift
// of the expectations follows. nullopt when it can.
std::optional<std::string> TimeProblem(const EvalFootprint& f, int64_t base_ms);

}  // namespace promconform::remote_promqltest
