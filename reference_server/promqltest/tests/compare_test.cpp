// The comparison of a query's outcome with an eval's expectations: tolerances, NaN and stale
// markers, ordering, missing and extra series, range points, annotations, expected failures.
#include "promqltest/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/sample.h"

namespace promref::promqltest {
namespace {

using model::Labels;
using promql::QueryResult;
using promql::ResultType;

EvalCommand Eval(std::string_view text) {
  ParsedScript p = ParseScript(text, "t.test");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error->ToString("t.test"));
  for (const Command& c : p.script.commands) {
    if (const auto* e = std::get_if<EvalCommand>(&c)) return *e;
  }
  ADD_FAILURE() << "no eval";
  return {};
}

promql::Value Vector(std::vector<std::pair<Labels, double>> samples) {
  promql::Value v;
  v.type = ResultType::kVector;
  for (auto& [l, f] : samples) v.vector.push_back(promql::Sample{.metric = l, .f = f});
  return v;
}

promql::Value Scalar(double f) {
  promql::Value v;
  v.type = ResultType::kScalar;
  v.scalar = f;
  return v;
}

promql::Series FloatSeries(Labels l, std::vector<std::pair<int64_t, double>> points) {
  promql::Series s{.metric = std::move(l)};
  for (auto [t, f] : points) s.floats.push_back({t, f});
  return s;
}

promql::Value Matrix(std::vector<promql::Series> series) {
  promql::Value v;
  v.type = ResultType::kMatrix;
  v.matrix = std::move(series);
  return v;
}

QueryResult Ok(promql::Value v, std::vector<std::string> warnings = {}, std::vector<std::string> infos = {}) {
  QueryResult r;
  r.value = std::move(v);
  r.annotations.warnings = std::move(warnings);
  r.annotations.infos = std::move(infos);
  return r;
}

QueryResult Err(std::string message) {
  QueryResult r;
  r.status = Error(ErrorKind::kExecution, std::move(message));
  return r;
}

std::string Category(const std::optional<Mismatch>& m) {
  return m ? m->category : "ok";
}

const Labels kA{{"__name__", "m"}, {"a", "1"}};
const Labels kB{{"__name__", "m"}, {"a", "2"}};

TEST(AlmostEqual, PrometheusRules) {
  EXPECT_TRUE(AlmostEqual(1, 1));
  EXPECT_TRUE(AlmostEqual(1, 1 + 1e-7));
  EXPECT_TRUE(AlmostEqual(1e10, 1e10 + 1e3));
  EXPECT_FALSE(AlmostEqual(1, 1.00001));
  EXPECT_FALSE(AlmostEqual(1e10, 1e10 + 1e5));
  // Near zero the tolerance is absolute and tiny.
  EXPECT_TRUE(AlmostEqual(0, 0));
  EXPECT_TRUE(AlmostEqual(0, -0.0));
  EXPECT_FALSE(AlmostEqual(0, 1e-300));
  EXPECT_FALSE(AlmostEqual(0, 1e-10));
  EXPECT_TRUE(AlmostEqual(0, 1e-320));  // a subnormal, below epsilon * the smallest normal
  // NaN equals NaN for tests; the stale marker only itself.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(AlmostEqual(nan, -nan));
  EXPECT_TRUE(AlmostEqual(model::StaleNaN(), model::StaleNaN()));
  EXPECT_FALSE(AlmostEqual(model::StaleNaN(), nan));
  EXPECT_FALSE(AlmostEqual(nan, model::StaleNaN()));
  EXPECT_FALSE(AlmostEqual(nan, 1));
  EXPECT_TRUE(AlmostEqual(INFINITY, INFINITY));
  EXPECT_FALSE(AlmostEqual(INFINITY, -INFINITY));
  EXPECT_FALSE(AlmostEqual(INFINITY, std::numeric_limits<double>::max()));
}

TEST(CompareVector, UnorderedByDefault) {
  EvalCommand e = Eval("eval instant at 0 m\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2\n");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kB, 2}, {kA, 1}}))), "ok");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kA, 1}, {kB, 2.0000001}}))), "ok");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kA, 1}, {kB, 3}}))), "wrong-value");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kA, 1}}))), "missing-series");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kA, 1}, {kB, 2}, {Labels{{"a", "1"}}, 1}}))),
            "unexpected-series");
  EXPECT_EQ(Category(CompareResult(e, Scalar(1))), "wrong-type");
  auto m = CompareResult(e, Vector({{kA, 1}, {kB, 3}}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message, "expected 2 for {__name__=\"m\", a=\"2\"} but got 3");
}

TEST(CompareVector, Ordered) {
  EvalCommand e = Eval("eval instant at 0 m\n  expect ordered\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2\n");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kA, 1}, {kB, 2}}))), "ok");
  EXPECT_EQ(Category(CompareResult(e, Vector({{kB, 2}, {kA, 1}}))), "order");
  EvalCommand old = Eval("eval_ordered instant at 0 m\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2\n");
  EXPECT_EQ(Category(CompareResult(old, Vector({{kB, 2}, {kA, 1}}))), "order");
  // A matrix cannot be ordered.
  EXPECT_EQ(Category(CompareResult(e, Matrix({}))), "wrong-type");
}

TEST(CompareVector, EmptyNaNAndStale) {
  EXPECT_EQ(Category(CompareResult(Eval("eval instant at 0 m\n"), Vector({}))), "ok");
  EXPECT_EQ(Category(CompareResult(Eval("eval instant at 0 m\n"), Vector({{kA, 1}}))), "unexpected-series");
  EvalCommand nan = Eval("eval instant at 0 m\n  m{a=\"1\"} NaN\n");
  EXPECT_EQ(Category(CompareResult(nan, Vector({{kA, std::nan("")}}))), "ok");
  EXPECT_EQ(Category(CompareResult(nan, Vector({{kA, model::StaleNaN()}}))), "wrong-value");
  EXPECT_EQ(Category(CompareResult(nan, Vector({{kA, 0}}))), "wrong-value");
}

TEST(CompareVector, Histograms) {
  EvalCommand e = Eval("eval instant at 0 m\n  m{a=\"1\"} {{schema:0 count:3 sum:4 buckets:[1 2]}}\n");
  promql::Value v = Vector({{kA, 0}});
  EXPECT_EQ(Category(CompareResult(e, v)), "wrong-type");
  model::FloatHistogram h;
  h.count = 3.0000001;
  h.sum = 4;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1, 2, 0};  // the empty bucket is compacted away
  v.vector[0].h = std::make_shared<const model::FloatHistogram>(h);
  EXPECT_EQ(Category(CompareResult(e, v)), "ok");
  h.positive_buckets = {1, 2, 1};
  v.vector[0].h = std::make_shared<const model::FloatHistogram>(h);
  EXPECT_EQ(Category(CompareResult(e, v)), "wrong-value");
  EvalCommand f = Eval("eval instant at 0 m\n  m{a=\"1\"} 3\n");
  EXPECT_EQ(Category(CompareResult(f, v)), "wrong-type");
}

TEST(CompareScalarAndString, Values) {
  EvalCommand s = Eval("eval instant at 0 1\n  1\n");
  EXPECT_EQ(Category(CompareResult(s, Scalar(1))), "ok");
  EXPECT_EQ(Category(CompareResult(s, Scalar(2))), "wrong-value");
  EXPECT_EQ(Category(CompareResult(s, Vector({}))), "wrong-type");
  EXPECT_EQ(Category(CompareResult(Eval("eval instant at 0 1\n"), Scalar(1))), "wrong-type");
  EvalCommand str = Eval("eval instant at 0 \"a\"\n  expect string \"a\"\n");
  promql::Value v;
  v.type = ResultType::kString;
  v.str = "a";
  EXPECT_EQ(Category(CompareResult(str, v)), "ok");
  v.str = "b";
  EXPECT_EQ(Category(CompareResult(str, v)), "wrong-value");
}

TEST(CompareMatrix, RangePoints) {
  EvalCommand e = Eval("eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 _ 3\n  m{a=\"2\"} 1x2\n");
  const auto good =
      Matrix({FloatSeries(kA, {{0, 1}, {120000, 3}}), FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}})});
  EXPECT_EQ(Category(CompareResult(e, good)), "ok");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}}),
                                              FloatSeries(kA, {{0, 1}, {120000, 3}})}))),
            "unsorted");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{0, 1}, {60000, 3}}),
                                              FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}})}))),
            "wrong-timestamp");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{0, 1}, {60000, 2}, {120000, 3}}),
                                              FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}})}))),
            "wrong-count");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{0, 1}, {120000, 4}}),
                                              FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}})}))),
            "wrong-value");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{0, 1}, {120000, 3}})}))), "missing-series");
  EXPECT_EQ(Category(CompareResult(Eval("eval range from 0 to 1m step 1m m\n  m{a=\"1\"} 1 2 3\n"),
                                   Matrix({FloatSeries(kA, {{0, 1}, {60000, 2}})}))),
            "wrong-count");
  auto m = CompareResult(e, Matrix({FloatSeries(kA, {{0, 1}, {120000, 4}}),
                                    FloatSeries(kB, {{0, 1}, {60000, 1}, {120000, 1}})}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message,
            "expected float value at index 1 (t=120000) for {__name__=\"m\", a=\"1\"} to be 3, but got 4 "
            "(result has 2 "
            "float points [1 @[0] 4 @[120000]] and 0 histogram points [])");
}

TEST(CompareMatrix, InstantRangeVector) {
  EvalCommand e =
      Eval("eval instant at 1m m[1m]\n  expect range vector from 20s to 1m step 20s\n  m{a=\"1\"} 2 3 4\n");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{20000, 2}, {40000, 3}, {60000, 4}})}))),
            "ok");
  EXPECT_EQ(Category(CompareResult(e, Matrix({FloatSeries(kA, {{20000, 2}, {40000, 3}})}))), "wrong-count");
}

TEST(CheckQueryResult, Failures) {
  EvalCommand fail = Eval("eval instant at 0 m\n  expect fail\n");
  EXPECT_EQ(Category(CheckQueryResult(fail, Err("anything"), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(fail, Ok(Vector({})), "m")), "missing-error");
  EvalCommand msg = Eval("eval instant at 0 m\n  expect fail msg: bad thing\n");
  EXPECT_EQ(Category(CheckQueryResult(msg, Err("bad thing"), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(msg, Err("bad thing!"), "m")), "wrong-error");
  EvalCommand re = Eval("eval instant at 0 m\n  expect fail regex: bad \\w+\n");
  EXPECT_EQ(Category(CheckQueryResult(re, Err("a bad thing happened"), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(re, Err("fine"), "m")), "wrong-error");
  EvalCommand old = Eval("eval_fail instant at 0 m\n  expected_fail_message exact\n");
  EXPECT_EQ(Category(CheckQueryResult(old, Err("exact"), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(old, Err("inexact"), "m")), "wrong-error");
  EXPECT_EQ(Category(CheckQueryResult(Eval("eval_fail instant at 0 m\n"), Err("x"), "m")), "ok");
  EvalCommand plain = Eval("eval instant at 0 m\n");
  auto m = CheckQueryResult(plain, Err("boom"), "m @ 1.000");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->category, "unexpected-error");
  EXPECT_EQ(m->message, "error evaluating query \"m @ 1.000\" (line 1): boom");
}

TEST(CheckQueryResult, AnnotationsOnlyWhenAsked) {
  const std::string w = "PromQL warning: something (1:1)";
  const std::string i = "PromQL info: something else (1:1)";
  EXPECT_EQ(Category(CheckQueryResult(Eval("eval instant at 0 m\n"), Ok(Vector({}), {w}, {i}), "m")), "ok");

  EvalCommand any = Eval("eval instant at 0 m\n  expect warn\n");
  EXPECT_EQ(Category(CheckQueryResult(any, Ok(Vector({}), {w}), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(any, Ok(Vector({})), "m")), "annotations");
  EXPECT_EQ(Category(CheckQueryResult(any, Ok(Vector({}), {}, {i}), "m")), "annotations");

  EvalCommand exact = Eval("eval instant at 0 m\n  expect warn msg: " + w + "\n");
  EXPECT_EQ(Category(CheckQueryResult(exact, Ok(Vector({}), {w}), "m")), "ok");
  // Every warning must be expected.
  EXPECT_EQ(Category(CheckQueryResult(exact, Ok(Vector({}), {w, "PromQL warning: other (1:1)"}), "m")),
            "annotations");
  EXPECT_EQ(Category(CheckQueryResult(exact, Ok(Vector({}), {"PromQL warning: other (1:1)"}), "m")),
            "annotations");
  // Infos are not checked by warn expectations.
  EXPECT_EQ(Category(CheckQueryResult(exact, Ok(Vector({}), {w}, {i}), "m")), "ok");

  EvalCommand no_warn = Eval("eval instant at 0 m\n  expect no_warn\n");
  EXPECT_EQ(Category(CheckQueryResult(no_warn, Ok(Vector({}), {}, {i}), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(no_warn, Ok(Vector({}), {w}), "m")), "annotations");
  EvalCommand no_info = Eval("eval instant at 0 m\n  expect no_info\n");
  EXPECT_EQ(Category(CheckQueryResult(no_info, Ok(Vector({}), {}, {i}), "m")), "annotations");
  EXPECT_EQ(Category(CheckQueryResult(no_info, Ok(Vector({}), {w}), "m")), "ok");
  EvalCommand info_re = Eval("eval instant at 0 m\n  expect info regex: else \\(\\d+:\\d+\\)$\n");
  EXPECT_EQ(Category(CheckQueryResult(info_re, Ok(Vector({}), {}, {i}), "m")), "ok");

  EXPECT_EQ(Category(CheckQueryResult(Eval("eval_warn instant at 0 m\n"), Ok(Vector({})), "m")),
            "annotations");
  EXPECT_EQ(Category(CheckQueryResult(Eval("eval_warn instant at 0 m\n"), Ok(Vector({}), {w}), "m")), "ok");
  EXPECT_EQ(Category(CheckQueryResult(Eval("eval_info instant at 0 m\n"), Ok(Vector({}), {w}), "m")),
            "annotations");
  // Annotations are checked before values, and only on success.
  EXPECT_EQ(Category(CheckQueryResult(no_warn, Ok(Vector({{kA, 1}}), {w}), "m")), "annotations");
}

}  // namespace
}  // namespace promref::promqltest
