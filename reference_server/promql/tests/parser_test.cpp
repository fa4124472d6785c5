#include "promql/parser.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

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

// As in Prometheus 3.16: experimental functions, limitk/limit_ratio and fill modifiers are
// behind the flags; duration expressions and anchored/smoothed are always on (their flags are
// no-ops in 3.16). The parse corpus test holds every such verdict to recordings of 3.16.
TEST(Parser, OnlyExperimentalFunctionsAndFillModifiersAreGated) {
  EXPECT_EQ(Error("mad_over_time(x[5m])"), "1:1: parse error: function \"mad_over_time\" is not enabled");
  EXPECT_EQ(Error("mad_over_time(x[5m])", {.experimental = true}), "");
  EXPECT_EQ(Error("limitk(1, x)"),
            "1:1: parse error: limitk() is experimental and must be enabled with "
            "--enable-feature=promql-experimental-functions");
  EXPECT_EQ(Error("a + fill(0) b", {.experimental = true}), "");
  EXPECT_EQ(Error("a + fill(0) b"),
            "1:1: parse error: binop fill modifiers are experimental and not enabled");
  EXPECT_EQ(Error("x[5m * 2]"), "");
  EXPECT_EQ(Error("rate(x[5m] anchored)"), "");
  EXPECT_EQ(Error("up smoothed"), "");
  EXPECT_EQ(ToString(**ParseExpr("x offset (1h / 2)")), "x offset (1h / 2)");
  EXPECT_EQ(ToString(**ParseExpr("count_over_time(x[step() * 2])")), "count_over_time(x[step() * 2])");
}

// The two switches are independent, as 3.16's promql-experimental-functions and
// promql-binop-fill-modifiers are.
TEST(Parser, ExperimentalFunctionsAndFillModifiersAreSeparateSwitches) {
  EXPECT_EQ(Error("mad_over_time(x[5m])", {.experimental_functions = true}), "");
  EXPECT_EQ(Error("limitk(1, x)", {.experimental_functions = true}), "");
  EXPECT_EQ(Error("a + fill(0) b", {.experimental_functions = true}),
            "1:1: parse error: binop fill modifiers are experimental and not enabled");
  EXPECT_EQ(Error("a + fill(0) b", {.binop_fill_modifiers = true}), "");
  EXPECT_EQ(Error("mad_over_time(x[5m])", {.binop_fill_modifiers = true}),
            "1:1: parse error: function \"mad_over_time\" is not enabled");
}

// Inside brackets Prometheus 3.x lexes a duration expression, and names what it cannot hold.
TEST(Parser, BracketErrorsAreWordedAsPrometheus3) {
  EXPECT_EQ(Error("x[a]"), "1:3: parse error: unexpected character in duration expression: 'a'");
  EXPECT_EQ(Error("x[5m:a]"), "1:6: parse error: unexpected character: 'a', expected ':'");
  EXPECT_EQ(Error("x[:1m]"), "1:4: parse error: unexpected colon before duration in duration expression");
  EXPECT_EQ(Error("x[1m +]"),
            "1:7: parse error: unexpected \"]\" in subquery or range selector, expected number, duration, "
            "step(), or range()");
  EXPECT_EQ(
      Error("x offset foo"),
      "1:10: parse error: unexpected identifier \"foo\" in offset, expected number, duration, step(), or "
      "range()");
  EXPECT_EQ(Error("x[-5m]"), "1:3: parse error: duration must be greater than 0");
  EXPECT_EQ(Error("x[5m:0s]"), "1:6: parse error: duration must be greater than 0");
  EXPECT_EQ(Error("2.5."), "1:1: parse error: bad number or duration syntax: \"2.5.\"");
}

// Fuzzer finding: deep nesting overflowed the stack. The parser refuses an expression nested
// deeper than the thread's stack can take through every later (recursive) pass, with a parse
// error at the token that goes too deep; the limit follows the stack (on this 8 MB main thread
// some thousands of levels in release builds; 60,000 and more on the server's handler threads,
// see api/tests/http_robustness_test.cpp). Trees that get deep without the parser recursing
// (long left-associative chains, chained subqueries) count as deep too.
// The parser records a binary expression's type, so that Type() answers without walking down
// a long chain of operands (evaluating `x + x + ... + x` asked it at every level: quadratic).
TEST(Parser, BinaryExpressionsKnowTheirType) {
  auto type_of = [](const char* q) { return As<BinaryExpr>(**ParseExpr(q)).type; };
  EXPECT_EQ(type_of("1 + 2"), ValueType::kScalar);
  EXPECT_EQ(type_of("x + 1"), ValueType::kVector);
  EXPECT_EQ(type_of("(1 + 2) * time()"), ValueType::kScalar);
  EXPECT_EQ(type_of("1 + 2 + x"), ValueType::kVector);
  auto parsed = ParseExpr("1 * 2");
  EXPECT_EQ(As<BinaryExpr>(*Clone(**parsed)).type, ValueType::kScalar);
  // A node built by hand leaves it unknown, and Type() works it out.
  BinaryExpr b;
  b.lhs = std::move(*ParseExpr("1"));
  b.rhs = std::move(*ParseExpr("x"));
  EXPECT_EQ(b.type, ValueType::kNone);
  EXPECT_EQ(b.Type(), ValueType::kVector);
}

TEST(Parser, NestingDepthIsBoundedByTheStack) {
  const std::string too_deep = "parse error: expression nesting is too deep (more than ";
  EXPECT_EQ(Error(std::string(200, '(') + "1" + std::string(200, ')')), "");
  EXPECT_EQ(Error(std::string(200, '-') + "x"), "");
  const int n = 2'000'000;
  std::string chain = "x";
  for (int i = 0; i < n; ++i) chain += "+x";
  std::string sq_chain = "(x)";
  for (int i = 0; i < n; ++i) sq_chain += "[1m:]";
  std::string dur_chain = "x[1s";
  for (int i = 0; i < n; ++i) dur_chain += "+1s";
  dur_chain += "]";
  for (const auto& [q, opts] : std::vector<std::pair<std::string, ParseOptions>>{
           {std::string(n, '(') + "1" + std::string(n, ')'), {}},
           {std::string(n, '(') + "1", {}},
           {std::string(n, '-') + "1", {}},
           {std::string(n, '-') + "x", {}},
           {"sum(" + std::string(n, '(') + "x", {}},
           {chain, {}},
           {sq_chain, {}},
           {dur_chain, {}},
           {"x[" + std::string(n, '(') + "1s", {}},
           {"x offset " + std::string(n, '-') + "1s", {.experimental = true}},
       }) {
    const std::string e = Error(q, opts);
    EXPECT_NE(e.find(too_deep), std::string::npos) << q.substr(0, 20) << "...: " << e;
    EXPECT_EQ(e.rfind("1:", 0), 0u) << e;
  }
  // The error points at the token that would go one level too deep.
  const std::string e = Error(std::string(n, '('));
  const size_t colon = e.find(':', 2);
  const int col = std::stoi(e.substr(2, colon - 2));
  EXPECT_EQ(e, "1:" + std::to_string(col) + ": " + too_deep + std::to_string(col - 1) + " levels)");
}

// Prometheus 3.16 (fuzzer findings, checked against the real server).
TEST(Parser, AgreesWithPrometheus316) {
  EXPECT_EQ(Error("x @ start() [5m]"), "1:13: parse error: no @ modifiers allowed before range");
  EXPECT_EQ(Error("x @ end()[5m]"), "1:10: parse error: no @ modifiers allowed before range");
  EXPECT_EQ(Error("x @ 5 [5m]"), "1:7: parse error: no @ modifiers allowed before range");
  EXPECT_EQ(Error("x offset 5m [5m]"), "1:13: parse error: no offset modifiers allowed before range");
  EXPECT_EQ(Error("x[5m] @ start()"), "");
  EXPECT_EQ(Error(R"(a{b=~"\\C"})"),
            "1:3: parse error: error parsing regexp: invalid escape sequence: `\\C`");
  EXPECT_EQ(Error("a{b=~\"(?<n>x)\"}"), "");
}

// --enable-feature=promql-unquoted-utf8-names: what Prometheus 3.16 answered (format_query and
// query), with the flag and, for the last group, without it.
constexpr ParseOptions kUtf8Names{.unquoted_utf8_names = true};

std::string Utf8Format(std::string_view q) {
  auto e = ParseExpr(q, kUtf8Names);
  return e.ok() ? ToString(**e) : "error: " + e.error().message();
}

TEST(Parser, UnquotedUtf8NamesParseAndPrintBare) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(http.server.requests{service.name="api"})", R"(http.server.requests{service.name="api"})"},
      {"sum by (service.name) (x)", "sum by (service.name) (x)"},
      {"sum(a.b) by (c.d)", "sum by (c.d) (a.b)"},
      {"a.b + on(c.d) e", "a.b + on (c.d) e"},
      {"a * on(é) group_left(ü.x) b", "a * on (é) group_left (ü.x) b"},
      {R"(a + ignoring("x-y", z.) b)", R"(a + ignoring ("x-y", z.) b)"},
      {"a.b > bool c.d", "a.b > bool c.d"},
      {"café", "café"},
      {"温度", "温度"},
      {"ǅ{ǅ=\"1\"}", "ǅ{ǅ=\"1\"}"},  // titlecase letters are letters
      {R"(x{é="1"})", R"(x{é="1"})"},
      {"x.", "x."},
      {"x..y", "x..y"},
      {"x.5", "x.5"},
      {R"(x{a.="1"})", R"(x{a.="1"})"},
      {"sum by (x.) (y)", "sum by (x.) (y)"},
      {"a:b.c", "a:b.c"},
      {"é:x", "é:x"},
      {"rate(é[5m])", "rate(é[5m])"},
      {R"(a.b{c.d=~"x"} @ start())", R"(a.b{c.d=~"x"} @ start())"},
      {"Inf.total", "Inf.total"},
      {"NaN.x", "NaN.x"},
      {"inf", "+Inf"},
      {R"({"a.b"})", R"({__name__="a.b"})"},
      {R"({"a.b", "c.d"="1"})", R"({__name__="a.b",c.d="1"})"},
      {R"({"é", "a.b"="1", "1x"="2", ü="3", "a-b"="4"})",
       R"({"1x"="2","a-b"="4",__name__="é",a.b="1",ü="3"})"},
      {R"(sum by ("x y", é, a.b) (x))", R"(sum by ("x y", é, a.b) (x))"},
      {R"(x{"x y"="1", é="2", "1a"="3"})", R"(x{"1a"="3","x y"="1",é="2"})"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(Utf8Format(in), want) << in;
}

TEST(Parser, UnquotedUtf8NamesAreNeverKeywords) {
  // Words with non-ASCII letters stay names even where Unicode case folding would make them
  // keywords.
  EXPECT_EQ(Utf8Format("ｏｆｆｓｅｔ"), "ｏｆｆｓｅｔ");
  EXPECT_EQ(Utf8Format("sum by (ｓｕｍ) (x)"), "sum by (ｓｕｍ) (x)");
  EXPECT_EQ(Error("ſum(x)", kUtf8Names), "1:1: parse error: unknown function with name \"ſum\"");
  EXPECT_EQ(Error("ＳＵＭ(x)", kUtf8Names), "1:1: parse error: unknown function with name \"ＳＵＭ\"");
  EXPECT_EQ(Error("ſum by (a) (x)", kUtf8Names), "1:6: parse error: unexpected <by>");
  EXPECT_EQ(Error("x offſet 5m", kUtf8Names), "1:3: parse error: unexpected identifier \"offſet\"");
  EXPECT_EQ(Error("x ｏｆｆｓｅｔ 5m", kUtf8Names),
            "1:3: parse error: unexpected identifier \"ｏｆｆｓｅｔ\"");
  EXPECT_EQ(Error("é(x)", kUtf8Names), "1:1: parse error: unknown function with name \"é\"");
}

TEST(Parser, UnquotedUtf8NamesErrors) {
  EXPECT_EQ(Error(".x", kUtf8Names), "1:1: parse error: unexpected character: '.'");
  EXPECT_EQ(Error(R"(x{.a="1"})", kUtf8Names), "1:3: parse error: unexpected character inside braces: '.'");
  EXPECT_EQ(Error("sum by (.a) (x)", kUtf8Names), "1:9: parse error: unexpected character: '.'");
  // A combining mark is not a letter.
  EXPECT_EQ(Error("o\u0308", kUtf8Names), "1:2: parse error: unexpected character: '\u0308'");
  EXPECT_EQ(Error("x{o\u0308=\"1\"}", kUtf8Names),
            "1:4: parse error: unexpected character inside braces: '\u0308'");
  EXPECT_EQ(Error("x + ☃", kUtf8Names), "1:5: parse error: unexpected character: '☃'");
  EXPECT_EQ(Error("ⅰ", kUtf8Names), "1:1: parse error: unexpected character: 'ⅰ'");  // Nl, not a letter
  EXPECT_EQ(Error("x[5é]", kUtf8Names), "1:4: parse error: unexpected character: 'é', expected ':'");
  EXPECT_EQ(Error("x[1m:é]", kUtf8Names), "1:6: parse error: unexpected character: 'é', expected ':'");
  EXPECT_EQ(Error("5.x", kUtf8Names), "1:1: parse error: bad number or duration syntax: \"5.\"");
  // A bare grouping label must print back bare: `a:b` is refused with the flag, kept without it.
  EXPECT_EQ(Error("sum by (a:b) (x)", kUtf8Names),
            "1:9: parse error: invalid label name for grouping: \"a:b\"");
  EXPECT_EQ(Error("sum by (a:b.c) (x)", kUtf8Names),
            "1:9: parse error: invalid label name for grouping: \"a:b.c\"");
  EXPECT_EQ(Error(R"(x{a:b="1"})", kUtf8Names), "1:4: parse error: unexpected character inside braces: ':'");
  EXPECT_EQ(ToString(**ParseExpr("sum by (a:b) (x)")), R"(sum by ("a:b") (x))");
}

TEST(Parser, UnquotedUtf8NamesNeedTheFlag) {
  EXPECT_EQ(Error("a.b"), "1:2: parse error: unexpected character: '.'");
  EXPECT_EQ(Error("café"), "1:4: parse error: unexpected character: 'é'");
  EXPECT_EQ(Error(R"(x{é="1"})"), "1:3: parse error: unexpected character inside braces: 'é'");
  EXPECT_EQ(ToString(**ParseExpr(R"(x{"a.b"="1"})")), R"(x{"a.b"="1"})");
  EXPECT_EQ(ToString(**ParseExpr(R"(sum by ("a.b") (x))")), R"(sum by ("a.b") (x))");
  // match[] selectors follow the flag too.
  EXPECT_FALSE(ParseMetricSelector(R"(a.b{c.d="1"})").ok());
  auto m = ParseMetricSelector(R"(a.b{c.d="1"})", kUtf8Names);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
}

TEST(Parser, UnquotedUtf8NamesPrettify) {
  auto e = ParseExpr(R"(sum by (service.name, équipe) (rate(http.server.requests{service.name="api", )"
                     R"(resource.k8s.namespace="system"}[5m])) / on (service.name) group_left (équipe) )"
                     R"(service_info{équipe="infra"})",
                     kUtf8Names);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Prettify(**e),
            "  sum by (service.name, équipe) (\n"
            "    rate(http.server.requests{resource.k8s.namespace=\"system\",service.name=\"api\"}[5m])\n"
            "  )\n"
            "/ on (service.name) group_left (équipe)\n"
            "  service_info{équipe=\"infra\"}");
}

TEST(Parser, PositionsCountLinesAndBytes) {
  EXPECT_EQ(Error("sum(\n  x +\n)"), "3:1: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(Error("x{a=\"é\"} +"), "1:12: parse error: unexpected end of input");
}

}  // namespace
}  // namespace promref::promql
