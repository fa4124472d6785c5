#include "remote/write_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "http1/status_text.h"
#include "httpclient/curl_config.h"

namespace promref::remote {
namespace {

constexpr size_t kMaxErrorBody = 1024;  // Prometheus' maxErrMsgLen

struct Exchange {
  std::string body;
  std::string status_line;
  std::string retry_after;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* e = static_cast<Exchange*>(user);
  const size_t room = kMaxErrorBody > e->body.size() ? kMaxErrorBody - e->body.size() : 0;
  e->body.append(data, std::min(room, size * n));
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* e = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    const size_t sp = line.find(' ');
    e->status_line = sp == std::string_view::npos ? "" : std::string(line.substr(sp + 1));
    e->retry_after.clear();
  } else if (line.size() > 12 && strncasecmp(line.data(), "Retry-After:", 12) == 0) {
    std::string_view v = line.substr(12);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    e->retry_after = std::string(v);
  }
  return size * n;
}

}  // namespace

int64_t RetryAfterMs(const std::string& value, int64_t now_ms) {
  if (value.empty()) return 0;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::stoll(value.substr(0, 12)) * 1000;
  }
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return 0;
  const int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return at_ms - now_ms;  // may be negative: the past, ignored by the caller
}

struct WriteClient::Impl {
  config::RemoteWriteConfig config;
  std::string user_agent;
  CURL* curl = nullptr;
};

WriteClient::WriteClient(const config::RemoteWriteConfig& config, std::string user_agent)
    : impl_(std::make_unique<Impl>()) {
  httpclient::GlobalInit();
  impl_->config = config;
  impl_->user_agent = std::move(user_agent);
  impl_->curl = curl_easy_init();
}

WriteClient::~WriteClient() {
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
}

SendResult WriteClient::Send(const std::string& compressed, int attempt) {
  const config::RemoteWriteConfig& c = impl_->config;
  CURL* curl = impl_->curl;
  SendResult r;
  if (curl == nullptr) {
    r.error = "cannot create an HTTP client";
    r.recoverable = true;
    return r;
  }
  const bool v2 = c.protobuf_message == "io.prometheus.write.v2.Request";
  curl_easy_reset(curl);
  curl_slist* h = nullptr;
  for (const auto& [name, value] : c.headers) h = curl_slist_append(h, (name + ": " + value).c_str());
  h = curl_slist_append(h, "Content-Encoding: snappy");
  h = curl_slist_append(h, v2 ? "Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request"
                              : "Content-Type: application/x-protobuf");
  h = curl_slist_append(h, ("User-Agent: " + impl_->user_agent).c_str());
  h = curl_slist_append(
      h, v2 ? "X-Prometheus-Remote-Write-Version: 2.0.0" : "X-Prometheus-Remote-Write-Version: 0.1.0");
  if (attempt > 0) h = curl_slist_append(h, ("Retry-Attempt: " + std::to_string(attempt)).c_str());
  h = curl_slist_append(h, "Expect:");  // no 100-continue round trip
  h = httpclient::AppendConfiguredHeaders(h, c.http_client);
  Exchange e;
  curl_easy_setopt(curl, CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, compressed.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(compressed.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(c.remote_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &e);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &e);
  httpclient::ApplyHttpClientConfig(curl, c.http_client);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(h);
  if (code != CURLE_OK) {
    r.error = httpclient::TransportError(code, "Post", c.url);
    r.recoverable = true;  // network errors are worth another try
    return r;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status / 100 == 2) {
    r.ok = true;
    return r;
  }
  std::string line = e.status_line;
  if (line.find(' ') == std::string::npos) {
    line = std::to_string(status) + " " + std::string(http1::StatusText(static_cast<int>(status)));
  }
  r.error = "server returned HTTP status " + line + ": " + e.body;
  if (status / 100 == 5 || (c.queue_config.retry_on_http_429 && status == 429)) {
    r.recoverable = true;
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    r.retry_after_ms = RetryAfterMs(e.retry_after, now_ms);
  }
  return r;
}

}  // namespace promref::remote
