// UTF-8 decoding and validation with Go's rules (what Prometheus, written in Go, accepts).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promref::model {

inline constexpr char32_t kRuneError = 0xFFFD;

// Decodes the rune at the start of `s`. Returns its size in bytes (1 for an invalid byte,
// which decodes as kRuneError, exactly like Go's utf8.DecodeRuneInString). `s` must not be
// empty.
int DecodeRune(std::string_view s, char32_t* rune);

// Go's utf8.ValidString: every sequence is a well-formed, shortest-form, non-surrogate rune.
bool IsValidUtf8(std::string_view s);

// Go's utf8.ValidRune: in range and not a surrogate half.
inline bool IsValidRune(char32_t r) {
  return r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF);
}

// Go's unicode.IsLetter (Unicode 15.0.0, as Go 1.26 has it): categories Lu, Ll, Lt, Lm, Lo.
bool IsUnicodeLetter(char32_t r);

// Appends the UTF-8 encoding of `r` (kRuneError for an invalid rune).
void AppendRune(std::string* out, char32_t r);

}  // namespace promref::model
