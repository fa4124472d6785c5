// The many-windows form of rate, increase and delta must give each window exactly what the
// one-window RangeFunction (Prometheus' extrapolatedRate) gives it: the evaluator uses the
// former for float series and the latter everywhere else.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "promql/internal/functions.h"
#include "promql/tests/float_generators.h"

namespace promref::promql::internal {
namespace {

struct Windows {
  std::vector<WindowSpan> spans;
  std::vector<int64_t> ends;
};

// The windows (end - range, end] of `ends` that hold at least two points.
Windows WindowsOf(const std::vector<Point>& points, const std::vector<int64_t>& ends, int64_t range) {
  Windows w;
  for (int64_t end : ends) {
    auto after = [&](int64_t t) {
      return static_cast<uint32_t>(std::upper_bound(points.begin(), points.end(), t,
                                                    [](int64_t v, const Point& p) { return v < p.t; }) -
                                   points.begin());
    };
    const uint32_t lo = after(end - range), hi = after(end);
    if (hi - lo < 2) continue;
    w.spans.push_back({lo, hi});
    w.ends.push_back(end);
  }
  return w;
}

// How many windows' values differ between the two forms of `name`, with the series' pairs
// indexed or not.
int CountMismatches(const std::string& name, const LoadedSeries& ls, const Windows& w, int64_t range) {
  const FloatWindowsFunction batch = FindFloatWindowsFunction(name);
  const RangeFunction one = FindRangeFunction(name);
  EXPECT_TRUE(batch);
  EXPECT_EQ(batch.min_points, 2u);
  FloatWindows in{ls.points, w.spans, w.ends, range, {}};
  if (ls.pairs_indexed) in.irregular_pairs = ls.irregular_pairs;
  std::vector<double> out(w.spans.size());
  batch.fn(in, out.data());
  FunctionCall fc;  // floats without start timestamps: no annotations, so no context
  int mismatches = 0;
  for (size_t k = 0; k < w.spans.size(); ++k) {
    Window win;
    win.series = &ls;
    win.points = std::span<const Point>(ls.points.data() + w.spans[k].lo, w.spans[k].hi - w.spans[k].lo);
    win.range_end = w.ends[k];
    win.range_start = w.ends[k] - range;
    win.range = range;
    const RangeResult r = one(win, fc);
    mismatches += !(r.present && SameBitsOrNaN(out[k], r.f));
  }
  return mismatches;
}

LoadedSeries SeriesOf(const std::vector<Point>& points, bool pairs) {
  LoadedSeries ls;
  ls.points = points;
  PrepareForWindows(&ls, pairs);
  return ls;
}

// Counter-like values that mostly rise, sometimes reset, and sometimes are anything at all.
rc::Gen<double> CounterStep() {
  return rc::gen::weightedOneOf<double>({
      {6, rc::gen::map(rc::gen::inRange(0, 1000), [](int v) { return v / 4.0; })},
      {1, rc::gen::just(-1.0)},  // a reset: the next value restarts near zero
      {1, AnyDouble()},
  });
}

RC_GTEST_PROP(RateWindows, EveryWindowHasTheBitsOfTheRangeFunction, ()) {
  const auto steps =
      *rc::gen::resize(150, rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(CounterStep())));
  std::vector<Point> points;
  int64_t t = *rc::gen::inRange<int64_t>(-100000, 100000);
  double v = 0;
  for (double step : steps) {
    t += *rc::gen::weightedOneOf<int64_t>(
        {{5, rc::gen::just<int64_t>(15000)}, {1, rc::gen::inRange<int64_t>(1, 90000)}});
    if (step == -1.0) {
      v = *rc::gen::inRange(0, 10);
    } else if (std::isfinite(step) && std::abs(step) < 1e6) {
      v += step;
    } else {
      v = step;
    }
    points.push_back({t, v, nullptr, 0});
  }
  const int64_t range = *rc::gen::inRange<int64_t>(1000, 900000);
  std::vector<int64_t> ends;
  const int64_t step = *rc::gen::inRange<int64_t>(1000, 120000);
  for (int64_t end = points.front().t; end <= points.back().t + range; end += step) ends.push_back(end);
  const Windows w = WindowsOf(points, ends, range);
  const bool pairs = *rc::gen::arbitrary<bool>();
  const LoadedSeries ls = SeriesOf(points, pairs);
  for (const char* name : {"rate", "increase", "delta"}) RC_ASSERT(CountMismatches(name, ls, w, range) == 0);
}

// A range query's usual shape: a counter scraped every 15 s with two resets, 5m windows every
// 30 s, where the windows holding a reset and those that do not sit side by side.
TEST(RateWindows, ResetsBesideRegularWindows) {
  std::vector<Point> points;
  double v = 100;
  for (int i = 0; i < 240; ++i) {
    v = (i == 70 || i == 181) ? 3 : v + (i % 7) * 1.25;
    points.push_back({1'700'000'000'000 + i * 15000LL + (i % 5 == 0 ? 700 : 0), v, nullptr, 0});
  }
  std::vector<int64_t> ends;
  for (int64_t end = points.front().t; end <= points.back().t + 60000; end += 30000) ends.push_back(end);
  const Windows w = WindowsOf(points, ends, 300000);
  ASSERT_GT(w.spans.size(), 100u);
  for (bool pairs : {false, true}) {
    const LoadedSeries ls = SeriesOf(points, pairs);
    for (const char* name : {"rate", "increase", "delta"})
      EXPECT_EQ(CountMismatches(name, ls, w, 300000), 0) << name;
  }
  // The resets count: an increase over a window with one is more than its last minus first.
  const LoadedSeries ls = SeriesOf(points, true);
  std::vector<double> out(w.spans.size());
  FindFloatWindowsFunction("increase")
      .fn({ls.points, w.spans, w.ends, 300000, ls.irregular_pairs}, out.data());
  size_t k = 0;
  while (!(w.spans[k].lo < 70 && w.spans[k].hi > 71)) ++k;
  EXPECT_GT(out[k], ls.points[w.spans[k].hi - 1].f - ls.points[w.spans[k].lo].f);
}

}  // namespace
}  // namespace promref::promql::internal
