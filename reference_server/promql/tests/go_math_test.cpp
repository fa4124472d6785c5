// Properties of the numeric helpers that must match Prometheus' Go code bit for bit.
#include "promql/internal/go_math.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace promref::promql::internal {
namespace {

// kahanSumInc as Prometheus writes it (promql/functions.go), branch by branch.
void BranchyKahanSumInc(double inc, double* sum, double* c) {
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

// Doubles of every kind: ordinary values of wildly different magnitudes, signed zeros,
// subnormals, infinities, NaN, and raw bit patterns.
rc::Gen<double> AnyDouble() {
  return rc::gen::oneOf(
      rc::gen::element(0.0, -0.0, 1.0, -1.0, 1e16, -1e16, 1e308, -1e308, 5e-324, -5e-324,
                       std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::max()),
      rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t bits) { return std::bit_cast<double>(bits); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-1000000, 1000000), rc::gen::inRange(-30, 30)),
                   [](const std::pair<int, int>& p) { return p.first * std::pow(10.0, p.second); }));
}

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) || (std::isnan(a) && std::isnan(b));
}

RC_GTEST_PROP(GoMath, KahanSumIncMatchesPrometheusBranchForBranch, ()) {
  const auto incs = *rc::gen::container<std::vector<double>>(AnyDouble());
  double sum = *AnyDouble(), c = 0;
  double ref_sum = sum, ref_c = c;
  for (double inc : incs) {
    KahanSumInc(inc, &sum, &c);
    BranchyKahanSumInc(inc, &ref_sum, &ref_c);
    RC_ASSERT(SameBits(sum, ref_sum));
    RC_ASSERT(SameBits(c, ref_c));
  }
}

}  // namespace
}  // namespace promref::promql::internal
