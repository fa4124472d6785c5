// Fetching a target's exposition over HTTP(S), as Prometheus' targetScraper does: the job's
// Accept header, gzip unless enable_compression is off, User-Agent and
// X-Prometheus-Scrape-Timeout-Seconds, the job's credentials, TLS settings and extra headers,
// the scrape timeout, and body_size_limit on the decompressed body.
//
// Errors are worded as Prometheus reports them in `lastError`: "server returned HTTP status
// 500 Internal Server Error", "body size limit exceeded", `Get "<url>": context deadline
// exceeded`, `Get "<url>": dial tcp <addr>: connect: connection refused`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "model/error.h"

namespace promref::scrape {

struct FetchRequest {
  std::string url;
  std::string accept;
  bool enable_compression = true;
  int64_t timeout_ms = 10'000;
  int64_t body_size_limit = 0;  // bytes; 0: none
  std::string user_agent;       // "Prometheus/<version>", as the server it stands in for
};

struct FetchResult {
  Status status;
  std::string body;
  std::string content_type;
  bool over_body_size_limit = false;
};

// One per scrape loop: it keeps the connection to its target open between scrapes. Not
// thread-safe.
class HttpFetcher {
 public:
  explicit HttpFetcher(config::HttpClientConfig client);
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // Blocks for at most the request's timeout; `cancelled` is polled during the transfer and
  // ends it early (the server is stopping).
  FetchResult Fetch(const FetchRequest& request, const std::function<bool()>& cancelled);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promref::scrape
