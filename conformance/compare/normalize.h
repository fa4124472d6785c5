// Normalisation: an HTTP response reduced to what conformance is judged on, as JSON.
//
// Every normalised response has `http` (the status code; `http_class` "2xx"/"4xx"/"5xx" instead
// for remote writes) and, when the body is Prometheus' JSON envelope, `status`, `errorType`,
// `warnings`, `infos` (omitted when empty) and `data` reduced by the exchange's mode:
//   query:   {resultType, result} with timestamps as integer milliseconds after the dataset
//            base, values as the server's strings (numbers are compared numerically later);
//            for cases whose values are Unix times, values become seconds after the base
//   series:  the label sets, sorted (compared as a set)
//   strings: the strings, sorted (compared as a set)
//   keys:    the sorted keys of `data` (for status endpoints whose values are the server's own)
//   exact:   `data` unchanged
// `headers` holds the response headers the exchange names in `compare_headers` (also for
// remote writes: 2.0's *-Written headers), "" when absent.
// `content_type` holds the media type (no parameters). Informational keys, never compared:
// `error` (message text: Prometheus' wording changes between versions), `http_info` (the exact
// code of a remote write), `body` (the start of a non-JSON body), `transport_error`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "suites/case.h"

namespace promconform {

struct NormalizeContext {
  int64_t base_ms = 0;
  bool timestamp_values = false;
};

nlohmann::json Normalize(const HttpResponse& response, const Exchange& exchange, const NormalizeContext& ctx);

// "1795292100.234" (JSON number text or double) -> 1795292100234.
int64_t SecondsToMillis(double seconds);

}  // namespace promconform
