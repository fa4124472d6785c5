// The exact text of values and timestamps in Prometheus' JSON API output.
//
// Prometheus prints the same number differently depending on where it appears, and clients
// that compare bytes notice. The rules (reference section 3.2/3.3):
//   sample values (vector, matrix, exemplars, histogram fields):
//       Go AppendFloat 'e' when |v| < 1e-6 or |v| >= 1e21 (v != 0), else 'f'; "NaN", "+Inf", "-Inf"
//   scalar values: 'f' always ("1000000000000000000000")
//   sample timestamps: integer seconds, then "." and exactly three digits when the
//       millisecond part is non-zero (1500 ms -> 1.500, 1000 ms -> 1)
//   scalar/string timestamps and other JSON numbers: Go encoding/json float64 (1.5, 3, 1e+21)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promref::model {

void AppendSampleValue(std::string* out, double v);
void AppendScalarValue(std::string* out, double v);
void AppendSampleTimestamp(std::string* out, int64_t ms);
// The same two into a caller's buffer, for writers that put a whole [timestamp, "value"] pair
// down at once: they write at most these many bytes and return the end of what they wrote.
inline constexpr size_t kMaxSampleValueBytes = 32;
inline constexpr size_t kMaxSampleTimestampBytes = 48;
char* WriteSampleValue(char* out, double v);
char* WriteSampleTimestamp(char* out, int64_t ms);
// Go encoding/json for a finite float64 (NaN and ±Inf are not valid JSON; callers must not
// pass them).
void AppendJsonNumber(std::string* out, double v);

// A JSON string literal as Go's encoding/json writes it with HTML escaping (what Prometheus'
// API uses): quotes and backslashes escaped, \n \r \t, other control characters and <, >, &
// as \u00xx, U+2028/U+2029 escaped, invalid UTF-8 replaced by \ufffd.
// kGoNoHtml: as Go's encoding/json (1.22+) writes without HTML escaping, what OTLP attribute
// values turned into label text use: <, >, & as they are, \b and \f short.
enum class JsonEscaping { kPrometheusApi, kGoNoHtml };
void AppendJsonString(std::string* out, std::string_view s, JsonEscaping e = JsonEscaping::kPrometheusApi);

inline std::string FormatSampleValue(double v) {
  std::string s;
  AppendSampleValue(&s, v);
  return s;
}
inline std::string FormatScalarValue(double v) {
  std::string s;
  AppendScalarValue(&s, v);
  return s;
}
inline std::string FormatSampleTimestamp(int64_t ms) {
  std::string s;
  AppendSampleTimestamp(&s, ms);
  return s;
}
inline std::string FormatJsonNumber(double v) {
  std::string s;
  AppendJsonNumber(&s, v);
  return s;
}
// Scalar and string results carry their timestamp as float64(ms)/1000 through encoding/json.
inline std::string FormatScalarTimestamp(int64_t ms) {
  return FormatJsonNumber(static_cast<double>(ms) / 1000);
}

}  // namespace promref::model
