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
#include "profiles/profile.h"
#include "report/results.h"
#include "report/writers.h"
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

TEST(V3Rule, DropsLabelsAndLeavesErrorsAndScalarsAlone) {
  V3Rule r;
  r.drop_labels = {"__name__"};
  const json in =
      QueryAnswer("vector", {{{"metric", {{"__name__", "m"}, {"a", "1"}}}, {"value", {1000, "2"}}}});
  auto out = ApplyV3Rule(r, "instant", in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ((*out)["data"]["result"][0]["metric"], json({{"a", "1"}}));
  const json err = {{"http", 422}, {"status", "error"}, {"errorType", "execution"}};
  EXPECT_EQ(*ApplyV3Rule(r, "instant", err), err);
  const json scalar = {{"http", 200}, {"data", {{"resultType", "scalar"}, {"result", {1000, "1"}}}}};
  EXPECT_EQ(*ApplyV3Rule(r, "instant", scalar), scalar);
  // Two series that only the name told apart: an error, not a silent merge.
  const json two = QueryAnswer("vector", {{{"metric", {{"__name__", "a"}}}, {"value", {1000, "1"}}},
                                          {{"metric", {{"__name__", "b"}}}, {"value", {1000, "2"}}}});
  EXPECT_FALSE(ApplyV3Rule(r, "instant", two).ok());
}

TEST(V3Rule, EditsAndAddsPoints) {
  const json in = QueryAnswer(
      "matrix", {{{"metric", {{"k", "x"}}}, {"values", {{1000, "NaN"}, {2000, "1"}, {3000, "NaN"}}}},
                 {{"metric", {{"k", "y"}}}, {"values", {{1000, "NaN"}}}}});
  V3Rule r;
  V3Rule::Edit inf;
  inf.metric = {{"k", "x"}};
  inf.only_if = "NaN";
  inf.value = "+Inf";
  r.edits.push_back(inf);
  V3Rule::Edit gone;
  gone.exchange = "range";
  gone.metric = {{"k", "y"}};
  gone.at_ms = 1000;
  r.edits.push_back(gone);
  r.adds.push_back({"range", {{"k", "x"}}, 2500, "7"});
  r.adds.push_back({"range", {{"k", "z"}}, 1000, "8"});
  auto out = ApplyV3Rule(r, "range 0s..3s", in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  const json want = QueryAnswer(
      "matrix",
      {{{"metric", {{"k", "x"}}}, {"values", {{1000, "+Inf"}, {2000, "1"}, {2500, "7"}, {3000, "+Inf"}}}},
       {{"metric", {{"k", "z"}}}, {"values", {{1000, "8"}}}}});
  EXPECT_EQ(*out, want);
  // Edits and adds for other exchanges do not apply; a point edit that matches nothing fails.
  V3Rule only_range = r;
  only_range.edits.erase(only_range.edits.begin());
  EXPECT_EQ(*ApplyV3Rule(only_range, "instant at 1s", in), in);
  V3Rule stale;
  V3Rule::Edit none = gone;
  none.at_ms = 5000;
  stale.edits.push_back(none);
  EXPECT_FALSE(ApplyV3Rule(stale, "range", in).ok());
}

}  // namespace
}  // namespace promconform
