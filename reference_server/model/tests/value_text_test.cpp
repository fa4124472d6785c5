#include "model/value_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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
