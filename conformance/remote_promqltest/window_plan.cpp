#include "remote_promqltest/window_plan.h"

#include <numeric>
#include <variant>

#include "promql/parser.h"
#include "promqltest/evaluator.h"
#include "promqltest/runner.h"

namespace promconform::remote_promqltest {
namespace {

// Every base is a whole minute: subqueries without a step align to the default 1m.
constexpr int64_t kMinuteMs = 60 * 1000;

int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return q * unit;
}

std::string Where(const pt::Script& s, int line) {
  return s.name + ":" + std::to_string(line);
}

// Plans one script's windows, appending them to `out` (bases still unset).
class ScriptPlanner {
 public:
  ScriptPlanner(const PlanOptions& options, std::vector<Window>* out, size_t* samples)
      : options_(options), out_(out), samples_(samples) {}

  void Plan(const pt::Script& script) {
    loaded_.clear();
    Open(Where(script, 1));
    tracker_.Clear();
    for (const pt::Command& c : script.commands) {
      if (const auto* load = std::get_if<pt::LoadCommand>(&c)) {
        auto series = pt::ExpandLoad(*load);
        if (!series.ok()) continue;  // the runner reports it and never calls the evaluator
        if (tracker_.Load()) {
          Open(Where(script, load->line));
          for (const auto& earlier : loaded_) Add(earlier);
        }
        loaded_.push_back(*std::move(series));
        Add(loaded_.back());
      } else if (const auto* clear = std::get_if<pt::ClearCommand>(&c)) {
        loaded_.clear();
        Open(Where(script, clear->line));
        tracker_.Clear();
      } else {
        tracker_.Eval();
        AddEval(std::get<pt::EvalCommand>(c));
      }
    }
  }

 private:
  void Open(std::string where) { out_->push_back(Window{.where = std::move(where), .unit_ms = kMinuteMs}); }

  void Add(const std::vector<pt::LoadedSeries>& series) {
    Window& w = out_->back();
    for (const pt::LoadedSeries& s : series) {
      for (const pt::LoadedSample& smp : s.samples) w.data.Extend({smp.t, smp.t});
      *samples_ += s.samples.size();
      w.series.push_back(s);
    }
  }

  void AddEval(const pt::EvalCommand& cmd) {
    Window& w = out_->back();
    const EvalFootprint f = Footprint(cmd, options_.run, options_.engine);
    if (!f.parsed) return;
    const Interval anchor = w.data.empty() ? Interval{0, 0} : w.data;
    const Interval reach{anchor.lo - options_.max_reach_ms, anchor.hi + options_.max_reach_ms};
    if (!f.reads.empty() && f.reads.lo >= reach.lo && f.reads.hi <= reach.hi) w.reads.Extend(f.reads);
    std::vector<int64_t> units = f.steps;
    units.push_back(f.dependence.period_ms);
    for (int64_t u : units) {
      if (u <= 0) continue;
      const int64_t merged = std::lcm(w.unit_ms, u);
      if (merged <= options_.max_unit_ms) w.unit_ms = merged;
    }
  }

  const PlanOptions& options_;
  std::vector<Window>* out_;
  size_t* samples_;
  WindowTracker tracker_;
  std::vector<std::vector<pt::LoadedSeries>> loaded_;  // the loads since the last clear
};

}  // namespace

void WindowTracker::Clear() {
  ++index_;
  evaluated_ = false;
}

bool WindowTracker::Load() {
  if (!evaluated_) return false;
  ++index_;
  evaluated_ = false;
  return true;
}

void WindowTracker::Eval() {
  evaluated_ = true;
}

EvalFootprint Footprint(const pt::EvalCommand& cmd, const pt::RunOptions& run, const EngineTimes& engine) {
  EvalFootprint f;
  auto parsed = promref::promql::ParseExpr(cmd.expr, pt::kScriptParseOptions);
  if (!parsed.ok()) return f;
  f.parsed = true;
  f.steps = SubquerySteps(**parsed, engine);
  f.dependence = AnalyzeTimeDependence(**parsed);
  for (const pt::PlannedQuery& q : pt::QueriesOf(cmd, run)) {
    auto e = promref::promql::ParseExpr(q.expr, pt::kScriptParseOptions);
    if (!e.ok()) continue;
    f.reads.Extend(ReadSpan(**e, {q.start, q.end, q.step}, engine));
  }
  return f;
}

Interval Window::Occupied() const {
  Interval o = data;
  o.Extend(reads);
  return o.Shifted(base_ms);
}

std::optional<std::string> Layout::IsolationProblem(size_t own, const Interval& reads) const {
  if (reads.empty()) return std::nullopt;
  const Interval abs = reads.Shifted(windows[own].base_ms);
  if (abs.lo < span.lo || abs.hi > span.hi) {
    return "it reads samples from " + std::to_string(reads.lo) + "ms to " + std::to_string(reads.hi) +
           "ms, beyond the planned windows, where the endpoint may hold other data";
  }
  for (size_t j = 0; j < windows.size(); ++j) {
    if (j != own && abs.Overlaps(windows[j].DataAbs())) {
      return "it reads samples from " + std::to_string(reads.lo) + "ms to " + std::to_string(reads.hi) +
             "ms, which reach the window of " + windows[j].where;
    }
  }
  return std::nullopt;
}

Layout PlanWindows(const std::vector<const pt::Script*>& scripts, const PlanOptions& options,
                   int64_t end_ms) {
  Layout layout;
  for (const pt::Script* s : scripts) ScriptPlanner(options, &layout.windows, &layout.samples).Plan(*s);
  int64_t cursor = end_ms;
  for (size_t i = layout.windows.size(); i-- > 0;) {
    Window& w = layout.windows[i];
    Interval occ = w.data;
    occ.Extend(w.reads);
    if (occ.empty()) {
      w.base_ms = FloorTo(cursor, w.unit_ms);
      continue;
    }
    w.base_ms = FloorTo(cursor - occ.hi, w.unit_ms);
    cursor = w.base_ms + occ.lo - options.gap_ms;
  }
  layout.span = Interval{cursor + options.gap_ms, end_ms};
  return layout;
}

std::optional<std::string> TimeProblem(const EvalFootprint& f, int64_t base_ms) {
  if (!f.dependence.seconds_per_shift) {
    return "its values depend on absolute time (" + f.dependence.why + "), which moves with the window";
  }
  if (f.dependence.period_ms > 0 && base_ms % f.dependence.period_ms != 0) {
    return "its values depend on the time of day or week, and the window's shift is not a whole multiple "
           "of " +
           std::to_string(f.dependence.period_ms / 1000) + "s";
  }
  for (int64_t step : f.steps) {
    if (step > 0 && base_ms % step != 0) {
      return "a subquery step of " + std::to_string(step) +
             "ms does not divide the window's shift, so its steps would fall elsewhere";
    }
  }
  return std::nullopt;
}

}  // namespace promconform::remote_promqltest
