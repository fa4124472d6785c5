// Byte classes and token lists of HTTP/1.1 (RFC 9110), as Go's net/http and httpguts judge them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace promref::http1 {

// tchar: a byte of a method or a header name.
bool IsTokenByte(char c);
// A byte Go's textproto allows in a header value: VCHAR, SP, HTAB and obs-text (>= 0x80).
bool IsHeaderValueByte(char c);
// An ASCII control byte (< 0x20 or 0x7f), which a request URI may not hold.
bool IsControlByte(char c);
// A byte httpguts.ValidHostHeader allows in Host.
bool IsHostByte(char c);
// The value of a hexadecimal digit, -1 for any other byte.
int HexValue(char c);
// Decodes %XX escapes of `in` into `out` (and '+' into a space when `plus_is_space`): Go's
// url.PathUnescape, or url.QueryUnescape with `plus_is_space`. False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);
// ASCII case-insensitive equality.
bool EqualFold(std::string_view a, std::string_view b);
// Whether a comma-separated header value holds `token` (case-insensitive), as httpguts does.
bool HasToken(std::string_view value, std::string_view token);
bool HeaderValuesContainToken(const std::vector<std::string_view>& values, std::string_view token);
// The elements of a comma-separated list, trimmed of spaces and tabs, empty ones dropped.
std::vector<std::string_view> SplitCommaList(std::string_view value);

}  // namespace promref::http1
