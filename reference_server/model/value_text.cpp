#include "model/value_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::model {

namespace {

// Writes v when it is some integer n over 100 exactly, |v| below 1e13 (not 0, whose sign Go
// keeps): counters and most gauges. The decimal n/100 then parses to v (both are n/100
// correctly rounded), and no other decimal of two places or fewer lies within v's rounding
// interval (a 2^-9 ulp at most, where they are 0.01 apart), so n/100 with its trailing zeros
// dropped is the shortest that round-trips: Go's digits, without the shortest-digit search.
// Returns nullptr for any other v.
char* WriteHundredths(char* out, double v) {
  if (!(std::fabs(v) < 1e13) || v == 0) return nullptr;
  const double scaled = std::nearbyint(v * 100);
  const auto n = static_cast<int64_t>(scaled);
  if (static_cast<double>(n) / 100 != v) return nullptr;
  uint64_t u = n < 0 ? static_cast<uint64_t>(-n) : static_cast<uint64_t>(n);
  if (n < 0) *out++ = '-';
  out = std::to_chars(out, out + 16, u / 100).ptr;
  u %= 100;
  if (u != 0) {
    *out++ = '.';
    *out++ = static_cast<char>('0' + u / 10);
    if (u % 10 != 0) *out++ = static_cast<char>('0' + u % 10);
  }
  return out;
}

}  // namespace

char* WriteSampleValue(char* out, double v) {
  if (char* end = WriteHundredths(out, v)) return end;
  const double abs = std::fabs(v);
  // NaN compares false both ways and so takes 'f', which prints "NaN" as Go's does.
  const bool exp_form = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  if (!exp_form && abs < 1e15) {
    // Below 2^53 Go's 'f' with the shortest precision is std::to_chars' shortest fixed form,
    // written in place: a large query result is mostly these (value_text_test checks the two
    // agree). Above it to_chars writes the exact integer (999999999999999868928) where Go pads
    // the shortest digits with zeros (999999999999999900000).
    const std::to_chars_result r =
        std::to_chars(out, out + kMaxSampleValueBytes, v, std::chars_format::fixed);
    if (r.ec == std::errc{}) return r.ptr;
  }
  // At most 24 bytes: -1.2345678901234567e-308, or 22 for the 'f' form below 1e21.
  const std::string s = FormatFloat(v, exp_form ? 'e' : 'f');
  const size_t n = std::min(s.size(), kMaxSampleValueBytes);
  std::memcpy(out, s.data(), n);
  return out + n;
}

void AppendSampleValue(std::string* out, double v) {
  char buf[kMaxSampleValueBytes];
  out->append(buf, WriteSampleValue(buf, v));
}

void AppendScalarValue(std::string* out, double v) {
  AppendFloat(out, v, 'f');
}

char* WriteSampleTimestamp(char* out, int64_t ms) {
  // Go's jsonutil.MarshalTimestamp, including its wrapping negation of MinInt64.
  char* p = out;
  if (ms < 0) {
    *p++ = '-';
    ms = static_cast<int64_t>(0 - static_cast<uint64_t>(ms));
  }
  p = std::to_chars(p, out + 24, ms / 1000).ptr;
  const int64_t fraction = ms % 1000;
  if (fraction != 0) {
    *p++ = '.';
    if (fraction < 100) *p++ = '0';
    if (fraction < 10) *p++ = '0';
    p = std::to_chars(p, out + kMaxSampleTimestampBytes, fraction).ptr;
  }
  return p;
}

void AppendSampleTimestamp(std::string* out, int64_t ms) {
  char buf[kMaxSampleTimestampBytes];
  out->append(buf, WriteSampleTimestamp(buf, ms));
}

void AppendJsonNumber(std::string* out, double v) {
  const double abs = std::fabs(v);
  const bool exp_form = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  std::string s = FormatFloat(v, exp_form ? 'e' : 'f');
  if (exp_form) {
    // encoding/json cleans up e-09 to e-9.
    const size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s[n - 2] = s[n - 1];
      s.pop_back();
    }
  }
  out->append(s);
}

void AppendJsonString(std::string* out, std::string_view s, JsonEscaping e) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool html = e == JsonEscaping::kPrometheusApi;
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default:
          if (!html && (c == '\b' || c == '\f')) {
            out->append(c == '\b' ? "\\b" : "\\f");
          } else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xF]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    char32_t r;
    const int n = DecodeRune(s.substr(i), &r);
    if (r == kRuneError && n == 1) {
      out->append("\\ufffd");
    } else if (r == 0x2028 || r == 0x2029) {
      out->append(r == 0x2028 ? "\\u2028" : "\\u2029");
    } else {
      out->append(s.substr(i, static_cast<size_t>(n)));
    }
    i += static_cast<size_t>(n);
  }
  out->push_back('"');
}

}  // namespace promref::model
