// Engine behaviour on small hand-built datasets. The broad checks are the promqltest scripts
// (upstream and ours) and the differential suite against real Prometheus; these pin down
// semantics that are easy to state directly.
#include "promql/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "model/sample.h"
#include "storage/mem_storage.h"

namespace promref::promql {
namespace {

// `b` holds `a`'s series with the same bits (and maybe more), and at least `a`'s annotations.
void ExpectHolds(const QueryResult& b, const QueryResult& a) {
  ASSERT_TRUE(a.status.ok()) << a.status.error().message();
  ASSERT_TRUE(b.status.ok()) << b.status.error().message();
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (const std::string& w : a.annotations.warnings) EXPECT_TRUE(has(b.annotations.warnings, w)) << w;
  for (const std::string& i : a.annotations.infos) EXPECT_TRUE(has(b.annotations.infos, i)) << i;
  std::map<std::string, std::vector<FPoint>> in_b;
  for (const Series& s : b.value.matrix) in_b[s.metric.ToString()] = s.floats;
  for (const Sample& s : b.value.vector) in_b[s.metric.ToString()] = {{s.t, s.f}};
  std::map<std::string, std::vector<FPoint>> in_a;
  for (const Series& s : a.value.matrix) in_a[s.metric.ToString()] = s.floats;
  for (const Sample& s : a.value.vector) in_a[s.metric.ToString()] = {{s.t, s.f}};
  EXPECT_FALSE(in_a.empty());
  for (const auto& [labels, points] : in_a) {
    ASSERT_TRUE(in_b.count(labels)) << labels;
    const std::vector<FPoint>& other = in_b[labels];
    ASSERT_EQ(points.size(), other.size()) << labels;
    for (size_t j = 0; j < points.size(); ++j) {
      EXPECT_EQ(points[j].t, other[j].t);
      EXPECT_EQ(std::memcmp(&points[j].f, &other[j].f, sizeof(double)), 0)
          << labels << " at " << points[j].t << ": " << points[j].f << " vs " << other[j].f;
    }
  }
}

// A two-bucket histogram gaining one observation in each bucket a step: its value at step k.
model::FloatHistogram GrowingHistogram(int k) {
  model::FloatHistogram h;
  h.positive_spans = {{0, 2}};
  h.count = h.sum = 2.0 * k;
  h.positive_buckets = {1.0 * k, 1.0 * k};
  return h;
}

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

// A range query's aggregation folds its input either step by step or, when only floats come in
// and groups × steps is at most 65,536, series by series (eval_aggregate.cpp). Both must give
// the same bits: here 2,000 groups × 41 steps take the step-by-step path and each instant query
// (1 step) the series-by-series one. Values of mixed magnitude make the Kahan sums and the
// running means depend on the order of the samples; some groups end early, so they have no
// samples at the last steps.
TEST_F(EngineTest, AggregationsAnswerAlikeStepByStepAndSeriesBySeries) {
  const double magnitudes[] = {1e16, 1, -1e16, 3.25, 1e-3, -7.5};
  for (int g = 0; g < 2000; ++g) {
    for (int i = 0; i < 2; ++i) {
      const model::Labels l{{"__name__", "x"}, {"g", std::to_string(g)}, {"i", std::to_string(i)}};
      auto app = store_.MakeAppender();
      for (int k = 0; k <= 40; ++k) {
        if (i == 1 && (g + k) % 29 < 6) continue;  // gaps within the lookback delta
        if (g % 10 == 0 && k > 10) break;          // groups that end: nothing after 1450 s
        const double v = magnitudes[(g + i + k) % 6] * (1 + k % 5) + k;
        ASSERT_TRUE(app->Append(0, l, (1000 + 15 * k) * 1000LL, v).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
  }
  for (const std::string q :
       {"sum by (g) (x)", "avg by (g) (x offset 30s)", "min by (g) (x)", "count by (g) (x)",
        "stddev by (g) (x)", "quantile by (g) (0.3, x)", "sum without (i) (rate(x[1m]))"}) {
    SCOPED_TRACE(q);
    const QueryResult range = engine_.RangeQuery(store_, q, 1000'000, 1600'000, 15'000);
    ASSERT_TRUE(range.status.ok()) << range.status.error().message();
    std::map<int64_t, std::map<std::string, double>> by_step;
    for (const Series& s : range.value.matrix) {
      for (const FPoint& p : s.floats) by_step[p.t][s.metric.ToString()] = p.f;
    }
    for (int64_t t = 1000; t <= 1600; t += 7 * 15) {  // a few steps: instant queries are slow
      const QueryResult instant = Instant(q, t);
      ASSERT_TRUE(instant.status.ok());
      std::map<std::string, double> at;
      for (const Sample& s : instant.value.vector) at[s.metric.ToString()] = s.f;
      ASSERT_EQ(at.size(), by_step[t * 1000].size()) << "at " << t;
      for (const auto& [labels, v] : at) {
        const double r = by_step[t * 1000][labels];
        EXPECT_TRUE(std::memcmp(&r, &v, sizeof v) == 0) << labels << " at " << t << ": " << r << " vs " << v;
      }
    }
  }
}

// An aggregation of a range function over a selector folds the function's series as they come,
// without its output matrix (Evaluator::EvalAggregateOfRangeFunction). It gives that up for the
// step-by-step path over the matrix when a series holds histograms, when the groups are too
// many, or when two series may share labels. Both must give the same bits and annotations:
// here the same floats are aggregated once alone (series by series) and once with a histogram
// series in its own group, which comes last and sends the whole query down the other path.
// The values make Kahan sums and means depend on the order of the samples and include counter
// resets and gaps.
TEST_F(EngineTest, AggregationsOfRangeFunctionsAnswerAlikeWithoutTheirMatrix) {
  const double magnitudes[] = {1e16, 1, -1e16, 3.25, 1e-3, -7.5};
  auto app = store_.MakeAppender();
  for (int s = 0; s < 1800; ++s) {
    const model::Labels x{{"__name__", "x"}, {"g", std::to_string(s % 23)}, {"s", std::to_string(s)}};
    const model::Labels wide{{"__name__", "x_wide"}, {"s", std::to_string(s)}};
    for (int k = 0; k <= 44; ++k) {
      if ((s + k) % 31 < 4) continue;  // gaps
      const double v = magnitudes[(s + k) % 6] * (1 + k % 5) + k * (s % 7);
      if (s < 600) {
        ASSERT_TRUE(app->Append(0, x, (940 + 15 * k) * 1000LL, v).ok());
      }
      ASSERT_TRUE(app->Append(0, wide, (940 + 15 * k) * 1000LL, v).ok());
    }
  }
  for (int k = 0; k <= 44; ++k) {
    const int64_t t = (940 + 15 * k) * 1000LL;
    ASSERT_TRUE(
        app->AppendHistogram(0, {{"__name__", "x"}, {"g", "hist"}, {"s", "h"}}, t, GrowingHistogram(k)).ok());
    // Two metrics whose series have the same labels once the name is dropped.
    ASSERT_TRUE(app->Append(0, {{"__name__", "dup_a"}, {"s", "1"}}, t, k).ok());
    ASSERT_TRUE(app->Append(0, {{"__name__", "dup_b"}, {"s", "1"}}, t, k).ok());
  }
  ASSERT_TRUE(app->Commit().ok());

  int compared = 0;
  for (const std::string agg : {"sum by (g)", "avg by (g)", "min by (g)", "max without (s)", "count by (g)",
                                "group by (g)", "stddev by (g)", "stdvar by (g)", "quantile by (g) (0.7,"}) {
    for (const std::string fn :
         {"rate(x%[1m])", "increase(x%[45s] offset 15s)", "delta(x%[1m])", "avg_over_time(x%[1m])",
          "sum_over_time(x%[2m])", "last_over_time(x%[1m])", "count_over_time(x%[1m])"}) {
      const bool quantile = agg.back() == ',';
      const std::string q = agg + (quantile ? " " : " (") + fn + ")";
      std::string floats_only = q, with_histogram = q;
      floats_only.replace(floats_only.find('%'), 1, "{g!=\"hist\"}");
      with_histogram.erase(with_histogram.find('%'), 1);
      SCOPED_TRACE(with_histogram);
      ExpectHolds(engine_.RangeQuery(store_, with_histogram, 1000'000, 1600'000, 15'000),
                  engine_.RangeQuery(store_, floats_only, 1000'000, 1600'000, 15'000));
      ExpectHolds(Instant(with_histogram, 1333), Instant(floats_only, 1333));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 63);

  // A group per series: more groups × steps than the series-by-series fold holds in a range
  // query (which gives up), but not at one step (an instant query).
  const std::string wide = "sum by (s) (rate(x_wide[1m]))";
  const QueryResult range = engine_.RangeQuery(store_, wide, 1000'000, 1600'000, 15'000);
  for (int64_t t = 1000; t <= 1600; t += 7 * 15) {
    SCOPED_TRACE(t);
    QueryResult at_t = range;
    for (Series& s : at_t.value.matrix)
      std::erase_if(s.floats, [&](const FPoint& p) { return p.t != t * 1000; });
    ExpectHolds(at_t, Instant(wide, t));
  }

  // Dropping the names makes dup_a and dup_b one labelset, which fails the query; functions
  // that keep the name do not.
  const QueryResult dup =
      engine_.RangeQuery(store_, "sum(rate({__name__=~\"dup_.\"}[1m]))", 1000'000, 1600'000, 15'000);
  ASSERT_FALSE(dup.status.ok());
  EXPECT_EQ(dup.status.error().message(), "vector cannot contain metrics with the same labelset");
  EXPECT_TRUE(Instant("sum(last_over_time({__name__=~\"dup_.\"}[1m]))", 1333).status.ok());
}

// rate, increase and delta remember the timing of the last window shape they met (one thread's
// cache, functions_rate.cpp): a range query meets the shapes in one order, instant queries at
// the same steps in another, and both must give the same bits. Scrapes here jitter, skip and
// reset, so that shapes repeat and differ in every way the cache keys on.
TEST_F(EngineTest, RateExtrapolationAnswersAlikeInAnyOrderOfWindows) {
  auto app = store_.MakeAppender();
  uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (int s = 0; s < 40; ++s) {
    const model::Labels l{{"__name__", "c_total"}, {"s", std::to_string(s)}};
    double v = static_cast<double>(next() % 100);
    for (int k = 0; k < 80; ++k) {
      if (next() % 7 == 0) continue;  // a missed scrape
      const int64_t jitter = s % 3 == 0 ? 0 : static_cast<int64_t>(next() % 3000);
      v = next() % 23 == 0 ? static_cast<double>(next() % 5) : v + static_cast<double>(next() % 50) / 4;
      ASSERT_TRUE(app->Append(0, l, (1000 + 15 * k) * 1000LL + jitter, v).ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  for (const std::string q : {"rate(c_total[1m])", "increase(c_total[45s])", "delta(c_total[2m])",
                              "rate(c_total[1m] offset 20s)", "sum(rate(c_total[90s]))"}) {
    SCOPED_TRACE(q);
    const QueryResult range = engine_.RangeQuery(store_, q, 1100'000, 2100'000, 20'000);
    ASSERT_TRUE(range.status.ok());
    std::map<std::pair<std::string, int64_t>, double> by_step;
    for (const Series& s : range.value.matrix) {
      for (const FPoint& p : s.floats) by_step[{s.metric.ToString(), p.t}] = p.f;
    }
    size_t compared = 0;
    for (int64_t t = 2100; t >= 1100; t -= 20) {  // backwards: another order of shapes
      const QueryResult instant = Instant(q, t);
      ASSERT_TRUE(instant.status.ok());
      for (const Sample& smp : instant.value.vector) {
        const auto it = by_step.find({smp.metric.ToString(), t * 1000});
        ASSERT_NE(it, by_step.end()) << smp.metric.ToString() << " at " << t;
        EXPECT_EQ(std::memcmp(&it->second, &smp.f, sizeof(double)), 0)
            << smp.metric.ToString() << " at " << t << ": " << it->second << " vs " << smp.f;
        ++compared;
      }
    }
    EXPECT_GT(compared, 40u);
  }
}

// A large selection's range functions may be evaluated on the thread that decodes it, which
// takes the windows of the series it read while the evaluating thread is behind
// (series_prefetcher.h). Every split gives the same answer: all on the decoding thread
// (kAlways), none (kNever), and whatever the default's timing makes of it.
TEST_F(EngineTest, RangeFunctionsAnswerAlikeOnEitherThread) {
  auto app = store_.MakeAppender();
  for (int s = 0; s < 300; ++s) {  // more series than are read inline
    const model::Labels l{
        {"__name__", s % 4 == 0 ? "x" : "x_total"}, {"g", std::to_string(s % 7)}, {"s", std::to_string(s)}};
    double v = s;
    for (int k = 0; k <= 60; ++k) {
      if ((s + k) % 13 == 0) continue;                             // a missed scrape
      v = (s + k) % 17 == 0 ? k % 3 : v + s % 5 + 0.25 * (k % 4);  // counter resets
      double out = v;
      if ((s * k) % 97 == 5) out = std::nan("");
      if ((s + 2 * k) % 41 == 0) out = model::StaleNaN();
      const int64_t jitter = s % 3 == 0 ? 0 : (s * k) % 2000;
      ASSERT_TRUE(app->Append(0, l, (1000 + 15 * k) * 1000LL + jitter, out).ok());
    }
  }
  for (int k = 0; k <= 60; ++k) {
    const model::FloatHistogram h = GrowingHistogram(k);
    const int64_t t = (1000 + 15 * k) * 1000LL;
    ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "x_total"}, {"g", "h"}, {"s", "h"}}, t, h).ok());
    const model::Labels mixed{{"__name__", "x"}, {"g", "mixed"}, {"s", "mixed"}};
    ASSERT_TRUE((k < 30 ? app->Append(0, mixed, t, k) : app->AppendHistogram(0, mixed, t, h)).ok());
  }
  ASSERT_TRUE(app->Commit().ok());

  // With the experimental functions (mad_over_time, ts_of_*, ...).
  EngineOptions options;
  options.enable_experimental = true;
  options.evaluate_ahead = EvaluateAhead::kAlways;
  const Engine always(options);
  options.evaluate_ahead = EvaluateAhead::kNever;
  const Engine never(options);
  options.evaluate_ahead = EvaluateAhead::kWhenBehind;
  const Engine behind(options);
  int compared = 0;
  // clang-format off
  const std::vector<std::string> functions = {
      "rate", "increase", "delta", "irate", "idelta", "changes", "resets", "deriv", "avg_over_time",
      "sum_over_time", "count_over_time", "present_over_time", "last_over_time", "first_over_time",
      "max_over_time", "min_over_time", "stddev_over_time", "stdvar_over_time", "mad_over_time",
      "ts_of_last_over_time", "ts_of_first_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
      "quantile_over_time(0.3,", "quantile_over_time(2,", "predict_linear("};
  // clang-format on
  for (const std::string& fn : functions) {
    const bool open = fn.back() == '(' || fn.back() == ',';
    std::vector<std::string> queries;
    for (const std::string arg :
         {"{__name__=~\"x|x_total\"}[1m]", "{__name__=~\"x|x_total\"}[1m] offset 30s"}) {
      const std::string call = (open ? fn : fn + "(") + arg + (fn == "predict_linear(" ? ", 60)" : ")");
      queries.push_back(call);
      queries.push_back("sum by (g) (" + call + ")");
    }
    for (const std::string& q : queries) {
      SCOPED_TRACE(q);
      const QueryResult a = always.RangeQuery(store_, q, 1000'000, 1900'000, 15'000);
      const QueryResult b = never.RangeQuery(store_, q, 1000'000, 1900'000, 15'000);
      const QueryResult c = behind.RangeQuery(store_, q, 1000'000, 1900'000, 15'000);
      for (const QueryResult* other : {&b, &c}) {
        ExpectHolds(a, *other);
        ExpectHolds(*other, a);
        EXPECT_EQ(a.annotations.warnings, other->annotations.warnings);
        EXPECT_EQ(a.annotations.infos, other->annotations.infos);
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, 104);
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
  // The two series come in label order (operators.test, Prometheus 3.x).
  r = Instant("b + on(x) a", 1000);
  EXPECT_EQ(r.status.error().message(),
            "found duplicate series for the match group {x=\"1\"} on the right hand-side of the operation: "
            "[{__name__=\"a\", x=\"1\", y=\"1\"}, {__name__=\"a\", x=\"1\", y=\"2\"}];many-to-many matching "
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

// Fuzzer finding (UBSan): `@ 100100100100100100` is past int64 milliseconds, so the reference
// time is math.MinInt64 (Go's float conversion), and reference time - range - lookback
// overflowed. Prometheus computes these times in wrapping int64 arithmetic and answers with
// empty results (checked against 3.16); so does promref, without undefined behaviour.
TEST_F(EngineTest, FarAwayAtTimestampsWrapAsInGo) {
  LoadCounter();
  const int64_t start = 31'840'000, end = 35'017'000, step = 64'000;  // 08:50:40Z .. 09:43:37Z
  for (const char* q : {
           "resets(c[1h] @ 100100100100100100)",
           "rate(c[1h] @ -100100100100100100 offset 1h)",
           "c @ 100100100100100100",
           "timestamp(c @ -100100100100100100)",
           "c @ -100100100100100100 offset -1h",
           "max_over_time(c[1h:1m] @ 100100100100100100)",
           "max_over_time(c[1h:1m] @ -100100100100100100 offset 1h)",
           "min_over_time(rate(c[5m])[1h:] @ 100100100100100100)",
       }) {
    QueryResult r = engine_.RangeQuery(store_, q, start, end, step);
    ASSERT_TRUE(r.status.ok()) << q << ": " << r.status.error().message();
    EXPECT_EQ(r.value.type, ResultType::kMatrix) << q;
    EXPECT_TRUE(r.value.matrix.empty()) << q;
    r = engine_.InstantQuery(store_, q, 1060'000);
    ASSERT_TRUE(r.status.ok()) << q << ": " << r.status.error().message();
    EXPECT_TRUE(r.value.vector.empty()) << q;
  }
  QueryResult r = engine_.InstantQuery(store_, "c[1h] @ 100100100100100100", 1060'000);
  ASSERT_TRUE(r.status.ok()) << r.status.error().message();
  EXPECT_TRUE(r.value.matrix.empty());
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

// Prometheus 3.16's histogram_quantile over classic buckets that are not monotonic (quantile.go,
// ensureMonotonicAndIgnoreSmallDeltas): the counts are raised to their running maximum, and one
// info per metric name reports the buckets raised, the largest raise, how often and when.
// A finished node's intermediate results no longer count towards the limit, only its result:
// a long chain of scalar arithmetic needs at most its two operands and its output at once.
TEST_F(EngineTest, SampleLimitCountsOnlyLiveResults) {
  EngineOptions o;
  o.max_samples = 3;
  Engine small(o);
  QueryResult r = small.InstantQuery(store_, "1 + 1 + 1 + 1 + 1 + 1", 1000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.error().message();
  EXPECT_EQ(r.value.scalar, 6);
}

// __type__ and __unit__ (type-and-unit labels) go wherever __name__ goes: out of without(...)
// groups and ignoring(...) signatures, and out of absent()'s labels (Prometheus 3.16).
TEST_F(EngineTest, TypeAndUnitLabelsAreMetadata) {
  Add({{"__name__", "r"}, {"__type__", "counter"}, {"__unit__", "a"}, {"job", "x"}, {"i", "0"}}, 1000'000, 1);
  Add({{"__name__", "r"}, {"__type__", "gauge"}, {"__unit__", "b"}, {"job", "x"}, {"i", "1"}}, 1000'000, 2);
  QueryResult r = Instant("sum without (i) (r)", 1000);
  ASSERT_EQ(r.value.vector.size(), 1u);
  EXPECT_EQ(r.value.vector[0].metric.ToString(), "{job=\"x\"}");
  EXPECT_DOUBLE_EQ(Scalar("r{i=\"0\"} + ignoring(i) r{i=\"1\"}", 1000), 3);
  r = Instant("absent(r{__type__=\"counter\", __unit__=\"a\", job=\"none\"})", 1000);
  ASSERT_EQ(r.value.vector.size(), 1u);
  EXPECT_EQ(r.value.vector[0].metric.ToString(), "{job=\"none\"}");
}

// Go folds the constant factor before multiplying, so large inputs do not overflow.
TEST_F(EngineTest, DegAndRadDoNotOverflowEarly) {
  EXPECT_EQ(Scalar("rad(vector(1e308))", 1000), 1.7453292519943295e+306);
  EXPECT_EQ(Scalar("deg(vector(1e306))", 1000), 5.729577951308232e+307);
}

TEST_F(EngineTest, HistogramQuantileReportsForcedMonotonicityAsPrometheus) {
  // Rates per second: le=1 below le=0.1, +Inf below le=10.
  const std::pair<const char*, double> slopes[] = {{"0.1", 2}, {"1", 1}, {"10", 5}, {"+Inf", 4}};
  for (const auto& [le, slope] : slopes) {
    for (int i = 0; i <= 20; ++i)
      Add({{"__name__", "nm_bucket"}, {"le", le}}, (1000 + i * 10) * 1000LL, 1000 + slope * i * 10);
  }
  const std::string_view q = "histogram_quantile(0.5, rate(nm_bucket[1m]))";
  QueryResult r = engine_.RangeQuery(store_, q, 1100'000, 1120'000, 10'000);
  ASSERT_TRUE(r.status.ok()) << r.status.error().message();
  ASSERT_EQ(r.value.matrix.size(), 1u);
  ASSERT_EQ(r.value.matrix[0].floats.size(), 3u);
  // Counts 2, 2, 5, 5 after the fix: rank 2.5 falls in (1, 10].
  for (const auto& p : r.value.matrix[0].floats) EXPECT_NEAR(p.f, 2.5, 1e-9);
  const std::string info =
      "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
      "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
  // Merged over the three steps; without delayed name removal the metric is not named. The count
  // is Prometheus': its call and range-evaluation maps hold the same object, so every step after
  // the first doubles it (+1): 0, 2*(0+1)+1 = 3, 2*(3+1)+1 = 9, and the text says count + 1 (3.16
  // says "over 766 samples" for one broken histogram over 9 steps, recorded in the fixtures).
  EXPECT_EQ(
      r.annotations.infos,
      std::vector<std::string>{info + ", from buckets 1 to +Inf, with a max diff of 1, over 10 samples from "
                                      "1970-01-01T00:18:20Z to 1970-01-01T00:18:40Z (1:25)"});
  EXPECT_TRUE(r.annotations.warnings.empty());
  EngineOptions o;
  o.enable_delayed_name_removal = true;
  r = Engine(o).InstantQuery(store_, q, 1100'000);
  EXPECT_EQ(r.annotations.infos,
            std::vector<std::string>{
                info + " for metric name \"nm_bucket\", from buckets 1 to +Inf, with a max diff of "
                       "1, over 1 samples from 1970-01-01T00:18:20Z to 1970-01-01T00:18:20Z (1:25)"});
  // A missing or NaN le skips the series with a warning that names the metric only with
  // delayed name removal.
  Add({{"__name__", "bad_bucket"}, {"abe", "0.1"}}, 1000'000, 2);
  Add({{"__name__", "bad_bucket"}, {"le", "NaN"}}, 1000'000, 2);
  r = Instant("histogram_quantile(0.5, bad_bucket)", 1000);
  EXPECT_TRUE(r.value.vector.empty());
  EXPECT_EQ(
      r.annotations.warnings,
      (std::vector<std::string>{
          "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"\" (1:25)",
          "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"NaN\" (1:25)"}));
}

// A store that reads slowly: each selection takes `delay`, before its first series or after
// its last one, so that a deadline passes at a chosen point of an evaluation.
enum class SlowAt { kFirstSeries, kEnd };

class SlowSeriesSet final : public storage::SeriesSet {
 public:
  SlowSeriesSet(std::unique_ptr<storage::SeriesSet> inner, std::chrono::milliseconds delay, SlowAt at)
      : inner_(std::move(inner)), delay_(delay), at_(at) {}
  bool Next() override {
    if (at_ == SlowAt::kFirstSeries && !started_) std::this_thread::sleep_for(delay_);
    started_ = true;
    const bool more = inner_->Next();
    if (!more && at_ == SlowAt::kEnd) std::this_thread::sleep_for(delay_);
    return more;
  }
  const storage::Series& At() const override { return inner_->At(); }

 private:
  std::unique_ptr<storage::SeriesSet> inner_;
  std::chrono::milliseconds delay_;
  SlowAt at_;
  bool started_ = false;
};

class SlowQuerier final : public storage::Querier {
 public:
  SlowQuerier(std::unique_ptr<storage::Querier> inner, std::chrono::milliseconds delay, SlowAt at)
      : inner_(std::move(inner)), delay_(delay), at_(at) {}
  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints& hints,
                                             std::span<const model::Matcher> ms) override {
    return std::make_unique<SlowSeriesSet>(inner_->Select(sorted, hints, ms), delay_, at_);
  }
  Result<std::vector<std::string>> LabelValues(std::string_view name, const storage::LabelHints& hints,
                                               std::span<const model::Matcher> ms) override {
    return inner_->LabelValues(name, hints, ms);
  }
  Result<std::vector<std::string>> LabelNames(const storage::LabelHints& hints,
                                              std::span<const model::Matcher> ms) override {
    return inner_->LabelNames(hints, ms);
  }

 private:
  std::unique_ptr<storage::Querier> inner_;
  std::chrono::milliseconds delay_;
  SlowAt at_;
};

class SlowQueryable final : public storage::Queryable {
 public:
  SlowQueryable(storage::Queryable* inner, std::chrono::milliseconds delay, SlowAt at)
      : inner_(inner), delay_(delay), at_(at) {}
  Result<std::unique_ptr<storage::Querier>> MakeQuerier(int64_t mint, int64_t maxt) override {
    auto q = inner_->MakeQuerier(mint, maxt);
    if (!q.ok()) return q.error();
    return std::unique_ptr<storage::Querier>(std::make_unique<SlowQuerier>(std::move(*q), delay_, at_));
  }

 private:
  storage::Queryable* inner_;
  std::chrono::milliseconds delay_;
  SlowAt at_;
};

// Prometheus checks the query's deadline before evaluating ("query execution"), at every node
// and step ("expression evaluation", a timeout), and at every series a selector reads (whose
// bare context error is an execution error).
TEST_F(EngineTest, DeadlinesAreCheckedBeforeAndDuringEvaluation) {
  using std::chrono::milliseconds;
  LoadCounter();
  QueryOptions o;
  o.deadline = std::chrono::steady_clock::now() - milliseconds(1);
  QueryResult r = engine_.InstantQuery(store_, "c", 1060'000, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kTimeout);
  EXPECT_EQ(r.status.error().message(), "query timed out in query execution");
  r = engine_.RangeQuery(store_, "c", 1000'000, 1060'000, 10'000, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kTimeout);
  // Passes after the left operand is read: the right one is never evaluated.
  SlowQueryable slow_end(&store_, milliseconds(1000), SlowAt::kEnd);
  o.deadline = std::chrono::steady_clock::now() + milliseconds(500);
  r = engine_.InstantQuery(slow_end, "c + c", 1060'000, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kTimeout);
  EXPECT_EQ(r.status.error().message(), "query timed out in expression evaluation");
  // The engine's own timeout (--query.timeout) applies without a caller's deadline.
  EngineOptions eo;
  eo.timeout_ms = 500;
  r = Engine(eo).RangeQuery(slow_end, "c + c", 1000'000, 1060'000, 10'000);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().message(), "query timed out in expression evaluation");
  // Passes while a selector's series are read.
  SlowQueryable slow_first(&store_, milliseconds(1000), SlowAt::kFirstSeries);
  o.deadline = std::chrono::steady_clock::now() + milliseconds(500);
  r = engine_.InstantQuery(slow_first, "c", 1060'000, o);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind(), ErrorKind::kExecution);
  EXPECT_EQ(r.status.error().message(), "expanding series: context deadline exceeded");
  // A deadline far enough away changes nothing.
  o.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  EXPECT_TRUE(engine_.InstantQuery(store_, "c + c", 1060'000, o).status.ok());
}

// Experimental syntax and functions (their broad checks are extended_vectors.test, info.test,
// fill-modifier.test and limit.test); here the corner cases that must not crash or leak.
TEST_F(EngineTest, ExperimentalFeatures) {
  EngineOptions o;
  o.enable_experimental = true;
  o.enable_delayed_name_removal = true;
  engine_ = Engine(o);
  LoadCounter();
  // anchored: the sample at or before the range start is the baseline; no extrapolation.
  EXPECT_DOUBLE_EQ(Scalar("increase(c[30s] anchored)", 1035), 3);
  // smoothed: interpolated at the range boundaries, and between samples for an instant selector.
  EXPECT_DOUBLE_EQ(Scalar("increase(c[30s] smoothed)", 1035), 3);
  EXPECT_DOUBLE_EQ(Scalar("c smoothed", 1035), 3.5);
  QueryResult r = Instant("max_over_time(c[1m] smoothed)", 1035);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().message(),
            "smoothed modifier can only be used with: delta, increase, rate - not with max_over_time");
  // Only one side present: fill() stands in for the other.
  EXPECT_DOUBLE_EQ(Scalar("c + fill(10) nothing", 1060), 16);
  // Under group_right, fill_left still fills the left operand (the "one" side) and
  // fill_right the right one (Prometheus 3.16).
  Add({{"__name__", "meta"}, {"job", "y"}}, 1060'000, 100);
  EXPECT_DOUBLE_EQ(Scalar("sum(nothing - on(job) group_right fill_left(5) c)", 1060), -1);
  EXPECT_DOUBLE_EQ(Scalar("sum(meta - on(job) group_right fill_right(7) nothing)", 1060), 93);
  // info() with something other than a label selector is refused, not misread.
  r = Instant("info(c, vector(1))", 1060);
  EXPECT_FALSE(r.status.ok());
  // limit_ratio(1) keeps everything, limit_ratio(0) nothing.
  EXPECT_DOUBLE_EQ(Scalar("count(limit_ratio(1, c))", 1060), 1);
  EXPECT_TRUE(Instant("limit_ratio(0, c)", 1060).value.vector.empty());
}

// integral() (experimental, Prometheus 3.16): the area under the samples in value-seconds by
// the left-point (0), right-point (1) or trapezoidal (2, default) rule; NaN counts as zero.
TEST_F(EngineTest, IntegralRules) {
  EngineOptions o;
  o.enable_experimental = true;
  engine_ = Engine(o);
  LoadCounter();  // 0, 1, ..., 6 every 10 s
  EXPECT_DOUBLE_EQ(Scalar("integral(c[61s])", 1060), 180);
  EXPECT_DOUBLE_EQ(Scalar("integral(c[61s], 2)", 1060), 180);
  EXPECT_DOUBLE_EQ(Scalar("integral(c[61s], 0)", 1060), 150);
  EXPECT_DOUBLE_EQ(Scalar("integral(c[61s], 1)", 1060), 210);
  EXPECT_DOUBLE_EQ(Scalar("integral(c[5s])", 1060), 0) << "one sample has no area";
  // Any other rule falls back to the trapezoidal one, with a warning on the argument.
  QueryResult r = Instant("integral(c[61s], 0.5)", 1060);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.value.vector.size(), 1u);
  EXPECT_DOUBLE_EQ(r.value.vector[0].f, 180);
  EXPECT_FALSE(r.value.vector[0].metric.Has("__name__"));
  ASSERT_EQ(r.annotations.warnings.size(), 1u);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: strategy should be 0, 1, or 2 (default), using 2, got 0.5 (1:18)");
  // NaN is zero: only the intervals next to the 4 have area.
  Add({{"__name__", "n"}}, 1000'000, std::nan(""));
  Add({{"__name__", "n"}}, 1010'000, 4);
  Add({{"__name__", "n"}}, 1020'000, std::nan(""));
  EXPECT_DOUBLE_EQ(Scalar("integral(n[1m])", 1020), 40);
  EXPECT_DOUBLE_EQ(Scalar("integral(n[1m], 0)", 1020), 40);
  // Two finite samples whose sum overflows are halved first.
  Add({{"__name__", "big"}}, 1000'000, 1e308);
  Add({{"__name__", "big"}}, 1001'000, 1e308);
  EXPECT_DOUBLE_EQ(Scalar("integral(big[1m])", 1001), 1e308);
  // Experimental: refused without the feature flag.
  EXPECT_FALSE(Engine().InstantQuery(store_, "integral(c[1m])", 1060'000).status.ok());
}

}  // namespace
}  // namespace promref::promql
