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

#include "promql/tests/float_generators.h"

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

RC_GTEST_PROP(GoMath, KahanSumIncMatchesPrometheusBranchForBranch, ()) {
  const auto incs = *rc::gen::container<std::vector<double>>(AnyDouble());
  double sum = *AnyDouble(), c = 0;
  double ref_sum = sum, ref_c = c;
  for (double inc : incs) {
    KahanSumInc(inc, &sum, &c);
    BranchyKahanSumInc(inc, &ref_sum, &ref_c);
    RC_ASSERT(SameBitsOrNaN(sum, ref_sum));
    RC_ASSERT(SameBitsOrNaN(c, ref_c));
  }
}

}  // namespace
}  // namespace promref::promql::internal
