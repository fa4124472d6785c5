// sum_over_time and avg_over_time of many float windows at once.
//
// A range query asks for the same function over one series' window at every step. Each
// window's Kahan sum is a chain of dependent additions, so summing one window after another
// leaves the CPU waiting on each addition's latency. These kernels run eight windows side by
// side in vector lanes instead. Every lane does exactly the operations, in the order, that
// FnSumOverTime and FnAvgOverTime (Prometheus' kahansum.Inc loop) do for its window, so the
// results are the same bits.
#pragma once

#include <cstdint>
#include <span>

#include "promql/internal/evaluator.h"

namespace promref::promql::internal {

// points[lo, hi) of one series: a window's points, with lo < hi.
struct WindowSpan {
  uint32_t lo = 0;
  uint32_t hi = 0;
};

// out[k] = sum_over_time of points[windows[k].lo, windows[k].hi). The points must be floats
// (no histograms).
void SumFloatWindows(std::span<const Point> points, std::span<const WindowSpan> windows, double* out);

// out[k] = avg_over_time of the same windows, with Prometheus' switch to an incremental mean
// for a window whose running sum overflows.
void AvgFloatWindows(std::span<const Point> points, std::span<const WindowSpan> windows, double* out);

// The one-window forms: what each lane computes, and the reference the tests compare with.
double SumFloatWindow(std::span<const Point> points);
double AvgFloatWindow(std::span<const Point> points);

}  // namespace promref::promql::internal
