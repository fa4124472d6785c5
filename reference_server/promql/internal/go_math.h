// Go's math semantics where they differ from C++'s, for results that must match Prometheus
// bit for bit (internal to the engine).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

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

// Kahan-Neumaier summation step, as Prometheus' kahanSumInc.
inline void KahanSumInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
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

// math.Log as Go computes it on amd64 (archLog, the fdlibm algorithm in assembly): the
// exponent and fraction are taken straight from the bits (so subnormals get no normalising),
// then the same polynomial in the same order. glibc's log is correctly rounded and differs from
// it in the last bit for about 2% of inputs, which shows wherever a value becomes text
// (count_values labels). Checked bit for bit against Go 1.26 on 300,000 inputs.
inline double GoLog(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kL1 = 6.666666666666735130e-01, kL2 = 3.999999999940941908e-01,
                   kL3 = 2.857142874366239149e-01, kL4 = 2.222219843214978396e-01,
                   kL5 = 1.818357216161805012e-01, kL6 = 1.531383769920937332e-01,
                   kL7 = 1.479819860511658591e-01;
  if (std::isnan(x) || x == std::numeric_limits<double>::infinity()) return x;
  if (x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<double>::infinity();
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  double f1 = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFull) | 0x3FE0000000000000ull);
  double k = static_cast<double>(static_cast<int>((bits >> 52) & 0x7FF) - 0x3FE);
  if (f1 < 7.07106781186547524401e-01) {
    f1 *= 2;
    k -= 1;
  }
  const double f = f1 - 1;
  const double s = f / (2 + f);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double t1 = s2 * (kL1 + s4 * (kL3 + s4 * (kL5 + s4 * kL7)));
  const double t2 = s4 * (kL2 + s4 * (kL4 + s4 * kL6));
  const double r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

// math.Log2: exact for powers of two, else Log(frac)/Ln2 + exp (Go's constant 1/Ln2, rounded
// once from the exact value).
inline double GoLog2(double x) {
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return static_cast<double>(exp - 1);
  return GoLog(frac) * 1.44269504088896340735992468100189213742664595415298593413544940693 +
         static_cast<double>(exp);
}

// math.Log10: Log(x) * (1/Ln10), not C's correctly rounded log10.
inline double GoLog10(double x) {
  return GoLog(x) * 0.43429448190325182765112891891660508229439700580366656611445378316586;
}

}  // namespace promref::promql::internal
