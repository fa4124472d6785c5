// The pieces of Go's unicode handling that relabeling's results depend on, with Go 1.26's
// Unicode 15.0.0 tables (the Go that builds Prometheus 3.16).
#pragma once

#include <string>
#include <string_view>

namespace promref::relabel {

// strings.ToLower / strings.ToUpper: each rune mapped by unicode.ToLower / unicode.ToUpper
// (one rune to one rune, so "ß" stays "ß"); each byte of invalid UTF-8 becomes U+FFFD.
std::string GoToLower(std::string_view s);
std::string GoToUpper(std::string_view s);

// unicode.IsDigit: category Nd (not just 0-9). regexp.Expand reads `$name` as far as letters,
// digits and '_' go, so "$1١" names the group "1١", not group 1 followed by "١".
bool IsUnicodeDigit(char32_t r);

}  // namespace promref::relabel
