// Sends remote-write 1.0 requests (protobuf + Snappy) to an endpoint.
#pragma once

#include <string>

#include "client/http_client.h"
#include "model/error.h"
#include "wire/remote_write.h"

namespace promconform {

// The headers a Prometheus remote-write 1.0 sender sets (Snappy, protobuf, version 0.1.0),
// with `user_agent`.
Headers RemoteWriteV1Headers(const std::string& user_agent);

// POSTs `request` to `url` with the headers a Prometheus sender uses, plus `extra_headers`.
// Any status other than 2xx is an error carrying the status and the body.
promref::Status SendRemoteWrite(HttpClient& client, const std::string& url,
                                const promref::wire::WriteRequest& request,
                                const Headers& extra_headers = {});

}  // namespace promconform
