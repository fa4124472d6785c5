// prometheus/common's HTTPClientConfig, inlined in a scrape config: basic_auth, authorization
// (and the bearer_token fields folded into it), oauth2, tls_config, the proxy settings and
// http_headers. Parsed and validated in HTTPClientConfig.Validate's order, so that the first
// error is Prometheus' first error, and written back with secrets hidden.
#include <cctype>
#include <set>

#include "config/internal/sections.h"
#include "config/internal/yaml_decode.h"
#include "config/internal/yaml_emit.h"
#include "relabel/go_yaml.h"

namespace promref::config::internal {
namespace {

// Prometheus' "at most one of ..." checks over fields that are set when not empty.
void CheckAtMostOne(std::initializer_list<bool> set, const std::string& message) {
  int n = 0;
  for (bool v : set) n += v ? 1 : 0;
  if (n > 1) Fail(message);
}

std::string TlsVersion(const YAML::Node& n) {
  const std::string v = Str(n);
  if (!v.empty() && v != "TLS10" && v != "TLS11" && v != "TLS12" && v != "TLS13")
    Fail("unknown TLS version: " + v);
  return v;
}

TlsConfig ParseTls(const YAML::Node& n) {
  TlsConfig t;
  if (!Present(n)) return t;
  CheckKeys(n,
            {"ca", "cert", "key", "ca_file", "cert_file", "key_file", "ca_ref", "cert_ref", "key_ref",
             "server_name", "insecure_skip_verify", "min_version", "max_version"},
            "config.plain");
  t.ca = Str(n["ca"]);
  t.cert = Str(n["cert"]);
  t.key = Str(n["key"]);
  t.ca_file = Str(n["ca_file"]);
  t.cert_file = Str(n["cert_file"]);
  t.key_file = Str(n["key_file"]);
  t.ca_ref = Str(n["ca_ref"]);
  t.cert_ref = Str(n["cert_ref"]);
  t.key_ref = Str(n["key_ref"]);
  t.server_name = Str(n["server_name"]);
  t.insecure_skip_verify = Bool(n["insecure_skip_verify"], false);
  t.min_version = TlsVersion(n["min_version"]);
  t.max_version = TlsVersion(n["max_version"]);
  CheckAtMostOne({!t.ca.empty(), !t.ca_file.empty(), !t.ca_ref.empty()},
                 "at most one of ca, ca_file & ca_ref must be configured");
  CheckAtMostOne({!t.cert.empty(), !t.cert_file.empty(), !t.cert_ref.empty()},
                 "at most one of cert, cert_file & cert_ref must be configured");
  CheckAtMostOne({!t.key.empty(), !t.key_file.empty(), !t.key_ref.empty()},
                 "at most one of key and key_file must be configured");
  const bool cert = !t.cert.empty() || !t.cert_file.empty() || !t.cert_ref.empty();
  const bool key = !t.key.empty() || !t.key_file.empty() || !t.key_ref.empty();
  if (cert && !key)
    Fail("exactly one of key or key_file must be configured when a client certificate is configured");
  if (key && !cert)
    Fail("exactly one of cert or cert_file must be configured when a client key is configured");
  return t;
}

std::optional<BasicAuth> ParseBasicAuth(const YAML::Node& b) {
  if (!Present(b)) return std::nullopt;
  CheckKeys(b, {"username", "username_file", "username_ref", "password", "password_file", "password_ref"},
            "config.BasicAuth");
  return BasicAuth{Str(b["username"]), Str(b["username_file"]), Str(b["username_ref"]),
                   Str(b["password"]), Str(b["password_file"]), Str(b["password_ref"])};
}

std::optional<Authorization> ParseAuthorization(const YAML::Node& a) {
  if (!Present(a)) return std::nullopt;
  CheckKeys(a, {"type", "credentials", "credentials_file", "credentials_ref"}, "config.Authorization");
  Authorization auth;
  auth.type = Str(a["type"]);
  auth.credentials = Str(a["credentials"]);
  auth.credentials_file = Str(a["credentials_file"]);
  auth.credentials_ref = Str(a["credentials_ref"]);
  return auth;
}

std::optional<OAuth2> ParseOAuth2(const YAML::Node& o) {
  if (!Present(o)) return std::nullopt;
  CheckKeys(o,
            {"client_id",
             "client_secret",
             "client_secret_file",
             "client_secret_ref",
             "client_certificate_key_id",
             "client_certificate_key",
             "client_certificate_key_file",
             "client_certificate_key_ref",
             "grant_type",
             "signature_algorithm",
             "iss",
             "audience",
             "claims",
             "scopes",
             "token_url",
             "endpoint_params",
             "tls_config",
             "proxy_url",
             "no_proxy",
             "proxy_from_environment",
             "proxy_connect_header"},
            "config.OAuth2");
  OAuth2 oa;
  oa.client_id = Str(o["client_id"]);
  oa.client_secret = Str(o["client_secret"]);
  oa.client_secret_file = Str(o["client_secret_file"]);
  oa.client_secret_ref = Str(o["client_secret_ref"]);
  oa.scopes = StringList(o["scopes"]);
  oa.token_url = Str(o["token_url"]);
  if (Present(o["endpoint_params"])) {
    if (!o["endpoint_params"].IsMap()) FailType(o["endpoint_params"], "map[string]string");
    for (const auto& kv : o["endpoint_params"])
      oa.endpoint_params.emplace_back(Str(kv.first), Str(kv.second));
  }
  static const std::set<std::string> kKept = {"client_id",         "client_secret", "client_secret_file",
                                              "client_secret_ref", "scopes",        "token_url",
                                              "endpoint_params"};
  oa.other = YAML::Node(YAML::NodeType::Map);
  for (const auto& kv : o) {
    const std::string key = kv.first.as<std::string>();
    if (!kKept.count(key)) oa.other[key] = kv.second;
  }
  return oa;
}

// A URL as Go's url.Parse takes it for proxy_url: a scheme is required when the text has a
// colon before any slash.
std::string ProxyUrl(const YAML::Node& n) {
  const std::string s = Str(n);
  if (s.empty()) return s;
  const size_t colon = s.find(':');
  if (colon == 0) Fail("parse \"" + s + "\": missing protocol scheme");
  return s;
}

std::vector<std::pair<std::string, std::vector<std::string>>> ParseProxyConnectHeader(const YAML::Node& p) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  if (!Present(p)) return out;
  if (!p.IsMap()) FailType(p, "config.ProxyHeader");
  for (const auto& kv : p) out.emplace_back(Str(kv.first), StringList(kv.second));
  return out;
}

std::vector<HttpHeader> ParseHeaders(const YAML::Node& hs) {
  std::vector<HttpHeader> out;
  if (!Present(hs)) return out;
  if (!hs.IsMap()) FailType(hs, "config.Headers");
  for (const auto& kv : hs) {
    HttpHeader header;
    header.name = Str(kv.first);
    if (Present(kv.second)) {
      CheckKeys(kv.second, {"values", "secrets", "files"}, "config.Header");
      header.values = StringList(kv.second["values"]);
      header.secrets = StringList(kv.second["secrets"]);
      header.files = StringList(kv.second["files"]);
    }
    out.push_back(std::move(header));
  }
  return out;
}

// HTTPClientConfig.Validate's checks of the credentials, in its order; bearer_token or
// bearer_token_file becomes a Bearer authorization.
void ValidateAuth(const std::string& bearer_token, const std::string& bearer_token_file,
                  HttpClientConfig* h) {
  const bool bearer = !bearer_token.empty() || !bearer_token_file.empty();
  if (!bearer_token.empty() && !bearer_token_file.empty())
    Fail("at most one of bearer_token & bearer_token_file must be configured");
  if ((h->basic_auth || h->oauth2) && bearer)
    Fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  if (h->basic_auth) {
    const auto& b = *h->basic_auth;
    CheckAtMostOne({!b.username.empty(), !b.username_file.empty(), !b.username_ref.empty()},
                   "at most one of basic_auth username, username_file & username_ref must be configured");
    CheckAtMostOne({!b.password.empty(), !b.password_file.empty(), !b.password_ref.empty()},
                   "at most one of basic_auth password, password_file & password_ref must be configured");
  }
  if (h->authorization) {
    auto& a = *h->authorization;
    if (bearer) Fail("authorization is not compatible with bearer_token & bearer_token_file");
    CheckAtMostOne({!a.credentials.empty(), !a.credentials_file.empty(), !a.credentials_ref.empty()},
                   "at most one of authorization credentials & credentials_file must be configured");
    while (!a.type.empty() && std::isspace(static_cast<unsigned char>(a.type.back()))) a.type.pop_back();
    while (!a.type.empty() && std::isspace(static_cast<unsigned char>(a.type.front()))) a.type.erase(0, 1);
    if (a.type.empty()) a.type = "Bearer";
    if (ToLower(a.type) == "basic")
      Fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (h->basic_auth || h->oauth2)
      Fail("at most one of basic_auth, oauth2 & authorization must be configured");
  } else if (!bearer_token.empty()) {
    h->authorization = Authorization{"Bearer", bearer_token, "", ""};
  } else if (!bearer_token_file.empty()) {
    h->authorization = Authorization{"Bearer", "", bearer_token_file, ""};
  }
  if (h->oauth2) {
    if (h->basic_auth) Fail("at most one of basic_auth, oauth2 & authorization must be configured");
    if (h->oauth2->client_id.empty()) Fail("oauth2 client_id must be configured");
    if (h->oauth2->token_url.empty()) Fail("oauth2 token_url must be configured");
  }
}

void ValidateProxy(const HttpClientConfig& h) {
  if (!h.proxy_connect_header.empty() && !h.proxy_from_environment && h.proxy_url.empty())
    Fail(
        "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured");
  if (h.proxy_from_environment && !h.proxy_url.empty())
    Fail("if proxy_from_environment is configured, proxy_url must not be configured");
  if (h.proxy_from_environment && !h.no_proxy.empty())
    Fail("if proxy_from_environment is configured, no_proxy must not be configured");
  if (h.proxy_url.empty() && !h.no_proxy.empty())
    Fail("if no_proxy is configured, proxy_url must also be configured");
}

// Go's http.CanonicalHeaderKey: "content-type" is "Content-Type".
std::string CanonicalHeaderKey(const std::string& name) {
  std::string out = name;
  bool upper = true;
  for (auto& ch : out) {
    ch = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(ch))
                                 : std::tolower(static_cast<unsigned char>(ch)));
    upper = ch == '-';
  }
  return out;
}

// The headers the client sets itself, which http_headers may not override.
void CheckHeaderNames(const std::vector<HttpHeader>& headers) {
  static const std::set<std::string> kReserved = {"Authorization",
                                                  "Host",
                                                  "Content-Encoding",
                                                  "Content-Length",
                                                  "Content-Type",
                                                  "User-Agent",
                                                  "Connection",
                                                  "Keep-Alive",
                                                  "Proxy-Authenticate",
                                                  "Proxy-Authorization",
                                                  "Www-Authenticate",
                                                  "Accept-Encoding",
                                                  "X-Prometheus-Remote-Write-Version",
                                                  "X-Prometheus-Remote-Read-Version",
                                                  "X-Prometheus-Scrape-Timeout-Seconds",
                                                  "X-Amz-Date",
                                                  "X-Amz-Security-Token",
                                                  "X-Amz-Content-Sha256"};
  for (const auto& header : headers) {
    const std::string canonical = CanonicalHeaderKey(header.name);
    if (kReserved.count(canonical)) Fail("setting header \"" + canonical + "\" is not allowed");
  }
}

void EmitTls(YAML::Emitter& out, const TlsConfig& t) {
  out << YAML::BeginMap;
  EmitIfSet(out, "ca", t.ca);
  EmitIfSet(out, "cert", t.cert);
  EmitSecretIfSet(out, "key", t.key);
  EmitIfSet(out, "ca_file", t.ca_file);
  EmitIfSet(out, "cert_file", t.cert_file);
  EmitIfSet(out, "key_file", t.key_file);
  EmitIfSet(out, "ca_ref", t.ca_ref);
  EmitIfSet(out, "cert_ref", t.cert_ref);
  EmitIfSet(out, "key_ref", t.key_ref);
  EmitIfSet(out, "server_name", t.server_name);
  out << YAML::Key << "insecure_skip_verify" << YAML::Value << t.insecure_skip_verify;
  EmitIfSet(out, "min_version", t.min_version);
  EmitIfSet(out, "max_version", t.max_version);
  out << YAML::EndMap;
}

bool IsZero(const TlsConfig& t) {
  return t.ca.empty() && t.cert.empty() && t.key.empty() && t.ca_file.empty() && t.cert_file.empty() &&
         t.key_file.empty() && t.ca_ref.empty() && t.cert_ref.empty() && t.key_ref.empty() &&
         t.server_name.empty() && !t.insecure_skip_verify && t.min_version.empty() && t.max_version.empty();
}

void EmitBasicAuth(YAML::Emitter& out, const BasicAuth& b) {
  out << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
  EmitIfSet(out, "username", b.username);
  EmitIfSet(out, "username_file", b.username_file);
  EmitIfSet(out, "username_ref", b.username_ref);
  EmitSecretIfSet(out, "password", b.password);
  EmitIfSet(out, "password_file", b.password_file);
  EmitIfSet(out, "password_ref", b.password_ref);
  out << YAML::EndMap;
}

void EmitAuthorization(YAML::Emitter& out, const Authorization& a) {
  out << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
  EmitIfSet(out, "type", a.type);
  EmitSecretIfSet(out, "credentials", a.credentials);
  EmitIfSet(out, "credentials_file", a.credentials_file);
  EmitIfSet(out, "credentials_ref", a.credentials_ref);
  out << YAML::EndMap;
}

void EmitOAuth2(YAML::Emitter& out, const OAuth2& o) {
  out << YAML::Key << "oauth2" << YAML::Value << YAML::BeginMap;
  EmitIfSet(out, "client_id", o.client_id);
  EmitSecretIfSet(out, "client_secret", o.client_secret);
  EmitIfSet(out, "client_secret_file", o.client_secret_file);
  EmitIfSet(out, "client_secret_ref", o.client_secret_ref);
  if (!o.scopes.empty()) {
    out << YAML::Key << "scopes" << YAML::Value;
    EmitStringList(out, o.scopes);
  }
  EmitIfSet(out, "token_url", o.token_url);
  if (!o.endpoint_params.empty()) {
    out << YAML::Key << "endpoint_params" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : o.endpoint_params) {
      out << YAML::Key << k << YAML::Value;
      relabel::EmitYamlV2String(out, v);
    }
    out << YAML::EndMap;
  }
  if (o.other.IsMap()) EmitRedactedFields(out, o.other);
  out << YAML::EndMap;
}

void EmitHeaders(YAML::Emitter& out, const std::vector<HttpHeader>& headers) {
  out << YAML::Key << "http_headers" << YAML::Value << YAML::BeginMap;
  for (const auto& header : headers) {
    out << YAML::Key << header.name << YAML::Value << YAML::BeginMap;
    if (!header.values.empty()) {
      out << YAML::Key << "values" << YAML::Value;
      EmitStringList(out, header.values);
    }
    if (!header.secrets.empty()) {
      out << YAML::Key << "secrets" << YAML::Value;
      EmitSecretList(out, header.secrets);
    }
    if (!header.files.empty()) {
      out << YAML::Key << "files" << YAML::Value;
      EmitStringList(out, header.files);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

}  // namespace

HttpClientConfig ParseHttpClient(const YAML::Node& n) {
  HttpClientConfig h;
  h.basic_auth = ParseBasicAuth(n["basic_auth"]);
  h.authorization = ParseAuthorization(n["authorization"]);
  h.oauth2 = ParseOAuth2(n["oauth2"]);
  const std::string bearer_token = Str(n["bearer_token"]);
  const std::string bearer_token_file = Str(n["bearer_token_file"]);
  h.tls_config = ParseTls(n["tls_config"]);
  h.follow_redirects = BoolUnlessAbsent(n["follow_redirects"]);
  h.enable_http2 = BoolUnlessAbsent(n["enable_http2"]);
  h.proxy_url = ProxyUrl(n["proxy_url"]);
  h.no_proxy = Str(n["no_proxy"]);
  h.proxy_from_environment = Bool(n["proxy_from_environment"], false);
  h.proxy_connect_header = ParseProxyConnectHeader(n["proxy_connect_header"]);
  h.http_headers = ParseHeaders(n["http_headers"]);
  ValidateAuth(bearer_token, bearer_token_file, &h);
  ValidateProxy(h);
  CheckHeaderNames(h.http_headers);
  return h;
}

void EmitHttpClient(YAML::Emitter& out, const HttpClientConfig& h) {
  if (h.basic_auth) EmitBasicAuth(out, *h.basic_auth);
  if (h.authorization) EmitAuthorization(out, *h.authorization);
  if (h.oauth2) EmitOAuth2(out, *h.oauth2);
  if (!IsZero(h.tls_config)) {
    out << YAML::Key << "tls_config" << YAML::Value;
    EmitTls(out, h.tls_config);
  }
  out << YAML::Key << "follow_redirects" << YAML::Value << h.follow_redirects;
  out << YAML::Key << "enable_http2" << YAML::Value << h.enable_http2;
  EmitIfSet(out, "proxy_url", h.proxy_url);
  EmitIfSet(out, "no_proxy", h.no_proxy);
  if (h.proxy_from_environment) out << YAML::Key << "proxy_from_environment" << YAML::Value << true;
  if (!h.proxy_connect_header.empty()) {
    out << YAML::Key << "proxy_connect_header" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, values] : h.proxy_connect_header) {
      out << YAML::Key << name << YAML::Value;
      EmitSecretList(out, values);
    }
    out << YAML::EndMap;
  }
  if (!h.http_headers.empty()) EmitHeaders(out, h.http_headers);
}

}  // namespace promref::config::internal
