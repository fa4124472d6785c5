#include "model/time.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/go_strconv.h"

namespace promref::model {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerMilli = 1'000'000;

// Go's signed integer arithmetic wraps; C++'s overflows are undefined. These do it Go's way.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

bool IsDigitAt(std::string_view s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysIn(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

// Go's getnum: one or two leading digits; with `fixed`, exactly two.
bool GetNum(std::string_view* s, bool fixed, int* out) {
  if (!IsDigitAt(*s, 0)) return false;
  if (!IsDigitAt(*s, 1)) {
    if (fixed) return false;
    *out = (*s)[0] - '0';
    s->remove_prefix(1);
    return true;
  }
  *out = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
  s->remove_prefix(2);
  return true;
}

// Go's parseNanoseconds on value = "<sep>digits" of `n` bytes: at most 9 digits count.
int32_t ParseFraction(std::string_view value, size_t n) {
  if (n > 10) n = 10;
  int32_t ns = 0;
  for (size_t i = 1; i < n; ++i) ns = ns * 10 + (value[i] - '0');
  for (size_t i = n; i < 10; ++i) ns *= 10;
  return ns;
}

bool IsFractionStart(std::string_view s) {
  return s.size() >= 2 && (s[0] == '.' || s[0] == ',') && IsDigitAt(s, 1);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Walks Go's generic time.Parse over the layout "2006-01-02T15:04:05.999999999Z07:00", as the
// Go 1.19 that built Debian's Prometheus 2.42 does (checked against it by the differential
// test): two-digit fields except the hour (one digit is enough), '.' or ',' before at most
// nine fraction digits, 'Z' or ±hh:mm with any two-digit values. Go 1.20+ (Prometheus 3.x)
// adds a fast path that also takes more than nine fraction digits; we follow the binary we
// can run until a 3.x oracle says otherwise.
bool ParseRfc3339(std::string_view s, int64_t* unix_seconds, int32_t* nanos) {
  std::string_view v = s;
  // Year: exactly four digits.
  if (v.size() < 4) return false;
  int64_t year = 0;
  for (int i = 0; i < 4; ++i) {
    if (!IsDigitAt(v, static_cast<size_t>(i))) return false;
    year = year * 10 + (v[static_cast<size_t>(i)] - '0');
  }
  v.remove_prefix(4);
  auto literal = [&v](char c) {
    if (v.empty() || v[0] != c) return false;
    v.remove_prefix(1);
    return true;
  };
  int month, day, hour, minute, second;
  if (!literal('-') || !GetNum(&v, true, &month) || month < 1 || month > 12) return false;
  if (!literal('-') || !GetNum(&v, true, &day)) return false;
  if (!literal('T') || !GetNum(&v, false, &hour)) return false;
  if (!literal(':') || !GetNum(&v, true, &minute)) return false;
  if (!literal(':') || !GetNum(&v, true, &second)) return false;
  int32_t ns = 0;
  if (IsFractionStart(v)) {
    // Go reads every digit and keeps the first nine (nanoseconds), truncating the rest.
    size_t n = 2;
    while (IsDigitAt(v, n)) ++n;
    ns = ParseFraction(v, std::min<size_t>(n, 10));
    v.remove_prefix(n);
  }
  int64_t zone_offset = 0;
  if (!v.empty() && v[0] == 'Z') {
    v.remove_prefix(1);
  } else {
    if (v.size() < 6 || v[3] != ':') return false;
    const char sign = v[0];
    std::string_view hh = v.substr(1, 2);
    std::string_view mm = v.substr(4, 2);
    int zh, zm;
    if (!GetNum(&hh, true, &zh) || !GetNum(&mm, true, &zm)) return false;
    // Go's range test uses > (offsets of 24 hours or 60 minutes are written by some).
    if (zh > 24 || zm > 60) return false;
    zone_offset = (zh * 60 + zm) * 60;
    if (sign == '-') {
      zone_offset = -zone_offset;
    } else if (sign != '+') {
      return false;
    }
    v.remove_prefix(6);
  }
  if (!v.empty()) return false;  // extra text
  if (hour >= 24 || minute >= 60 || second >= 60) return false;
  if (day < 1 || day > DaysIn(month, year)) return false;
  const int64_t days = DaysFromCivil(year, month, day);
  *unix_seconds = days * 86400 + hour * 3600 + minute * 60 + second - zone_offset;
  *nanos = ns;
  return true;
}

int64_t ApiTime::Millis() const {
  return WrapAdd(WrapMul(sec, 1000), nsec / kNanosPerMilli);
}

int64_t ApiTime::EngineMillis() const {
  return WrapAdd(WrapMul(sec, kNanosPerSecond), nsec) / kNanosPerMilli;
}

Result<ApiTime> ParseTimestamp(std::string_view s) {
  if (ParsedFloat f = ParseFloat(s); f.ok()) {
    // Go: s, ns := math.Modf(t); ns = math.Round(ns*1000)/1000; time.Unix(int64(s), int64(ns*1e9)).
    // The same float operations in the same order, and Go's float->int conversion.
    double int_part;
    double frac = std::modf(f.value, &int_part);
    if (std::isinf(f.value)) frac = std::nan("");  // Go's Modf(±Inf) is (±Inf, NaN)
    frac = std::round(frac * 1000) / 1000;
    int64_t sec = GoFloatToInt64(int_part);
    int64_t nsec = GoFloatToInt64(frac * static_cast<double>(kNanosPerSecond));
    if (nsec < 0 || nsec >= kNanosPerSecond) {  // time.Unix normalises nsec into [0, 1e9)
      const int64_t n = nsec / kNanosPerSecond;
      sec = WrapAdd(sec, n);
      nsec -= n * kNanosPerSecond;
      if (nsec < 0) {
        nsec += kNanosPerSecond;
        sec = WrapAdd(sec, -1);
      }
    }
    return ApiTime{sec, nsec};
  }
  int64_t sec;
  int32_t ns;
  if (ParseRfc3339(s, &sec, &ns)) return ApiTime{sec, ns};
  if (s == kMinTimeText) return ApiTime{kMinTimeMs / 1000, 0};
  if (s == kMaxTimeText) return ApiTime{kMaxTimeMs / 1000, 999'999'999};
  return BadData("cannot parse " + GoQuote(s) + " to a valid timestamp");
}

Result<int64_t> ParseDurationParam(std::string_view s) {
  if (ParsedFloat f = ParseFloat(s); f.ok()) {
    const double ns = f.value * static_cast<double>(kNanosPerSecond);
    // Prometheus 3.x rejects NaN and anything from float64(MaxInt64) (= 2^63, which int64
    // cannot hold) up; -2^63 itself fits.
    constexpr double kTwo63 = 9223372036854775808.0;
    if (std::isnan(ns) || ns >= kTwo63 || ns < -kTwo63) {
      return BadData("cannot parse " + GoQuote(s) + " to a valid duration. It overflows int64");
    }
    return GoFloatToInt64(ns);
  }
  if (auto d = ParseDuration(s); d.ok()) return *d * kNanosPerMilli;
  return BadData("cannot parse " + GoQuote(s) + " to a valid duration");
}

Result<int64_t> ParseDuration(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return BadData("empty duration string");
  struct Unit {
    std::string_view name;
    uint64_t nanos;
  };
  // Largest first; a unit's index is its position in the required order.
  static constexpr Unit kUnits[] = {
      {"y", 365ULL * 24 * 3600 * kNanosPerSecond},
      {"w", 7ULL * 24 * 3600 * kNanosPerSecond},
      {"d", 24ULL * 3600 * kNanosPerSecond},
      {"h", 3600ULL * kNanosPerSecond},
      {"m", 60ULL * kNanosPerSecond},
      {"s", 1ULL * kNanosPerSecond},
      {"ms", 1ULL * kNanosPerMilli},
  };
  const std::string invalid = "not a valid duration string: " + GoQuote(s);
  std::string_view rest = s;
  uint64_t total = 0;
  int last_unit = -1;
  while (!rest.empty()) {
    if (!IsDigitAt(rest, 0)) return BadData(invalid);
    size_t i = 0;
    uint64_t v = 0;
    bool too_big = false;
    for (; IsDigitAt(rest, i); ++i) {
      const uint64_t digit = static_cast<uint64_t>(rest[i] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) too_big = true;
      v = v * 10 + digit;
    }
    if (too_big) return BadData(invalid);  // strconv.ParseUint fails
    rest.remove_prefix(i);
    for (i = 0; i < rest.size() && !IsDigitAt(rest, i); ++i) {
    }
    if (i == 0) return BadData(invalid);
    const std::string_view unit = rest.substr(0, i);
    rest.remove_prefix(i);
    int index = -1;
    for (int u = 0; u < 7; ++u) {
      if (kUnits[u].name == unit) index = u;
    }
    if (index < 0) return BadData("unknown unit " + GoQuote(unit) + " in duration " + GoQuote(s));
    if (index <= last_unit) return BadData(invalid);
    last_unit = index;
    const uint64_t mult = kUnits[index].nanos;
    if (v > (uint64_t{1} << 63) / mult) return BadData("duration out of range");
    total += v * mult;
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return BadData("duration out of range");
    }
  }
  return static_cast<int64_t>(total / kNanosPerMilli);
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    rest = 0 - rest;
  }
  struct Unit {
    const char* name;
    uint64_t ms;
    bool exact_only;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365ULL * 24 * 3600 * 1000, true},
      {"w", 7ULL * 24 * 3600 * 1000, true},
      {"d", 24ULL * 3600 * 1000, false},
      {"h", 3600ULL * 1000, false},
      {"m", 60ULL * 1000, false},
      {"s", 1000, false},
      {"ms", 1, false},
  };
  for (const Unit& u : kUnits) {
    if (u.exact_only && rest % u.ms != 0) continue;
    if (const uint64_t v = rest / u.ms; v > 0) {
      out += std::to_string(v) + u.name;
      rest -= v * u.ms;
    }
  }
  return out;
}

std::string FormatGoDuration(int64_t ns) {
  // Go's Duration.format: below a second a single unit with a fraction (ns, µs, ms), from a
  // second up h, m and s with the fraction on the seconds; trailing fraction zeros dropped.
  uint64_t u = static_cast<uint64_t>(ns);
  const bool neg = ns < 0;
  if (neg) u = 0 - u;
  // Digits are produced from the right, as Go does.
  std::string out;
  auto frac = [&out](uint64_t v, int prec) {
    bool print = false;
    for (int i = 0; i < prec; ++i) {
      const auto digit = static_cast<char>('0' + v % 10);
      print = print || digit != '0';
      if (print) out.insert(out.begin(), digit);
      v /= 10;
    }
    if (print) out.insert(out.begin(), '.');
    return v;
  };
  auto integer = [&out](uint64_t v) { out.insert(0, std::to_string(v)); };
  if (u < static_cast<uint64_t>(kNanosPerSecond)) {
    if (u == 0) return "0s";
    int prec = 0;
    if (u < 1000) {
      out = "ns";
    } else if (u < 1'000'000) {
      prec = 3;
      out = "\u00b5s";
    } else {
      prec = 6;
      out = "ms";
    }
    integer(frac(u, prec));
  } else {
    out = "s";
    u = frac(u, 9);
    integer(u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(out.begin(), 'm');
      integer(u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(out.begin(), 'h');
        integer(u);
      }
    }
  }
  if (neg) out.insert(out.begin(), '-');
  return out;
}

CivilDate CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilDate d;
  d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  d.year = yoe + era * 400 + (d.month <= 2 ? 1 : 0);
  return d;
}

CivilTime CivilFromUnixSeconds(int64_t unix_seconds) {
  // Go counts seconds in a uint64 from March 1 of year -292277022399 ("absolute time"), adding
  // the offset with int64 wrap-around; so do we, and times beyond about ±2.9e11 years (the
  // MinInt64 that NaN and ±Inf become) land on the same dates as in Go.
  constexpr uint64_t kUnixToAbsolute = 9223372028741760000u;
  const uint64_t abs = static_cast<uint64_t>(unix_seconds) + kUnixToAbsolute;
  const int64_t days = static_cast<int64_t>(abs / 86400) - static_cast<int64_t>(kUnixToAbsolute / 86400);
  const int64_t rem = static_cast<int64_t>(abs % 86400);
  return {CivilFromDays(days), days, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
          static_cast<int>(rem % 60)};
}

std::string FormatRfc3339Seconds(int64_t unix_seconds) {
  const CivilTime t = CivilFromUnixSeconds(unix_seconds);
  const int64_t year = t.date.year;
  auto two = [](int64_t v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  // Go writes the year with at least four digits, a '-' before negative ones.
  std::string y = std::to_string(year < 0 ? -year : year);
  if (y.size() < 4) y.insert(0, 4 - y.size(), '0');
  if (year < 0) y.insert(y.begin(), '-');
  return y + "-" + two(t.date.month) + "-" + two(t.date.day) + "T" + two(t.hour) + ":" + two(t.minute) + ":" +
         two(t.second) + "Z";
}

}  // namespace promref::model
