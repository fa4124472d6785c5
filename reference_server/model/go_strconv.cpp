#include "model/go_strconv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "model/utf8.h"

namespace promref::model {
namespace {

char Lower(char c) {
  return static_cast<char>(c | 0x20);
}
bool IsDec(char c) {
  return c >= '0' && c <= '9';
}
bool IsHex(char c) {
  return IsDec(c) || (Lower(c) >= 'a' && Lower(c) <= 'f');
}

// The shortest round-trip digits of a finite, non-zero |v|, and the position of the decimal
// point relative to them (Go's decimalSlice: value = 0.d1d2d3... * 10^dp).
struct Digits {
  std::string digits;
  int dp = 0;
};

Digits ShortestDigits(double v) {
  // std::to_chars without precision yields the shortest representation that round-trips;
  // in scientific form it reads "d[.ddd]e±XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = s.find('e');
  Digits d;
  // The leading digit, then those after the point. (A loop, not append(): GCC 12 cannot see
  // that `e` is bounded and warns about a huge overlapping copy under -Werror.)
  d.digits.assign(1, s[0]);
  for (size_t i = 2; i < e && i < s.size(); ++i) d.digits.push_back(s[i]);
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
  d.dp = exp + 1;
  return d;
}

// Digits rounded to a fixed precision: `prec` digits after the point ('f') or `prec + 1`
// significant digits ('e'). std::to_chars with a precision rounds the exact binary value
// half to even, as Go's fixed-precision formatting does.
Digits FixedDigits(double v, char fmt, int prec) {
  // Room for any precision: up to 309 integer digits, the point, `prec` decimals and an exponent.
  std::vector<char> buf(static_cast<size_t>(std::max(prec, 0)) + 400);
  const auto format = fmt == 'e' ? std::chars_format::scientific : std::chars_format::fixed;
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(v), format, prec);
  std::string_view s(buf.data(), static_cast<size_t>(res.ptr - buf.data()));
  Digits d;
  if (fmt == 'e') {
    const size_t e = s.find('e');
    for (char c : s.substr(0, e)) {
      if (c != '.') d.digits.push_back(c);
    }
    int exp = 0;
    std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
    d.dp = exp + 1;
  } else {
    const size_t point = s.find('.');
    const std::string_view int_part = s.substr(0, point);
    for (char c : s) {
      if (c != '.') d.digits.push_back(c);
    }
    d.dp = static_cast<int>(int_part.size());
  }
  return d;
}

// %e: d.ddddde±dd with `frac` digits after the point (padding with zeros), appended to out.
void AppendE(std::string* out, bool neg, const Digits& d, int frac) {
  if (neg) out->push_back('-');
  const bool zero = d.digits.empty();
  out->push_back(zero ? '0' : d.digits[0]);
  if (frac > 0) {
    out->push_back('.');
    for (int i = 1; i <= frac; ++i) {
      out->push_back(i < static_cast<int>(d.digits.size()) ? d.digits[static_cast<size_t>(i)] : '0');
    }
  }
  out->push_back('e');
  int exp = zero ? 0 : d.dp - 1;
  out->push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out->push_back('0');
  *out += std::to_string(exp);
}

// %f: integer part, then `frac` digits after the point (padding with zeros), appended to out.
// The room is made once and filled in place: result encoding formats millions of values.
void AppendF(std::string* out, bool neg, const Digits& d, int frac) {
  const int nd = static_cast<int>(d.digits.size());
  const size_t len =
      (neg ? 1 : 0) + static_cast<size_t>(std::max(d.dp, 1)) + (frac > 0 ? 1 + static_cast<size_t>(frac) : 0);
  const size_t start = out->size();
  out->resize(start + len);
  char* p = out->data() + start;
  auto digit = [&](int i) { return i >= 0 && i < nd ? d.digits[static_cast<size_t>(i)] : '0'; };
  if (neg) *p++ = '-';
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) *p++ = digit(i);
  } else {
    *p++ = '0';
  }
  if (frac > 0) {
    *p++ = '.';
    for (int i = 0; i < frac; ++i) *p++ = digit(d.dp + i);
  }
}

std::string Special(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

// Go's underscoreOK: underscores may only separate digits (or follow a base prefix).
bool UnderscoreOk(std::string_view s) {
  char saw = '^';  // ^ start, 0 digit or prefix, _ underscore, ! other
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDec(s[i]) || (hex && IsHex(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// Go's special(): "inf", "infinity" (optionally signed) and "nan", any case, as a whole string.
std::optional<double> ParseSpecial(std::string_view s) {
  auto eq = [](std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (Lower(a[i]) != lower[i]) return false;
    }
    return true;
  };
  if (eq(s, "nan")) return std::numeric_limits<double>::quiet_NaN();
  double sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    if (s[0] == '-') sign = -1;
    s.remove_prefix(1);
  }
  if (eq(s, "inf") || eq(s, "infinity")) return sign * std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// Checks s against Go's float literal grammar (readFloat). Returns false on a syntax error.
bool IsGoFloatSyntax(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool hex = false;
  if (i + 2 < s.size() && s[i] == '0' && Lower(s[i + 1]) == 'x') {
    hex = true;
    i += 2;
  }
  bool saw_dot = false;
  bool saw_digits = false;
  bool underscores = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      underscores = true;
    } else if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
    } else if (IsDec(c) || (hex && IsHex(c))) {
      saw_digits = true;
    } else {
      break;
    }
  }
  if (!saw_digits) return false;
  const char exp_char = hex ? 'p' : 'e';
  if (i < s.size() && Lower(s[i]) == exp_char) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDec(s[i])) return false;
    for (; i < s.size() && (IsDec(s[i]) || s[i] == '_'); ++i) {
      if (s[i] == '_') underscores = true;
    }
  } else if (hex) {
    return false;  // "hexadecimal mantissa requires a 'p' exponent"
  }
  if (i != s.size()) return false;
  if (underscores && !UnderscoreOk(s)) return false;
  return true;
}

}  // namespace

void AppendFloat(std::string* out, double v, char fmt) {
  if (!std::isfinite(v)) {
    out->append(Special(v));
    return;
  }
  const bool neg = std::signbit(v);
  Digits d;
  if (v != 0) d = ShortestDigits(v);
  const int nd = static_cast<int>(d.digits.size());
  const int exp = v == 0 ? 0 : d.dp - 1;
  // 'g' (and any other verb) takes the 'e' form for small and large exponents.
  if (fmt == 'e' || (fmt != 'f' && v != 0 && (exp < -4 || exp >= 6))) {
    AppendE(out, neg, d, nd > 0 ? nd - 1 : 0);
  } else {
    AppendF(out, neg, d, nd > d.dp ? nd - d.dp : 0);
  }
}

std::string FormatFloat(double v, char fmt) {
  std::string out;
  AppendFloat(&out, v, fmt);
  return out;
}

std::string FormatFloatPrec(double v, char fmt, int prec) {
  if (!std::isfinite(v)) return Special(v);
  const bool neg = std::signbit(v);
  const Digits d = FixedDigits(v, fmt, prec);
  std::string out;
  if (fmt == 'e') {
    AppendE(&out, neg, d, prec);
  } else {
    AppendF(&out, neg, d, prec);
  }
  return out;
}

ParsedFloat ParseFloat(std::string_view s) {
  ParsedFloat r;
  if (s.empty()) {
    r.error = ParseNumError::kSyntax;
    return r;
  }
  if (auto special = ParseSpecial(s)) {
    r.value = *special;
    return r;
  }
  if (!IsGoFloatSyntax(s)) {
    r.error = ParseNumError::kSyntax;
    return r;
  }
  // The syntax is Go's, and a subset of what strtod reads once underscores are gone; glibc's
  // strtod rounds correctly (decimal and hexadecimal), as Go's ParseFloat does.
  std::string clean;
  clean.reserve(s.size());
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  r.value = std::strtod(clean.c_str(), &end);
  if (errno == ERANGE && std::isinf(r.value)) r.error = ParseNumError::kRange;
  return r;
}

ParsedInt ParseIntBase0(std::string_view s) {
  ParsedInt r;
  const std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    r.error = ParseNumError::kSyntax;
    return r;
  }
  int base = 10;
  if (s[0] == '0') {
    const char p = s.size() >= 3 ? Lower(s[1]) : '\0';
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    s.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  const uint64_t limit = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  uint64_t n = 0;
  bool underscores = false;
  bool range = false;
  for (char c : s) {
    int digit;
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (IsDec(c)) {
      digit = c - '0';
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      digit = Lower(c) - 'a' + 10;
    } else {
      r.error = ParseNumError::kSyntax;
      return r;
    }
    if (digit >= base) {
      r.error = ParseNumError::kSyntax;
      return r;
    }
    if (!range) {
      if (n > (limit - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
        range = true;
      } else {
        n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
      }
    }
  }
  if (underscores && !UnderscoreOk(orig)) {
    r.error = ParseNumError::kSyntax;
    return r;
  }
  if (range) {
    r.error = ParseNumError::kRange;
    return r;
  }
  r.value = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return r;
}

namespace {

// An approximation of unicode.IsPrint for runes >= 0x80 (see the header).
bool IsPrintRune(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r <= 0xA0) return false;  // C1 controls and NO-BREAK SPACE
  if (!IsValidRune(r)) return false;
  struct Range {
    char32_t lo, hi;
  };
  static constexpr Range kNotPrint[] = {
      {0x00AD, 0x00AD},    {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
      {0x0890, 0x0891},    {0x08E2, 0x08E2},   {0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},
      {0x2028, 0x202F},    {0x205F, 0x2064},   {0x2066, 0x206F},   {0x3000, 0x3000},   {0xD800, 0xF8FF},
      {0xFDD0, 0xFDEF},    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0xFFFE, 0xFFFF},   {0x110BD, 0x110BD},
      {0x110CD, 0x110CD},  {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
      {0xF0000, 0x10FFFF},
  };
  for (const Range& range : kNotPrint) {
    if (r >= range.lo && r <= range.hi) return false;
  }
  return (r & 0xFFFE) != 0xFFFE;  // the noncharacters U+xxFFFE and U+xxFFFF
}

void AppendHex(std::string* out, uint32_t v, int width) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 0xF]);
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    char32_t r;
    const int width = DecodeRune(s.substr(i), &r);
    if (width == 1 && r == kRuneError) {
      out += "\\x";
      AppendHex(&out, static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    i += static_cast<size_t>(width);
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
      continue;
    }
    if (IsPrintRune(r)) {
      AppendRune(&out, r);
      continue;
    }
    switch (r) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (r < ' ' || r == 0x7F) {
          out += "\\x";
          AppendHex(&out, r, 2);
        } else if (r < 0x10000) {
          out += "\\u";
          AppendHex(&out, r, 4);
        } else {
          out += "\\U";
          AppendHex(&out, r, 8);
        }
    }
  }
  out.push_back('"');
  return out;
}

int64_t GoFloatToInt64(double v) {
  // -2^63 and 2^63 are exactly representable; the valid range is [-2^63, 2^63).
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(v) || v >= kTwo63 || v < -kTwo63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

}  // namespace promref::model
