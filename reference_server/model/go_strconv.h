// Text conversions that behave exactly like Go's strconv package.
//
// Prometheus is written in Go, and its API output and its parameter parsing are defined by
// what Go's strconv does: which strings ParseFloat accepts, which digits FormatFloat prints,
// how Quote escapes. promref must produce and accept the same bytes, so these are faithful
// re-implementations, not approximations (one documented exception: GoQuote's notion of a
// printable rune, see below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace promref::model {

// strconv.FormatFloat(v, fmt, -1, 64): the shortest decimal that round-trips.
//   fmt 'f': no exponent ("1000000000000000000000", "0.0000001")
//   fmt 'e': d[.ddd]e±dd ("1e+21", "1.5e-07")
//   fmt 'g': 'e' form when the decimal exponent is < -4 or >= 6 (Go's fixed rule for
//            shortest output), otherwise 'f' form ("1e+06", "123456", "1e-05")
// Special values are "NaN", "+Inf", "-Inf"; negative zero keeps its sign ("-0").
std::string FormatFloat(double v, char fmt);
// The same appended to *out, with no string of its own (result encoding writes millions).
void AppendFloat(std::string* out, double v, char fmt);

// strconv.FormatFloat(v, fmt, prec, 64) with a fixed number of digits after the point
// (fmt 'f' or 'e'), rounded half to even on the exact binary value, as Go does.
std::string FormatFloatPrec(double v, char fmt, int prec);

enum class ParseNumError { kSyntax, kRange };

// strconv.ParseFloat(s, 64). Accepts Go's float syntax: decimal with optional exponent,
// hexadecimal mantissa with a mandatory 'p' exponent, underscores between digits, and the
// case-insensitive "inf", "infinity" (optionally signed) and "nan". A value that overflows
// is a kRange error (Go returns ±Inf with ErrRange); underflow rounds to zero silently.
struct ParsedFloat {
  double value = 0;
  std::optional<ParseNumError> error;
  bool ok() const { return !error.has_value(); }
};
ParsedFloat ParseFloat(std::string_view s);

// strconv.ParseInt(s, 0, 64): optional sign, base from the prefix (0x, 0o, 0b, or a leading
// 0 for octal), underscores between digits.
struct ParsedInt {
  int64_t value = 0;
  std::optional<ParseNumError> error;
  bool ok() const { return !error.has_value(); }
};
ParsedInt ParseIntBase0(std::string_view s);

// strconv.Quote: a double-quoted Go string literal. Printable runes are kept; others are
// escaped as \a \b \f \n \r \t \v, \xHH (control bytes and invalid UTF-8), \uHHHH or
// \UHHHHHHHH. Go decides "printable" with the Unicode tables of unicode.IsPrint; here the
// categories that matter in practice (controls, format characters, separators, private use,
// surrogates, noncharacters) are excluded, and unassigned code points count as printable.
std::string GoQuote(std::string_view s);

// How Go converts a float64 to int64 on amd64: truncation toward zero, and the "integer
// indefinite" value INT64_MIN for NaN and for anything out of range. Prometheus' time
// parameter handling relies on this for absurd inputs, so we reproduce it.
int64_t GoFloatToInt64(double v);

}  // namespace promref::model
