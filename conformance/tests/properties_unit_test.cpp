// The properties command's parts without a server: the generator (deterministic from its seed,
// always well-typed, covering every function, operator, matching mode, aggregation and modifier),
// the shrinker (candidates parse and are simpler; shrinking reaches a small failing expression),
// the expression rewrites the laws rely on, and the law table.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <map>
#include <set>

#include "promql/parser.h"
#include "promql/printer.h"
#include "properties/generator.h"
#include "properties/law_support.h"
#include "properties/laws.h"
#include "properties/shrink.h"

namespace promconform::properties {
namespace {

using namespace promref::promql;

constexpr int64_t kBase = 1795291200000;

Generator MakeGenerator(bool experimental = false) {
  GeneratorOptions o;
  o.base_ms = kBase;
  o.experimental = experimental;
  return Generator(StandardVocabulary(), o);
}

std::vector<std::string> Sequence(uint64_t seed, Shape shape, int n) {
  const Generator g = MakeGenerator();
  Rng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(g.Generate(rng, shape));
  return out;
}

// What a tree holds, for coverage.
void Collect(const Expr& e, std::set<std::string>& seen) {
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      seen.insert("agg:" + std::string(TokenText(a.op)));
      if (a.without) seen.insert("without");
      if (!a.without && !a.grouping.empty()) seen.insert("by");
      if (a.param) Collect(*a.param, seen);
      Collect(*a.expr, seen);
      break;
    }
    case NodeKind::kBinary: {
      const auto& b = As<BinaryExpr>(e);
      seen.insert("op:" + std::string(TokenText(b.op)));
      if (b.return_bool) seen.insert("bool");
      if (b.matching) {
        if (b.matching->on) seen.insert("on");
        if (!b.matching->on && !b.matching->matching_labels.empty()) seen.insert("ignoring");
        if (b.matching->card == Cardinality::kManyToOne) seen.insert("group_left");
        if (b.matching->card == Cardinality::kOneToMany) seen.insert("group_right");
      }
      Collect(*b.lhs, seen);
      Collect(*b.rhs, seen);
      break;
    }
    case NodeKind::kCall:
      seen.insert("fn:" + As<Call>(e).func->name);
      for (const auto& a : As<Call>(e).args) Collect(*a, seen);
      break;
    case NodeKind::kMatrixSelector:
      seen.insert("matrix");
      Collect(*As<MatrixSelector>(e).vector_selector, seen);
      break;
    case NodeKind::kSubquery: {
      const auto& s = As<SubqueryExpr>(e);
      seen.insert(s.step ? "subquery-step" : "subquery-default-step");
      if (s.mods.original_offset) seen.insert("offset");
      Collect(*s.expr, seen);
      break;
    }
    case NodeKind::kVectorSelector: {
      const auto& v = As<VectorSelector>(e);
      if (v.mods.original_offset > 0) seen.insert("offset");
      if (v.mods.original_offset < 0) seen.insert("negative-offset");
      if (v.mods.at == AtKind::kTimestamp) seen.insert("@t");
      if (v.mods.at == AtKind::kStart) seen.insert("@start");
      if (v.mods.at == AtKind::kEnd) seen.insert("@end");
      for (const auto& m : v.matchers)
        seen.insert("match:" + std::string(promref::model::MatchTypeString(m.type())));
      break;
    }
    case NodeKind::kParen: Collect(*As<ParenExpr>(e).expr, seen); break;
    case NodeKind::kUnary:
      seen.insert("unary");
      Collect(*As<UnaryExpr>(e).expr, seen);
      break;
    default: break;
  }
}

TEST(Generator, IsDeterministicFromItsSeed) {
  for (Shape s : {Shape::kVector, Shape::kAny, Shape::kMatrix, Shape::kScalar}) {
    EXPECT_EQ(Sequence(42, s, 40), Sequence(42, s, 40));
  }
  EXPECT_NE(Sequence(42, Shape::kAny, 40), Sequence(43, Shape::kAny, 40));
}

TEST(Generator, EveryExpressionParsesTypeChecksAndIsCanonical) {
  const Generator g = MakeGenerator();
  Rng rng(7);
  for (Shape s : {Shape::kVector, Shape::kScalar, Shape::kInstant, Shape::kMatrix, Shape::kSelector,
                  Shape::kCounterMatrix, Shape::kBuckets, Shape::kAny}) {
    for (int i = 0; i < 300; ++i) {
      const std::string e = g.Generate(rng, s);
      auto parsed = ParseExpr(e);  // not experimental: the default generator needs no flag
      ASSERT_TRUE(parsed.ok()) << ShapeName(s) << ": " << e << ": " << parsed.error().message();
      EXPECT_TRUE(FitsShape(**parsed, s)) << ShapeName(s) << ": " << e;
      EXPECT_EQ(ToString(**parsed), e);
    }
  }
}

TEST(Generator, ExperimentalExpressionsParseWithTheFlag) {
  const Generator g = MakeGenerator(true);
  Rng rng(9);
  for (int i = 0; i < 300; ++i) {
    const std::string e = g.Generate(rng, Shape::kAny);
    ASSERT_TRUE(ParseGenerated(e, true).ok()) << e;
  }
}

TEST(Generator, CoversEveryFunctionOperatorMatchingModeAndModifier) {
  const Generator g = MakeGenerator();
  Rng rng(1);
  std::set<std::string> seen;
  for (int i = 0; i < 4000; ++i) {
    auto parsed = ParseExpr(g.Generate(rng, i % 2 ? Shape::kVector : Shape::kAny));
    ASSERT_TRUE(parsed.ok());
    Collect(**parsed, seen);
  }
  std::vector<std::string> want = {"by",
                                   "without",
                                   "bool",
                                   "on",
                                   "ignoring",
                                   "group_left",
                                   "group_right",
                                   "matrix",
                                   "subquery-step",
                                   "subquery-default-step",
                                   "offset",
                                   "negative-offset",
                                   "@t",
                                   "@start",
                                   "@end",
                                   "unary",
                                   "match:=",
                                   "match:!=",
                                   "match:=~",
                                   "match:!~"};
  for (const char* op :
       {"+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"}) {
    want.push_back(std::string("op:") + op);
  }
  for (const char* a : {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk",
                        "quantile", "count_values"}) {
    want.push_back(std::string("agg:") + a);
  }
  for (const Function& f : AllFunctions()) {
    if (!f.experimental && f.name != "holt_winters") want.push_back("fn:" + f.name);
  }
  for (const auto& w : want) EXPECT_TRUE(seen.count(w)) << "never generated: " << w;
}

TEST(Generator, LeavesOutTheFunctionsItIsTold) {
  GeneratorOptions o;
  o.base_ms = kBase;
  o.skip_functions = {"first_over_time", "histogram_avg"};
  const Generator g(StandardVocabulary(), o);
  Rng rng(3);
  for (int i = 0; i < 1500; ++i) {
    const std::string e = g.Generate(rng, Shape::kAny);
    EXPECT_EQ(e.find("first_over_time"), std::string::npos) << e;
    EXPECT_EQ(e.find("histogram_avg"), std::string::npos) << e;
  }
}

TEST(Shrink, CandidatesParseAndDifferFromTheExpression) {
  rc::check([](uint64_t seed) {
    const Generator g = MakeGenerator();
    Rng rng(seed);
    const std::string e = g.Generate(rng, Shape::kAny);
    for (const auto& c : ShrinkCandidates(e)) {
      RC_ASSERT(c != e);
      RC_ASSERT(ParseExpr(c).ok());
    }
  });
}

TEST(Shrink, ReachesASmallExpressionThatStillFails) {
  const std::string big =
      "sum by (job) (rate(pc_http_requests_total{code=\"500\",method=~\"GET|POST\"}[10m] offset 5m)) / on "
      "(job) "
      "group_left max by (job) (abs(pc_queue_length @ 1795292700.234) * 2)";
  // The "failure": a rate over the requests counter.
  auto fails = [](const std::string& e) {
    return e.find("rate(pc_http_requests_total") != std::string::npos;
  };
  const ShrinkResult r = Shrink(big, fails);
  EXPECT_EQ(r.expr, "rate(pc_http_requests_total[1m])");
  EXPECT_GT(r.steps, 3);
  EXPECT_EQ(Shrink(big, fails).expr, r.expr);  // deterministic
}

TEST(Shrink, KeepsTheTypeThePredicateDemands) {
  // A failure that needs a vector: shrinking never returns a scalar or matrix.
  auto fails = [](const std::string& e) {
    auto p = ParseExpr(e);
    return p.ok() && (*p)->Type() == ValueType::kVector && e.find("pc_up") != std::string::npos;
  };
  EXPECT_EQ(Shrink("sum(avg_over_time(pc_up{job=\"api\"}[5m])) + scalar(pc_ratio)", fails).expr, "pc_up");
}

TEST(Rewrites, OffsetsShiftOutermostSelectorsOnly) {
  EXPECT_EQ(ShiftOffsets("rate(pc_up[5m] offset 1m) + pc_ratio", 60000),
            "rate(pc_up[5m] offset 2m) + pc_ratio offset 1m");
  EXPECT_EQ(ShiftOffsets("max_over_time((pc_up offset 1m)[5m:1m])", -60000),
            "max_over_time((pc_up offset 1m)[5m:1m] offset -1m)");
  EXPECT_EQ(PinAt("pc_up + pc_ratio @ 100", 200000), "pc_up @ 200.000 + pc_ratio @ 100.000");
}

TEST(Rewrites, TimeDependenceIsRecognised) {
  for (const char* e :
       {"time()", "timestamp(pc_up)", "hour()", "pc_up @ start()", "predict_linear(pc_up[5m], 1)"}) {
    EXPECT_TRUE(TimeDependent(**ParseExpr(e))) << e;
  }
  for (const char* e : {"hour(pc_up)", "rate(pc_up[5m] offset 1m)", "pc_up @ 100"}) {
    EXPECT_FALSE(TimeDependent(**ParseExpr(e))) << e;
  }
  EXPECT_TRUE(TieSensitive(**ParseExpr("sum(topk(1, pc_up))")));
  EXPECT_FALSE(TieSensitive(**ParseExpr("sum(max(pc_up))")));
}

TEST(Laws, AtLeastThirtyWithUniqueNamesAndStatements) {
  std::set<std::string> names;
  for (const Law& l : AllLaws()) {
    EXPECT_TRUE(names.insert(l.name).second) << l.name;
    EXPECT_FALSE(l.statement.empty()) << l.name;
    EXPECT_TRUE(l.accepts && l.check) << l.name;
  }
  EXPECT_GE(names.size(), 30u);
}

}  // namespace
}  // namespace promconform::properties
