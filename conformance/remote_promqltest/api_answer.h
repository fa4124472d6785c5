// Reading a Prometheus query API answer (/api/v1/query, /api/v1/query_range) back into the
// engine's QueryResult, so the promqltest runner can judge a remote endpoint exactly as it
// judges the in-process engine.
#pragma once

#include <cstdint>
#include <string>

#include "client/http_client.h"
#include "promql/engine.h"

namespace promconform::remote_promqltest {

// The answer as a QueryResult:
//   - success: the value (vector, matrix, scalar or string; floats from Go's text, "NaN",
//     "+Inf", "-Inf"; native histograms as api_histogram.h reads them), and the `warnings` /
//     `infos` annotations;
//   - an API error: its errorType as the error kind and its text as the message, without the
//     `invalid parameter "query": ` that the API puts before a parse error (the engine's own
//     text is what scripts expect);
//   - no usable answer (transport failure, not JSON, histogram buckets that no histogram
//     gives): an internal error saying what came back.
promref::promql::QueryResult DecodeQueryAnswer(const HttpResponse& response);

// An API time parameter for `ms`: decimal seconds with exactly the milliseconds ("-1.500").
std::string ApiTime(int64_t ms);

}  // namespace promconform::remote_promqltest
