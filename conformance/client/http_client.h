// A small synchronous HTTP client over libcurl: what the harness, the differential tests and
// the load benchmarks use to talk to an endpoint.
//
// One HttpClient holds one connection cache; use one per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promconform {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;  // 0 when the request never got an answer
  Headers headers;  // as received; names keep their case
  std::string body;
  std::string transport_error;  // set when there is no HTTP answer (refused, timeout, TLS...)

  bool answered() const { return transport_error.empty(); }
  // The first header with this name, compared case-insensitively; "" when absent.
  std::string Header(std::string_view name) const;
};

struct HttpClientOptions {
  long timeout_ms = 30000;
  long connect_timeout_ms = 5000;
  bool verify_tls = true;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  // Ask for gzip and decode it transparently (off by default: tests compare raw bytes).
  bool accept_gzip = false;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Do(const HttpRequest& request);
  HttpResponse Get(const std::string& url, const Headers& headers = {});
  HttpResponse PostForm(const std::string& url, const std::string& form_body, const Headers& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes everything but unreserved characters (RFC 3986), as Go's url.QueryEscape
// does except that space becomes %20 rather than '+'.
std::string UrlEncode(std::string_view s);
// name=value&... with both sides UrlEncode'd.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace promconform
