// Properties of native-histogram queries evaluated end to end by the engine over random valid
// histograms loaded into storage::MemStorage: aggregating histograms and then taking a field
// agrees with taking the field and then aggregating the floats, and histogram_quantile is
// monotone in φ through the function call as well.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/histogram.h"
#include "model/histogram_ops.h"
#include "model/labels.h"
#include "model/tests/histogram_generators.h"
#include "promql/engine.h"
#include "storage/mem_storage.h"

namespace promref::promql {
namespace {

using model::FloatHistogram;

constexpr int64_t kT0 = 1000'000;  // ms; samples at kT0, kT0 + 10 s, kT0 + 20 s
constexpr int64_t kStep = 10'000;
constexpr int kSteps = 3;

// One schema (an exponential one, or custom buckets with one set of bounds) for all series.
struct Layout {
  int32_t schema = 0;
  std::vector<double> bounds;
};

rc::Gen<Layout> GenLayout() {
  return rc::gen::exec([] {
    Layout l;
    l.schema = *rc::gen::oneOf(rc::gen::inRange(-4, 9), rc::gen::just(model::kCustomBucketsSchema));
    if (l.schema == model::kCustomBucketsSchema) l.bounds = *model::test_gen::CustomBounds();
    return l;
  });
}

// 1 to 8 series h{i="<n>", g="a"|"b"}, each with a random valid histogram at some of the three
// sample times (at least one). Returns the number of histograms appended.
int LoadRandomHistograms(storage::MemStorage* store, const Layout& layout) {
  const int n_series = *rc::gen::inRange(1, 9);
  int appended = 0;
  for (int i = 0; i < n_series; ++i) {
    const model::Labels labels{
        {"__name__", "h"}, {"g", *rc::gen::element<std::string>("a", "b")}, {"i", std::to_string(i)}};
    const int mask = *rc::gen::inRange(1, 1 << kSteps);
    auto app = store->MakeAppender();
    for (int s = 0; s < kSteps; ++s) {
      if ((mask & (1 << s)) == 0) continue;
      const FloatHistogram h = *model::test_gen::HistogramAtSchema(layout.schema, layout.bounds);
      const auto r = app->AppendHistogram(0, labels, kT0 + s * kStep, h);
      RC_ASSERT(r.ok());
      ++appended;
    }
    RC_ASSERT(app->Commit().ok());
  }
  return appended;
}

// The float results of a range query over the three sample times, by series labels and time.
std::map<std::pair<std::string, int64_t>, double> RangeFloats(const Engine& engine,
                                                              storage::MemStorage& store,
                                                              const std::string& q) {
  const QueryResult r = engine.RangeQuery(store, q, kT0, kT0 + (kSteps - 1) * kStep, kStep);
  RC_ASSERT(r.status.ok());
  std::map<std::pair<std::string, int64_t>, double> out;
  for (const Series& s : r.value.matrix) {
    RC_ASSERT(s.histograms.empty());
    for (const FPoint& p : s.floats) out[{s.metric.ToString(), p.t}] = p.f;
  }
  return out;
}

// field(agg(h)) against agg(field(h)) at every step, both as a range query and as instant
// queries. The two are the same number computed two ways: the first adds whole histograms
// (FloatHistogram.KahanAdd: the count and sum are Kahan-compensated inside a compensation
// histogram that goes through the same schema and zero-threshold reconciliation as the sum,
// and is added to it once at the end), the second adds the extracted floats (kahanSumInc,
// compensation kept beside the value). Prometheus does not promise the two code paths the same
// rounding, and the order in which series reach a group is not part of PromQL's semantics, so
// the last bits may differ; the error of a compensated sum of n terms is within a few ulps of
// the sum of their magnitudes, so a relative tolerance of 1e-12 of Σ|term| (which the third
// query computes) is generous there yet far below any dropped or doubled term (>= 0.001).
// (Today promref's two paths agree to the bit on every case generated; the tolerance keeps the
// property about PromQL's semantics rather than about one summation order.)
void CheckFieldOfAggregateIsAggregateOfField(const Engine& engine, storage::MemStorage& store,
                                             const std::string& field, const std::string& by) {
  const std::string aggregated_first = field + "(sum" + by + " (h))";
  const std::string field_first = "sum" + by + " (" + field + "(h))";
  const std::string magnitude = "sum" + by + " (abs(" + field + "(h)))";
  // The field of a selector below histogram_count/_sum alone is read without its buckets (the
  // engine's stats-only decoding, as in Prometheus), so field(agg(h)) adds count/sum-only
  // histograms. The same aggregate through a subquery (which needs the buckets) adds the whole
  // histograms: at the subquery's aligned step it is the same value, and must agree too.
  const std::string with_buckets = field + "(last_over_time((sum" + by + " (h))[10s:10s]))";
  const auto b = RangeFloats(engine, store, field_first);
  const auto scale = RangeFloats(engine, store, magnitude);
  std::map<std::pair<std::string, int64_t>, double> a;
  for (const std::string& q : {aggregated_first, with_buckets}) {
    a = RangeFloats(engine, store, q);
    RC_ASSERT(!a.empty());
    RC_ASSERT(a.size() == b.size());
    for (const auto& [key, va] : a) {
      const auto it = b.find(key);
      RC_ASSERT(it != b.end());
      const double vb = it->second;
      const double tolerance = 1e-12 * scale.at(key);
      if (std::fabs(va - vb) > tolerance) {
        RC_FAIL(q + " = " + std::to_string(va) + " but " + field_first + " = " + std::to_string(vb) + " at " +
                std::to_string(key.second) + " for " + key.first);
      }
    }
  }
  a = RangeFloats(engine, store, aggregated_first);
  // The instant query at each step agrees with the range query's step.
  for (int s = 0; s < kSteps; ++s) {
    const int64_t t = kT0 + s * kStep;
    const QueryResult ra = engine.InstantQuery(store, aggregated_first, t);
    const QueryResult rb = engine.InstantQuery(store, field_first, t);
    RC_ASSERT(ra.status.ok());
    RC_ASSERT(rb.status.ok());
    RC_ASSERT(ra.value.vector.size() == rb.value.vector.size());
    for (const Sample& sa : ra.value.vector) {
      const auto key = std::make_pair(sa.metric.ToString(), t);
      RC_ASSERT(sa.h == nullptr);
      RC_ASSERT(a.count(key) == 1U);
      RC_ASSERT(sa.f == a.at(key));
      RC_ASSERT(std::fabs(sa.f - b.at(key)) <= 1e-12 * scale.at(key));
    }
  }
}

RC_GTEST_PROP(HistogramEngineProperty, CountOfSumIsSumOfCounts, ()) {
  storage::MemStorage store;
  const Engine engine;
  const Layout layout = *GenLayout();
  LoadRandomHistograms(&store, layout);
  CheckFieldOfAggregateIsAggregateOfField(engine, store, "histogram_count", "");
  CheckFieldOfAggregateIsAggregateOfField(engine, store, "histogram_count", " by (g)");
}

RC_GTEST_PROP(HistogramEngineProperty, SumOfSumIsSumOfSums, ()) {
  storage::MemStorage store;
  const Engine engine;
  const Layout layout = *GenLayout();
  LoadRandomHistograms(&store, layout);
  CheckFieldOfAggregateIsAggregateOfField(engine, store, "histogram_sum", "");
  CheckFieldOfAggregateIsAggregateOfField(engine, store, "histogram_sum", " by (g)");
}

RC_GTEST_PROP(HistogramEngineProperty, QuantileIsMonotoneInPhi, ()) {
  // histogram_quantile(φ, h) per series, for ascending φ in [0, 1] (0 and 1 included), through
  // the engine: each series' values never decrease in φ (up to the last-bit difference where
  // the rank starts being counted from the top at φ = 0.5, as in Prometheus).
  storage::MemStorage store;
  const Engine engine;
  const Layout layout = *GenLayout();
  LoadRandomHistograms(&store, layout);
  auto phis = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 1001));
  phis.push_back(0);
  phis.push_back(500);
  phis.push_back(1000);
  std::sort(phis.begin(), phis.end());
  std::map<std::pair<std::string, int64_t>, double> prev;
  int prev_phi = 0;
  for (int phi : phis) {
    const std::string q = "histogram_quantile(" + std::to_string(phi / 1000.0) + ", h)";
    const QueryResult r = engine.RangeQuery(store, q, kT0, kT0 + (kSteps - 1) * kStep, kStep);
    RC_ASSERT(r.status.ok());
    for (const Series& s : r.value.matrix) {
      for (const FPoint& p : s.floats) {
        const auto key = std::make_pair(s.metric.ToString(), p.t);
        const auto it = prev.find(key);
        if (it != prev.end() && !std::isnan(p.f) && !std::isnan(it->second)) {
          const double slack = prev_phi < 500 && phi >= 500 ? std::fabs(it->second) * 1e-12 : 0.0;
          if (p.f < it->second - slack) {
            RC_FAIL(q + " = " + std::to_string(p.f) + " < " + std::to_string(it->second) + " at φ " +
                    std::to_string(prev_phi / 1000.0) + " for " + key.first);
          }
        }
        prev[key] = p.f;
      }
    }
    prev_phi = phi;
  }
}

}  // namespace
}  // namespace promref::promql
