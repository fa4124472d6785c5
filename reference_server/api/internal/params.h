// Parameter parsing shared by the API handlers, with Prometheus' rules and error texts
// (internal to the api folder).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/http.h"
#include "model/error.h"
#include "model/matcher.h"
#include "model/time.h"
#include "promql/parser.h"

namespace promref::api::internal {

// `limit`: "" is 0 (no limit); otherwise a decimal integer >= 0 ("limit must be non-negative").
Result<int64_t> ParseLimit(const std::string& s);

// A time parameter with a default when empty (Prometheus' parseTimeParam); errors read
// `invalid time value for '<name>': cannot parse ...`.
Result<model::ApiTime> ParseTimeParam(const Request& req, const char* name, const model::ApiTime& fallback);

inline model::ApiTime MinApiTime() {
  return {model::kMinTimeMs / 1000, 0};
}
inline model::ApiTime MaxApiTime() {
  return {model::kMaxTimeMs / 1000, 999'999'999};
}
model::ApiTime FromSystemTime(std::chrono::system_clock::time_point t);

// match[] values: each a series selector (parsed with the engine's parser options, as Prometheus
// does); every set needs a matcher that does not match "".
Result<std::vector<std::vector<model::Matcher>>> ParseMatchers(const std::vector<std::string>& values,
                                                               const promql::ParseOptions& options);

// Go's strconv.ParseBool.
Result<bool> ParseBool(const std::string& s);

// Go's strconv.Atoi, for the metadata limits (false where Go fails: "limit must be a number").
bool AtoiOk(const std::string& s, int64_t* v);

// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros dropped), in UTC.
std::string Rfc3339Nano(std::chrono::system_clock::time_point t);

// Go's strconv.Atoi error text for `s` ("strconv.Atoi: parsing \"x\": invalid syntax").
std::string AtoiError(const std::string& s, bool range);

}  // namespace promref::api::internal
