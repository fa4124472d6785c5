// The runner's protocol, against a scripted Evaluator that records what it is asked and
// answers from a table (it evaluates no PromQL): which queries an eval becomes (@ variants,
// range mode), what a load writes, how evaluations are classified and skipped, and how
// failures are reported.
#include "promqltest/runner.h"

#include <gtest/gtest.h>

#include <functional>

#include "model/sample.h"
#include "promqltest/evaluator.h"
#include "promqltest/in_process_evaluator.h"

namespace promref::promqltest {
namespace {

using model::Labels;

struct Call {
  std::string kind;  // "clear", "load", "instant", "range"
  std::string expr;
  int64_t start = 0, end = 0, step = 0;
};

class ScriptedEvaluator : public Evaluator {
 public:
  using Answer = std::function<promql::QueryResult(const Call&)>;
  explicit ScriptedEvaluator(Answer answer, EvaluatorCapabilities caps = {.native_histograms = true})
      : answer_(std::move(answer)), caps_(caps) {}

  std::string Describe() const override { return "scripted"; }
  EvaluatorCapabilities Capabilities() const override { return caps_; }
  Status Clear() override {
    calls.push_back({"clear"});
    return {};
  }
  Status Load(const std::vector<LoadedSeries>& series) override {
    calls.push_back({"load"});
    loaded.push_back(series);
    if (fail_loads) return BadData("out of order sample");
    return {};
  }
  promql::QueryResult Instant(std::string_view expr, int64_t t) override {
    calls.push_back({"instant", std::string(expr), t, t, 0});
    return answer_(calls.back());
  }
  promql::QueryResult Range(std::string_view expr, int64_t start, int64_t end, int64_t step) override {
    calls.push_back({"range", std::string(expr), start, end, step});
    return answer_(calls.back());
  }

  std::vector<Call> calls;
  std::vector<std::vector<LoadedSeries>> loaded;
  bool fail_loads = false;

 private:
  Answer answer_;
  EvaluatorCapabilities caps_;
};

// Answers every query with the series `m{a="1"}` at `value`: a vector for instant queries, a
// point per step for range queries.
ScriptedEvaluator::Answer Constant(double value, std::vector<std::string> warnings = {}) {
  return [value, warnings](const Call& c) {
    promql::QueryResult r;
    r.annotations.warnings = warnings;
    const Labels l{{"__name__", "m"}, {"a", "1"}};
    if (c.kind == "instant") {
      r.value.type = promql::ResultType::kVector;
      r.value.vector.push_back(promql::Sample{.metric = l, .t = c.start, .f = value});
    } else {
      r.value.type = promql::ResultType::kMatrix;
      promql::Series s{.metric = l};
      for (int64_t t = c.start; t <= c.end; t += c.step) s.floats.push_back({t, value});
      r.value.matrix.push_back(s);
    }
    return r;
  };
}

ScriptReport RunText(ScriptedEvaluator& ev, std::string_view text, RunOptions options = {}) {
  return RunScriptText(text, "t.test", ev, options);
}

std::vector<std::string> Queries(const ScriptedEvaluator& ev) {
  std::vector<std::string> out;
  for (const Call& c : ev.calls) {
    if (c.kind == "instant") out.push_back("instant " + c.expr + " @" + std::to_string(c.start));
    if (c.kind == "range") {
      out.push_back("range " + c.expr + " " + std::to_string(c.start) + ".." + std::to_string(c.end) + "/" +
                    std::to_string(c.step));
    }
  }
  return out;
}

TEST(AtModifierVariants, AsPrometheusBuildsThem) {
  auto v = AtModifierVariants("m", 3000000);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].first, "m @ 3000.000");
  std::vector<int64_t> times;
  for (auto& [e, t] : v) times.push_back(t);
  EXPECT_EQ(times, (std::vector<int64_t>{-30000000, 0, 600000, 3000000, 30000000}));
  v = AtModifierVariants("m", 0);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].first, "m @ 0.000");
  EXPECT_EQ(v[0].second, -1000);
  EXPECT_EQ(v[2].second, 1000);

  EXPECT_EQ(AtModifierVariants("rate(m[5m]) + n offset 1m", 60000)[0].first,
            "rate(m[5m] @ 60.000) + n @ 60.000 offset 1m");
  // An explicit @ stays; @ start() becomes the time; subqueries get it, their insides do not.
  EXPECT_EQ(AtModifierVariants("m @ 10 + n @ start()", 60000)[0].first, "m @ 10.000 + n @ 60.000");
  EXPECT_EQ(AtModifierVariants("max_over_time(rate(m[1m])[5m:1m])", 60000)[0].first,
            "max_over_time(rate(m[1m])[5m:1m] @ 60.000)");
  // Time-dependent functions outside subqueries: no variants; inside: variants.
  EXPECT_TRUE(AtModifierVariants("time()", 60000).empty());
  EXPECT_TRUE(AtModifierVariants("timestamp(m)", 60000).empty());
  EXPECT_TRUE(AtModifierVariants("hour(m) + 1", 60000).empty());
  EXPECT_EQ(AtModifierVariants("max_over_time(vector(time())[5m:1m])", 60000).size(), 5u);
  EXPECT_EQ(AtModifierVariants("1 + 1", 60000)[0].first, "1 + 1");
  EXPECT_EQ(AtModifierVariants("m", -60000)[1].first, "m @ -60.000");
  EXPECT_TRUE(AtModifierVariants("m{", 60000).empty());
}

TEST(Runner, InstantEvalIsTwelveQueries) {
  ScriptedEvaluator ev(Constant(1));
  ScriptReport r = RunText(ev, "load 1m\n  m{a=\"1\"} 1\n\neval instant at 1m m\n  m{a=\"1\"} 1\n");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].outcome, Outcome::kPassed) << r.results[0].message;
  EXPECT_EQ(r.passed, 1u);
  const std::vector<std::string> want = {
      "instant m @60000",
      "range m 0..120000/60000",
      "instant m @ 60.000 @-600000",
      "range m @ 60.000 -660000..-540000/60000",
      "instant m @ 60.000 @0",
      "range m @ 60.000 -60000..60000/60000",
      "instant m @ 60.000 @12000",
      "range m @ 60.000 -48000..72000/60000",
      "instant m @ 60.000 @60000",
      "range m @ 60.000 0..120000/60000",
      "instant m @ 60.000 @600000",
      "range m @ 60.000 540000..660000/60000",
  };
  EXPECT_EQ(Queries(ev), want);
  ASSERT_GE(ev.calls.size(), 2u);
  EXPECT_EQ(ev.calls[0].kind, "clear");
  EXPECT_EQ(ev.calls[1].kind, "load");
}

TEST(Runner, RangeEvalIsOneQuery) {
  ScriptedEvaluator ev(Constant(1));
  ScriptReport r = RunText(ev, "eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1x2\n");
  EXPECT_EQ(r.results[0].outcome, Outcome::kPassed) << r.results[0].message;
  EXPECT_EQ(Queries(ev), (std::vector<std::string>{"range m 0..120000/60000"}));
}

TEST(Runner, OptionsNarrowTheQueries) {
  ScriptedEvaluator ev(Constant(1));
  RunOptions o;
  o.at_modifier_variants = false;
  RunText(ev, "eval instant at 1m m\n  m{a=\"1\"} 1\n", o);
  EXPECT_EQ(Queries(ev).size(), 2u);
  ScriptedEvaluator ev2(Constant(1));
  o.range_mode_check = false;
  RunText(ev2, "eval instant at 1m m\n  m{a=\"1\"} 1\n", o);
  EXPECT_EQ(Queries(ev2).size(), 1u);
}

TEST(Runner, NoRangeModeWhereExcluded) {
  for (std::string_view script : {"eval instant at 1m \"x\"\n  expect string \"x\"\n",
                                  "eval instant at 1m m[1m]\n  expect range vector from 0 to 1m step 1m\n",
                                  "eval instant at 1m m + step()\n", "eval instant at 1m time()\n"}) {
    ScriptedEvaluator ev(Constant(1));
    RunText(ev, script);
    for (const Call& c : ev.calls) EXPECT_NE(c.kind, "range") << script;
  }
  // A failing query that is expected to fail: no range mode either, and every variant runs.
  ScriptedEvaluator failing([](const Call&) {
    promql::QueryResult r;
    r.status = Error(ErrorKind::kExecution, "boom");
    return r;
  });
  ScriptReport r = RunText(failing, "eval instant at 1m m\n  expect fail msg: boom\n");
  EXPECT_EQ(r.results[0].outcome, Outcome::kPassed) << r.results[0].message;
  EXPECT_EQ(Queries(failing).size(), 6u);
  // Ordered: the range query runs (it must not fail) but is not compared.
  ScriptedEvaluator ordered(Constant(2));
  r = RunText(ordered, "eval instant at 1m m\n  expect ordered\n  m{a=\"1\"} 2\n");
  EXPECT_EQ(r.results[0].outcome, Outcome::kPassed) << r.results[0].message;
  EXPECT_EQ(Queries(ordered).size(), 12u);
}

TEST(Runner, FailuresSayWhere) {
  // Wrong everywhere: the main query reports it.
  ScriptedEvaluator wrong(Constant(2));
  ScriptReport r = RunText(wrong, "eval instant at 1m m\n  m{a=\"1\"} 1\n");
  ASSERT_EQ(r.results[0].outcome, Outcome::kFailed);
  EXPECT_EQ(r.results[0].category, "wrong-value");
  EXPECT_EQ(r.results[0].line, 1);
  EXPECT_EQ(r.results[0].message,
            "error in eval m (line 1): expected 1 for {__name__=\"m\", a=\"1\"} but got 2");
  EXPECT_EQ(r.failed, 1u);

  // Wrong only in range queries.
  ScriptedEvaluator range_only([](const Call& c) { return Constant(c.kind == "range" ? 2 : 1)(c); });
  r = RunText(range_only, "eval instant at 1m m\n  m{a=\"1\"} 1\n");
  EXPECT_EQ(r.results[0].category, "range-mode/wrong-value");
  EXPECT_NE(r.results[0].message.find("range mode"), std::string::npos);

  // Wrong only with @.
  ScriptedEvaluator at_only(
      [](const Call& c) { return Constant(c.expr.find('@') != std::string::npos ? 3 : 1)(c); });
  r = RunText(at_only, "eval instant at 1m m\n  m{a=\"1\"} 1\n");
  EXPECT_EQ(r.results[0].category, "at-variant/wrong-value");
  EXPECT_EQ(r.results[0].message.rfind("[@ variant m @ 60.000 at -600000ms] ", 0), 0u)
      << r.results[0].message;

  // Annotations are only checked when the instant query succeeds, before the values.
  ScriptedEvaluator warns(Constant(1, {"PromQL warning: w (1:1)"}));
  r = RunText(warns, "eval instant at 1m m\n  expect no_warn\n  m{a=\"1\"} 1\n");
  EXPECT_EQ(r.results[0].category, "annotations");
}

TEST(Runner, LoadsExpandedData) {
  ScriptedEvaluator ev(Constant(1));
  RunText(ev, R"(load 30s
  m{a="1"} 1 _ stale 4
  m{a="1"} 5 6
  n_bucket{le="1"} 1 2
  n_bucket{le="+Inf"} 2 4
  n_count 2 4
  n_sum 3 6

load_with_nhcb 1m
  h_bucket{le="1"} 1 2
  h_bucket{le="+Inf"} 2 4
  h_sum 3 6
  plain 7

clear
)");
  ASSERT_EQ(ev.loaded.size(), 2u);
  const auto& first = ev.loaded[0];
  ASSERT_EQ(first.size(), 5u);  // a later definition of m{a="1"} replaced the first
  EXPECT_EQ(first[0].labels, (Labels{{"__name__", "m"}, {"a", "1"}}));
  ASSERT_EQ(first[0].samples.size(), 2u);
  EXPECT_EQ(first[0].samples[1].t, 30000);
  EXPECT_EQ(first[0].samples[1].f, 6);

  const auto& second = ev.loaded[1];
  ASSERT_EQ(second.size(), 5u);  // four loaded series and one NHCB
  const LoadedSeries& nhcb = second.back();
  EXPECT_EQ(nhcb.labels, (Labels{{"__name__", "h"}}));
  ASSERT_EQ(nhcb.samples.size(), 2u);
  ASSERT_TRUE(nhcb.samples[1].h);
  EXPECT_EQ(nhcb.samples[1].t, 60000);
  EXPECT_EQ(nhcb.samples[1].h->custom_values, (std::vector<double>{1}));
  EXPECT_EQ(nhcb.samples[1].h->positive_buckets, (std::vector<double>{2, 2}));
  EXPECT_EQ(nhcb.samples[1].h->count, 4);
  EXPECT_EQ(nhcb.samples[1].h->sum, 6);
  EXPECT_EQ(ev.calls.back().kind, "clear");
}

TEST(Runner, ExpandLoadStaleAndStartTimestamps) {
  ParsedScript p = ParseScript("load 1m\n  @st -1s\n  a 1 stale\n  b@st _ -30s\n  b 1 2\n", "t");
  ASSERT_TRUE(p.ok());
  auto series = ExpandLoad(std::get<LoadCommand>(p.script.commands[0]));
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_TRUE(model::IsStaleNaN((*series)[0].samples[1].f));
  EXPECT_EQ((*series)[0].samples[1].start_timestamp, 59000);
  EXPECT_FALSE((*series)[1].samples[0].start_timestamp);
  EXPECT_EQ((*series)[1].samples[1].start_timestamp, 30000);

  ParsedScript bad = ParseScript("load_with_nhcb 1m\n  x_bucket 1\n", "t");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(ExpandLoad(std::get<LoadCommand>(bad.script.commands[0])).ok());
}

TEST(Runner, ClassifiesAndSkips) {
  const std::string script = R"(load 1m
  floats 1 2
  hist {{sum:1 count:1}} {{sum:2 count:2}}
  st@st _ -1s
  st 1 2

eval instant at 1m floats
  floats 2

eval instant at 1m hist
  hist {{sum:2 count:2}}

eval instant at 1m {__name__=~".+"} * 0

eval instant at 1m st

eval instant at 1m start_timestamp(floats)

eval instant at 1m vector(1)
  {} {{sum:1}}

eval instant at 1m limitk(1, floats)
  floats 2

clear

eval instant at 1m hist
)";
  ScriptedEvaluator ev(Constant(2));
  ScriptReport r = RunText(ev, script);
  ASSERT_EQ(r.results.size(), 8u);
  auto skipped_for = [&](size_t i) {
    return r.results[i].outcome == Outcome::kSkipped ? r.results[i].category : std::string("ran");
  };
  EXPECT_EQ(skipped_for(0), "ran");
  EXPECT_EQ(skipped_for(1), "native-histograms");
  EXPECT_TRUE(r.results[1].needs_native_histograms);
  EXPECT_EQ(skipped_for(2), "native-histograms");
  EXPECT_TRUE(r.results[2].needs_start_timestamps);
  EXPECT_EQ(skipped_for(3), "start-timestamps");
  EXPECT_EQ(skipped_for(4), "start-timestamps");
  EXPECT_EQ(skipped_for(5), "native-histograms");
  EXPECT_EQ(skipped_for(6), "ran");
  EXPECT_TRUE(r.results[6].needs_experimental);
  EXPECT_EQ(skipped_for(7), "ran");  // after clear, `hist` is no series at all
  EXPECT_EQ(r.skipped, 5u);

  RunOptions o;
  o.native_histograms = true;
  o.experimental = false;
  ScriptedEvaluator ev2(Constant(2));
  r = RunText(ev2, script, o);
  EXPECT_EQ(r.results[1].outcome, Outcome::kFailed);  // ran: the scripted answer is a float
  EXPECT_EQ(r.results[3].category, "start-timestamps");
  EXPECT_EQ(r.results[6].category, "experimental");

  // An evaluator that cannot store histograms skips them even when asked.
  ScriptedEvaluator ev3(Constant(2), {.native_histograms = false});
  r = RunText(ev3, script, o);
  EXPECT_EQ(r.results[1].category, "native-histograms");
  // One that stores start timestamps runs those evaluations.
  ScriptedEvaluator ev4(Constant(2), {.native_histograms = true, .start_timestamps = true});
  r = RunText(ev4, script, o);
  EXPECT_NE(r.results[3].outcome, Outcome::kSkipped);
}

TEST(Runner, ScriptLoadAndParseErrors) {
  ScriptedEvaluator ev(Constant(1));
  ScriptReport r = RunText(ev, "load 1m\n  m 1\n\nbogus\n");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].category, "script");
  EXPECT_EQ(r.results[0].line, 4);
  EXPECT_EQ(r.results[0].message, "t.test:4: invalid command \"bogus\"");
  EXPECT_TRUE(ev.calls.empty());

  ScriptedEvaluator failing_load(Constant(1));
  failing_load.fail_loads = true;
  r = RunText(failing_load, "load 1m\n  m{a=\"1\"} 1\n\neval instant at 0 m\n  m{a=\"1\"} 1\n");
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].category, "load");
  EXPECT_EQ(r.results[0].line, 1);
  EXPECT_EQ(r.results[0].message, "load (line 1): out of order sample");
  EXPECT_EQ(r.results[1].outcome, Outcome::kPassed);

  ScriptedEvaluator parse(Constant(1));
  r = RunText(parse, "eval instant at 0 sum(\n");
  EXPECT_EQ(r.results[0].category, "parse");
  EXPECT_NE(r.results[0].message.find("parse error"), std::string::npos);
  EXPECT_TRUE(Queries(parse).empty());
}

TEST(Runner, TestEngineOptionsArePrometheusTestDefaults) {
  promql::EngineOptions o = TestEngineOptions();
  EXPECT_EQ(o.lookback_delta_ms, 300000);
  EXPECT_EQ(o.max_samples, 10000);
  EXPECT_EQ(o.timeout_ms, 100000);
  EXPECT_EQ(o.default_subquery_step_ms, 60000);
  EXPECT_TRUE(o.enable_experimental);
  EXPECT_TRUE(o.enable_delayed_name_removal);
  EXPECT_TRUE(o.use_start_timestamps);  // UseStartTimestamps: true, whatever the experimental switch
  EXPECT_TRUE(TestEngineOptions(false).use_start_timestamps);
  EXPECT_FALSE(TestEngineOptions(false).enable_experimental);
}

}  // namespace
}  // namespace promref::promqltest
