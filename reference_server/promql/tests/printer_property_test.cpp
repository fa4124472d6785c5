// Laws of the printer over random well-typed expressions:
//   parse(print(e)) == e, print(parse(print(e))) == print(e), and the prettified form parses
//   back to the same tree.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "promql/parser.h"
#include "promql/printer.h"
#include "promql/tests/expr_generator.h"

namespace promref::promql {
namespace {

RC_GTEST_PROP(PrinterProperty, ParseOfPrintIsIdentity, ()) {
  const ValueType type = *rc::gen::element(ValueType::kScalar, ValueType::kVector, ValueType::kVector);
  const ExprPtr e = testing::GenExpr(type, 4);
  const std::string printed = ToString(*e);
  RC_LOG() << printed << "\n";
  ParseResult r = ParseExprDetailed(printed);
  RC_ASSERT(r.ok());
  RC_ASSERT(Equal(*r.expr, *e));
  RC_ASSERT(ToString(*r.expr) == printed);
  const std::string pretty = Prettify(*e);
  ParseResult p = ParseExprDetailed(pretty);
  RC_ASSERT(p.ok());
  RC_ASSERT(Equal(*p.expr, *e));
}

TEST(Printer, CanonicalForms) {
  auto fmt = [](const char* in) { return ToString(**ParseExpr(in)); };
  EXPECT_EQ(fmt("foo/bar"), "foo / bar");
  EXPECT_EQ(fmt("SUM BY(a,b)(x)"), "sum by (a, b) (x)");
  EXPECT_EQ(fmt("sum(x) without(a)"), "sum without (a) (x)");
  EXPECT_EQ(fmt("x{b=\"1\",a=~'2'}[5m] offset 1h"), "x{a=~\"2\",b=\"1\"}[5m] offset 1h");
  EXPECT_EQ(fmt("x offset -90m @ 100"), "x @ 100.000 offset -1h30m");
  EXPECT_EQ(fmt("a + ON(b) GROUP_LEFT(c) d"), "a + on (b) group_left (c) d");
  EXPECT_EQ(fmt("rate(x[1h:30s])"), "rate(x[1h:30s])");
  EXPECT_EQ(fmt("-1"), "-1");
  EXPECT_EQ(fmt("1e6"), "1000000");  // 3.x prints numbers without exponent (parse corpus, 3.16)
  EXPECT_EQ(fmt("0x10"), "16");
  EXPECT_EQ(fmt("'a\\'b'"), "\"a'b\"");
  // A name written inside the braces prints as its matcher (as 3.16's format_query answers).
  EXPECT_EQ(fmt("{\"my.metric\", a=\"b\"}"), "{__name__=\"my.metric\",a=\"b\"}");
}

}  // namespace
}  // namespace promref::promql
