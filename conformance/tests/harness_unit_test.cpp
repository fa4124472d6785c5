// Unit tests of the harness' judging and reporting: the normaliser (HTTP response -> what is
// judged), the comparer (tolerance, NaN, order, label sets, status and errorType, annotations,
// partial expectations) and the report writers (JSON round trip, JUnit, Markdown, regressions).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compare/comparer.h"
#include "compare/normalize.h"
#include "datasets/dataset.h"
#include "fixtures/fixture_store.h"
#include "profiles/profile.h"
#include "report/compare_report.h"
#include "report/results.h"
#include "report/writers.h"
#include "runner/runner.h"
#include "suites/case.h"

namespace promconform {
namespace {

using nlohmann::json;

constexpr int64_t kBase = 1'700'000'100'000;  // ms

HttpResponse JsonResponse(long status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  r.body = body.dump();
  return r;
}

json VectorBody(const std::vector<std::pair<json, std::string>>& items, double t_seconds) {
  json result = json::array();
  for (const auto& [metric, value] : items)
    result.push_back({{"metric", metric}, {"value", {t_seconds, value}}});
  return {{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
}

bool Equal(const json& e, const json& a, const CompareOptions& o = {}) {
  return CompareNormalized(e, a, o).equal;
}

// ---------------------------------------------------------------------------------------------
// Normaliser

TEST(Normalize, QueryTimestampsBecomeRelativeMillisAndEnvelopeIsKept) {
  Exchange e;
  e.mode = NormalizeMode::kQuery;
  const double t = (kBase + 750'234) / 1000.0;
  json body = VectorBody({{{{"__name__", "up"}, {"job", "a"}}, "1"}}, t);
  body["warnings"] = {"b", "a"};
  json n = Normalize(JsonResponse(200, body), e, {kBase, false});
  EXPECT_EQ(n["http"], 200);
  EXPECT_EQ(n["content_type"], "application/json");
  EXPECT_EQ(n["status"], "success");
  EXPECT_EQ(n["data"]["resultType"], "vector");
  EXPECT_EQ(n["data"]["result"][0]["value"][0], 750'234);
  EXPECT_EQ(n["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(n["warnings"], json({"a", "b"}));  // a set: sorted
}

TEST(Normalize, ErrorsKeepTypeAndMessageApart) {
  Exchange e;
  json n =
      Normalize(JsonResponse(400, {{"status", "error"}, {"errorType", "bad_data"}, {"error", "parse error"}}),
                e, {kBase, false});
  EXPECT_EQ(n["http"], 400);
  EXPECT_EQ(n["errorType"], "bad_data");
  EXPECT_EQ(n["error"], "parse error");
  EXPECT_FALSE(n.contains("data"));
}

TEST(Normalize, SeriesAndStringSetsAreSorted) {
  Exchange e;
  e.mode = NormalizeMode::kStringSet;
  json n = Normalize(JsonResponse(200, {{"status", "success"}, {"data", {"job", "__name__", "instance"}}}), e,
                     {kBase, false});
  EXPECT_EQ(n["data"], json({"__name__", "instance", "job"}));
}

TEST(Normalize, TransportErrorsAndRemoteWritesAndText) {
  Exchange e;
  HttpResponse refused;
  refused.transport_error = "connection refused";
  EXPECT_EQ(Normalize(refused, e, {})["transport_error"], "connection refused");

  e.mode = NormalizeMode::kRemoteWrite;
  HttpResponse w;
  w.status = 204;
  json n = Normalize(w, e, {});
  EXPECT_EQ(n["http_class"], "2xx");
  EXPECT_FALSE(n.contains("http"));

  e.mode = NormalizeMode::kQuery;
  HttpResponse html;
  html.status = 404;
  html.body = "404 page not found";
  n = Normalize(html, e, {});
  EXPECT_EQ(n["http"], 404);
  EXPECT_EQ(n["body"], "404 page not found");
}

// Remote write 2.0's *-Written headers are kept (and compared) when the exchange names them;
// an absent header is "".
TEST(Normalize, RemoteWritesKeepTheHeadersTheExchangeNames) {
  Exchange e;
  e.mode = NormalizeMode::kRemoteWrite;
  HttpResponse w;
  w.status = 400;
  w.body = "out of order sample\n";
  w.headers = {{"X-Prometheus-Remote-Write-Samples-Written", "2"}};
  EXPECT_FALSE(Normalize(w, e, {}).contains("headers"));
  e.compare_headers = {"x-prometheus-remote-write-samples-written",
                       "x-prometheus-remote-write-exemplars-written"};
  const json n = Normalize(w, e, {});
  EXPECT_EQ(n["headers"], json({{"x-prometheus-remote-write-samples-written", "2"},
                                {"x-prometheus-remote-write-exemplars-written", ""}}));
  json other = n;
  other["headers"]["x-prometheus-remote-write-samples-written"] = "3";
  EXPECT_TRUE(CompareNormalized(n, n, {}).equal);
  EXPECT_FALSE(CompareNormalized(other, n, {}).equal);
}

TEST(Normalize, TimestampValuesBecomeSecondsAfterTheBase) {
  Exchange e;
  const double t = (kBase + 60'000) / 1000.0;
  json body = VectorBody({{json::object(), "1700000160"}}, t);
  json n = Normalize(JsonResponse(200, body), e, {kBase, true});
  EXPECT_EQ(n["data"]["result"][0]["value"][1], "60");
}

// ---------------------------------------------------------------------------------------------
// Comparer

json Vector(const std::vector<std::pair<json, std::string>>& items, int64_t t = 1000) {
  json result = json::array();
  for (const auto& [m, v] : items) result.push_back({{"metric", m}, {"value", {t, v}}});
  return {{"http", 200}, {"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
}

TEST(Comparer, FloatToleranceIsRelativeAndNaNEqualsNaN) {
  ValueTolerance tol;  // 1e-5 relative
  EXPECT_TRUE(ValuesEqual("1", "1.000001", tol));
  EXPECT_FALSE(ValuesEqual("1", "1.001", tol));
  EXPECT_TRUE(ValuesEqual("NaN", "NaN", tol));
  EXPECT_FALSE(ValuesEqual("NaN", "0", tol));
  EXPECT_TRUE(ValuesEqual("+Inf", "+Inf", tol));
  EXPECT_FALSE(ValuesEqual("+Inf", "-Inf", tol));
  EXPECT_FALSE(ValuesEqual("0", "1e-300", tol));
  EXPECT_TRUE(ValuesEqual("0", "1e-300", {1e-5, 1e-200}));
}

TEST(Comparer, VectorsMatchBySeriesNotPosition) {
  json e = Vector({{{{"job", "a"}}, "1"}, {{{"job", "b"}}, "2"}});
  json a = Vector({{{{"job", "b"}}, "2"}, {{{"job", "a"}}, "1"}});
  EXPECT_TRUE(Equal(e, a));
}

TEST(Comparer, OrderIsComparedWhereTheQueryDefinesIt) {
  json e = Vector({{{{"job", "a"}}, "1"}, {{{"job", "b"}}, "2"}});
  json a = Vector({{{{"job", "b"}}, "2"}, {{{"job", "a"}}, "1"}});
  CompareOptions o;
  o.order.by = "value_asc";
  CompareResult r = CompareNormalized(e, a, o);
  EXPECT_FALSE(r.equal);
  ASSERT_FALSE(r.diffs.empty());
  EXPECT_NE(r.diffs[0].find("order"), std::string::npos) << r.diffs[0];
}

TEST(Comparer, LabelSetsAreExactAndDiffsNameTheSeries) {
  json e = Vector({{{{"__name__", "up"}, {"job", "a"}}, "1"}});
  json a = Vector({{{{"__name__", "up"}, {"job", "a"}, {"extra", "x"}}, "1"}});
  CompareResult r = CompareNormalized(e, a, {});
  EXPECT_FALSE(r.equal);
  std::string all;
  for (const auto& d : r.diffs) all += d + "\n";
  EXPECT_NE(all.find("missing series"), std::string::npos) << all;
  EXPECT_NE(all.find("unexpected series"), std::string::npos) << all;
  // A profile tweak may drop a label the vendor adds.
  CompareOptions o;
  o.drop_labels = {"extra"};
  EXPECT_TRUE(Equal(e, a, o));
}

TEST(Comparer, ValuesAndTimestampsDiffer) {
  json e = Vector({{{{"job", "a"}}, "1"}});
  CompareResult r = CompareNormalized(e, Vector({{{{"job", "a"}}, "2"}}), {});
  EXPECT_FALSE(r.equal);
  ASSERT_FALSE(r.diffs.empty());
  EXPECT_NE(r.diffs[0].find("value expected"), std::string::npos) << r.diffs[0];
  EXPECT_FALSE(Equal(e, Vector({{{{"job", "a"}}, "1"}}, 2000)));
  EXPECT_TRUE(Equal(e, Vector({{{{"job", "a"}}, "1.0000001"}})));
}

TEST(Comparer, StatusAndErrorTypeCompareButMessagesDoNot) {
  json e = {{"http", 400}, {"status", "error"}, {"errorType", "bad_data"}, {"error", "one wording"}};
  json a = e;
  a["error"] = "another wording";
  EXPECT_TRUE(Equal(e, a));
  a["errorType"] = "execution";
  EXPECT_FALSE(Equal(e, a));
  a = e;
  a["http"] = 422;
  EXPECT_FALSE(Equal(e, a));
}

TEST(Comparer, AnnotationsCompareAsSetsUnlessTurnedOff) {
  json e = Vector({{{{"job", "a"}}, "1"}});
  json a = e;
  a["warnings"] = {"PromQL warning: something"};
  EXPECT_FALSE(Equal(e, a));
  CompareOptions o;
  o.compare_annotations = false;
  EXPECT_TRUE(Equal(e, a, o));
}

TEST(Comparer, PartialExpectations) {
  json e = {{"partial", true}, {"http", 200}, {"status", "success"}, {"result_count", 2}};
  EXPECT_TRUE(Equal(e, Vector({{{{"job", "a"}}, "1"}, {{{"job", "b"}}, "1"}})));
  EXPECT_FALSE(Equal(e, Vector({{{{"job", "a"}}, "1"}})));
  json codes = {{"http_in", {401, 403}}};
  EXPECT_TRUE(Equal(codes, {{"http", 403}}));
  EXPECT_FALSE(Equal(codes, {{"http", 200}}));
}

TEST(Comparer, TypeMismatchIsADifferenceNotACrash) {
  json e = Vector({{{{"job", "a"}}, "1"}});
  json a = {
      {"http", 200}, {"status", "success"}, {"data", {{"resultType", "scalar"}, {"result", {1000, "1"}}}}};
  EXPECT_FALSE(Equal(e, a));
  EXPECT_FALSE(Equal(e, {{"http", 200}}));
  EXPECT_FALSE(Equal(e, json()));
}

TEST(Comparer, MatricesComparePointByPoint) {
  auto matrix = [](const std::vector<std::pair<int64_t, std::string>>& pts) {
    json values = json::array();
    for (const auto& [t, v] : pts) values.push_back({t, v});
    return json{
        {"http", 200},
        {"status", "success"},
        {"data", {{"resultType", "matrix"}, {"result", {{{"metric", {{"job", "a"}}}, {"values", values}}}}}}};
  };
  json e = matrix({{0, "1"}, {60000, "2"}, {120000, "3"}});
  EXPECT_TRUE(Equal(e, matrix({{0, "1"}, {60000, "2"}, {120000, "3"}})));
  CompareResult r = CompareNormalized(e, matrix({{0, "1"}, {60000, "2"}}), {});
  EXPECT_FALSE(r.equal);
  EXPECT_FALSE(Equal(e, matrix({{0, "1"}, {60000, "2.5"}, {120000, "3"}})));
}

// ---------------------------------------------------------------------------------------------
// Reports

RunResults SampleResults() {
  RunResults r;
  r.info.mode = "run";
  r.info.target = "sample";
  r.info.target_version = "9.9.9";
  r.info.claims = "3.x";
  r.info.reference = "fixtures recorded from prometheus";
  r.info.reference_version = "2.42.0";
  r.info.started_at = "2026-01-01T00:00:00Z";
  r.info.seconds = 1.5;
  auto add = [&](const std::string& id, const std::string& cat, Verdict v,
                 std::vector<std::string> diffs = {}) {
    CaseResult c;
    c.id = id;
    c.category = cat;
    c.title = "title of " + id;
    c.verdict = v;
    ExchangeResult e;
    e.name = "instant";
    e.verdict = v;
    e.request = "GET /api/v1/query?query=up&time=1";
    e.diffs = std::move(diffs);
    e.expected = {{"http", 200}};
    e.actual = {{"http", v == Verdict::kPass ? 200 : 500}};
    c.exchanges.push_back(e);
    r.cases.push_back(c);
  };
  add("promql.00000001", "promql/functions", Verdict::kPass);
  add("promql.00000002", "promql/functions", Verdict::kFail, {"result: value expected 1, got <2> & \"3\""});
  add("api.00000003", "api/query", Verdict::kPass);
  add("api.00000004", "api/query", Verdict::kUnsupported);
  add("api.00000005", "api/query", Verdict::kSkipped);
  add("api.00000006", "api/query", Verdict::kOtherVersion);
  return r;
}

TEST(Reports, ScoresCountSkippedAndOtherVersionApart) {
  RunResults r = SampleResults();
  CategoryScore t = r.Total();
  EXPECT_EQ(t.total, 6u);
  EXPECT_EQ(t.Scored(), 4u);
  EXPECT_DOUBLE_EQ(t.Score(), 0.5);
  auto by = r.ByCategory();
  EXPECT_DOUBLE_EQ(by["promql/functions"].Score(), 0.5);
  EXPECT_DOUBLE_EQ(by["api/query"].Score(), 0.5);
}

TEST(Reports, JsonRoundTrips) {
  RunResults r = SampleResults();
  json j = json::parse(JsonReport(r));
  auto back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->cases.size(), r.cases.size());
  for (size_t i = 0; i < r.cases.size(); ++i) {
    EXPECT_EQ(back->cases[i].id, r.cases[i].id);
    EXPECT_EQ(back->cases[i].verdict, r.cases[i].verdict);
  }
  EXPECT_EQ(back->info.target, "sample");
  EXPECT_DOUBLE_EQ(back->Total().Score(), r.Total().Score());
}

TEST(Reports, JunitHasATestcasePerCaseAndEscapes) {
  const std::string x = JunitReport(SampleResults());
  size_t n = 0;
  for (size_t p = x.find("<testcase"); p != std::string::npos; p = x.find("<testcase", p + 1)) ++n;
  EXPECT_EQ(n, 6u);
  EXPECT_NE(x.find("<failure"), std::string::npos);
  EXPECT_NE(x.find("<skipped"), std::string::npos);
  EXPECT_NE(x.find("&lt;2&gt; &amp;"), std::string::npos);  // escaped diff text
  EXPECT_EQ(x.find("<2>"), std::string::npos);
}

TEST(Reports, MarkdownAndTextSummariseAndListFailures) {
  RunResults r = SampleResults();
  for (const std::string& s : {MarkdownReport(r), TextReport(r)}) {
    EXPECT_NE(s.find("promql/functions"), std::string::npos) << s;
    EXPECT_NE(s.find("promql.00000002"), std::string::npos) << s;
    EXPECT_NE(s.find("50"), std::string::npos) << s;  // 50% somewhere
  }
  const std::string html = HtmlReport(r);
  EXPECT_NE(html.find("<html"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);  // self-contained
}

TEST(Reports, RegressionsAreCasesThatPassedBefore) {
  RunResults before = SampleResults();
  RunResults now = SampleResults();
  EXPECT_TRUE(Regressions(now, before).empty());
  now.cases[0].verdict = Verdict::kFail;
  auto reg = Regressions(now, before);
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_NE(reg[0].find("promql.00000001"), std::string::npos);
}

TEST(Reports, WriteReportsWritesEveryFormat) {
  const std::string dir = (std::filesystem::temp_directory_path() / "promconform-writers-test").string();
  std::filesystem::remove_all(dir);
  auto paths = WriteReports(SampleResults(), dir, "sample", {"all"});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(paths->size(), 5u);
  for (const auto& p : *paths) {
    EXPECT_TRUE(std::filesystem::exists(p)) << p;
    EXPECT_GT(std::filesystem::file_size(p), 100u) << p;
  }
  std::filesystem::remove_all(dir);
}

TEST(Reports, ReportFileNamesOfUrlTargetsNameFiles) {
  EXPECT_EQ(ReportFileName("http://127.0.0.1:9090"), "127.0.0.1_9090");
  EXPECT_EQ(ReportFileName("https://host/prometheus/"), "host_prometheus");
  EXPECT_EQ(ReportFileName("prometheus-2.42"), "prometheus-2.42");
  EXPECT_EQ(ReportFileName("nhn cloud"), "nhn_cloud");
  EXPECT_EQ(ReportFileName("/"), "report");
}

// ---------------------------------------------------------------------------------------------
// Profiles

TEST(Profiles, ParseAuthPrefixAndTweaks) {
  auto p = ParseProfile(R"(
name: vendor
base_url: https://example.invalid/
path_prefix: /prometheus
headers: {X-TC-APP-KEY: secret}
auth_headers: [X-TC-APP-KEY]
basic_auth: {username: u, password: p}
remote_write: none
claims: "3.x"
query_tweaks:
  - note: drops a label
    applies_to: ["promql/*"]
    drop_result_labels: [replica]
unsupported:
  - cases: "api/admin"
    reason: no admin API
)",
                        "test");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->path_prefix, "/prometheus");
  EXPECT_FALSE(p->remote_write.has_value());
  EXPECT_TRUE(p->ClaimsV3());
  EXPECT_TRUE(p->HasFrontDoor());
  bool basic = false;
  for (const auto& [k, v] : p->RequestHeaders()) basic = basic || (k == "Authorization" && v == "Basic dTpw");
  EXPECT_TRUE(basic);
  EXPECT_EQ(p->TweaksFor("promql.1", "promql/functions").size(), 1u);
  EXPECT_TRUE(p->TweaksFor("api.1", "api/query").empty());
  EXPECT_TRUE(p->UnsupportedReason("api.2", "api/admin").has_value());
  EXPECT_FALSE(ParseProfile("name: x\nbase_url: http://a\nno_such_key: 1\n", "test").ok());
}

json QueryAnswer(const std::string& type, json result) {
  return {{"http", 200}, {"status", "success"}, {"data", {{"resultType", type}, {"result", result}}}};
}

Case OneExchangeCase(const std::string& id, const json& answer) {
  Case c;
  c.id = id;
  c.category = "promql/test";
  Exchange e;
  e.name = "instant";
  e.request.path = "/api/v1/query";
  e.expect = answer;
  c.exchanges.push_back(std::move(e));
  return c;
}

TEST(AttachOtherAnswers, AttachesOnlyAnswersThatDifferBeyondAnnotations) {
  const json v3 = QueryAnswer("vector", {{{"metric", {{"a", "1"}}}, {"value", {1000, "2"}}}});
  json v3_info = v3;
  v3_info["infos"] = {"PromQL info: metric might not be a counter"};
  const json v2 =
      QueryAnswer("vector", {{{"metric", {{"__name__", "m"}, {"a", "1"}}}, {"value", {1000, "2"}}}});
  std::vector<Case> cases = {OneExchangeCase("same", v3), OneExchangeCase("names", v3),
                             OneExchangeCase("annotations", v3_info), OneExchangeCase("only-here", v3)};
  const std::vector<Case> other = {OneExchangeCase("same", v3), OneExchangeCase("names", v2),
                                   OneExchangeCase("annotations", v3)};
  AttachOtherAnswers(cases, other, "recorded from prometheus 2.42.0");
  EXPECT_FALSE(cases[0].version_difference);
  EXPECT_FALSE(cases[0].exchanges[0].expect_other.has_value());
  ASSERT_TRUE(cases[1].version_difference);
  EXPECT_EQ(*cases[1].exchanges[0].expect_other, v2);
  EXPECT_EQ(cases[1].exchanges[0].expect_other_source, "recorded from prometheus 2.42.0");
  // 2.42 has no annotations: an answer that differs only in them is no version difference.
  EXPECT_FALSE(cases[2].version_difference);
  EXPECT_FALSE(cases[3].version_difference);
}

TEST(FixtureSets, OneRecordingPerPrometheusLine) {
  EXPECT_EQ(FixtureSetFor(true), "3.x");
  EXPECT_EQ(FixtureSetFor(false), "2.42");
}

// ---------------------------------------------------------------------------------------------
// Comparative report

CaseResult Judged(const std::string& id, const std::string& category, Verdict v,
                  std::vector<std::string> diffs = {}, const std::string& title = "") {
  CaseResult c;
  c.id = id;
  c.category = category;
  c.title = title.empty() ? "title of " + id : title;
  c.verdict = v;
  ExchangeResult e;
  e.name = "instant";
  e.verdict = v;
  e.diffs = std::move(diffs);
  c.exchanges.push_back(e);
  return c;
}

RunResults TargetRun(const std::string& target, std::vector<CaseResult> cases) {
  RunResults r;
  r.info.mode = "run";
  r.info.target = target;
  r.info.target_version = "1.0";
  r.info.claims = "3.x";
  r.info.reference = "fixtures recorded from prometheus";
  r.info.reference_version = "3.5.0";
  r.cases = std::move(cases);
  return r;
}

// alpha fails p.3 and s.1; beta fails most and errs on a.1; gamma passes all and alone has
// promql/extra, and has no api/query case. s.1 fails in alpha and beta alike: no difference.
std::vector<RunResults> ComparedRuns() {
  const std::string fn = "promql/functions", query = "api/query", pipes = "misc/pipes";
  const std::string script = "rate(x[5m]) <script>alert(1)</script> & more";
  CaseResult a1_error = Judged("a.1", query, Verdict::kError);
  a1_error.reason = "connection refused";
  CaseResult p2_fail = Judged("p.2", fn, Verdict::kFail);
  ExchangeResult range;
  range.name = "range";
  range.verdict = Verdict::kFail;
  range.diffs = {"value expected 1, got 2", "second line"};
  p2_fail.exchanges[0].verdict = Verdict::kPass;  // the first failing exchange is the second one
  p2_fail.exchanges.push_back(range);
  RunResults alpha = TargetRun(
      "alpha", {Judged("p.1", fn, Verdict::kPass), Judged("p.2", fn, Verdict::kPass),
                Judged("p.3", fn, Verdict::kFail, {"alpha diff"}, script), Judged("p.4", fn, Verdict::kPass),
                Judged("p.5", fn, Verdict::kPass), Judged("a.1", query, Verdict::kPass),
                Judged("a.2", query, Verdict::kPass), Judged("s.1", query, Verdict::kFail, {"same failure"}),
                Judged("m.1", pipes, Verdict::kPass, {}, "lhs | rhs")});
  RunResults beta = TargetRun(
      "beta",
      {Judged("p.1", fn, Verdict::kPass), p2_fail, Judged("p.3", fn, Verdict::kFail, {"beta diff"}, script),
       Judged("p.4", fn, Verdict::kFail), Judged("p.5", fn, Verdict::kFail), a1_error,
       Judged("a.2", query, Verdict::kFail, {"missing series"}), Judged("s.1", query, Verdict::kFail),
       Judged("m.1", pipes, Verdict::kUnsupported, {}, "lhs | rhs")});
  RunResults gamma = TargetRun(
      "gamma", {Judged("p.1", fn, Verdict::kPass), Judged("p.2", fn, Verdict::kPass),
                Judged("p.3", fn, Verdict::kPass, {}, script), Judged("p.4", fn, Verdict::kPass),
                Judged("p.5", fn, Verdict::kPass), Judged("m.1", pipes, Verdict::kPass, {}, "lhs | rhs"),
                Judged("e.1", "promql/extra", Verdict::kPass)});
  return {alpha, beta, gamma};
}

std::string VerdictOr(const std::optional<Verdict>& v) {
  return v ? std::string(VerdictName(*v)) : "absent";
}

TEST(CompareReport, MatrixScoresEveryCategoryAndMarksAbsentOnes) {
  const auto runs = ComparedRuns();
  const Comparison cmp = BuildComparison(runs);
  EXPECT_EQ(cmp.columns, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  ASSERT_EQ(cmp.categories,
            (std::vector<std::string>{"api/query", "misc/pipes", "promql/extra", "promql/functions"}));
  ASSERT_EQ(cmp.matrix.size(), 4u);
  EXPECT_TRUE(cmp.matrix[0][0].present);
  EXPECT_EQ(cmp.matrix[0][0].passed, 2u);
  EXPECT_EQ(cmp.matrix[0][0].scored, 3u);
  EXPECT_FALSE(cmp.matrix[0][2].present);  // gamma has no api/query case
  EXPECT_FALSE(cmp.matrix[2][0].present);
  EXPECT_DOUBLE_EQ(cmp.matrix[3][1].score, 0.2);

  const std::string md = CompareMarkdown(runs);
  EXPECT_NE(md.find("| api/query | 66.7% (2/3) | 0.0% (0/3) | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("| promql/extra | — | — | 100.0% (1/1) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| promql/functions | 80.0% (4/5) | 20.0% (1/5) | 100.0% (5/5) |"), std::string::npos)
      << md;

  const std::string html = CompareHtml(runs);
  EXPECT_NE(html.find("<td class=\"num full\">100.0% (5/5)</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num low\">20.0% (1/5)</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num none\">—</td>"), std::string::npos);
  EXPECT_NE(html.find("class=\"legend\""), std::string::npos);
}

TEST(CompareReport, DifferListsExactlyTheCasesWhoseVerdictsDiffer) {
  const auto runs = ComparedRuns();
  const Comparison cmp = BuildComparison(runs);
  std::vector<std::string> ids;
  for (const auto& row : cmp.differ) ids.push_back(row.id);
  // By category, then id; s.1 (the same failure twice) and e.1 (gamma's alone) are not there.
  EXPECT_EQ(ids, (std::vector<std::string>{"a.1", "a.2", "m.1", "p.2", "p.3", "p.4", "p.5"}));
  EXPECT_EQ(cmp.compared, 9u);
  ASSERT_FALSE(cmp.differ.empty());
  const DifferRow& a1 = cmp.differ[0];
  ASSERT_EQ(a1.verdicts.size(), 3u);
  EXPECT_EQ(VerdictOr(a1.verdicts[0]), "pass");
  EXPECT_EQ(VerdictOr(a1.verdicts[1]), "error");
  EXPECT_EQ(VerdictOr(a1.verdicts[2]), "absent");
  EXPECT_EQ(a1.category, "api/query");

  const std::string md = CompareMarkdown(runs, 2);
  EXPECT_NE(md.find("7 of 9 cases"), std::string::npos) << md;
  EXPECT_NE(md.find("5 more cases differ"), std::string::npos) << md;
  EXPECT_EQ(md.find("`m.1`"), std::string::npos) << md;  // the third row is cut
  EXPECT_EQ(CompareMarkdown(runs).find("more cases differ"), std::string::npos);
}

TEST(CompareReport, FixFirstOrdersCategoriesByFailingCases) {
  const auto runs = ComparedRuns();
  const Comparison cmp = BuildComparison(runs);
  ASSERT_EQ(cmp.fix_first.size(), 2u);  // gamma passes everything
  const FixFirst& alpha = cmp.fix_first[0];
  EXPECT_EQ(alpha.run, 0u);
  ASSERT_EQ(alpha.categories.size(), 2u);
  EXPECT_EQ(alpha.categories[0].category, "api/query");  // one failing each: by name
  EXPECT_EQ(alpha.categories[1].category, "promql/functions");

  const FixFirst& beta = cmp.fix_first[1];
  EXPECT_EQ(beta.run, 1u);
  ASSERT_EQ(beta.categories.size(), 2u);  // an unsupported case is not a failure to fix
  EXPECT_EQ(beta.categories[0].category, "promql/functions");
  EXPECT_EQ(beta.categories[0].failing, 4u);
  EXPECT_EQ(beta.categories[0].scored, 5u);
  ASSERT_EQ(beta.categories[0].examples.size(), 3u);
  EXPECT_EQ(beta.categories[0].examples[0].id, "p.2");
  EXPECT_EQ(beta.categories[0].examples[0].first_diff, "value expected 1, got 2");
  EXPECT_EQ(beta.categories[0].examples[2].id, "p.4");
  EXPECT_EQ(beta.categories[1].category, "api/query");
  EXPECT_EQ(beta.categories[1].failing, 3u);
  ASSERT_FALSE(beta.categories[1].examples.empty());
  EXPECT_EQ(beta.categories[1].examples[0].first_diff, "connection refused");  // no diff: the reason

  const std::string md = CompareMarkdown(runs);
  const size_t beta_at = md.find("### beta");
  ASSERT_NE(beta_at, std::string::npos) << md;
  const size_t fn_at = md.find("**promql/functions**: 4 failing of 5", beta_at);
  const size_t query_at = md.find("**api/query**: 3 failing of 3", beta_at);
  ASSERT_NE(fn_at, std::string::npos) << md;
  ASSERT_NE(query_at, std::string::npos) << md;
  EXPECT_LT(fn_at, query_at);
  EXPECT_EQ(md.find("### gamma"), std::string::npos) << md;
}

TEST(CompareReport, EscapesHtmlAndMarkdownTables) {
  const auto runs = ComparedRuns();
  const std::string html = CompareHtml(runs);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find(" src="), std::string::npos);

  const std::string md = CompareMarkdown(runs);
  EXPECT_NE(md.find("`lhs \\| rhs`"), std::string::npos) << md;
  EXPECT_EQ(md.find("lhs | rhs"), std::string::npos) << md;
  // The row keeps its cells: category, case, id and one verdict per target.
  const size_t at = md.find("`m.1`");
  ASSERT_NE(at, std::string::npos) << md;
  const size_t begin = md.rfind('\n', at) + 1;
  const std::string row = md.substr(begin, md.find('\n', at) - begin);
  size_t pipes = 0;
  for (size_t i = 0; i < row.size(); ++i) pipes += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  EXPECT_EQ(pipes, 7u) << row;
}

TEST(CompareReport, WritesMarkdownAndHtml) {
  const std::string dir = (std::filesystem::temp_directory_path() / "promconform-compare-test").string();
  std::filesystem::remove_all(dir);
  auto paths = WriteCompareReports(ComparedRuns(), dir, "comparison");
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_TRUE((*paths)[0].ends_with("comparison.md")) << (*paths)[0];
  EXPECT_TRUE((*paths)[1].ends_with("comparison.html")) << (*paths)[1];
  for (const auto& p : *paths) EXPECT_GT(std::filesystem::file_size(p), 200u) << p;
  std::filesystem::remove_all(dir);
}

TEST(ChooseBase, EverythingAskedAboutLiesTheMarginInThePastWhateverTheClock) {
  const int64_t horizon = 53 * 60000 + 20000, margin = 5 * 60000;
  const int64_t t0 = 1795300800000;
  for (int64_t now = t0; now < t0 + 2 * kBaseGranularityMs; now += 7001) {
    const int64_t base = ChooseBase(now, horizon, margin);
    EXPECT_EQ(base % kBaseGranularityMs, 0) << now;
    EXPECT_LE(base + horizon + margin, now) << now;
    // The latest such base: one granule later would be too recent.
    EXPECT_GT(base + kBaseGranularityMs + horizon + margin, now) << now;
  }
}

TEST(LatestRelativeTime, IsTheLatestInstantAnyTemplateNames) {
  Case c;
  Exchange e;
  e.request.path = "/api/v1/query_range";
  e.request.params = {{"query", "label_replace(x, \"a\", \"${1}\", \"b\", \"(.*)\")"},
                      {"start", "${T+60}"},
                      {"end", "${RFC3339:T+3200.5}"}};
  c.exchanges.push_back(e);
  Exchange w;
  w.request.headers = {{"X-At", "${MS:T-5}"}};
  w.request.body = "at ${T+10}";
  c.exchanges.push_back(w);
  EXPECT_EQ(LatestRelativeTimeMs(c), 3200500);
}

// ---------------------------------------------------------------------------------------------
// Harness trust: ties, negative zero, orders, unsupported answers, time-valued tolerance

CompareOptions TopkOptions(const std::string& by = "value_desc") {
  CompareOptions o;
  o.order.by = by;
  o.order.grouped = true;  // topk/bottomk (OrderOf sets it for them only)
  return o;
}

TEST(Comparer, TopkTiesAtTheBoundaryMayKeepAnotherSeries) {
  // topk(2, x) over a=3, b=1, c=1: Prometheus may keep b or c.
  json e = Vector({{{{"i", "a"}}, "3"}, {{{"i", "b"}}, "1"}});
  EXPECT_TRUE(Equal(e, Vector({{{{"i", "a"}}, "3"}, {{{"i", "c"}}, "1"}}), TopkOptions()));
  // The value kept at the boundary must still be the same...
  EXPECT_FALSE(Equal(e, Vector({{{{"i", "a"}}, "3"}, {{{"i", "c"}}, "2"}}), TopkOptions()));
  // ...and a series above the boundary must be the same series.
  EXPECT_FALSE(Equal(e, Vector({{{{"i", "d"}}, "3"}, {{{"i", "b"}}, "1"}}), TopkOptions()));
  // bottomk: the boundary is the largest value kept.
  json b = Vector({{{{"i", "a"}}, "0"}, {{{"i", "b"}}, "5"}});
  EXPECT_TRUE(Equal(b, Vector({{{{"i", "a"}}, "0"}, {{{"i", "z"}}, "5"}}), TopkOptions("value_asc")));
  EXPECT_FALSE(Equal(b, Vector({{{{"i", "y"}}, "0"}, {{{"i", "b"}}, "5"}}), TopkOptions("value_asc")));
}

TEST(Comparer, TopkOrderIsCheckedEvenWhenATieDiffers) {
  json e = Vector({{{{"i", "a"}}, "3"}, {{{"i", "b"}}, "1"}});
  // Another tied series and the wrong order: both are reported.
  CompareResult r = CompareNormalized(e, Vector({{{{"i", "c"}}, "1"}, {{{"i", "a"}}, "3"}}), TopkOptions());
  EXPECT_FALSE(r.equal);
  std::string all;
  for (const auto& d : r.diffs) all += d + "\n";
  EXPECT_NE(all.find("order"), std::string::npos) << all;
}

TEST(Comparer, NegativeZeroIsNotZero) {
  ValueTolerance tol;
  EXPECT_FALSE(ValuesEqual("-0", "0", tol));
  EXPECT_TRUE(ValuesEqual("-0", "-0", tol));
  EXPECT_FALSE(Equal(Vector({{json::object(), "-0"}}), Vector({{json::object(), "0"}})));
}

json Matrix(const std::vector<std::string>& jobs) {
  json result = json::array();
  for (const auto& j : jobs) result.push_back({{"metric", {{"job", j}}}, {"values", {{0, "1"}}}});
  return {{"http", 200}, {"status", "success"}, {"data", {{"resultType", "matrix"}, {"result", result}}}};
}

TEST(Comparer, MatrixOrderIsCheckedAlsoWhenSeriesDiffer) {
  CompareOptions o;
  o.matrix_ordered = true;
  EXPECT_TRUE(Equal(Matrix({"a", "b", "c"}), Matrix({"a", "b", "c"}), o));
  EXPECT_FALSE(Equal(Matrix({"a", "b", "c"}), Matrix({"b", "a", "c"}), o));
  // A missing series does not hide a wrong order of the others.
  CompareResult r = CompareNormalized(Matrix({"a", "b", "c"}), Matrix({"c", "a"}), o);
  std::string all;
  for (const auto& d : r.diffs) all += d + "\n";
  EXPECT_NE(all.find("missing series"), std::string::npos) << all;
  EXPECT_NE(all.find("order"), std::string::npos) << all;
}

TEST(Comparer, LabelNamesMustComeSorted) {
  Exchange e;
  e.mode = NormalizeMode::kStringSet;
  const json sorted =
      Normalize(JsonResponse(200, {{"status", "success"}, {"data", {"__name__", "job", "le"}}}), e, {});
  const json unsorted =
      Normalize(JsonResponse(200, {{"status", "success"}, {"data", {"job", "__name__", "le"}}}), e, {});
  EXPECT_TRUE(Equal(sorted, sorted));
  CompareResult r = CompareNormalized(sorted, unsorted, {});
  EXPECT_FALSE(r.equal);
  ASSERT_FALSE(r.diffs.empty());
  EXPECT_NE(r.diffs[0].find("not sorted"), std::string::npos) << r.diffs[0];
}

TEST(LooksUnsupported, GenericAndProfileWordsOnErrorsOfWorkingEndpoints) {
  TargetProfile p;
  const json ok = {{"http", 200}, {"status", "success"}};
  const json vm = {{"http", 400}, {"body", "unsupported path requested: \"/api/v1/format_query\""}};
  EXPECT_TRUE(LooksUnsupported(ok, vm, p));
  EXPECT_TRUE(LooksUnsupported(ok, {{"http", 501}}, p));
  EXPECT_TRUE(LooksUnsupported(ok, {{"http", 404}}, p));
  const json odd = {{"http", 400}, {"status", "error"}, {"error", "No Such Handler here"}};
  EXPECT_FALSE(LooksUnsupported(ok, odd, p));
  p.unsupported_answers = {"no such handler"};
  EXPECT_TRUE(LooksUnsupported(ok, odd, p));
  // A missing endpoint is unsupported whatever the reference answered (a bad request too)...
  const json bad = {{"http", 400}, {"status", "error"}, {"errorType", "bad_data"}};
  EXPECT_TRUE(LooksUnsupported(bad, vm, p));
  // ...but "unknown function" answering a bad request may just be the right error.
  const json unknown_fn = {{"http", 400}, {"status", "error"}, {"error", "unknown function with name \"x\""}};
  EXPECT_TRUE(LooksUnsupported(ok, unknown_fn, p));
  EXPECT_FALSE(LooksUnsupported(bad, unknown_fn, p));
  EXPECT_FALSE(LooksUnsupported(ok, {{"http", 400}, {"error", "parse error"}}, p));
}

TEST(Normalize, InstantsInAnnotationsBecomeRelativeToTheBase) {
  Exchange e;
  const int64_t base = 1795300800000;  // 2026-11-21T22:40:00Z
  json body = VectorBody({}, 1795300800);
  body["infos"] = {
      "PromQL info: fixed, over 3 samples from 2026-11-21T22:49:00Z to 2026-11-21T22:40:00Z (1:23)"};
  const json n = Normalize(JsonResponse(200, body), e, {base, false});
  ASSERT_TRUE(n.contains("infos"));
  EXPECT_EQ(n["infos"][0], "PromQL info: fixed, over 3 samples from T+540s to T+0s (1:23)");
}

}  // namespace
}  // namespace promconform
