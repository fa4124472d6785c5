// Engine behaviour on small hand-built datasets. The broad checks are the promqltest scripts
// (upstream and ours) and the differential suite against real Prometheus; these pin down
// semantics that are easy to state directly.
#include "promql/engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/sample.h"
#include "storage/mem_storage.h"

namespace promref::promql {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void Add(const model::Labels& l, int64_t t, double v) {
    auto app = store_.MakeAppender();
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // A counter c: 0, 1, ..., 6 every 10 s from t = 1000 s.
  void LoadCounter() {
    for (int i = 0; i <= 6; ++i) Add({{"__name__", "c"}, {"job", "x"}}, (1000 + i * 10) * 1000LL, i);
  }
  QueryResult Instant(std::string_view q, int64_t t_seconds) {
    return engine_.InstantQuery(store_, q, t_seconds * 1000);
  }
  double Scalar(std::string_view q, int64_t t_seconds) {
    QueryResult r = Instant(q, t_seconds);
    EXPECT_TRUE(r.status.ok()) << q << ": " << (r.status.ok() ? "" : r.status.error().message());
    if (r.value.type == ResultType::kScalar) return r.value.scalar;
    EXPECT_EQ(r.value.vector.size(), 1u) << q;
    return r.value.vector.empty() ? std::nan("") : r.value.vector[0].f;
  }

  storage::MemStorage store_;
  Engine engine_;
};

TEST_F(EngineTest, RateAndIncreaseExtrapolate) {
  LoadCounter();
  EXPECT_DOUBLE_EQ(Scalar("rate(c[30s])", 1060), 0.1);
  EXPECT_DOUBLE_EQ(Scalar("increase(c[45s])", 1060), 4.5);
  EXPECT_DOUBLE_EQ(Scalar("predict_linear(c[60s], 10)", 1060), 7);
}

TEST_F(EngineTest, LookbackIsLeftOpen) {
  LoadCounter();
  EXPECT_DOUBLE_EQ(Scalar("c", 1060 + 299), 6);
  EXPECT_TRUE(Instant("c", 1060 + 300).value.vector.empty()) << "a sample exactly 5m old is outside (3.x)";
  EXPECT_DOUBLE_EQ(Scalar("count_over_time(c[30s])", 1060), 3) << "range windows are left-open";
}

TEST_F(EngineTest, StaleMarkersEndASeries) {
  Add({{"__name__", "s"}}, 1000'000, 1);
  Add({{"__name__", "s"}}, 1010'000, model::StaleNaN());
  EXPECT_DOUBLE_EQ(Scalar("s", 1005), 1);
  EXPECT_TRUE(Instant("s", 1015).value.vector.empty());
  EXPECT_DOUBLE_EQ(Scalar("count_over_time(s[1m])", 1015), 1) << "stale markers never enter windows";
}

TEST_F(EngineTest, TimestampAndOffsetAndAt) {
  LoadCounter();
  EXPECT_DOUBLE_EQ(Scalar("timestamp(c)", 1065), 1060);
  EXPECT_DOUBLE_EQ(Scalar("timestamp(c * 1)", 1065), 1065);
  EXPECT_DOUBLE_EQ(Scalar("c offset 20s", 1060), 4);
  EXPECT_DOUBLE_EQ(Scalar("c @ 1030", 1060), 3);
  EXPECT_DOUBLE_EQ(Scalar("c @ 1050 offset 10s", 2000), 4);
}

TEST_F(EngineTest, OperatorsAndAggregations) {
  Add({{"__name__", "m"}, {"g", "a"}}, 1000'000, 1);
  Add({{"__name__", "m"}, {"g", "b"}}, 1000'000, 2);
  Add({{"__name__", "m"}, {"g", "c"}}, 1000'000, 10);
  EXPECT_DOUBLE_EQ(Scalar("sum(m)", 1000), 13);
  EXPECT_DOUBLE_EQ(Scalar("quantile(0.5, m)", 1000), 2);
  EXPECT_DOUBLE_EQ(Scalar("-5 % 3", 1000), -2);
  EXPECT_DOUBLE_EQ(Scalar("2 ^ 3 ^ 2", 1000), 512);
  EXPECT_DOUBLE_EQ(Scalar("round(vector(-2.5))", 1000), -2);
  QueryResult r = Instant("topk(2, m)", 1000);
  ASSERT_EQ(r.value.vector.size(), 2u);
  EXPECT_EQ(r.value.vector[0].f, 10);
  EXPECT_EQ(r.value.vector[1].f, 2);
  EXPECT_EQ(r.value.vector[0].metric.MetricName(), "m") << "topk keeps the name";
  r = Instant("3 < m", 1000);
  ASSERT_EQ(r.value.vector.size(), 1u);
  EXPECT_EQ(r.value.vector[0].f, 10) << "a comparison keeps the vector's value";
  r = Instant("m * 2", 1000);
  EXPECT_EQ(r.value.vector[0].metric.MetricName(), "") << "arithmetic drops the name";
}

TEST_F(EngineTest, VectorMatchingErrors) {
  Add({{"__name__", "a"}, {"x", "1"}, {"y", "1"}}, 1000'000, 1);
  Add({{"__name__", "a"}, {"x", "1"}, {"y", "2"}}, 1000'000, 1);
  Add({{"__name__", "b"}, {"x", "1"}}, 1000'000, 1);
  QueryResult r = Instant("a + on(x) b", 1000);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kExecution);
  EXPECT_EQ(r.status.error().message(),
            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
  r = Instant("b + on(x) a", 1000);
  EXPECT_EQ(r.status.error().message(),
            "found duplicate series for the match group {x=\"1\"} on the right hand-side of the operation: "
            "[{__name__=\"a\", x=\"1\", y=\"2\"}, {__name__=\"a\", x=\"1\", y=\"1\"}];many-to-many matching "
            "not allowed: matching labels must be unique on one side");
  r = Instant("a + on(x) group_left b", 1000);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.value.vector.size(), 2u);
}

TEST_F(EngineTest, RangeQuerySortedMatrixAndScalar) {
  LoadCounter();
  QueryResult r = engine_.RangeQuery(store_, "c", 1000'000, 1060'000, 20'000);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.value.type, ResultType::kMatrix);
  ASSERT_EQ(r.value.matrix.size(), 1u);
  EXPECT_EQ(r.value.matrix[0].floats.size(), 4u);
  r = engine_.RangeQuery(store_, "time()", 0, 60'000, 30'000);
  ASSERT_EQ(r.value.matrix.size(), 1u);
  EXPECT_EQ(r.value.matrix[0].floats[2].f, 60);
  r = engine_.RangeQuery(store_, "c[5m]", 0, 60'000, 30'000);
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
}

TEST_F(EngineTest, SubqueriesAlignToAbsoluteSteps) {
  LoadCounter();
  // Inner steps at multiples of 10s strictly after 1060-30 = 1030: 1040, 1050, 1060.
  EXPECT_DOUBLE_EQ(Scalar("count_over_time(c[30s:10s])", 1060), 3);
  EXPECT_DOUBLE_EQ(Scalar("sum_over_time(c[30s:10s])", 1060), 4 + 5 + 6);
}

TEST_F(EngineTest, TooManySamplesIsAnExecutionError) {
  EngineOptions o;
  o.max_samples = 3;
  Engine small(o);
  LoadCounter();
  QueryResult r = small.RangeQuery(store_, "c", 1000'000, 1060'000, 10'000);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kExecution);
  EXPECT_EQ(r.status.error().message(),
            "query processing would load too many samples into memory in query execution");
}

}  // namespace
}  // namespace promref::promql
