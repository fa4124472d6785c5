#include "model/time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>

namespace promref::model {
namespace {

int64_t Ts(std::string_view s) {
  auto r = ParseTimestamp(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? r->Millis() : 0;
}

TEST(ParseTimestamp, UnixSecondsRoundedToMilliseconds) {
  EXPECT_EQ(Ts("0"), 0);
  EXPECT_EQ(Ts("1435781451.781"), 1435781451781);
  EXPECT_EQ(Ts("1.5"), 1500);
  EXPECT_EQ(Ts("-1.5"), -1500);
  EXPECT_EQ(Ts("1.0004"), 1000);
  EXPECT_EQ(Ts("1.0006"), 1001);
  EXPECT_EQ(Ts("1e3"), 1000000);
  EXPECT_EQ(Ts("0x10p0"), 16000);
  EXPECT_EQ(Ts("1_000"), 1000000);
}

TEST(ParseTimestamp, Rfc3339WithFractionsAndZones) {
  EXPECT_EQ(Ts("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(Ts("2015-07-01T20:10:51Z"), 1435781451000);
  EXPECT_EQ(Ts("2015-07-01T22:10:51.781+02:00"), 1435781451781);
  EXPECT_EQ(Ts("2015-07-01T18:10:51.781-02:00"), 1435781451781);
  EXPECT_EQ(Ts("2015-07-01T20:10:51.781999999Z"), 1435781451781);  // nanoseconds truncate
  EXPECT_EQ(Ts("2015-07-01T20:10:51,5Z"), 1435781451500);          // Go accepts a comma
  EXPECT_EQ(Ts("2015-07-01T2:10:51Z"), 1435716651000);             // one-digit hour
  // Go 1.26 (Prometheus 3.16): every fraction digit is read, the tenth and later dropped.
  EXPECT_EQ(Ts("2015-07-01T20:10:51.7819999999999Z"), 1435781451781);
  EXPECT_EQ(Ts("2015-07-01T20:10:51.123456789123Z"), 1435781451123);
  // Offsets of 24 hours or 60 minutes pass Go's range test, larger ones do not.
  EXPECT_EQ(Ts("2015-07-02T20:10:51+24:00"), 1435781451000);
  EXPECT_EQ(Ts("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(Ts("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(Ts("0000-01-01T00:00:00Z"), -62167219200000);
}

TEST(ParseTimestamp, BoundaryStrings) {
  EXPECT_EQ(Ts("-292273086-05-16T16:47:06Z"), kMinTimeMs);
  EXPECT_EQ(Ts("292277025-08-18T07:12:54.999999999Z"), kMaxTimeMs);
}

TEST(ParseTimestamp, RejectsMalformedWithPrometheusMessage) {
  for (const char* bad : {"",
                          "abc",
                          "2015-07-01",
                          "2015-07-01T20:10:51",
                          "2015-07-01 20:10:51Z",
                          "2015-13-01T00:00:00Z",
                          "2015-02-29T00:00:00Z",
                          "2015-07-01T24:00:00Z",
                          "2015-07-01T20:60:00Z",
                          "2015-07-01T20:10:60Z",
                          "2015-07-01t20:10:51Z",
                          "2015-07-01T20:10:51z",
                          "2015-07-01T20:10:51+0200",
                          "2015-07-01T20:10:51+25:00",
                          "2015-07-01T20:10:51+23:61",
                          "2015-07-01T20:10:51.Z",
                          "15-07-01T20:10:51Z",
                          "2015-7-01T20:10:51Z",
                          "1e400",
                          "0x10",
                          "1,5",
                          "2015-07-01T20:10:51Z ",
                          "+2015-07-01T20:10:51Z"}) {
    auto r = ParseTimestamp(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  auto r = ParseTimestamp("abc");
  EXPECT_EQ(r.error().message(), "cannot parse \"abc\" to a valid timestamp");
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadData);
}

TEST(ParseTimestamp, AbsurdNumbersWrapAsInGo) {
  // int64(NaN) and int64(huge) are MinInt64 on amd64; time.Unix then FromTime wrap.
  // The exact values are checked against real Prometheus in the differential test.
  EXPECT_TRUE(ParseTimestamp("NaN").ok());
  // Far-away years: FromTime is exact, the engine's UnixNano-based conversion wraps.
  auto year0 = ParseTimestamp("0000-01-01T00:00:00Z");
  EXPECT_EQ(year0->Millis(), -62167219200000);
  EXPECT_NE(year0->EngineMillis(), -62167219200000);
  auto now = ParseTimestamp("2015-07-01T20:10:51.781Z");
  EXPECT_EQ(now->Millis(), now->EngineMillis());
  EXPECT_TRUE(ParseTimestamp("Inf").ok());
  EXPECT_TRUE(ParseTimestamp("1e300").ok());
}

TEST(ParseDurationParam, FloatSecondsOrDurationInNanoseconds) {
  EXPECT_EQ(*ParseDurationParam("15"), 15'000'000'000);
  EXPECT_EQ(*ParseDurationParam("0.5"), 500'000'000);
  EXPECT_EQ(*ParseDurationParam("0.0005"), 500'000);
  EXPECT_EQ(*ParseDurationParam("1m30s"), 90'000'000'000);
  EXPECT_EQ(*ParseDurationParam("-1"), -1'000'000'000);
  EXPECT_EQ(ParseDurationParam("1e10").error().message(),
            "cannot parse \"1e10\" to a valid duration. It overflows int64");
  EXPECT_EQ(ParseDurationParam("1x").error().message(), "cannot parse \"1x\" to a valid duration");
  EXPECT_FALSE(ParseDurationParam("").ok());
  EXPECT_FALSE(ParseDurationParam("Inf").ok());
  // Prometheus 3.x refuses NaN and 2^63 ns, which int64 cannot hold; -2^63 still fits.
  EXPECT_EQ(ParseDurationParam("NaN").error().message(),
            "cannot parse \"NaN\" to a valid duration. It overflows int64");
  EXPECT_EQ(ParseDurationParam("9223372036.854775808").error().message(),
            "cannot parse \"9223372036.854775808\" to a valid duration. It overflows int64");
  EXPECT_EQ(*ParseDurationParam("-9223372036.854775808"), std::numeric_limits<int64_t>::min());
}

TEST(FormatGoDuration, GoDurationText) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(1), "1ns");
  EXPECT_EQ(FormatGoDuration(1'500), "1.5\u00b5s");
  EXPECT_EQ(FormatGoDuration(1'500'000), "1.5ms");
  EXPECT_EQ(FormatGoDuration(-1'000'000'000), "-1s");
  EXPECT_EQ(FormatGoDuration(90'500'000'000), "1m30.5s");
  EXPECT_EQ(FormatGoDuration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s");
}

TEST(FormatRfc3339Seconds, GoRfc3339InUtc) {
  EXPECT_EQ(FormatRfc3339Seconds(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Seconds(1735084800), "2024-12-25T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Seconds(1703462400 + 3661), "2023-12-25T01:01:01Z");
  EXPECT_EQ(FormatRfc3339Seconds(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339Seconds(-62167219200 - 86400), "-0001-12-31T00:00:00Z");
}

TEST(ParseDuration, PrometheusDurationStrings) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDuration("500ms"), 500);
  EXPECT_EQ(*ParseDuration("1y"), 365LL * 86'400'000);
  EXPECT_EQ(*ParseDuration("1w"), 7LL * 86'400'000);
  EXPECT_EQ(*ParseDuration("54s321ms"), 54'321);
  EXPECT_EQ(*ParseDuration("1y2w3d4h5m6s7ms"), 365LL * 86'400'000 + 14LL * 86'400'000 + 3LL * 86'400'000 +
                                                   4 * 3'600'000 + 5 * 60'000 + 6'000 + 7);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  EXPECT_EQ(*ParseDuration("100000d"), 100000LL * 86'400'000);
}

TEST(ParseDuration, Errors) {
  EXPECT_EQ(ParseDuration("").error().message(), "empty duration string");
  EXPECT_EQ(ParseDuration("1.5h").error().message(), "unknown unit \".\" in duration \"1.5h\"");
  EXPECT_EQ(ParseDuration("5x").error().message(), "unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(ParseDuration("30m1h").error().message(), "not a valid duration string: \"30m1h\"");
  EXPECT_FALSE(ParseDuration("1h1h").ok());
  EXPECT_FALSE(ParseDuration("h").ok());
  EXPECT_FALSE(ParseDuration("-1h").ok());
  EXPECT_FALSE(ParseDuration("1").ok());
  EXPECT_FALSE(ParseDuration(" 1h").ok());
  EXPECT_EQ(ParseDuration("300y").error().message(), "duration out of range");
  EXPECT_EQ(ParseDuration("99999999999999999999s").error().message(),
            "not a valid duration string: \"99999999999999999999s\"");
}

TEST(FormatDuration, CanonicalText) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(5'400'000), "1h30m");
  EXPECT_EQ(FormatDuration(90LL * 86'400'000), "90d");
  EXPECT_EQ(FormatDuration(14LL * 86'400'000), "2w");
  EXPECT_EQ(FormatDuration(365LL * 86'400'000), "1y");
  EXPECT_EQ(FormatDuration(366LL * 86'400'000), "366d");
  EXPECT_EQ(FormatDuration(1'500), "1s500ms");
  EXPECT_EQ(FormatDuration(-300'000), "-5m");
}

RC_GTEST_PROP(DurationProperty, FormatThenParseRoundTrips, ()) {
  const int64_t ms = *rc::gen::inRange<int64_t>(0, 290LL * 365 * 86'400'000);
  auto back = ParseDuration(FormatDuration(ms));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == ms);
}

RC_GTEST_PROP(DurationProperty, ParseThenFormatIsCanonical, ()) {
  // Any accepted string re-parses from its canonical form to the same value.
  const auto units = *rc::gen::container<std::vector<int>>(7, rc::gen::inRange(-3, 100));
  static constexpr const char* kNames[] = {"y", "w", "d", "h", "m", "s", "ms"};
  std::string s;
  for (int i = 0; i < 7; ++i) {
    if (units[static_cast<size_t>(i)] >= 0) s += std::to_string(units[static_cast<size_t>(i)]) + kNames[i];
  }
  RC_PRE(!s.empty());
  auto d = ParseDuration(s);
  RC_ASSERT(d.ok());
  RC_ASSERT(*ParseDuration(FormatDuration(*d)) == *d);
}

RC_GTEST_PROP(TimestampProperty, Rfc3339OfAnyMillisecondParsesBack, ()) {
  const int64_t ms = *rc::gen::inRange<int64_t>(-62167219200000, 253402300799999);
  // Format as RFC 3339 UTC with millisecond fraction, by hand.
  int64_t days = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
  int64_t rem = ms - days * 86'400'000;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3'600'000), static_cast<long long>(rem / 60'000 % 60),
                static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
  auto back = ParseTimestamp(buf);
  RC_ASSERT(back.ok());
  RC_ASSERT(back->Millis() == ms);
}

}  // namespace
}  // namespace promref::model
