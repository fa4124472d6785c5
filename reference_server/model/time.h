// Times and durations as Prometheus' HTTP API and PromQL accept and print them.
//
// Inside the project a time is int64 milliseconds since the epoch. The API's duration
// parameters (`step`, `timeout`, `lookback_delta`) are parsed to nanoseconds, because
// Prometheus keeps them as Go time.Duration and truncates to milliseconds only later; the
// difference is observable (a step of 0.0005 passes the "> 0" check).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.h"

namespace promref::model {

// The boundary times Prometheus uses for an absent `start`/`end`: time.Unix(MinInt64/1000 +
// 62135596801, 0) and time.Unix(MaxInt64/1000 - 62135596801, 999999999), in milliseconds.
inline constexpr int64_t kMinTimeMs = -9223309901257974000LL;
inline constexpr int64_t kMaxTimeMs = 9223309901257974999LL;
inline constexpr std::string_view kMinTimeText = "-292273086-05-16T16:47:06Z";
inline constexpr std::string_view kMaxTimeText = "292277025-08-18T07:12:54.999999999Z";

// A time as Go's time.Time holds it: Unix seconds and nanoseconds in [0, 1e9). Prometheus
// converts a parsed API time to milliseconds in two different ways, and for times outside
// the years 1678..2262 they disagree (UnixNano overflows), so both are offered.
struct ApiTime {
  int64_t sec = 0;
  int64_t nsec = 0;

  // timestamp.FromTime: what series, labels, exemplars and query_range bounds checks use.
  int64_t Millis() const;
  // t.UnixNano() / 1e6: how the PromQL engine turns a query's start/end/time into
  // milliseconds (wrapping around for far-away years, as Prometheus does).
  int64_t EngineMillis() const;
  // Go's t.Before(u).
  bool Before(const ApiTime& u) const { return sec < u.sec || (sec == u.sec && nsec < u.nsec); }
};

// A timestamp parameter (`time`, `start`, `end`): Unix seconds with an optional fraction
// (rounded to milliseconds), RFC 3339 with optional fractional seconds and a zone, or one of
// the two boundary strings. Follows Go's parsing quirks exactly, including the wrap-around of
// absurd numeric inputs. Error: `cannot parse "<s>" to a valid timestamp`. (An empty
// parameter means "default" to the API; that is the handler's business, not this parser's.)
Result<ApiTime> ParseTimestamp(std::string_view s);

// RFC 3339 as Go's time.Parse(time.RFC3339Nano, s) accepts it, in nanoseconds since the
// epoch split as seconds + nanos. Returns false when Go would reject the text.
bool ParseRfc3339(std::string_view s, int64_t* unix_seconds, int32_t* nanos);

// A duration parameter: float seconds (rejected when NaN or when it overflows int64
// nanoseconds, as Prometheus 3.x's parseDuration does) or a Prometheus duration string.
// Returns nanoseconds. Errors: `cannot parse "<s>" to a valid duration` and
// `... It overflows int64`.
Result<int64_t> ParseDurationParam(std::string_view s);

// A Prometheus duration string (`1h30m`, `500ms`, `1y`, `0`): units y, w, d, h, m, s, ms, each
// at most once, largest first. Returns milliseconds. Errors as prometheus/common's
// model.ParseDuration: "empty duration string", `not a valid duration string: "<s>"`,
// `unknown unit "<u>" in duration "<s>"`, "duration out of range".
Result<int64_t> ParseDuration(std::string_view s);

// Prometheus' canonical duration text (model.Duration.String()): "0s" for zero, years and
// weeks only when they divide exactly, then d, h, m, s, ms ("1h30m", "90d", "1y", "1w2d").
// Negative durations print with a leading '-'.
std::string FormatDuration(int64_t ms);

// Go's time.Duration(ns).String(): "0s", "1.5s", "1h0m0s", "2m3.25s", "500ms", "1.5µs",
// "-1s". (Not Prometheus' model.Duration text: that is FormatDuration.)
std::string FormatGoDuration(int64_t ns);

// Go's time.Unix(s, 0).UTC().Format(time.RFC3339): "2024-12-25T00:00:00Z".
std::string FormatRfc3339Seconds(int64_t unix_seconds);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t DaysFromCivil(int64_t year, int month, int day);

// The proleptic Gregorian date of a day number (days since 1970-01-01; Howard Hinnant's
// civil_from_days), and the UTC date and time of Unix seconds, as Go's time.Unix(s, 0).UTC().
struct CivilDate {
  int64_t year;
  int month, day;
};
CivilDate CivilFromDays(int64_t days);
struct CivilTime {
  CivilDate date;
  int64_t days;  // since 1970-01-01
  int hour, minute, second;
};
CivilTime CivilFromUnixSeconds(int64_t unix_seconds);

}  // namespace promref::model
