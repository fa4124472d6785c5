// Go's math semantics where they differ from C++'s, for results that must match Prometheus
// bit for bit (internal to the engine).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "model/go_math.h"
#include "model/sample.h"

namespace promref::promql::internal {

// Go's int64 + - *: two's complement, wrapping around silently (C++'s overflow is undefined).
// For the time arithmetic of selectors and subqueries (reference time, offset, range,
// lookback), where Prometheus computes in int64 and far-away @ timestamps wrap around.
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// math.Max: +Inf if either is +Inf, then NaN if either is NaN; Max(+0, -0) is +0.
inline double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::nan("");
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// math.Min: -Inf if either is -Inf, then NaN if either is NaN; Min(-0, +0) is -0.
inline double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::nan("");
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// math.Mod: the sign follows the dividend (as fmod).
inline double GoMod(double x, double y) {
  return std::fmod(x, y);
}

// Kahan-Neumaier summation step, as Prometheus' kahanSumInc: the compensation takes the
// larger of sum and inc first. Written to pick operands rather than branch (the same
// operations, so the same bits): in real data which one is larger is close to a coin toss,
// and a mispredicted branch per sample was most of a window sum's time.
inline void KahanSumInc(double inc, double* sum, double* c) {
  const double s = *sum;
  const double t = s + inc;
  const bool sum_larger = std::fabs(s) >= std::fabs(inc);
  const double larger = sum_larger ? s : inc;
  const double smaller = sum_larger ? inc : s;
  const double compensated = *c + ((larger - t) + smaller);
  *c = std::isinf(t) ? 0.0 : compensated;
  *sum = t;
}

// Prometheus' util/almost.Equal (a staleness marker equals only another one).
inline bool AlmostEqual(double a, double b, double epsilon) {
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (model::IsStaleNaN(a) || model::IsStaleNaN(b)) return model::IsStaleNaN(a) && model::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::fmin(abs_sum, 1.7976931348623157e308) < epsilon;
}

// Go's Exp2, Log, Log2 and Log10 live in model/go_math.h (histogram bucket interpolation needs them).
using model::GoExp2;
using model::GoLog;
using model::GoLog10;
using model::GoLog2;

}  // namespace promref::promql::internal
