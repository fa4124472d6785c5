#include "scrape/http_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "http1/status_text.h"

namespace promref::scrape {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Prometheus reads secret files at every request and trims them.
std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string HostPort(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (host.find(':') == std::string::npos || (host.front() == '[' && host.back() == ']')) {
    host += url.starts_with("https") ? ":443" : ":80";
  }
  return host;
}

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

// Go's net/http error for a failed transfer, as Prometheus shows it.
std::string TransportError(CURLcode code, const std::string& url) {
  const std::string prefix = "Get \"" + url + "\": ";
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return prefix + "context deadline exceeded";
    case CURLE_COULDNT_CONNECT: return prefix + "dial tcp " + HostPort(url) + ": connect: connection refused";
    case CURLE_COULDNT_RESOLVE_HOST: {
      std::string host = HostPort(url);
      host = host.substr(0, host.rfind(':'));
      return prefix + "dial tcp: lookup " + host + ": no such host";
    }
    case CURLE_ABORTED_BY_CALLBACK: return prefix + "context canceled";
    default: return prefix + curl_easy_strerror(code);
  }
}

}  // namespace

struct HttpFetcher::Impl {
  config::HttpClientConfig client;
  CURL* curl = nullptr;
};

HttpFetcher::HttpFetcher(config::HttpClientConfig client) : impl_(std::make_unique<Impl>()) {
  GlobalInit();
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
  if (c.authorization) {
    const auto& a = *c.authorization;
    const std::string cred = a.credentials_file.empty() ? a.credentials : ReadTrimmed(a.credentials_file);
    add("Authorization: " + a.type + " " + cred);
  }
  for (const auto& header : c.http_headers) {
    for (const auto& v : header.values) add(header.name + ": " + v);
    for (const auto& v : header.secrets) add(header.name + ": " + v);
    for (const auto& f : header.files) add(header.name + ": " + ReadTrimmed(f));
  }
  return h;
}

void ApplyClientConfig(CURL* curl, const config::HttpClientConfig& c) {
  if (c.basic_auth) {
    const auto& b = *c.basic_auth;
    const std::string user = b.username_file.empty() ? b.username : ReadTrimmed(b.username_file);
    const std::string pass = b.password_file.empty() ? b.password : ReadTrimmed(b.password_file);
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, pass.c_str());
  }
  const auto& tls = c.tls_config;
  if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (!tls.ca.empty()) {
    curl_blob blob{const_cast<char*>(tls.ca.data()), tls.ca.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, tls.insecure_skip_verify ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, tls.insecure_skip_verify ? 0L : 2L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, c.follow_redirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);  // Go's client stops after 10
  if (!c.proxy_url.empty()) curl_easy_setopt(curl, CURLOPT_PROXY, c.proxy_url.c_str());
  if (!c.no_proxy.empty()) curl_easy_setopt(curl, CURLOPT_NOPROXY, c.no_proxy.c_str());
  if (c.proxy_url.empty() && !c.proxy_from_environment) curl_easy_setopt(curl, CURLOPT_PROXY, "");
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
  ApplyClientConfig(curl, impl_->client);
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
    result.status = BadData(TransportError(code, r.url));
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
