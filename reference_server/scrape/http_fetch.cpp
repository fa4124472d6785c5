#include "scrape/http_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "http1/status_text.h"
#include "httpclient/curl_config.h"

namespace promref::scrape {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

struct Transfer {
  const FetchRequest* request = nullptr;
  const std::function<bool()>* cancelled = nullptr;
  FetchResult* result = nullptr;
  std::string status_line;  // "500 Internal Server Error"
  long status = 0;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->result->body.append(data, size * n);
  const int64_t limit = t->request->body_size_limit;
  if (limit > 0 && static_cast<int64_t>(t->result->body.size()) >= limit) {
    t->result->over_body_size_limit = true;
    return 0;  // ends the transfer: an endless body is cut here
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect or 100 Continue)
    const size_t sp = line.find(' ');
    t->status_line = sp == std::string_view::npos ? "" : std::string(line.substr(sp + 1));
    t->result->content_type.clear();
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos && IEquals(line.substr(0, colon), "Content-Type")) {
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    t->result->content_type = std::string(v);
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (*t->cancelled && (*t->cancelled)()) ? 1 : 0;
}

}  // namespace

struct HttpFetcher::Impl {
  config::HttpClientConfig client;
  CURL* curl = nullptr;
};

HttpFetcher::HttpFetcher(config::HttpClientConfig client) : impl_(std::make_unique<Impl>()) {
  httpclient::GlobalInit();
  impl_->client = std::move(client);
  impl_->curl = curl_easy_init();
}

HttpFetcher::~HttpFetcher() {
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
}

namespace {

curl_slist* RequestHeaders(const config::HttpClientConfig& c, const FetchRequest& r) {
  curl_slist* h = nullptr;
  const auto add = [&](const std::string& line) { h = curl_slist_append(h, line.c_str()); };
  add("Accept: " + r.accept);
  if (!r.enable_compression) add("Accept-Encoding: identity");
  add("User-Agent: " + r.user_agent);
  char timeout[64];
  std::snprintf(timeout, sizeof timeout, "%g", static_cast<double>(r.timeout_ms) / 1000.0);
  add(std::string("X-Prometheus-Scrape-Timeout-Seconds: ") + timeout);
  return httpclient::AppendConfiguredHeaders(h, c);
}

}  // namespace

FetchResult HttpFetcher::Fetch(const FetchRequest& r, const std::function<bool()>& cancelled) {
  FetchResult result;
  CURL* curl = impl_->curl;
  if (!curl) {
    result.status = Error(ErrorKind::kInternal, "Get \"" + r.url + "\": cannot create an HTTP client");
    return result;
  }
  curl_easy_reset(curl);  // keeps the connection cache
  Transfer t{&r, &cancelled, &result, "", 0};
  curl_slist* headers = RequestHeaders(impl_->client, r);
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  if (r.enable_compression) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  httpclient::ApplyHttpClientConfig(curl, impl_->client);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (result.over_body_size_limit) {
    result.body.clear();
    result.status = BadData("body size limit exceeded");
    return result;
  }
  if (code != CURLE_OK) {
    result.body.clear();
    result.status = BadData(httpclient::TransportError(code, "Get", r.url));
    return result;
  }
  if (status != 200) {
    std::string line = t.status_line;
    if (line.find(' ') == std::string::npos) {  // HTTP/2 has no reason phrase; Go adds its own
      line = std::to_string(status) + " " + std::string(http1::StatusText(static_cast<int>(status)));
    }
    result.body.clear();
    result.status = BadData("server returned HTTP status " + line);
  }
  return result;
}

}  // namespace promref::scrape
