#include "model/go_strconv.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace promref::model {
namespace {

TEST(FormatFloat, ShortestDigitsInEachGoFormat) {
  EXPECT_EQ(FormatFloat(0.1, 'f'), "0.1");
  EXPECT_EQ(FormatFloat(100, 'f'), "100");
  EXPECT_EQ(FormatFloat(1e21, 'f'), "1000000000000000000000");
  EXPECT_EQ(FormatFloat(1e21, 'e'), "1e+21");
  EXPECT_EQ(FormatFloat(1e-7, 'e'), "1e-07");
  EXPECT_EQ(FormatFloat(1e-7, 'f'), "0.0000001");
  EXPECT_EQ(FormatFloat(1.2345678e-67, 'e'), "1.2345678e-67");
  EXPECT_EQ(FormatFloat(0.0000012345678, 'f'), "0.0000012345678");
  EXPECT_EQ(FormatFloat(5e-324, 'e'), "5e-324");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::max(), 'e'), "1.7976931348623157e+308");
  EXPECT_EQ(FormatFloat(1.2345678901234568e20, 'f'), "123456789012345680000");
  EXPECT_EQ(FormatFloat(-1.5, 'f'), "-1.5");
  EXPECT_EQ(FormatFloat(123456, 'e'), "1.23456e+05");
}

TEST(FormatFloat, ZeroesAndSpecials) {
  EXPECT_EQ(FormatFloat(0.0, 'f'), "0");
  EXPECT_EQ(FormatFloat(-0.0, 'f'), "-0");
  EXPECT_EQ(FormatFloat(0.0, 'e'), "0e+00");
  EXPECT_EQ(FormatFloat(0.0, 'g'), "0");
  EXPECT_EQ(FormatFloat(std::nan(""), 'f'), "NaN");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::infinity(), 'e'), "+Inf");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<double>::infinity(), 'f'), "-Inf");
}

TEST(FormatFloat, GFormatSwitchesAtExponentSixAndMinusFive) {
  EXPECT_EQ(FormatFloat(123456, 'g'), "123456");
  EXPECT_EQ(FormatFloat(1e6, 'g'), "1e+06");
  EXPECT_EQ(FormatFloat(1234567, 'g'), "1.234567e+06");
  EXPECT_EQ(FormatFloat(0.0001, 'g'), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001, 'g'), "1e-05");
}

// Any precision: Go prints the exact binary value's digits, then zeros.
TEST(FormatFloatPrec, LargePrecisions) {
  const std::string f = FormatFloatPrec(0.1, 'f', 2000);
  EXPECT_EQ(f.size(), 2002u);
  EXPECT_EQ(f.substr(0, 24), "0.1000000000000000055511");
  EXPECT_EQ(f.back(), '0');
  const std::string e = FormatFloatPrec(1e300, 'e', 1500);
  EXPECT_EQ(e.substr(0, 12), "1.0000000000");
  EXPECT_EQ(e.substr(e.size() - 5), "e+300");
  EXPECT_EQ(FormatFloatPrec(1e308, 'f', 3).size(), 309u + 4u);
}

TEST(FormatFloatPrec, RoundsHalfToEvenOnTheExactValue) {
  EXPECT_EQ(FormatFloatPrec(2.5, 'f', 0), "2");
  EXPECT_EQ(FormatFloatPrec(3.5, 'f', 0), "4");
  EXPECT_EQ(FormatFloatPrec(1.005, 'f', 2), "1.00");  // 1.005 is 1.00499999... in binary
  EXPECT_EQ(FormatFloatPrec(1234.5678, 'e', 3), "1.235e+03");
  EXPECT_EQ(FormatFloatPrec(0, 'e', 2), "0.00e+00");
}

TEST(ParseFloat, AcceptsGoSyntax) {
  struct Case {
    const char* in;
    double want;
  } cases[] = {
      {"1", 1},           {"-1.5", -1.5},
      {"+.5", 0.5},       {"1.", 1},
      {"1e3", 1000},      {"1E-3", 0.001},
      {"1_000", 1000},    {"0x1p3", 8},
      {"0x1.8p1", 3},     {"0X_1p0", 1},
      {"1e-400", 0},      {"007", 7},
      {"inf", INFINITY},  {"-Infinity", -INFINITY},
      {"+INF", INFINITY},
  };
  for (const auto& c : cases) {
    auto r = ParseFloat(c.in);
    ASSERT_TRUE(r.ok()) << c.in;
    EXPECT_EQ(r.value, c.want) << c.in;
  }
  EXPECT_TRUE(std::isnan(ParseFloat("NaN").value));
  EXPECT_TRUE(std::isnan(ParseFloat("nan").value));
}

TEST(ParseFloat, RejectsWhatGoRejects) {
  for (const char* in :
       {"",     "abc",  "1e",   "1e+",   ".",     "+",  "0x10", "0x", "1__0", "_1",  "1_",
        "1_.5", "+nan", "-nan", "infin", "1.5.5", " 1", "1 ",   "1f", "0x1p", "1,5", "1e3.5"}) {
    EXPECT_FALSE(ParseFloat(in).ok()) << in;
  }
  auto r = ParseFloat("1e400");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.error, ParseNumError::kRange);
}

TEST(ParseIntBase0, PrefixesOctalAndRange) {
  EXPECT_EQ(ParseIntBase0("010").value, 8);
  EXPECT_EQ(ParseIntBase0("0x8f").value, 0x8f);
  EXPECT_EQ(ParseIntBase0("0X8F").value, 0x8f);
  EXPECT_EQ(ParseIntBase0("0b101").value, 5);
  EXPECT_EQ(ParseIntBase0("0o17").value, 15);
  EXPECT_EQ(ParseIntBase0("-42").value, -42);
  EXPECT_EQ(ParseIntBase0("0").value, 0);
  EXPECT_EQ(ParseIntBase0("1_000").value, 1000);
  EXPECT_EQ(ParseIntBase0("-9223372036854775808").value, std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(ParseIntBase0("019").ok());  // not octal; PromQL then falls back to float
  EXPECT_FALSE(ParseIntBase0("1.5").ok());
  EXPECT_FALSE(ParseIntBase0("").ok());
  EXPECT_EQ(*ParseIntBase0("9223372036854775808").error, ParseNumError::kRange);
}

TEST(GoQuote, EscapesLikeStrconvQuote) {
  EXPECT_EQ(GoQuote("abc"), "\"abc\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\n\t\a\b\f\r\v"), "\"\\n\\t\\a\\b\\f\\r\\v\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("héllo 世界"), "\"héllo 世界\"");
  EXPECT_EQ(GoQuote("\u00a0"), "\"\\u00a0\"");
  EXPECT_EQ(GoQuote("\u200b"), "\"\\u200b\"");
  EXPECT_EQ(GoQuote("\U000F0000"), "\"\\U000f0000\"");
}

TEST(GoFloatToInt64, AmdSixtyFourSemantics) {
  EXPECT_EQ(GoFloatToInt64(1.9), 1);
  EXPECT_EQ(GoFloatToInt64(-1.9), -1);
  EXPECT_EQ(GoFloatToInt64(std::nan("")), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(GoFloatToInt64(1e19), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(GoFloatToInt64(-9223372036854775808.0), std::numeric_limits<int64_t>::min());
}

// Every double survives FormatFloat -> ParseFloat bit for bit, in every format, and the
// shortest form never needs more than 17 significant digits.
RC_GTEST_PROP(FormatFloatProperty, RoundTripsEveryDouble, (uint64_t bits)) {
  const double v = std::bit_cast<double>(bits);
  for (char fmt : {'e', 'f', 'g'}) {
    const std::string s = FormatFloat(v, fmt);
    const ParsedFloat back = ParseFloat(s);
    RC_ASSERT(back.ok());
    if (std::isnan(v)) {
      RC_ASSERT(std::isnan(back.value));
    } else {
      RC_ASSERT(std::bit_cast<uint64_t>(back.value) == bits);
    }
  }
  if (std::isfinite(v) && v != 0) {
    std::string e = FormatFloat(v, 'e');
    const size_t digits = e.find('e') - (e[0] == '-' ? 1 : 0) - (e.find('.') == std::string::npos ? 0 : 1);
    RC_ASSERT(digits <= 17u);
  }
}

// Shortest means shortest: dropping the last significant digit (either rounding) changes the
// value.
RC_GTEST_PROP(FormatFloatProperty, NoShorterDigitStringRoundTrips, (uint64_t bits)) {
  const double v = std::bit_cast<double>(bits);
  RC_PRE(std::isfinite(v) && v != 0);
  const std::string e = FormatFloat(std::fabs(v), 'e');
  const size_t epos = e.find('e');
  std::string mant;
  for (char c : e.substr(0, epos)) {
    if (c != '.') mant.push_back(c);
  }
  RC_PRE(mant.size() >= 2);
  const int exp = std::stoi(e.substr(epos + 1));
  // v = mant * 10^(exp - (n-1)); the one-digit-shorter candidates are S * 10^(exp - (n-2))
  // with S = mant / 10 (rounded down) and S + 1 (rounded up).
  const uint64_t truncated = std::stoull(mant.substr(0, mant.size() - 1));
  const int scale = exp - static_cast<int>(mant.size() - 2);
  for (uint64_t candidate : {truncated, truncated + 1}) {
    const std::string text = std::to_string(candidate) + "e" + std::to_string(scale);
    RC_ASSERT(ParseFloat(text).value != std::fabs(v));
  }
}

}  // namespace
}  // namespace promref::model

namespace promref::model {
namespace {

// The property above draws from RapidCheck's size-scaled generator; this sweeps uniformly
// random bit patterns (every exponent, subnormals, NaN payloads) and hand-picked edges.
TEST(FormatFloat, RoundTripSweepOverRandomBitPatterns) {
  std::vector<uint64_t> patterns = {0,
                                    1,
                                    0x000FFFFFFFFFFFFFULL,
                                    0x0010000000000000ULL,
                                    0x7FEFFFFFFFFFFFFFULL,
                                    0x3FF0000000000000ULL,
                                    0x3FF0000000000001ULL,
                                    0x8000000000000000ULL};
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    patterns.push_back(x);
  }
  for (uint64_t bits : patterns) {
    const double v = std::bit_cast<double>(bits);
    for (char fmt : {'e', 'f', 'g'}) {
      const ParsedFloat back = ParseFloat(FormatFloat(v, fmt));
      ASSERT_TRUE(back.ok()) << FormatFloat(v, fmt);
      if (std::isnan(v)) {
        ASSERT_TRUE(std::isnan(back.value));
      } else {
        ASSERT_EQ(std::bit_cast<uint64_t>(back.value), bits) << FormatFloat(v, fmt);
      }
    }
  }
}

}  // namespace
}  // namespace promref::model
