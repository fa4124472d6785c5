// prometheus/common's HTTP client configuration applied to a libcurl handle: what the scrape
// loops and the remote-write queues share. Basic auth, the Authorization header (type and
// credentials), TLS files and inline PEM, insecure_skip_verify, redirects, proxies and extra
// headers. Secret files are read at each request and trimmed, as Prometheus reads them.
#pragma once

#include <curl/curl.h>

#include <string>

#include "config/config.h"

namespace promref::httpclient {

// Sets the connection and auth options of `c` on `curl`.
void ApplyHttpClientConfig(CURL* curl, const config::HttpClientConfig& c);

// Appends "Authorization: <type> <credentials>" (when configured) and the `http_headers`
// values to `headers`, and returns the list.
curl_slist* AppendConfiguredHeaders(curl_slist* headers, const config::HttpClientConfig& c);

// A secret file's contents without surrounding white space ("" when unreadable).
std::string ReadSecretFile(const std::string& path);

// Go's net/http error for a failed transfer to `url` with `method`, as Prometheus shows it:
// `Get "<url>": context deadline exceeded`, `... dial tcp <addr>: connect: connection refused`.
std::string TransportError(CURLcode code, const std::string& method, const std::string& url);

// libcurl's one-time global initialisation (thread-safe, idempotent).
void GlobalInit();

}  // namespace promref::httpclient
