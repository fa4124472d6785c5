#include "api/internal/params.h"

#include <cstdio>

#include "model/go_strconv.h"
#include "promql/parser.h"

namespace promref::api::internal {

std::string AtoiError(const std::string& s, bool range) {
  return "strconv.Atoi: parsing " + model::GoQuote(s) + (range ? ": value out of range" : ": invalid syntax");
}

Result<int64_t> ParseLimit(const std::string& s) {
  if (s.empty()) return int64_t{0};
  // Atoi is ParseInt(s, 10, 0): an optional sign and decimal digits only.
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return BadData(AtoiError(s, false));
  uint64_t v = 0;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return BadData(AtoiError(s, false));
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (uint64_t{1} << 63) / 10) overflow = true;
    v = v * 10 + d;
  }
  const bool neg = s[0] == '-';
  if (overflow || v > (neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1))
    return BadData(AtoiError(s, true));
  const int64_t limit = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  if (limit < 0) return BadData("limit must be non-negative");
  return limit;
}

Result<model::ApiTime> ParseTimeParam(const Request& req, const char* name, const model::ApiTime& fallback) {
  const std::string v = req.FormValue(name);
  if (v.empty()) return fallback;
  auto t = model::ParseTimestamp(v);
  if (!t.ok()) return BadData("invalid time value for '" + std::string(name) + "': " + t.error().message());
  return *t;
}

model::ApiTime FromSystemTime(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t sec = ns / 1'000'000'000;
  int64_t nsec = ns % 1'000'000'000;
  if (nsec < 0) nsec += 1'000'000'000, sec -= 1;
  return {sec, nsec};
}

Result<std::vector<std::vector<model::Matcher>>> ParseMatchers(const std::vector<std::string>& values,
                                                               const promql::ParseOptions& options) {
  std::vector<std::vector<model::Matcher>> sets;
  for (const std::string& v : values) {
    auto m = promql::ParseMetricSelector(v, options);
    if (!m.ok()) return m.error();
    sets.push_back(std::move(*m));
  }
  for (const auto& set : sets) {
    bool non_empty = false;
    for (const auto& m : set) {
      if (!m.MatchesEmpty()) non_empty = true;
    }
    if (!non_empty) return BadData("match[] must contain at least one non-empty matcher");
  }
  return sets;
}

Result<bool> ParseBool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return BadData("strconv.ParseBool: parsing " + model::GoQuote(s) + ": invalid syntax");
}

std::string Rfc3339Nano(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) frac += 1'000'000'000, secs -= 1;
  const model::CivilTime c = model::CivilFromUnixSeconds(secs);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.date.year),
                c.date.month, c.date.day, c.hour, c.minute, c.second);
  std::string out = buf;
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + "Z";
}

bool AtoiOk(const std::string& s, int64_t* v) {
  if (s.empty()) return false;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  int64_t n = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || n > 922337203685477580) return false;
    n = n * 10 + (s[i] - '0');
  }
  *v = s[0] == '-' ? -n : n;
  return true;
}

}  // namespace promref::api::internal
