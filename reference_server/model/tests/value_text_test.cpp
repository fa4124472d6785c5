#include "model/value_text.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "model/go_strconv.h"
#include "model/sample.h"

namespace promref::model {
namespace {

TEST(ValueText, SampleValuesSwitchToExponentOutsideOneMicroToOneE21) {
  EXPECT_EQ(FormatSampleValue(1e21), "1e+21");
  EXPECT_EQ(FormatSampleValue(1e-7), "1e-07");
  EXPECT_EQ(FormatSampleValue(0.0000012345678), "0.0000012345678");
  EXPECT_EQ(FormatSampleValue(1.2345678e-67), "1.2345678e-67");
  EXPECT_EQ(FormatSampleValue(999999999999999900000.0), "999999999999999900000");
  EXPECT_EQ(FormatSampleValue(1e-6), "0.000001");
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(-0.0), "-0");
  EXPECT_EQ(FormatSampleValue(42.5), "42.5");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatSampleValue(StaleNaN()), "NaN");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(ValueText, ScalarsNeverUseExponents) {
  EXPECT_EQ(FormatScalarValue(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatScalarValue(1e-7), "0.0000001");
  EXPECT_EQ(FormatScalarValue(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(ValueText, SampleTimestampsKeepThreeFractionDigits) {
  EXPECT_EQ(FormatSampleTimestamp(1500), "1.500");
  EXPECT_EQ(FormatSampleTimestamp(10), "0.010");
  EXPECT_EQ(FormatSampleTimestamp(100010), "100.010");
  EXPECT_EQ(FormatSampleTimestamp(1000), "1");
  EXPECT_EQ(FormatSampleTimestamp(1435781451781), "1435781451.781");
  EXPECT_EQ(FormatSampleTimestamp(-1500), "-1.500");
  EXPECT_EQ(FormatSampleTimestamp(0), "0");
}

// Sample values in fixed form are written by std::to_chars directly: they must be Go's
// FormatFloat(v, 'f', -1, 64), which AppendFloat implements digit by digit.
RC_GTEST_PROP(ValueText, FixedSampleValuesAreGoShortestFixedForm, ()) {
  const double v = *rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t bits) { return std::bit_cast<double>(bits); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-99999999, 99999999), rc::gen::inRange(-12, 21)),
                   [](const std::pair<int, int>& p) { return p.first * std::pow(10.0, p.second); }),
      rc::gen::element(0.0, -0.0, 1e-6, -1e-6, 9.999999999999999e20, 0.1, 1.0 / 3),
      // Hundredths (printed without the shortest-digit search), their neighbours, and the
      // edge of that shortcut.
      rc::gen::map(rc::gen::pair(rc::gen::inRange<int64_t>(-2'000'000'000'000'000, 2'000'000'000'000'000),
                                 rc::gen::inRange(-1, 2)),
                   [](const std::pair<int64_t, int>& p) {
                     const double h = static_cast<double>(p.first) / 100;
                     return p.second == 0 ? h : std::nextafter(h, p.second * INFINITY);
                   }),
      rc::gen::map(rc::gen::inRange(-100000, 100000), [](int n) { return static_cast<double>(n) / 100; }),
      rc::gen::element(1e13, -1e13, 9999999999999.99, 0.01, -0.01, 0.99));
  std::string go;
  const double abs = std::fabs(v);
  AppendFloat(&go, v, abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f');
  if (go.find('e') != std::string::npos && std::isfinite(v)) {
    // encoding/json's exponent form is not the fixed form's business
    RC_SUCCEED("exponent form");
  }
  RC_ASSERT(FormatSampleValue(v) == go);
}

// Timestamps as Go's jsonutil.MarshalTimestamp writes them, down to the wrapping negation of
// the smallest int64.
RC_GTEST_PROP(ValueText, SampleTimestampsAreSecondsAndMilliseconds, (int64_t ms)) {
  int64_t m = ms;
  std::string want;
  if (m < 0) {
    want = "-";
    m = static_cast<int64_t>(0 - static_cast<uint64_t>(m));
  }
  want += std::to_string(m / 1000);
  const int64_t fraction = m % 1000;
  if (fraction != 0) {
    want += '.';
    if (fraction < 100) want += '0';
    if (fraction < 10) want += '0';
    want += std::to_string(fraction);
  }
  RC_ASSERT(FormatSampleTimestamp(ms) == want);
}

TEST(ValueText, SmallestTimestampWrapsAsInGo) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(FormatSampleTimestamp(min), "--9223372036854775.00-808");
}

TEST(ValueText, JsonNumbersAsEncodingJson) {
  EXPECT_EQ(FormatScalarTimestamp(1500), "1.5");
  EXPECT_EQ(FormatScalarTimestamp(3000), "3");
  EXPECT_EQ(FormatScalarTimestamp(-1500), "-1.5");
  EXPECT_EQ(FormatJsonNumber(1e21), "1e+21");
  EXPECT_EQ(FormatJsonNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatJsonNumber(1.5e-10), "1.5e-10");
}

TEST(Sample, StaleMarkerIsOneExactNaN) {
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_TRUE(std::isnan(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
  EXPECT_FALSE(IsStaleNaN(std::bit_cast<double>(kNormalNaNBits)));
}

}  // namespace
}  // namespace promref::model
