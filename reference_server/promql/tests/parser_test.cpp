#include "promql/parser.h"

#include <gtest/gtest.h>

#include "promql/ast_json.h"
#include "promql/printer.h"

namespace promref::promql {
namespace {

std::string Error(std::string_view q, ParseOptions o = {}) {
  auto r = ParseExpr(q, o);
  return r.ok() ? "" : r.error().message();
}

// Prometheus 3.16 (found by the API diff test): an empty query has no line:col.
TEST(Parser, EmptyQueryHasNoPosition) {
  EXPECT_EQ(Error(""), "unknown position: parse error: no expression found in input");
  EXPECT_EQ(Error(" "), "1:1: parse error: no expression found in input");
}

TEST(Parser, AstJsonMatchesTheApiDocumentExample) {
  // seeds/003: /api/v1/parse_query?query=foo/bar (keys sorted, as Go writes maps).
  auto e = ParseExpr("foo/bar");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(
      AstToJson(**e),
      R"({"bool":false,"lhs":{"matchers":[{"name":"__name__","type":"=","value":"foo"}],"name":"foo",)"
      R"("offset":0,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},"matching":{"card":)"
      R"("one-to-one","include":[],"labels":[],"on":false},"op":"/","rhs":{"matchers":[{"name":"__name__",)"
      R"("type":"=","value":"bar"}],"name":"bar","offset":0,"startOrEnd":null,"timestamp":null,"type":)"
      R"("vectorSelector"},"type":"binaryExpr"})");
}

TEST(Parser, AstJsonOfOtherNodes) {
  EXPECT_EQ(AstToJson(**ParseExpr("1 + 2")),
            R"({"bool":false,"lhs":{"type":"numberLiteral","val":"1"},"matching":null,"op":"+",)"
            R"("rhs":{"type":"numberLiteral","val":"2"},"type":"binaryExpr"})");
  EXPECT_EQ(
      AstToJson(**ParseExpr("sum by (a) (rate(x[5m] offset 1m @ end()))")),
      R"({"expr":{"args":[{"matchers":[{"name":"__name__","type":"=","value":"x"}],"name":"x","offset":60000,)"
      R"("range":300000,"startOrEnd":"end","timestamp":null,"type":"matrixSelector"}],"func":{"argTypes":)"
      R"(["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},"grouping":["a"],"op":)"
      R"("sum","param":null,"type":"aggregation","without":false})");
  // Strings are escaped as Go's encoding/json does (HTML characters included).
  EXPECT_NE(AstToJson(**ParseExpr("label_join(x, \"<a>\", \"&\")")).find(R"("val":"\u003ca\u003e")"),
            std::string::npos);
}

TEST(Parser, MetricSelectorForMatchParameters) {
  auto m = ParseMetricSelector(R"(up{job="api", instance=~"a.*"})");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[2].name(), "__name__");
  EXPECT_TRUE(ParseMetricSelector(R"({__name__=~"a.+"})").ok());
  EXPECT_FALSE(ParseMetricSelector("sum(up)").ok());
  EXPECT_FALSE(ParseMetricSelector("up + 1").ok());
  // Not type-checked (the API checks for a non-empty matcher with its own message).
  EXPECT_TRUE(ParseMetricSelector(R"({a=""})").ok());
  EXPECT_TRUE(ParseMetricSelector("{}").ok());
}

TEST(Parser, UnquoteStringAsGo) {
  EXPECT_EQ(*UnquoteString(R"("a\"b\n")"), "a\"b\n");
  EXPECT_EQ(*UnquoteString(R"('a\'b')"), "a'b");
  EXPECT_EQ(*UnquoteString("`a\\nb`"), "a\\nb");
  EXPECT_EQ(*UnquoteString(R"("\x41\u00e9\101")"),
            "A\xc3\xa9"
            "A");
  EXPECT_FALSE(UnquoteString(R"("\'")").ok());
  EXPECT_FALSE(UnquoteString(R"("\q")").ok());
}

TEST(Parser, ExperimentalSyntaxIsGated) {
  EXPECT_EQ(Error("mad_over_time(x[5m])"), "1:1: parse error: function \"mad_over_time\" is not enabled");
  EXPECT_EQ(Error("mad_over_time(x[5m])", {.experimental = true}), "");
  EXPECT_NE(Error("x[5m * 2]"), "");
  EXPECT_EQ(Error("x[5m * 2]", {.experimental = true}), "");
  EXPECT_EQ(Error("a + fill(0) b", {.experimental = true}), "");
  EXPECT_NE(Error("a + fill(0) b"), "");
  EXPECT_EQ(Error("rate(x[5m] anchored)", {.experimental = true}), "");
  EXPECT_EQ(ToString(**ParseExpr("x offset (1h / 2)", {.experimental = true})), "x offset (1h / 2)");
  EXPECT_EQ(ToString(**ParseExpr("count_over_time(x[step() * 2])", {.experimental = true})),
            "count_over_time(x[step() * 2])");
}

TEST(Parser, PositionsCountLinesAndBytes) {
  EXPECT_EQ(Error("sum(\n  x +\n)"), "3:1: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(Error("x{a=\"é\"} +"), "1:12: parse error: unexpected end of input");
}

}  // namespace
}  // namespace promref::promql
