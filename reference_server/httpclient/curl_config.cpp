#include "httpclient/curl_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>

namespace promref::httpclient {
namespace {

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

}  // namespace

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

void ApplyHttpClientConfig(CURL* curl, const config::HttpClientConfig& c) {
  if (c.basic_auth) {
    const auto& b = *c.basic_auth;
    const std::string user = b.username_file.empty() ? b.username : ReadSecretFile(b.username_file);
    const std::string pass = b.password_file.empty() ? b.password : ReadSecretFile(b.password_file);
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

curl_slist* AppendConfiguredHeaders(curl_slist* h, const config::HttpClientConfig& c) {
  const auto add = [&](const std::string& line) { h = curl_slist_append(h, line.c_str()); };
  if (c.authorization) {
    const auto& a = *c.authorization;
    add("Authorization: " + a.type + " " +
        (a.credentials_file.empty() ? a.credentials : ReadSecretFile(a.credentials_file)));
  }
  for (const auto& header : c.http_headers) {
    for (const auto& v : header.values) add(header.name + ": " + v);
    for (const auto& v : header.secrets) add(header.name + ": " + v);
    for (const auto& f : header.files) add(header.name + ": " + ReadSecretFile(f));
  }
  return h;
}

std::string TransportError(CURLcode code, const std::string& method, const std::string& url) {
  const std::string prefix = method + " \"" + url + "\": ";
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

}  // namespace promref::httpclient
