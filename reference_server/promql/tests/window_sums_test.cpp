// The many-windows kernels of sum_over_time and avg_over_time must give each window exactly
// what the one-window forms (Prometheus' loops) give it.
#include "promql/internal/window_sums.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "promql/tests/float_generators.h"

namespace promref::promql::internal {
namespace {

std::vector<Point> PointsOf(const std::vector<double>& values) {
  std::vector<Point> points;
  for (size_t i = 0; i < values.size(); ++i)
    points.push_back({static_cast<int64_t>(i) * 15000, values[i], nullptr, 0});
  return points;
}

// Every window's result, from the kernels and one window at a time; returns how many differ.
int CountMismatches(const std::vector<Point>& points, const std::vector<WindowSpan>& windows) {
  std::vector<double> sums(windows.size()), means(windows.size());
  SumFloatWindows(points, windows, sums.data());
  AvgFloatWindows(points, windows, means.data());
  int mismatches = 0;
  for (size_t k = 0; k < windows.size(); ++k) {
    const std::span<const Point> w(points.data() + windows[k].lo, windows[k].hi - windows[k].lo);
    mismatches += !SameBitsOrNaN(sums[k], SumFloatWindow(w));
    mismatches += !SameBitsOrNaN(means[k], AvgFloatWindow(w));
  }
  return mismatches;
}

// Values that mostly behave (a range query's gauges) and sometimes do not: huge values whose
// sums overflow, NaN, infinities, signed zeros, raw bit patterns.
rc::Gen<double> WindowValue() {
  return rc::gen::weightedOneOf<double>({
      {3, rc::gen::map(rc::gen::inRange(-100000, 100000), [](int v) { return v / 7.0; })},
      {1, rc::gen::element(1e308, -1e308, 1.7e308, 0.1, -0.0)},
      {1, AnyDouble()},
  });
}

RC_GTEST_PROP(WindowSums, EveryWindowHasTheBitsOfItsOwnLoop, ()) {
  const auto values =
      *rc::gen::resize(120, rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(WindowValue())));
  const auto n = static_cast<uint32_t>(values.size());
  const auto count = *rc::gen::inRange(1, 40);
  std::vector<WindowSpan> windows;
  for (int k = 0; k < count; ++k) {
    const uint32_t lo = *rc::gen::inRange<uint32_t>(0, n);
    const uint32_t hi = *rc::gen::inRange<uint32_t>(lo + 1, n + 1);
    windows.push_back({lo, hi});
  }
  RC_ASSERT(CountMismatches(PointsOf(values), windows) == 0);
}

// A range query's usual shape: windows of one length, moving two points a step, where some
// windows' sums overflow (and switch to an incremental mean) and their neighbours' do not.
TEST(WindowSums, OverflowingWindowsBesideOrdinaryOnes) {
  std::vector<double> values;
  for (int i = 0; i < 200; ++i) values.push_back(i % 37 == 0 ? 1.5e308 : i * 0.1 - 3);
  std::vector<WindowSpan> windows;
  for (uint32_t lo = 0; lo + 20 <= 200; lo += 2) windows.push_back({lo, lo + 20});
  for (uint32_t lo = 0; lo + 3 <= 200; lo += 7) windows.push_back({lo, lo + 1 + lo % 3});  // ragged
  const std::vector<Point> points = PointsOf(values);
  EXPECT_EQ(CountMismatches(points, windows), 0);

  // The overflow is real: a window holding two huge values averages without an infinity.
  double mean = 0;
  const WindowSpan both{36, 76};
  AvgFloatWindows(points, std::span<const WindowSpan>(&both, 1), &mean);
  EXPECT_TRUE(std::isfinite(mean));
  double sum = 0;
  SumFloatWindows(points, std::span<const WindowSpan>(&both, 1), &sum);
  EXPECT_TRUE(std::isinf(sum));
}

}  // namespace
}  // namespace promref::promql::internal
