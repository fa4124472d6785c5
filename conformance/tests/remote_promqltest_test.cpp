// promqltest scripts against remote endpoints (conformance/remote_promqltest):
//   - the static analysis: read spans, subquery steps, time dependence, @ shifting, answers;
//   - the plan over every pinned and upstream script: windows in time order, disjoint, and no
//     evaluation that reads another window's data (the isolation proof);
//   - end to end, the pinned Prometheus module's scripts through remote write and the query
//     API: promref and Prometheus 3.16 get the in-process runner's verdicts (an evaluation
//     passed in process passes remotely or is reported apart as absolute-time; the failures are
//     the same ones); Prometheus 2.42 and VictoriaMetrics run to the end with their data
//     loaded; an endpoint that already holds data in the windows is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/sample.h"
#include "profiles/profile.h"
#include "promql/parser.h"
#include "promqltest/histogram_util.h"
#include "promqltest/in_process_evaluator.h"
#include "promqltest/runner.h"
#include "remote_promqltest/api_answer.h"
#include "remote_promqltest/api_histogram.h"
#include "remote_promqltest/expr_time.h"
#include "remote_promqltest/remote_run.h"
#include "remote_promqltest/window_plan.h"
#include "remote_promqltest/wire_histogram.h"
#include "target/target.h"

namespace promconform::remote_promqltest {
namespace {

namespace fs = std::filesystem;
namespace pq = promref::promql;

constexpr int64_t kMin = 60 * 1000;

pq::ExprPtr Parse(const std::string& s) {
  auto e = pq::ParseExpr(s, {.experimental = true});
  EXPECT_TRUE(e.ok()) << s << ": " << (e.ok() ? "" : e.error().message());
  return e.ok() ? *std::move(e) : nullptr;
}

Interval Span(const std::string& expr, QueryTimes q = {600'000, 600'000, 0}) {
  return ReadSpan(*Parse(expr), q, EngineTimes{});
}

// --- Read spans ---------------------------------------------------------------------------

TEST(ReadSpan, SelectorsReadTheirLookbackRangeAndOffset) {
  const int64_t t = 10 * kMin;
  EXPECT_EQ(Span("foo").lo, t - 5 * kMin);
  EXPECT_EQ(Span("foo").hi, t);
  EXPECT_EQ(Span("rate(foo[1h])").lo, t - 60 * kMin);
  EXPECT_EQ(Span("foo offset 2m").hi, t - 2 * kMin);
  EXPECT_EQ(Span("foo offset -2m").hi, t + 2 * kMin);
  EXPECT_EQ(Span("foo @ 100").lo, 100'000 - 5 * kMin);
  EXPECT_EQ(Span("foo @ 100").hi, 100'000);
  EXPECT_TRUE(Span("1 + 2").empty());
  EXPECT_TRUE(Span("time()").empty());
}

TEST(ReadSpan, RangeQueriesAndQueryRelativeAt) {
  const QueryTimes q{0, 30 * kMin, kMin};
  EXPECT_EQ(Span("foo", q).lo, -5 * kMin);
  EXPECT_EQ(Span("foo", q).hi, 30 * kMin);
  EXPECT_EQ(Span("foo @ start()", q).hi, 0);
  EXPECT_EQ(Span("foo @ end()", q).lo, 25 * kMin);
  // Duration expressions: range() of this query is 30m.
  EXPECT_EQ(Span("rate(foo[range()])", q).lo, -30 * kMin);
}

TEST(ReadSpan, SubqueriesReachBackTheirRangeAndAStep) {
  const int64_t t = 10 * kMin;
  const Interval s = Span("max_over_time(rate(foo[1m])[5m:30s] offset 1m)");
  EXPECT_EQ(s.hi, t - kMin);
  EXPECT_EQ(s.lo, t - kMin - 5 * kMin - 30'000 - kMin);
  // Anchored and smoothed selectors look a lookback further.
  EXPECT_EQ(Span("rate(foo[1m] smoothed)").hi, t + 5 * kMin);
}

TEST(SubquerySteps, WrittenAndDefault) {
  EXPECT_EQ(SubquerySteps(*Parse("max_over_time(foo[5m:7s]) + min_over_time(foo[5m:])"), EngineTimes{}),
            (std::vector<int64_t>{7000, 60'000}));
}

// --- Time dependence ----------------------------------------------------------------------

std::optional<int> ShiftOf(const std::string& expr) {
  return AnalyzeTimeDependence(*Parse(expr)).seconds_per_shift;
}

TEST(TimeDependence, ValuesThatMoveExactlyWithTheWindow) {
  EXPECT_EQ(ShiftOf("foo"), 0);
  EXPECT_EQ(ShiftOf("rate(foo[5m]) * 2"), 0);
  EXPECT_EQ(ShiftOf("time()"), 1);
  EXPECT_EQ(ShiftOf("timestamp(foo)"), 1);
  EXPECT_EQ(ShiftOf("timestamp(foo) - 10"), 1);
  EXPECT_EQ(ShiftOf("max(timestamp(foo))"), 1);
  EXPECT_EQ(ShiftOf("sort(timestamp(foo))"), 1);
  EXPECT_EQ(ShiftOf("time() - timestamp(foo)"), 0);
  EXPECT_EQ(ShiftOf("-time()"), -1);
  EXPECT_EQ(ShiftOf("count(timestamp(foo))"), 0);
  EXPECT_EQ(ShiftOf("timestamp(foo) > time() - 60"), 1);
  EXPECT_EQ(ShiftOf("vector(time())"), 1);
  EXPECT_EQ(ShiftOf("start()"), 1);
}

TEST(TimeDependence, ValuesNoShiftFollows) {
  EXPECT_FALSE(ShiftOf("sum(timestamp(foo))"));
  EXPECT_FALSE(ShiftOf("time() * 2"));
  EXPECT_FALSE(ShiftOf("vector(time()) > 100"));
  EXPECT_FALSE(ShiftOf("month()"));
  EXPECT_FALSE(ShiftOf("year(timestamp(foo))"));
  EXPECT_FALSE(ShiftOf("sum_over_time(vector(time())[1m:10s])"));
  EXPECT_FALSE(ShiftOf("topk(time(), foo)"));
}

TEST(TimeDependence, TimeOfDayNeedsWholeDays) {
  const TimeDependence hour = AnalyzeTimeDependence(*Parse("hour()"));
  EXPECT_EQ(hour.seconds_per_shift, 0);
  EXPECT_EQ(hour.period_ms, 24 * 60 * kMin);
  EXPECT_EQ(AnalyzeTimeDependence(*Parse("day_of_week(timestamp(foo))")).period_ms, 7 * 24 * 60 * kMin);
  EXPECT_EQ(AnalyzeTimeDependence(*Parse("hour(foo)")).period_ms, 0);  // data values do not move
}

TEST(ShiftAtModifiers, MovesTimestampsOnly) {
  EXPECT_EQ(ShiftAtModifiers("foo", 3'600'000), "foo");
  EXPECT_EQ(ShiftAtModifiers("foo @ start()", 3'600'000), "foo @ start()");
  EXPECT_EQ(ShiftAtModifiers("sum(foo @ 100) + max_over_time(bar[5m:1m] @ 50)", 3'600'000),
            "sum(foo @ 3700.000) + max_over_time(bar[5m:1m] @ 3650.000)");
  EXPECT_EQ(ShiftAtModifiers("not ( valid", 1000), "not ( valid");
}

// --- Reading answers ----------------------------------------------------------------------

HttpResponse Answer(long status, std::string body) {
  return HttpResponse{.status = status, .body = std::move(body)};
}

TEST(DecodeQueryAnswer, ValuesAnnotationsAndErrors) {
  auto v = DecodeQueryAnswer(Answer(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"up","job":"a"},"value":[1795000000.5,"NaN"]},
      {"metric":{},"value":[1.5,"+Inf"]}]},"warnings":["w1"],"infos":["i1"]})"));
  ASSERT_TRUE(v.status.ok()) << v.status.error().message();
  ASSERT_EQ(v.value.vector.size(), 2u);
  EXPECT_EQ(v.value.vector[0].t, int64_t{1795000000500});
  EXPECT_TRUE(std::isnan(v.value.vector[0].f));
  EXPECT_EQ(v.value.vector[0].metric.Get("job"), "a");
  EXPECT_TRUE(std::isinf(v.value.vector[1].f));
  EXPECT_EQ(v.annotations.warnings, std::vector<std::string>{"w1"});
  EXPECT_EQ(v.annotations.infos, std::vector<std::string>{"i1"});

  auto m = DecodeQueryAnswer(Answer(200, R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"a":"b"},"values":[[1,"1"],[2,"-2.5"]]}]}})"));
  ASSERT_TRUE(m.status.ok());
  ASSERT_EQ(m.value.matrix.size(), 1u);
  EXPECT_EQ(m.value.matrix[0].floats[1].f, -2.5);

  auto e = DecodeQueryAnswer(Answer(400, R"({"status":"error","errorType":"bad_data",
      "error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})"));
  ASSERT_FALSE(e.status.ok());
  EXPECT_EQ(e.status.error().kind(), promref::ErrorKind::kBadData);
  EXPECT_EQ(e.status.error().message(), "1:5: parse error: unexpected end of input");

  EXPECT_FALSE(DecodeQueryAnswer(Answer(502, "<html>bad gateway</html>")).status.ok());
}

// --- Native histograms --------------------------------------------------------------------

promref::model::FloatHistogram H(const std::string& literal) {
  auto h = pt::ParseHistogramLiteral(literal);
  EXPECT_TRUE(h.ok()) << literal;
  return h.ok() ? *h : promref::model::FloatHistogram{};
}

TEST(HistogramFromApiBuckets, RendersToTheSameBuckets) {
  for (const std::string literal : {
           "{{}}",
           "{{schema:3 count:9 sum:-2 z_bucket:2 z_bucket_w:0.001 offset:-3 buckets:[1 0 2] n_buckets:[3 "
           "1]}}",
           "{{schema:-2 count:3 sum:100 buckets:[1 2]}}",
           "{{schema:8 count:2 sum:1 offset:700 buckets:[1 1]}}",
           "{{schema:-53 count:6 sum:5 custom_values:[0.5 1 5 10] buckets:[1 0 2 0 3]}}",
           "{{schema:-53 count:1 sum:5 custom_values:[1 2 4] offset:1 buckets:[1]}}",  // looks exponential
       }) {
    const promref::model::FloatHistogram h = H(literal);
    auto back = HistogramFromApiBuckets(h.count, h.sum, pt::ApiJsonBuckets(h));
    ASSERT_TRUE(back.ok()) << literal << ": " << back.error().message();
    EXPECT_TRUE(pt::HistogramsMatchAsApiJson(h, *back, 0))
        << literal << " came back as " << pt::HistogramTestExpression(*back);
  }
  // Only the non-empty buckets have bounds: the schema and their indexes are found from them.
  const auto back =
      HistogramFromApiBuckets(3, 0, pt::ApiJsonBuckets(H("{{schema:1 count:3 buckets:[1 0 2]}}")));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(pt::HistogramTestExpression(*back), "{{schema:1 count:3 buckets:[1 0 2]}}");
  // Bounds no schema has.
  EXPECT_FALSE(HistogramFromApiBuckets(1, 0,
                                       {{.lower = 1, .upper = 3, .upper_inclusive = true, .count = 1},
                                        {.lower = -2, .upper = -1, .lower_inclusive = true, .count = 1}})
                   .ok());
}

TEST(HistogramsMatchAsApiJson, JudgesWhatTheJsonShows) {
  const auto a = H("{{schema:0 count:3 sum:5 buckets:[1 2]}}");
  EXPECT_TRUE(pt::HistogramsMatchAsApiJson(a, H("{{schema:0 count:3 sum:5.000001 buckets:[1 2 0]}}"), 1e-6));
  EXPECT_FALSE(pt::HistogramsMatchAsApiJson(a, H("{{schema:0 count:3 sum:5 buckets:[2 1]}}"), 1e-6));
  EXPECT_FALSE(pt::HistogramsMatchAsApiJson(a, H("{{schema:1 count:3 sum:5 buckets:[1 2]}}"), 1e-6));
  EXPECT_FALSE(pt::HistogramsMatchAsApiJson(a, H("{{schema:0 count:4 sum:5 buckets:[1 2]}}"), 1e-6));
  // What the JSON does not carry: the schema of a histogram without buckets, the width of an
  // empty zero bucket, the counter reset hint.
  EXPECT_TRUE(
      pt::HistogramsMatchAsApiJson(H("{{schema:3 count:0 sum:1 z_bucket_w:0.01}}"), H("{{sum:1}}"), 0));
  EXPECT_TRUE(pt::HistogramsMatchAsApiJson(H("{{count:1 counter_reset_hint:gauge buckets:[1]}}"),
                                           H("{{count:1 buckets:[1]}}"), 0));
}

TEST(DecodeQueryAnswer, NativeHistograms) {
  auto v = DecodeQueryAnswer(Answer(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"a":"b"},"histogram":[2,{"count":"4","sum":"3.5","buckets":[
        [1,"-2","-1","1"],[3,"-0.001","0.001","1"],[0,"1","2","2"]]}]},
      {"metric":{},"histogram":[2,{"count":"0","sum":"0"}]}]}})"));
  ASSERT_TRUE(v.status.ok()) << v.status.error().message();
  ASSERT_EQ(v.value.vector.size(), 2u);
  ASSERT_NE(v.value.vector[0].h, nullptr);
  EXPECT_EQ(v.value.vector[0].t, 2000);
  EXPECT_EQ(
      *v.value.vector[0].h,
      H("{{count:4 sum:3.5 z_bucket:1 z_bucket_w:0.001 offset:1 buckets:[2] n_offset:1 n_buckets:[1]}}"));
  EXPECT_EQ(*v.value.vector[1].h, H("{{}}"));

  auto m = DecodeQueryAnswer(Answer(200, R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"a":"b"},"values":[[1,"1"]],"histograms":[[2,{"count":"1","sum":"1",
        "buckets":[[3,"-Inf","1","1"]]}],[3,{"count":"2","sum":"1","buckets":[[0,"1","+Inf","2"]]}]]}]}})"));
  ASSERT_TRUE(m.status.ok()) << m.status.error().message();
  ASSERT_EQ(m.value.matrix.size(), 1u);
  EXPECT_EQ(m.value.matrix[0].floats.size(), 1u);
  ASSERT_EQ(m.value.matrix[0].histograms.size(), 2u);
  EXPECT_EQ(m.value.matrix[0].histograms[1].t, 3000);
  EXPECT_EQ(m.value.matrix[0].histograms[1].h->schema, promref::model::kCustomBucketsSchema);

  EXPECT_FALSE(DecodeQueryAnswer(Answer(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{},"histogram":[1,{"count":"1","sum":"1","buckets":[[7,"1","2","1"]]}]}]}})"))
                   .status.ok());
}

TEST(WireHistogram, FloatCountsSpansBoundsAndHint) {
  const auto w = ToWireHistogram(
      H("{{schema:-53 count:3 sum:2 custom_values:[1 2] counter_reset_hint:gauge buckets:[1 2]}}"), 5000);
  EXPECT_TRUE(w.is_float);
  EXPECT_EQ(w.schema, -53);
  EXPECT_EQ(w.custom_values, (std::vector<double>{1, 2}));
  EXPECT_EQ(w.positive_counts, (std::vector<double>{1, 2}));
  ASSERT_EQ(w.positive_spans.size(), 1u);
  EXPECT_EQ(w.positive_spans[0].length, 2u);
  EXPECT_EQ(w.count_float, 3);
  EXPECT_EQ(w.reset_hint, 3);
  EXPECT_EQ(w.timestamp, 5000);
  const auto stale = StaleWireHistogram(7000);
  EXPECT_TRUE(stale.is_float);
  EXPECT_TRUE(promref::model::IsStaleNaN(stale.sum));
}

TEST(ApiTime, ExactMilliseconds) {
  EXPECT_EQ(ApiTime(0), "0.000");
  EXPECT_EQ(ApiTime(1795000000123), "1795000000.123");
  EXPECT_EQ(ApiTime(-1500), "-1.500");
}

// --- The plan -------------------------------------------------------------------------------

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::vector<std::string> ScriptFiles(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path PinnedDir() {
  return Env("PROMCONFORM_PINNED_PROMQLTEST_DIR", "");
}

fs::path UpstreamDir() {
  return fs::path(Env("PROMCONFORM_UPSTREAM_DIR", "../shared/upstream")) / "promqltest";
}

std::vector<pt::Script> ParseAll(const std::vector<std::string>& files) {
  std::vector<pt::Script> out;
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    pt::ParsedScript p = pt::ParseScript(text.str(), fs::path(f).filename().string());
    if (p.ok()) out.push_back(std::move(p.script));
  }
  return out;
}

pt::RunOptions ExperimentalRun() {
  pt::RunOptions run;
  run.experimental = true;
  return run;
}

// What `promconform promqltest --experimental --native-histograms` runs.
pt::RunOptions NativeHistogramsRun() {
  pt::RunOptions run = ExperimentalRun();
  run.native_histograms = true;
  return run;
}

// Every window after the previous one; no evaluation reads another window's samples.
void ExpectIsolated(const std::vector<std::string>& files) {
  const std::vector<pt::Script> scripts = ParseAll(files);
  std::vector<const pt::Script*> ptrs;
  for (const pt::Script& s : scripts) ptrs.push_back(&s);
  PlanOptions options{.run = ExperimentalRun()};
  const int64_t end = int64_t{1796000000000};
  const Layout layout = PlanWindows(ptrs, options, end);
  ASSERT_GT(layout.windows.size(), scripts.size());
  EXPECT_LE(layout.span.hi, end);
  for (size_t i = 0; i + 1 < layout.windows.size(); ++i) {
    const Interval a = layout.windows[i].Occupied(), b = layout.windows[i + 1].Occupied();
    if (a.empty() || b.empty()) continue;
    EXPECT_LT(a.hi, b.lo) << layout.windows[i].where << " overlaps " << layout.windows[i + 1].where;
  }
  // Replay the run's window sequence and check every eval against every other window's data.
  WindowTracker tracker;
  size_t evals = 0, isolated = 0;
  for (const pt::Script& s : scripts) {
    tracker.Clear();
    for (const pt::Command& c : s.commands) {
      if (std::holds_alternative<pt::ClearCommand>(c)) tracker.Clear();
      if (const auto* load = std::get_if<pt::LoadCommand>(&c)) {
        if (pt::ExpandLoad(*load).ok()) tracker.Load();
      }
      const auto* eval = std::get_if<pt::EvalCommand>(&c);
      if (eval == nullptr) continue;
      tracker.Eval();
      const EvalFootprint f = Footprint(*eval, options.run, options.engine);
      if (!f.parsed) continue;
      ++evals;
      const size_t w = static_cast<size_t>(tracker.index());
      ASSERT_LT(w, layout.windows.size());
      const Interval reads = f.reads.Shifted(layout.windows[w].base_ms);
      bool touches_other = false;
      for (size_t j = 0; j < layout.windows.size(); ++j) {
        touches_other |= j != w && reads.Overlaps(layout.windows[j].DataAbs());
      }
      // IsolationProblem must agree with the brute-force check, and the plan must leave it
      // nothing to refuse.
      const bool outside = !reads.empty() && (reads.lo < layout.span.lo || reads.hi > layout.span.hi);
      EXPECT_EQ(layout.IsolationProblem(w, f.reads).has_value(), touches_other || outside)
          << s.name << ":" << eval->line;
      isolated += !layout.IsolationProblem(w, f.reads).has_value();
    }
  }
  EXPECT_EQ(isolated, evals) << "evaluations the plan could not isolate";
  EXPECT_EQ(static_cast<size_t>(tracker.index()) + 1, layout.windows.size());
}

TEST(WindowPlan, PinnedScriptsAreIsolated) {
  ASSERT_TRUE(!PinnedDir().empty() && fs::exists(PinnedDir())) << "run peers/build, then cmake again";
  ExpectIsolated(ScriptFiles(PinnedDir()));
}

TEST(WindowPlan, UpstreamScriptsAreIsolated) {
  ASSERT_TRUE(fs::exists(UpstreamDir())) << UpstreamDir();
  ExpectIsolated(ScriptFiles(UpstreamDir()));
}

TEST(WindowPlan, LoadsAfterEvalsOpenWindowsAndUnitsFollowSubquerySteps) {
  pt::ParsedScript p = pt::ParseScript(R"(
load 1m
  a 1+1x10

eval instant at 5m max_over_time(a[10m:7m])
  {} 5

load 1m
  b 1x3

eval instant at 2m count({__name__=~"a|b"})
  {} 2

clear

eval instant at 1000000000s vector(1)
  {} 1
)",
                                       "t.test");
  ASSERT_TRUE(p.ok()) << p.error->message;
  PlanOptions options{.run = ExperimentalRun()};
  const Layout layout = PlanWindows({&p.script}, options, int64_t{1796000000000});
  ASSERT_EQ(layout.windows.size(), 3u);
  EXPECT_EQ(layout.windows[0].unit_ms, 7 * kMin);  // lcm(1m, 7m)
  EXPECT_EQ(layout.windows[0].base_ms % (7 * kMin), 0);
  EXPECT_EQ(layout.windows[1].series.size(), 2u);  // a again, and b
  EXPECT_LT(layout.windows[0].Occupied().hi, layout.windows[1].Occupied().lo);
  // vector(1) reads nothing: the far evaluation time does not stretch the window.
  EXPECT_TRUE(layout.windows[2].data.empty());
  EXPECT_TRUE(layout.windows[2].reads.empty());
}

// --- End to end -----------------------------------------------------------------------------

struct Verdicts {
  std::map<std::string, std::string> of;  // "script:line" -> passed | failed | skip category
  size_t Count(const std::string& v) const {
    size_t n = 0;
    for (const auto& [k, x] : of) n += x == v;
    return n;
  }
};

Verdicts VerdictsOf(const std::vector<pt::ScriptReport>& reports) {
  Verdicts v;
  for (const pt::ScriptReport& r : reports) {
    for (const pt::EvalResult& e : r.results) {
      const std::string key = r.name + ":" + std::to_string(e.line);
      v.of[key] =
          e.outcome == pt::Outcome::kSkipped ? "skip:" + e.category : std::string(pt::OutcomeName(e.outcome));
    }
  }
  return v;
}

// `start_timestamps`: whether the remote run it is compared with writes them (otherwise what
// needs them is skipped here too, like for like).
Verdicts InProcess(const std::vector<std::string>& files, bool start_timestamps,
                   const pt::RunOptions& run = NativeHistogramsRun()) {
  pt::InProcessEvaluator evaluator(pt::TestEngineOptions(true));
  pt::RunOptions local = run;
  local.start_timestamps = start_timestamps;
  std::vector<pt::ScriptReport> reports;
  for (const std::string& f : files) {
    auto r = pt::RunScriptFile(f, evaluator, local);
    EXPECT_TRUE(r.ok());
    if (r.ok()) reports.push_back(*std::move(r));
  }
  return VerdictsOf(reports);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Target> Open(const std::string& profile_name, std::vector<std::string> extra_args) {
  auto profile = LoadProfile(profile_name);
  EXPECT_TRUE(profile.ok());
  if (!profile.ok()) return nullptr;
  for (std::string& a : extra_args) profile->launch_args.push_back(std::move(a));
  auto target = Target::Open(*profile);
  EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().message());
  return target.ok() ? *std::move(target) : nullptr;
}

// Prometheus 3.16 and promref as the test engine runs: experimental PromQL, start timestamps
// kept (st-storage) and used.
const std::vector<std::string> kPromqltestFeatures = PromqltestServerArgs(true, true);

// With `start_timestamps` the data goes by remote write 2.0 with the scripts' `@st`.
RemoteRun RunFiles(const Target& target, const std::vector<std::string>& files,
                   const pt::RunOptions& run_options, bool start_timestamps = false) {
  RemoteRunOptions o;
  o.remote.run = run_options;
  o.remote.start_timestamps = start_timestamps;
  o.plan.run = run_options;
  auto run = RunRemote(target, files, o, NowMs());
  EXPECT_TRUE(run.ok()) << (run.ok() ? "" : run.error().message());
  return run.ok() ? *std::move(run) : RemoteRun{};
}

// The pinned scripts, native histograms included (those need a server that stores them).
RemoteRun RunPinned(const Target& target, bool start_timestamps,
                    const pt::RunOptions& run_options = NativeHistogramsRun()) {
  return RunFiles(target, ScriptFiles(PinnedDir()), run_options, start_timestamps);
}

// An evaluation passed in process passes remotely or is reported apart (absolute-time, or
// start-timestamps where the in-process store keeps them: the remote mode does not write them);
// one that fails in process fails remotely too where `same_failures` (the same engine);
// nothing is refused for isolation.
void ExpectInProcessVerdicts(const Verdicts& remote, const Verdicts& local, bool same_failures) {
  size_t moved_apart = 0;
  for (const auto& [key, verdict] : local.of) {
    ASSERT_TRUE(remote.of.count(key)) << key;
    const std::string& r = remote.of.at(key);
    EXPECT_NE(r, "skip:isolation") << key;
    if (verdict == "passed") {
      const bool apart = r == "skip:absolute-time" || r == "skip:start-timestamps";
      EXPECT_TRUE(r == "passed" || apart) << key << " passed in process, remotely " << r;
      moved_apart += apart;
    } else if (verdict == "failed" && same_failures) {
      EXPECT_EQ(r, "failed") << key;
    }
  }
  if (same_failures) {
    EXPECT_EQ(remote.Count("passed") + moved_apart, local.Count("passed")) << "passes";
  } else {
    EXPECT_GE(remote.Count("passed") + moved_apart, local.Count("passed")) << "passes";
  }
  // Reported apart only where the answer follows absolute time: a few dozen, not hundreds.
  EXPECT_LT(remote.Count("skip:absolute-time"), 60u);
}

class RemotePromqltest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(!PinnedDir().empty() && fs::exists(PinnedDir())) << "run peers/build, then cmake again";
  }
};

TEST_F(RemotePromqltest, PromrefGetsTheInProcessVerdicts) {
  auto target = Open("promref", kPromqltestFeatures);
  ASSERT_NE(target, nullptr);
  const RemoteRun run = RunPinned(*target, /*start_timestamps=*/true);
  const Verdicts remote = VerdictsOf(run.reports);
  const Verdicts local = InProcess(ScriptFiles(PinnedDir()), /*start_timestamps=*/true);
  std::cout << "promref remotely: " << remote.Count("passed") << " passed, " << remote.Count("failed")
            << " failed, " << remote.Count("skip:absolute-time") << " absolute-time; in process "
            << local.Count("passed") << " passed, " << local.Count("failed") << " failed; " << run.windows
            << " windows, " << run.stats.samples_written << " samples, " << run.stats.queries << " queries\n";
  ExpectInProcessVerdicts(remote, local, /*same_failures=*/true);
  EXPECT_EQ(remote.Count("failed"), local.Count("failed"));
  EXPECT_GT(run.stats.time_shifted.size(), 20u);  // time(), timestamp() judged, not set aside
  // native_histograms.test and histograms.test ran, but their expected reset hints could not be
  // checked (the JSON has none).
  EXPECT_GT(run.stats.histogram_samples_written, 10000u);
  EXPECT_EQ(run.stats.histogram_samples_dropped, 0u);
  EXPECT_GT(run.stats.unchecked_reset_hints.size(), 20u);
  EXPECT_EQ(remote.Count("skip:native-histograms"), 0u);
  // start_timestamps.test ran on what the TSDB kept of remote write 2.0's start timestamps.
  EXPECT_EQ(remote.Count("skip:start-timestamps"), 0u);
  EXPECT_EQ(remote.of.at("start_timestamps.test:8"), "passed");
}

TEST_F(RemotePromqltest, Prometheus3PassesWhatPassesInProcessAndMore) {
  auto target = Open("prometheus-3", kPromqltestFeatures);
  ASSERT_NE(target, nullptr);
  const Verdicts remote = VerdictsOf(RunPinned(*target, /*start_timestamps=*/true).reports);
  const Verdicts local = InProcess(ScriptFiles(PinnedDir()), /*start_timestamps=*/true);
  std::cout << "Prometheus 3.16 remotely: " << remote.Count("passed") << " passed, " << remote.Count("failed")
            << " failed, " << remote.Count("skip:absolute-time") << " absolute-time\n";
  ExpectInProcessVerdicts(remote, local, /*same_failures=*/false);
  // Its own scripts, asked over the API: nothing fails.
  for (const auto& [key, verdict] : remote.of) EXPECT_NE(verdict, "failed") << key;
}

// Histogram loads of every kind (exponential with zero and negative buckets, custom bounds, a
// series that turns from floats into histograms, a stale marker after histograms, gauge hints)
// and evaluations of them, as instant and range queries: what passes in process passes
// remotely, and a wrong bucket fails remotely too.
constexpr const char* kHistogramScript = R"(load 1m
  h {{schema:0 count:4 sum:10 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1]}}+{{schema:0 count:4 sum:10 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1]}}x4 stale
  nhcb {{schema:-53 sum:5 count:4 custom_values:[1 5 10] buckets:[1 0 2 1]}}x3
  mixed 1 2 {{schema:1 count:1 sum:2 buckets:[1]}} {{schema:1 count:2 sum:4 buckets:[2]}}
  g {{schema:0 count:3 sum:3 counter_reset_hint:gauge buckets:[3]}} {{schema:0 count:1 sum:1 counter_reset_hint:gauge buckets:[1]}}

eval instant at 2m h
  h {{schema:0 count:12 sum:30 z_bucket:3 z_bucket_w:0.001 buckets:[3 6] n_buckets:[3]}}

eval range from 0 to 6m step 1m h
  h {{schema:0 count:4 sum:10 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1]}}+{{schema:0 count:4 sum:10 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1]}}x4 _ _

eval instant at 6m count_over_time(h[10m])
  {} 5

eval instant at 1m nhcb
  nhcb {{schema:-53 sum:5 count:4 custom_values:[1 5 10] buckets:[1 0 2 1]}}

eval instant at 1m histogram_quantile(0.5, nhcb)
  {} 7.5

eval instant at 3m mixed
  mixed {{schema:1 count:2 sum:4 buckets:[2]}}

eval range from 0 to 3m step 1m mixed
  mixed 1 2 {{schema:1 count:1 sum:2 buckets:[1]}} {{schema:1 count:2 sum:4 buckets:[2]}}

eval instant at 1m g
  g {{schema:0 count:1 sum:1 counter_reset_hint:gauge buckets:[1]}}

eval instant at 1m sum(g)
  {} {{schema:0 count:1 sum:1 buckets:[1]}}

eval instant at 2m h
  h {{schema:0 count:12 sum:30 z_bucket:3 z_bucket_w:0.001 buckets:[3 5] n_buckets:[3]}}
)";
constexpr int kWrongBucketLine = 34;  // the last eval

TEST_F(RemotePromqltest, HistogramLoadsAndAnswers) {
  const fs::path file = fs::path(::testing::TempDir()) / "remote_histograms.test";
  std::ofstream(file) << kHistogramScript;
  const std::string wrong = "remote_histograms.test:" + std::to_string(kWrongBucketLine);
  const Verdicts local = InProcess({file.string()}, /*start_timestamps=*/false);
  ASSERT_EQ(local.Count("failed"), 1u);
  ASSERT_EQ(local.of.at(wrong), "failed");
  for (const char* name : {"promref", "prometheus-3"}) {
    auto target = Open(name, kPromqltestFeatures);
    ASSERT_NE(target, nullptr);
    const RemoteRun run = RunFiles(*target, {file.string()}, NativeHistogramsRun());
    const Verdicts remote = VerdictsOf(run.reports);
    EXPECT_EQ(remote.of, local.of) << name;
    EXPECT_EQ(run.stats.unchecked_reset_hints, (std::set<std::string>{"remote_histograms.test:28"})) << name;
    for (const pt::ScriptReport& r : run.reports) {
      for (const pt::EvalResult& e : r.results) {
        if (e.outcome == pt::Outcome::kFailed) {
          EXPECT_EQ(e.category, "wrong-value") << name << ": " << e.message;
        }
      }
    }
  }
}

TEST_F(RemotePromqltest, OlderAndOtherServersRunToTheEnd) {
  for (const char* name : {"prometheus-2.42", "victoriametrics-current"}) {
    const bool vm = std::string(name).starts_with("victoria");
    auto target =
        Open(name, vm ? std::vector<std::string>{"-retentionPeriod=100y"} : PromqltestServerArgs(false));
    ASSERT_NE(target, nullptr);
    const RemoteRun run = RunPinned(*target, /*start_timestamps=*/false, ExperimentalRun());
    const Verdicts remote = VerdictsOf(run.reports);
    std::cout << name << " remotely: " << remote.Count("passed") << " passed, " << remote.Count("failed")
              << " failed\n";
    // The data arrived (selectors.test is plain selection, answered alike since 2.x by both),
    // and the evaluations after the first did not fail for want of it.
    size_t selectors_passed = 0;
    for (const auto& [key, verdict] : remote.of)
      selectors_passed += key.starts_with("selectors.test") && verdict == "passed";
    EXPECT_GT(selectors_passed, 15u) << name;
    EXPECT_GT(remote.Count("passed"), 500u) << name;
  }
}

TEST_F(RemotePromqltest, RefusesAnEndpointThatHoldsDataInTheWindows) {
  auto target = Open("promref", kPromqltestFeatures);
  ASSERT_NE(target, nullptr);
  const std::vector<std::string> files = {(PinnedDir() / "selectors.test").string()};
  RemoteRunOptions o;
  o.remote.run = ExperimentalRun();
  o.plan.run = ExperimentalRun();
  const int64_t now = NowMs();
  auto first = RunRemote(*target, files, o, now);
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = RunRemote(*target, files, o, now);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("already holds samples"), std::string::npos)
      << second.error().message();
}

}  // namespace
}  // namespace promconform::remote_promqltest
