// RapidCheck generators and comparisons for the engine's numeric properties, where results
// must match Prometheus' Go code bit for bit.
#pragma once

#include <rapidcheck.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "model/float_bits.h"

namespace promref::promql::internal {

// Doubles of every kind: ordinary values of wildly different magnitudes, signed zeros,
// subnormals, infinities, NaN, and raw bit patterns.
inline rc::Gen<double> AnyDouble() {
  return rc::gen::oneOf(
      rc::gen::element(0.0, -0.0, 1.0, -1.0, 1e16, -1e16, 1e308, -1e308, 5e-324, -5e-324,
                       std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::max()),
      rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t bits) { return std::bit_cast<double>(bits); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-1000000, 1000000), rc::gen::inRange(-30, 30)),
                   [](const std::pair<int, int>& p) { return p.first * std::pow(10.0, p.second); }));
}

// The same bits, or both NaN: which NaN payload an addition passes on may depend on the order
// the compiler puts its operands in, and PromQL prints every NaN alike.
inline bool SameBitsOrNaN(double a, double b) {
  return model::SameBits(a, b) || (std::isnan(a) && std::isnan(b));
}

}  // namespace promref::promql::internal
