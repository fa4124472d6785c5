// Answer compression as Prometheus' httputil.CompressionHandler does it for the API's own
// handlers and /federate: "Vary: Accept-Encoding" always; the first Accept-Encoding element
// that is exactly "gzip" or "deflate" (zlib format) picks the encoding; nothing else (not even
// "gzip;q=1") does.
#pragma once

#include "api/http.h"

namespace promref::api {

// Whether Prometheus wraps the handler of `route` (a router pattern) in its compression handler.
bool CompressedRoute(std::string_view route);

// Adds Vary: Accept-Encoding and, when the client asks for it, compresses `resp` (a whole body
// or a stream) and sets Content-Encoding.
void CompressForClient(const Request& req, Response* resp);

}  // namespace promref::api
