#include "promqltest/runner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "promql/ast.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "promqltest/compare.h"
#include "storage/mem_storage.h"

namespace promref::promqltest {
namespace {

using promql::Expr;
using promql::NodeKind;

// Functions whose value changes with the evaluation time even when their arguments do not
// (Prometheus' AtModifierUnsafeFunctions): their evals get no @ variants. start() and end()
// (experimental) are the query's own start and end, so their instant evals (functions.test)
// cannot hold at other evaluation times either.
bool IsAtModifierUnsafe(std::string_view name) {
  static const std::set<std::string_view> kUnsafe = {
      "days_in_month", "day_of_month",   "day_of_week", "day_of_year", "hour",  "minute", "month",
      "year",          "predict_linear", "time",        "timestamp",   "start", "end"};
  return kUnsafe.count(name) > 0;
}

// Calls f on every direct child expression of e (null children skipped).
template <typename F>
void ForEachChild(Expr& e, F&& f) {
  auto visit = [&](promql::ExprPtr& c) {
    if (c) f(*c);
  };
  switch (e.kind) {
    case NodeKind::kAggregate: {
      auto& a = promql::As<promql::AggregateExpr>(e);
      visit(a.expr);
      visit(a.param);
      break;
    }
    case NodeKind::kBinary: {
      auto& b = promql::As<promql::BinaryExpr>(e);
      visit(b.lhs);
      visit(b.rhs);
      break;
    }
    case NodeKind::kCall:
      for (auto& arg : promql::As<promql::Call>(e).args) visit(arg);
      break;
    case NodeKind::kMatrixSelector: visit(promql::As<promql::MatrixSelector>(e).vector_selector); break;
    case NodeKind::kSubquery: visit(promql::As<promql::SubqueryExpr>(e).expr); break;
    case NodeKind::kParen: visit(promql::As<promql::ParenExpr>(e).expr); break;
    case NodeKind::kUnary: visit(promql::As<promql::UnaryExpr>(e).expr); break;
    case NodeKind::kStepInvariant: visit(promql::As<promql::StepInvariantExpr>(e).expr); break;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kVectorSelector:
    case NodeKind::kDurationExpr: break;
  }
}

void SetAt(promql::TimeModifiers* mods, int64_t t) {
  // A selector with `@ start()` / `@ end()` gets the time too: in Prometheus those leave the
  // timestamp unset, and a set timestamp is what the printed expression shows.
  if (mods->at != promql::AtKind::kTimestamp) {
    mods->at = promql::AtKind::kTimestamp;
    mods->timestamp = t;
  }
}

// Adds `@ t` where Prometheus' harness does; returns whether a time-dependent function occurs
// (outside subqueries, which the walk does not enter).
void AddAtModifiers(Expr& e, int64_t t, bool* unsafe) {
  switch (e.kind) {
    case NodeKind::kVectorSelector: SetAt(&promql::As<promql::VectorSelector>(e).mods, t); return;
    case NodeKind::kSubquery:
      // Everything inside is evaluated relative to the subquery's (now fixed) time.
      SetAt(&promql::As<promql::SubqueryExpr>(e).mods, t);
      return;
    case NodeKind::kCall: {
      const auto& call = promql::As<promql::Call>(e);
      if (call.func != nullptr && IsAtModifierUnsafe(call.func->name)) *unsafe = true;
      break;
    }
    default: break;
  }
  ForEachChild(e, [&](Expr& c) { AddAtModifiers(c, t, unsafe); });
}

// What an expression reads: the matchers of its selectors, whether it calls info() without a
// selector of its own (then it reads target_info), and whether it calls start_timestamp().
struct Reads {
  std::vector<const std::vector<model::Matcher>*> selectors;
  bool target_info = false;
  bool start_timestamp = false;
};

void CollectReads(Expr& e, Reads* r) {
  if (e.kind == NodeKind::kVectorSelector)
    r->selectors.push_back(&promql::As<promql::VectorSelector>(e).matchers);
  if (e.kind == NodeKind::kCall) {
    const auto& call = promql::As<promql::Call>(e);
    if (call.func != nullptr && call.func->name == "info") r->target_info = true;
    if (call.func != nullptr && call.func->name == "start_timestamp") r->start_timestamp = true;
  }
  ForEachChild(e, [&](Expr& c) { CollectReads(c, r); });
}

// What the data loaded since the last clear holds, per series.
struct SeriesTraits {
  bool histograms = false;
  bool start_timestamps = false;
};
using LoadedState = std::map<model::Labels, SeriesTraits>;

struct Needs {
  bool native_histograms = false;
  bool start_timestamps = false;
};

Needs Classify(const EvalCommand& cmd, Expr& expr, const LoadedState& loaded) {
  Needs n;
  n.native_histograms = cmd.ExpectsHistograms();
  Reads reads;
  CollectReads(expr, &reads);
  n.start_timestamps = reads.start_timestamp;
  for (const auto& [labels, traits] : loaded) {
    if (!traits.histograms && !traits.start_timestamps) continue;
    bool touched = reads.target_info && labels.MetricName() == "target_info";
    for (size_t i = 0; i < reads.selectors.size() && !touched; ++i) {
      touched = storage::MatchesAll(labels, *reads.selectors[i]);
    }
    if (touched) {
      n.native_histograms |= traits.histograms;
      n.start_timestamps |= traits.start_timestamps;
    }
  }
  return n;
}

bool CallsQueryContextFunction(std::string_view expr) {
  for (std::string_view f : {"start()", "end()", "range()", "step()"}) {
    if (expr.find(f) != std::string_view::npos) return true;
  }
  return false;
}

std::string Millis(int64_t t) {
  return std::to_string(t) + "ms";
}

class ScriptRun {
 public:
  ScriptRun(Evaluator& evaluator, const RunOptions& options, ScriptReport* report)
      : ev_(evaluator), options_(options), report_(report) {}

  void Run(const Script& script) {
    if (Status st = ev_.Clear(); !st.ok()) {
      Fail(EvalResult{.line = 1}, "clear", "clearing the evaluator: " + st.error().message());
      return;
    }
    for (const Command& c : script.commands) {
      if (const auto* load = std::get_if<LoadCommand>(&c)) {
        RunLoad(*load);
      } else if (const auto* clear = std::get_if<ClearCommand>(&c)) {
        loaded_.clear();
        if (Status st = ev_.Clear(); !st.ok()) {
          Fail(EvalResult{.line = clear->line}, "clear", "clear: " + st.error().message());
        }
      } else {
        RunEval(std::get<EvalCommand>(c));
      }
    }
  }

 private:
  void Add(EvalResult r) {
    switch (r.outcome) {
      case Outcome::kPassed: ++report_->passed; break;
      case Outcome::kFailed: ++report_->failed; break;
      case Outcome::kSkipped: ++report_->skipped; break;
    }
    report_->results.push_back(std::move(r));
  }
  void Fail(EvalResult r, std::string category, std::string message) {
    r.outcome = Outcome::kFailed;
    r.category = std::move(category);
    r.message = std::move(message);
    Add(std::move(r));
  }

  void RunLoad(const LoadCommand& load) {
    auto series = ExpandLoad(load);
    if (!series.ok()) {
      Fail(EvalResult{.line = load.line}, "load",
           "load (line " + std::to_string(load.line) + "): " + series.error().message());
      return;
    }
    for (const LoadedSeries& s : *series) {
      SeriesTraits& t = loaded_[s.labels];
      for (const LoadedSample& sample : s.samples) {
        t.histograms |= sample.h != nullptr;
        t.start_timestamps |= sample.start_timestamp.has_value();
      }
    }
    if (Status st = ev_.Load(*series); !st.ok()) {
      Fail(EvalResult{.line = load.line}, "load",
           "load (line " + std::to_string(load.line) + "): " + st.error().message());
    }
  }

  void RunEval(const EvalCommand& cmd) {
    EvalResult r{.line = cmd.line, .expr = cmd.expr};
    if (std::optional<SkipReason> declined = ev_.BeginEval(cmd)) {
      r.outcome = Outcome::kSkipped;
      r.category = std::move(declined->category);
      r.message = std::move(declined->message);
      Add(std::move(r));
      return;
    }
    // Prometheus' harness refuses a script whose expression does not parse; here that costs
    // only this evaluation.
    auto parsed = promql::ParseExpr(cmd.expr, kScriptParseOptions);
    if (!parsed.ok()) {
      Fail(std::move(r), "parse", "expression does not parse: " + parsed.error().message());
      return;
    }
    const Needs needs = Classify(cmd, **parsed, loaded_);
    r.needs_native_histograms = needs.native_histograms;
    r.needs_start_timestamps = needs.start_timestamps;
    // (Unquoted UTF-8 names count as experimental: a server needs a feature flag for them too.)
    r.needs_experimental = !promql::ParseExpr(cmd.expr, {}).ok();
    const EvaluatorCapabilities caps = ev_.Capabilities();
    std::string skip;
    if (r.needs_native_histograms && !(options_.native_histograms && caps.native_histograms)) {
      skip = "native-histograms";
    } else if (r.needs_start_timestamps && !(options_.start_timestamps && caps.start_timestamps)) {
      skip = "start-timestamps";
    } else if (r.needs_experimental && !options_.experimental) {
      skip = "experimental";
    }
    if (!skip.empty()) {
      r.outcome = Outcome::kSkipped;
      r.category = skip;
      r.message = "needs " + skip;
      Add(std::move(r));
      return;
    }
    std::optional<Mismatch> m = cmd.is_range ? RunRange(cmd) : RunInstant(cmd);
    if (m) {
      Fail(std::move(r), std::move(m->category), std::move(m->message));
    } else {
      Add(std::move(r));
    }
  }

  std::optional<Mismatch> RunRange(const EvalCommand& cmd) {
    promql::QueryResult res = ev_.Range(cmd.expr, cmd.start, cmd.end, cmd.step);
    return CheckQueryResult(cmd, res, cmd.expr, Detail());
  }

  std::optional<Mismatch> RunInstant(const EvalCommand& cmd) {
    std::vector<std::pair<std::string, int64_t>> queries = {{cmd.expr, cmd.eval_time}};
    if (options_.at_modifier_variants) {
      for (auto& v : AtModifierVariants(cmd.expr, cmd.eval_time)) queries.push_back(std::move(v));
    }
    for (size_t i = 0; i < queries.size(); ++i) {
      const auto& [expr, t] = queries[i];
      const std::string stage = i == 0 ? "" : "at-variant/";
      const std::string where = i == 0 ? "" : "[@ variant " + expr + " at " + Millis(t) + "] ";
      promql::QueryResult res = ev_.Instant(expr, t);
      if (auto m = CheckQueryResult(cmd, res, expr, Detail()))
        return Mismatch{stage + m->category, where + m->message};
      if (!res.status.ok()) continue;  // the expected failure
      if (auto m = CheckRangeMode(cmd, res, expr, t)) {
        return Mismatch{"range-mode/" + m->category, where + "[range mode] " + m->message};
      }
    }
    return std::nullopt;
  }

  // The instant query's answer, re-derived from the middle step of a range query around it.
  std::optional<Mismatch> CheckRangeMode(const EvalCommand& cmd, const promql::QueryResult& instant,
                                         const std::string& expr, int64_t t) {
    if (!options_.range_mode_check || cmd.exclude_from_range_query || CallsQueryContextFunction(expr)) {
      return std::nullopt;
    }
    promql::QueryResult res = ev_.Range(expr, t - kRangeModeStepMs, t + kRangeModeStepMs, kRangeModeStepMs);
    const std::string where =
        " evaluating query " + expr + " (line " + std::to_string(cmd.line) + ") in range mode";
    if (!res.status.ok())
      return Mismatch{"unexpected-error", "error" + where + ": " + res.status.error().message()};
    // Range results are always sorted by labels, so order cannot be checked this way.
    if (cmd.IsOrdered()) return std::nullopt;
    if (res.value.type != promql::ResultType::kMatrix) {
      return Mismatch{"wrong-type", "range query did not return a matrix" + where};
    }
    const promql::Matrix& m = res.value.matrix;
    for (size_t i = 0; i + 1 < m.size(); ++i) {
      if (Compare(m[i].metric, m[i + 1].metric) > 0) {
        return Mismatch{"unsorted", "matrix results should always be sorted by labels, but series " +
                                        m[i + 1].metric.ToString() + " comes after " +
                                        m[i].metric.ToString() + where};
      }
    }
    promql::Value value;
    value.type = promql::ResultType::kVector;
    for (const promql::Series& s : m) {
      for (const promql::FPoint& p : s.floats) {
        if (p.t == t) {
          value.vector.push_back(promql::Sample{.metric = s.metric, .t = p.t, .f = p.f});
          break;
        }
      }
      for (const promql::HPoint& p : s.histograms) {
        if (p.t == t) {
          value.vector.push_back(promql::Sample{.metric = s.metric, .t = p.t, .h = p.h});
          break;
        }
      }
    }
    if (instant.value.type == promql::ResultType::kScalar) {
      if (value.vector.empty()) return Mismatch{"missing-series", "no value at the evaluation time" + where};
      value.type = promql::ResultType::kScalar;
      value.scalar = value.vector.front().f;
    }
    if (auto mm = CompareResult(cmd, value, Detail())) {
      mm->message =
          "error in eval " + expr + " (line " + std::to_string(cmd.line) + ") range mode: " + mm->message;
      return mm;
    }
    return std::nullopt;
  }

  HistogramDetail Detail() const { return ev_.Capabilities().histogram_detail; }

  Evaluator& ev_;
  const RunOptions& options_;
  ScriptReport* report_;
  LoadedState loaded_;
};

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPassed: return "passed";
    case Outcome::kFailed: return "failed";
    case Outcome::kSkipped: return "skipped";
  }
  return "?";
}

std::vector<std::pair<std::string, int64_t>> AtModifierVariants(std::string_view expr, int64_t t) {
  auto parsed = promql::ParseExpr(expr, kScriptParseOptions);
  if (!parsed.ok()) return {};
  bool unsafe = false;
  AddAtModifiers(**parsed, t, &unsafe);
  if (unsafe) return {};
  const std::string text = promql::ToString(**parsed);
  std::vector<int64_t> times = {-10 * t, 0, t / 5, t, 10 * t};
  if (t == 0) times = {-1000, 0, 1000};
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(times.size());
  for (int64_t et : times) out.emplace_back(text, et);
  return out;
}

std::vector<PlannedQuery> QueriesOf(const EvalCommand& cmd, const RunOptions& options) {
  if (cmd.is_range) return {{cmd.expr, cmd.start, cmd.end, cmd.step}};
  std::vector<std::pair<std::string, int64_t>> instants = {{cmd.expr, cmd.eval_time}};
  if (options.at_modifier_variants) {
    for (auto& v : AtModifierVariants(cmd.expr, cmd.eval_time)) instants.push_back(std::move(v));
  }
  std::vector<PlannedQuery> out;
  for (auto& [expr, t] : instants) {
    const bool range_mode =
        options.range_mode_check && !cmd.exclude_from_range_query && !CallsQueryContextFunction(expr);
    out.push_back({expr, t, t, 0});
    if (range_mode) out.push_back({expr, t - kRangeModeStepMs, t + kRangeModeStepMs, kRangeModeStepMs});
  }
  return out;
}

ScriptReport RunScript(const Script& script, Evaluator& evaluator, const RunOptions& options) {
  ScriptReport report;
  report.name = script.name;
  ScriptRun(evaluator, options, &report).Run(script);
  return report;
}

ScriptReport RunScriptText(std::string_view text, std::string name, Evaluator& evaluator,
                           const RunOptions& options) {
  ParsedScript parsed = ParseScript(text, std::move(name));
  if (!parsed.ok()) {
    ScriptReport report;
    report.name = parsed.script.name;
    report.failed = 1;
    report.results.push_back(EvalResult{.line = parsed.error->line,
                                        .outcome = Outcome::kFailed,
                                        .category = "script",
                                        .message = parsed.error->ToString(report.name)});
    return report;
  }
  return RunScript(parsed.script, evaluator, options);
}

Result<ScriptReport> RunScriptFile(const std::string& path, Evaluator& evaluator, const RunOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadData("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return RunScriptText(text.str(), std::filesystem::path(path).filename().string(), evaluator, options);
}

}  // namespace promref::promqltest
