// One remote-write request over HTTP, as Prometheus' remote.Client sends it: a snappy-
// compressed protobuf body, Content-Type and X-Prometheus-Remote-Write-Version for 1.0 or 2.0,
// the endpoint's headers and credentials, and Retry-Attempt on retries.
//
// The answer says whether a failed request may be retried (Prometheus' RecoverableError):
// transport errors and 5xx always, 429 when retry_on_http_429 is set, with the Retry-After
// the endpoint asked for; any other status is final and the batch is dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"

namespace promref::remote {

struct SendResult {
  bool ok = false;
  bool recoverable = false;
  int64_t retry_after_ms = 0;  // > 0: the endpoint's Retry-After
  std::string error;           // "server returned HTTP status 400 Bad Request: <body>"
};

class WriteClient {
 public:
  WriteClient(const config::RemoteWriteConfig& config, std::string user_agent);
  ~WriteClient();
  WriteClient(const WriteClient&) = delete;
  WriteClient& operator=(const WriteClient&) = delete;

  // Sends an already compressed body; `attempt` counts retries (0 for the first try).
  SendResult Send(const std::string& compressed, int attempt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Retry-After as Prometheus reads it: seconds, or an HTTP date; 0 when absent or unreadable.
int64_t RetryAfterMs(const std::string& value, int64_t now_ms);

}  // namespace promref::remote
