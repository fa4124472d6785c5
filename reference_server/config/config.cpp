#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/time.h"
#include "relabel/go_yaml.h"

namespace promref::config {
namespace {

struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(std::string message) {
  throw ConfigError{std::move(message)};
}

// A type error as yaml.v2 reports it for a document (Prometheus reports the first section's).
[[noreturn]] void FailUnmarshal(std::string issue) {
  const std::string issues[] = {std::move(issue)};
  Fail(relabel::UnmarshalErrors(issues));
}

[[noreturn]] void FailType(const YAML::Node& n, std::string_view go_type) {
  FailUnmarshal(relabel::CannotUnmarshal(n, go_type));
}

// Rejects fields that the section does not know, naming the first one like Go's yaml.v2 does.
void CheckKeys(const YAML::Node& n, const std::set<std::string>& known, const std::string& type) {
  if (!n.IsMap()) FailType(n, type);
  std::set<std::string> seen;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) FailUnmarshal(relabel::FieldNotFound(kv.first, type));
    if (!seen.insert(key).second) FailUnmarshal(relabel::FieldAlreadySet(kv.first, type));
  }
}

bool Present(const YAML::Node& n) {
  return n && !relabel::IsYamlNull(n);
}

std::string Str(const YAML::Node& n) {
  if (!Present(n)) return "";
  if (!n.IsScalar()) FailType(n, "string");
  return n.Scalar();
}

bool Bool(const YAML::Node& n, bool if_null) {
  if (!Present(n)) return if_null;
  if (relabel::ResolvedYamlTag(n) != "!!bool") FailType(n, "bool");
  return n.as<bool>();
}

uint64_t Uint(const YAML::Node& n) {
  if (!Present(n)) return 0;
  const auto v = relabel::DecodeYamlUint64(n);
  if (!v) FailType(n, "uint");
  return *v;
}

double Float(const YAML::Node& n) {
  if (!Present(n)) return 0;
  const std::string tag = relabel::ResolvedYamlTag(n);
  if (tag != "!!float" && tag != "!!int") FailType(n, "float64");
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    FailType(n, "float64");
  }
}

int64_t DurationMs(const YAML::Node& n) {
  if (!Present(n)) return 0;
  if (!n.IsScalar()) FailType(n, "string");
  auto d = model::ParseDuration(n.Scalar());
  if (!d.ok()) Fail(d.error().message());
  return *d;
}

// units.Base2Bytes (alecthomas/units): "10MB" and "10MiB" are both 10*2^20; "0" is no limit.
int64_t Base2Bytes(const YAML::Node& n) {
  if (!Present(n)) return 0;
  if (!n.IsScalar()) FailType(n, "string");
  const std::string orig = n.Scalar();
  const auto parse = [&orig](bool old_names, std::string* error) -> int64_t {
    std::string_view s = orig;
    bool neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
      neg = s[0] == '-';
      s.remove_prefix(1);
    }
    if (s == "0") return 0;
    *error = "units: invalid " + orig;
    if (s.empty()) return -1;
    static const char* kPrefixes[] = {"K", "M", "G", "T", "P", "E"};
    double total = 0;
    while (!s.empty()) {
      if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) return -1;
      size_t i = 0;
      double g = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) g = g * 10 + (s[i++] - '0');
      const bool pre = i > 0;
      bool post = false;
      if (i < s.size() && s[i] == '.') {
        ++i;
        double scale = 1;
        const size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
          scale *= 10;
          g += (s[i++] - '0') / scale;
        }
        post = i > start;
      }
      if (!pre && !post) return -1;
      size_t j = i;
      while (j < s.size() && s[j] != '.' && !std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      const std::string unit(s.substr(i, j - i));
      s.remove_prefix(j);
      double mult = 0;
      if (unit == "B") mult = 1;
      for (int k = 0; k < 6; ++k) {
        if (unit == std::string(kPrefixes[k]) + (old_names ? "B" : "iB")) mult = std::pow(1024.0, k + 1);
      }
      if (mult == 0) {
        *error = "units: unknown unit " + unit + " in " + orig;
        return -1;
      }
      total += g * mult;
    }
    if (neg) total = -total;
    if (total > 9.2e18) {
      *error = "units: overflow parsing unit";
      return -1;
    }
    error->clear();
    return static_cast<int64_t>(total);
  };
  std::string error;
  int64_t v = parse(false, &error);
  if (!error.empty()) v = parse(true, &error);
  if (!error.empty()) Fail(error);
  return v;
}

// units.Base2Bytes' String: "10MiB", "1KiB512B", "0B".
std::string FormatBase2Bytes(int64_t n) {
  static const char* kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  std::string out;
  for (int i = 0; i < 7; ++i) {
    if (n % 1024 != 0 || (i == 0 && n == 0)) {
      out = std::to_string(n % 1024) + kPrefixes[i] + (i == 0 ? "B" : "iB") + out;
    }
    n /= 1024;
    if (n == 0) break;
  }
  return out;
}

model::Labels LabelMap(const YAML::Node& n, relabel::NameValidation scheme) {
  model::LabelsBuilder b;
  if (!Present(n)) return b.Build();
  if (!n.IsMap()) FailType(n, "model.LabelSet");
  for (const auto& kv : n) {
    const std::string name = kv.first.as<std::string>();
    if (!relabel::IsValidLabelName(name, scheme)) Fail("\"" + name + "\" is not a valid label name");
    b.Set(name, Str(kv.second));
  }
  return b.Build();
}

std::vector<std::string> StringList(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "[]string");
  for (const auto& v : n) out.push_back(Str(v));
  return out;
}

const std::set<std::string>& KnownProtocols() {
  static const std::set<std::string> k = {"OpenMetricsText0.0.1", "OpenMetricsText1.0.0",
                                          "OpenMetricsText2.0.0", "PrometheusProto",
                                          "PrometheusText0.0.4",  "PrometheusText1.0.0"};
  return k;
}

// Empty when `p` is a protocol Prometheus knows, else its message.
std::string CheckProtocol(const std::string& p) {
  if (KnownProtocols().count(p)) return "";
  std::string out = "unknown scrape protocol " + p + ", supported: [";
  bool first = true;
  for (const auto& k : KnownProtocols()) {
    out += (first ? "" : " ") + k;
    first = false;
  }
  return out + "]";
}

// validateAcceptScrapeProtocols; `where` is " for global config" or " for scrape config ...".
void CheckProtocols(const std::vector<std::string>& ps, const std::string& where) {
  if (ps.empty()) Fail("scrape_protocols cannot be empty" + where);
  std::set<std::string> seen;
  for (const auto& p : ps) {
    std::string lower = p;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (seen.count(lower)) {
      std::string all;
      for (const auto& q : ps) all += (all.empty() ? "" : " ") + q;
      Fail("duplicated protocol in scrape_protocols, got [" + all + "]" + where);
    }
    if (auto e = CheckProtocol(p); !e.empty()) Fail("scrape_protocols: " + e + where);
    seen.insert(lower);
  }
}

std::vector<std::string> Protocols(const YAML::Node& n) {
  if (!n.IsSequence()) FailType(n, "[]config.ScrapeProtocol");
  std::vector<std::string> out;
  for (const auto& v : n) out.push_back(Str(v));
  return out;
}

std::string ValidationScheme(const YAML::Node& n) {
  const std::string s = Str(n);
  if (s != "" && s != "utf8" && s != "legacy") Fail("unrecognized ValidationScheme: \"" + s + "\"");
  return s;
}

relabel::NameValidation NameValidationOf(const std::string& scheme) {
  return scheme == "legacy" ? relabel::NameValidation::kLegacy : relabel::NameValidation::kUtf8;
}

bool IsEscapingScheme(const std::string& s) {
  return s == "allow-utf-8" || s == "underscores" || s == "dots" || s == "values";
}

const std::set<std::string>& UnsupportedDiscoveryKeys() {
  static const std::set<std::string> k = {
      "aws_sd_configs",       "azure_sd_configs",       "consul_sd_configs",      "digitalocean_sd_configs",
      "dns_sd_configs",       "docker_sd_configs",      "dockerswarm_sd_configs", "ec2_sd_configs",
      "ecs_sd_configs",       "elasticache_sd_configs", "eureka_sd_configs",      "gce_sd_configs",
      "hetzner_sd_configs",   "http_sd_configs",        "ionos_sd_configs",       "kubernetes_sd_configs",
      "kuma_sd_configs",      "lightsail_sd_configs",   "linode_sd_configs",      "marathon_sd_configs",
      "msk_sd_configs",       "nerve_sd_configs",       "nomad_sd_configs",       "oci_sd_configs",
      "openstack_sd_configs", "outscale_sd_configs",    "ovhcloud_sd_configs",    "puppetdb_sd_configs",
      "rds_sd_configs",       "scaleway_sd_configs",    "serverset_sd_configs",   "stackit_sd_configs",
      "triton_sd_configs",    "uyuni_sd_configs",       "vultr_sd_configs"};
  return k;
}

int NonZero(std::initializer_list<bool> values) {
  int n = 0;
  for (bool v : values) n += v ? 1 : 0;
  return n;
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
  for (auto* v : {&t.min_version, &t.max_version}) {
    const std::string key = v == &t.min_version ? "min_version" : "max_version";
    *v = Str(n[key]);
    if (!v->empty() && *v != "TLS10" && *v != "TLS11" && *v != "TLS12" && *v != "TLS13")
      Fail("unknown TLS version: " + *v);
  }
  if (NonZero({!t.ca.empty(), !t.ca_file.empty(), !t.ca_ref.empty()}) > 1)
    Fail("at most one of ca, ca_file & ca_ref must be configured");
  if (NonZero({!t.cert.empty(), !t.cert_file.empty(), !t.cert_ref.empty()}) > 1)
    Fail("at most one of cert, cert_file & cert_ref must be configured");
  if (NonZero({!t.key.empty(), !t.key_file.empty(), !t.key_ref.empty()}) > 1)
    Fail("at most one of key and key_file must be configured");
  const bool cert = !t.cert.empty() || !t.cert_file.empty() || !t.cert_ref.empty();
  const bool key = !t.key.empty() || !t.key_file.empty() || !t.key_ref.empty();
  if (cert && !key)
    Fail("exactly one of key or key_file must be configured when a client certificate is configured");
  if (key && !cert)
    Fail("exactly one of cert or cert_file must be configured when a client key is configured");
  return t;
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

// Parses the fields of HTTPClientConfig inlined in `n` and validates them as Prometheus'
// HTTPClientConfig.Validate does (bearer_token folded into authorization).
HttpClientConfig ParseHttpClient(const YAML::Node& n) {
  HttpClientConfig h;
  if (Present(n["basic_auth"])) {
    const auto& b = n["basic_auth"];
    CheckKeys(b, {"username", "username_file", "username_ref", "password", "password_file", "password_ref"},
              "config.BasicAuth");
    h.basic_auth = BasicAuth{Str(b["username"]), Str(b["username_file"]), Str(b["username_ref"]),
                             Str(b["password"]), Str(b["password_file"]), Str(b["password_ref"])};
  }
  if (Present(n["authorization"])) {
    const auto& a = n["authorization"];
    CheckKeys(a, {"type", "credentials", "credentials_file", "credentials_ref"}, "config.Authorization");
    Authorization auth;
    auth.type = Str(a["type"]);
    auth.credentials = Str(a["credentials"]);
    auth.credentials_file = Str(a["credentials_file"]);
    auth.credentials_ref = Str(a["credentials_ref"]);
    h.authorization = auth;
  }
  if (Present(n["oauth2"])) {
    const auto& o = n["oauth2"];
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
    oa.other = YAML::Node(YAML::NodeType::Map);
    for (const auto& kv : o) {
      const std::string key = kv.first.as<std::string>();
      if (key != "client_id" && key != "client_secret" && key != "client_secret_file" &&
          key != "client_secret_ref" && key != "scopes" && key != "token_url" && key != "endpoint_params")
        oa.other[key] = kv.second;
    }
    h.oauth2 = oa;
  }
  const std::string bearer_token = Str(n["bearer_token"]);
  const std::string bearer_token_file = Str(n["bearer_token_file"]);
  h.tls_config = ParseTls(n["tls_config"]);
  h.follow_redirects = Bool(n["follow_redirects"], false);
  if (!n["follow_redirects"]) h.follow_redirects = true;
  h.enable_http2 = Bool(n["enable_http2"], false);
  if (!n["enable_http2"]) h.enable_http2 = true;
  h.proxy_url = ProxyUrl(n["proxy_url"]);
  h.no_proxy = Str(n["no_proxy"]);
  h.proxy_from_environment = Bool(n["proxy_from_environment"], false);
  if (Present(n["proxy_connect_header"])) {
    const auto& p = n["proxy_connect_header"];
    if (!p.IsMap()) FailType(p, "config.ProxyHeader");
    for (const auto& kv : p) h.proxy_connect_header.emplace_back(Str(kv.first), StringList(kv.second));
  }
  if (Present(n["http_headers"])) {
    const auto& hs = n["http_headers"];
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
      h.http_headers.push_back(std::move(header));
    }
  }

  // HTTPClientConfig.Validate, in its order.
  if (!bearer_token.empty() && !bearer_token_file.empty())
    Fail("at most one of bearer_token & bearer_token_file must be configured");
  if ((h.basic_auth || h.oauth2) && (!bearer_token.empty() || !bearer_token_file.empty()))
    Fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  if (h.basic_auth) {
    const auto& b = *h.basic_auth;
    if (NonZero({!b.username.empty(), !b.username_file.empty(), !b.username_ref.empty()}) > 1)
      Fail("at most one of basic_auth username, username_file & username_ref must be configured");
    if (NonZero({!b.password.empty(), !b.password_file.empty(), !b.password_ref.empty()}) > 1)
      Fail("at most one of basic_auth password, password_file & password_ref must be configured");
  }
  if (h.authorization) {
    auto& a = *h.authorization;
    if (!bearer_token.empty() || !bearer_token_file.empty())
      Fail("authorization is not compatible with bearer_token & bearer_token_file");
    if (NonZero({!a.credentials.empty(), !a.credentials_file.empty(), !a.credentials_ref.empty()}) > 1)
      Fail("at most one of authorization credentials & credentials_file must be configured");
    while (!a.type.empty() && std::isspace(static_cast<unsigned char>(a.type.back()))) a.type.pop_back();
    while (!a.type.empty() && std::isspace(static_cast<unsigned char>(a.type.front()))) a.type.erase(0, 1);
    if (a.type.empty()) a.type = "Bearer";
    std::string lower = a.type;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "basic") Fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (h.basic_auth || h.oauth2)
      Fail("at most one of basic_auth, oauth2 & authorization must be configured");
  } else if (!bearer_token.empty()) {
    h.authorization = Authorization{"Bearer", bearer_token, "", ""};
  } else if (!bearer_token_file.empty()) {
    h.authorization = Authorization{"Bearer", "", bearer_token_file, ""};
  }
  if (h.oauth2) {
    if (h.basic_auth) Fail("at most one of basic_auth, oauth2 & authorization must be configured");
    if (h.oauth2->client_id.empty()) Fail("oauth2 client_id must be configured");
    if (h.oauth2->token_url.empty()) Fail("oauth2 token_url must be configured");
  }
  if (!h.proxy_connect_header.empty() && !h.proxy_from_environment && h.proxy_url.empty())
    Fail(
        "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured");
  if (h.proxy_from_environment && !h.proxy_url.empty())
    Fail("if proxy_from_environment is configured, proxy_url must not be configured");
  if (h.proxy_from_environment && !h.no_proxy.empty())
    Fail("if proxy_from_environment is configured, no_proxy must not be configured");
  if (h.proxy_url.empty() && !h.no_proxy.empty())
    Fail("if no_proxy is configured, proxy_url must also be configured");
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
  for (const auto& header : h.http_headers) {
    const std::string canonical = CanonicalHeaderKey(header.name);
    if (kReserved.count(canonical)) Fail("setting header \"" + canonical + "\" is not allowed");
  }
  return h;
}

// file_sd_configs' file names: a glob only in the last path element, and a JSON or YAML suffix.
bool ValidFileSdName(const std::string& name) {
  static const std::vector<std::string> kSuffixes = {".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"};
  bool suffix = false;
  size_t stem_end = 0;
  for (const auto& s : kSuffixes) {
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      suffix = true;
      stem_end = name.size() - s.size();
    }
  }
  if (!suffix) return false;
  const std::string stem = name.substr(0, stem_end);
  const size_t star = stem.find('*');
  return star == std::string::npos || stem.find('/', star) == std::string::npos;
}

const std::set<std::string>& ScrapeConfigKeys() {
  static const std::set<std::string> k = [] {
    std::set<std::string> keys = {
        "job_name", "honor_labels", "honor_timestamps", "track_timestamps_staleness", "params",
        "scrape_interval", "scrape_timeout", "scrape_protocols", "fallback_scrape_protocol",
        "scrape_native_histograms", "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb",
        "scrape_failure_log_file", "metrics_path", "scheme", "enable_compression", "body_size_limit",
        "sample_limit", "target_limit", "label_limit", "label_name_length_limit", "label_value_length_limit",
        "native_histogram_bucket_limit", "native_histogram_min_bucket_factor", "keep_dropped_targets",
        "metric_name_validation_scheme", "metric_name_escaping_scheme", "extra_scrape_metrics",
        "relabel_configs", "metric_relabel_configs", "static_configs", "file_sd_configs",
        // HTTPClientConfig, inlined.
        "basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
        "follow_redirects", "enable_http2", "proxy_url", "no_proxy", "proxy_from_environment",
        "proxy_connect_header", "http_headers"};
    keys.insert(UnsupportedDiscoveryKeys().begin(), UnsupportedDiscoveryKeys().end());
    return keys;
  }();
  return k;
}

// Decodes a list of rules; a null rule sets *null_rule (Prometheus checks for those once the
// whole scrape config has decoded).
std::vector<relabel::RelabelConfig> RelabelList(const YAML::Node& n, bool* null_rule) {
  std::vector<relabel::RelabelConfig> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "[]*relabel.Config");
  for (const auto& r : n) {
    if (relabel::IsYamlNull(r)) {
      *null_rule = true;
      continue;
    }
    auto parsed = relabel::ParseRelabelConfig(r);
    if (!parsed.ok()) Fail(parsed.error().message());
    out.push_back(std::move(*parsed));
  }
  return out;
}

// A scrape config decoded (ScrapeConfig.UnmarshalYAML) but not yet validated against the
// global configuration; which fields were written, for what Validate fills in.
struct DecodedScrapeConfig {
  ScrapeConfig s;
  YAML::Node node;
  bool protocols_set = false;
  bool native_set = false;
  bool always_set = false;
  bool nhcb_set = false;
  bool extra_set = false;
};

// ScrapeConfig.UnmarshalYAML, in Prometheus' order. A null section decodes to nothing (Validate
// refuses it).
std::optional<DecodedScrapeConfig> DecodeScrapeConfig(const YAML::Node& sc) {
  if (!Present(sc)) return std::nullopt;
  CheckKeys(sc, ScrapeConfigKeys(), "config.ScrapeConfig");
  DecodedScrapeConfig d;
  d.node = sc;
  ScrapeConfig& s = d.s;
  s.job_name = Str(sc["job_name"]);
  s.honor_labels = Bool(sc["honor_labels"], false);
  s.honor_timestamps = sc["honor_timestamps"] ? Bool(sc["honor_timestamps"], false) : true;
  s.track_timestamps_staleness = Bool(sc["track_timestamps_staleness"], false);
  if (Present(sc["params"])) {
    if (!sc["params"].IsMap()) FailType(sc["params"], "url.Values");
    std::map<std::string, std::vector<std::string>> sorted;
    for (const auto& kv : sc["params"]) {
      if (Present(kv.second) && !kv.second.IsSequence()) FailType(kv.second, "[]string");
      sorted[Str(kv.first)] = StringList(kv.second);
    }
    s.params.assign(sorted.begin(), sorted.end());
  }
  s.scrape_interval_ms = DurationMs(sc["scrape_interval"]);
  s.scrape_timeout_ms = DurationMs(sc["scrape_timeout"]);
  d.protocols_set = Present(sc["scrape_protocols"]);
  if (d.protocols_set) s.scrape_protocols = Protocols(sc["scrape_protocols"]);
  s.fallback_scrape_protocol = Str(sc["fallback_scrape_protocol"]);
  d.native_set = Present(sc["scrape_native_histograms"]);
  s.scrape_native_histograms = Bool(sc["scrape_native_histograms"], false);
  d.always_set = Present(sc["always_scrape_classic_histograms"]);
  s.always_scrape_classic_histograms = Bool(sc["always_scrape_classic_histograms"], false);
  d.nhcb_set = Present(sc["convert_classic_histograms_to_nhcb"]);
  s.convert_classic_histograms_to_nhcb = Bool(sc["convert_classic_histograms_to_nhcb"], false);
  s.scrape_failure_log_file = Str(sc["scrape_failure_log_file"]);
  if (sc["metrics_path"]) s.metrics_path = Str(sc["metrics_path"]);
  if (sc["scheme"]) s.scheme = Str(sc["scheme"]);
  s.enable_compression = sc["enable_compression"] ? Bool(sc["enable_compression"], false) : true;
  s.body_size_limit_bytes = Base2Bytes(sc["body_size_limit"]);
  s.sample_limit = Uint(sc["sample_limit"]);
  s.target_limit = Uint(sc["target_limit"]);
  s.label_limit = Uint(sc["label_limit"]);
  s.label_name_length_limit = Uint(sc["label_name_length_limit"]);
  s.label_value_length_limit = Uint(sc["label_value_length_limit"]);
  s.native_histogram_bucket_limit = Uint(sc["native_histogram_bucket_limit"]);
  s.native_histogram_min_bucket_factor = Float(sc["native_histogram_min_bucket_factor"]);
  s.keep_dropped_targets = Uint(sc["keep_dropped_targets"]);
  s.metric_name_validation_scheme = ValidationScheme(sc["metric_name_validation_scheme"]);
  s.metric_name_escaping_scheme = Str(sc["metric_name_escaping_scheme"]);
  d.extra_set = Present(sc["extra_scrape_metrics"]);
  s.extra_scrape_metrics = Bool(sc["extra_scrape_metrics"], false);
  bool null_target_rule = false;
  bool null_metric_rule = false;
  s.relabel_configs = RelabelList(sc["relabel_configs"], &null_target_rule);
  s.metric_relabel_configs = RelabelList(sc["metric_relabel_configs"], &null_metric_rule);
  if (Present(sc["static_configs"])) {
    if (!sc["static_configs"].IsSequence()) FailType(sc["static_configs"], "discovery.StaticConfig");
    for (const auto& st : sc["static_configs"]) {
      if (!Present(st)) continue;
      CheckKeys(st, {"targets", "labels"},
                "struct { Targets []string \"yaml:\\\"targets\\\"\"; Labels model.LabelSet "
                "\"yaml:\\\"labels\\\"\" }");
      s.static_configs.push_back(
          {StringList(st["targets"]), LabelMap(st["labels"], relabel::NameValidation::kUtf8)});
    }
  }
  if (Present(sc["file_sd_configs"])) {
    if (!sc["file_sd_configs"].IsSequence()) FailType(sc["file_sd_configs"], "[]*file.SDConfig");
    for (const auto& f : sc["file_sd_configs"]) {
      CheckKeys(f, {"files", "refresh_interval"}, "file.plain");
      FileSdConfig fs;
      fs.files = StringList(f["files"]);
      if (Present(f["refresh_interval"])) fs.refresh_interval_ms = DurationMs(f["refresh_interval"]);
      if (fs.files.empty()) Fail("file service discovery config must contain at least one path name");
      for (const auto& name : fs.files) {
        if (!ValidFileSdName(name)) Fail("path name \"" + name + "\" is not valid for file discovery");
      }
      s.file_sd_configs.push_back(std::move(fs));
    }
  }
  for (const auto& kv : sc) {
    const std::string key = kv.first.as<std::string>();
    if (UnsupportedDiscoveryKeys().count(key) && Present(kv.second))
      s.unsupported_discovery.push_back({key, kv.second});
  }
  std::sort(s.unsupported_discovery.begin(), s.unsupported_discovery.end(),
            [](const auto& a, const auto& b) { return a.kind < b.kind; });
  if (s.job_name.empty()) Fail("job_name is empty");
  s.http_client = ParseHttpClient(sc);
  if (s.relabel_configs.empty() && !null_target_rule) {  // Prometheus counts null rules here
    for (const auto& st : s.static_configs) {
      for (const auto& t : st.targets) {
        if (t.find('/') != std::string::npos) Fail("\"" + t + "\" is not a valid hostname");
      }
    }
  }
  if (null_target_rule) Fail("empty or null target relabeling rule in scrape config");
  if (null_metric_rule) Fail("empty or null metric relabeling rule in scrape config");
  return d;
}

// ScrapeConfig.Validate(global): fills in what the scrape config left to the global
// configuration and checks the whole, in Prometheus' order. Adds what promref does not act on to
// *warnings.
ScrapeConfig ValidateScrapeConfig(std::optional<DecodedScrapeConfig> decoded, const GlobalConfig& g,
                                  std::vector<std::string>* warnings) {
  if (!decoded) Fail("empty or null scrape config section");
  DecodedScrapeConfig& d = *decoded;
  ScrapeConfig& s = d.s;
  const YAML::Node& sc = d.node;
  const std::string job = " for scrape config with job name \"" + s.job_name + "\"";
  if (s.scrape_interval_ms == 0) s.scrape_interval_ms = g.scrape_interval_ms;
  if (s.scrape_timeout_ms > s.scrape_interval_ms) {
    Fail("scrape timeout greater than scrape interval for scrape config with job name \"" + s.job_name +
         "\"");
  }
  if (s.scrape_timeout_ms == 0) s.scrape_timeout_ms = std::min(g.scrape_timeout_ms, s.scrape_interval_ms);
  if (s.body_size_limit_bytes == 0) s.body_size_limit_bytes = g.body_size_limit_bytes;
  if (s.sample_limit == 0) s.sample_limit = g.sample_limit;
  if (s.target_limit == 0) s.target_limit = g.target_limit;
  if (s.label_limit == 0) s.label_limit = g.label_limit;
  if (s.label_name_length_limit == 0) s.label_name_length_limit = g.label_name_length_limit;
  if (s.label_value_length_limit == 0) s.label_value_length_limit = g.label_value_length_limit;
  if (s.keep_dropped_targets == 0) s.keep_dropped_targets = g.keep_dropped_targets;
  if (s.scrape_failure_log_file.empty()) s.scrape_failure_log_file = g.scrape_failure_log_file;
  if (!d.native_set) s.scrape_native_histograms = g.scrape_native_histograms;
  if (!d.extra_set) s.extra_scrape_metrics = g.extra_scrape_metrics;
  if (!d.protocols_set) {
    if (!g.scrape_protocols.empty()) {
      s.scrape_protocols = g.scrape_protocols;
    } else if (s.scrape_native_histograms) {
      s.scrape_protocols = {"PrometheusProto", "OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                            "PrometheusText1.0.0", "PrometheusText0.0.4"};
    } else {
      s.scrape_protocols = {"OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
                            "PrometheusText0.0.4"};
    }
  }
  CheckProtocols(s.scrape_protocols, job);
  if (!s.fallback_scrape_protocol.empty()) {
    if (auto e = CheckProtocol(s.fallback_scrape_protocol); !e.empty())
      Fail("invalid fallback_scrape_protocol for scrape config with job name \"" + s.job_name + "\": " + e);
  }
  const bool local_validation_unset = s.metric_name_validation_scheme.empty();
  if (local_validation_unset) s.metric_name_validation_scheme = g.metric_name_validation_scheme;
  std::string global_escaping = g.metric_name_escaping_scheme;
  if (global_escaping.empty()) {
    global_escaping = g.metric_name_validation_scheme == "legacy" ? "underscores" : "allow-utf-8";
  } else if (!IsEscapingScheme(global_escaping)) {
    Fail(
        "unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', "
        "or "
        "'values', got \"" +
        global_escaping + "\"");
  }
  if (s.metric_name_escaping_scheme.empty()) {
    if (local_validation_unset) {
      s.metric_name_escaping_scheme = global_escaping;
    } else {
      s.metric_name_escaping_scheme =
          s.metric_name_validation_scheme == "legacy" ? "underscores" : "allow-utf-8";
    }
  }
  if (s.metric_name_escaping_scheme == "allow-utf-8") {
    if (s.metric_name_validation_scheme != "utf8")
      Fail("utf8 metric names requested but validation scheme is not set to UTF8");
  } else if (!IsEscapingScheme(s.metric_name_escaping_scheme)) {
    Fail(
        "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', "
        "'dots', or 'values', got \"" +
        s.metric_name_escaping_scheme + "\"");
  }
  if (!d.nhcb_set) s.convert_classic_histograms_to_nhcb = g.convert_classic_histograms_to_nhcb;
  if (!d.always_set) s.always_scrape_classic_histograms = g.always_scrape_classic_histograms;
  const auto scheme = NameValidationOf(s.metric_name_validation_scheme);
  for (auto* rules : {&s.relabel_configs, &s.metric_relabel_configs}) {
    for (auto& rc : *rules) {
      if (auto st = relabel::Validate(&rc, scheme); !st.ok()) Fail(st.error().message());
    }
  }

  // What promref does not act on yet.
  const std::string who = "scrape config \"" + s.job_name + "\": ";
  for (const auto& u : s.unsupported_discovery) {
    warnings->push_back(who + u.kind + " is accepted but promref does not discover targets with it yet");
  }
  std::string written;
  for (const auto& kv : sc) {
    const std::string key = kv.first.as<std::string>();
    if (key == "job_name" || UnsupportedDiscoveryKeys().count(key)) continue;
    written += (written.empty() ? "" : ", ") + key;
  }
  if (!written.empty()) {
    warnings->push_back(who + "promref does not scrape targets yet; accepted but not applied: " + written);
  }
  return std::move(s);
}

const std::set<std::string>& GlobalKeys() {
  static const std::set<std::string> k = {"scrape_interval",
                                          "scrape_timeout",
                                          "scrape_protocols",
                                          "evaluation_interval",
                                          "rule_query_offset",
                                          "query_log_file",
                                          "query_max_series",
                                          "query_max_samples_read",
                                          "query_max_duration",
                                          "scrape_failure_log_file",
                                          "external_labels",
                                          "body_size_limit",
                                          "sample_limit",
                                          "target_limit",
                                          "label_limit",
                                          "label_name_length_limit",
                                          "label_value_length_limit",
                                          "keep_dropped_targets",
                                          "metric_name_validation_scheme",
                                          "metric_name_escaping_scheme",
                                          "scrape_native_histograms",
                                          "convert_classic_histograms_to_nhcb",
                                          "always_scrape_classic_histograms",
                                          "extra_scrape_metrics"};
  return k;
}

// GlobalConfig.UnmarshalYAML.
GlobalConfig ParseGlobal(const YAML::Node& g) {
  GlobalConfig c;
  if (!Present(g)) return c;
  CheckKeys(g, GlobalKeys(), "config.plain");
  c.scrape_interval_ms = DurationMs(g["scrape_interval"]);
  c.scrape_timeout_ms = DurationMs(g["scrape_timeout"]);
  const bool protocols_set = Present(g["scrape_protocols"]);
  if (protocols_set) c.scrape_protocols = Protocols(g["scrape_protocols"]);
  c.evaluation_interval_ms = DurationMs(g["evaluation_interval"]);
  c.rule_query_offset_ms = DurationMs(g["rule_query_offset"]);
  c.query_log_file = Str(g["query_log_file"]);
  c.query_max_series = Uint(g["query_max_series"]);
  c.query_max_samples_read = Uint(g["query_max_samples_read"]);
  c.query_max_duration_ms = DurationMs(g["query_max_duration"]);
  c.scrape_failure_log_file = Str(g["scrape_failure_log_file"]);
  c.body_size_limit_bytes = Base2Bytes(g["body_size_limit"]);
  c.sample_limit = Uint(g["sample_limit"]);
  c.target_limit = Uint(g["target_limit"]);
  c.label_limit = Uint(g["label_limit"]);
  c.label_name_length_limit = Uint(g["label_name_length_limit"]);
  c.label_value_length_limit = Uint(g["label_value_length_limit"]);
  c.keep_dropped_targets = Uint(g["keep_dropped_targets"]);
  c.metric_name_validation_scheme = ValidationScheme(g["metric_name_validation_scheme"]);
  if (c.metric_name_validation_scheme.empty()) c.metric_name_validation_scheme = "utf8";
  c.metric_name_escaping_scheme = Str(g["metric_name_escaping_scheme"]);
  c.scrape_native_histograms = Bool(g["scrape_native_histograms"], false);
  c.convert_classic_histograms_to_nhcb = Bool(g["convert_classic_histograms_to_nhcb"], false);
  c.always_scrape_classic_histograms = Bool(g["always_scrape_classic_histograms"], false);
  c.extra_scrape_metrics = Bool(g["extra_scrape_metrics"], false);
  c.external_labels = LabelMap(g["external_labels"], NameValidationOf(c.metric_name_validation_scheme));
  if (c.scrape_interval_ms == 0) c.scrape_interval_ms = GlobalConfig{}.scrape_interval_ms;
  if (c.scrape_timeout_ms > c.scrape_interval_ms) Fail("global scrape timeout greater than scrape interval");
  if (c.scrape_timeout_ms == 0)
    c.scrape_timeout_ms = std::min(GlobalConfig{}.scrape_timeout_ms, c.scrape_interval_ms);
  if (c.evaluation_interval_ms == 0) c.evaluation_interval_ms = GlobalConfig{}.evaluation_interval_ms;
  if (protocols_set) CheckProtocols(c.scrape_protocols, " for global config");
  return c;
}

Config Parse(const YAML::Node& root) {
  Config c;
  if (!root || root.IsNull()) return c;
  CheckKeys(root,
            {"global", "scrape_configs", "rule_files", "remote_write", "remote_read", "alerting", "promref",
             "scrape_config_files", "storage", "tracing", "otlp", "runtime"},
            "config.plain");
  c.global = ParseGlobal(root["global"]);
  std::vector<std::string> global_written;
  if (Present(root["global"])) {
    for (const auto& kv : root["global"]) {
      const std::string key = kv.first.as<std::string>();
      if (key != "scrape_interval" && key != "scrape_timeout" && key != "evaluation_interval" &&
          key != "external_labels")
        global_written.push_back(key);
    }
  }
  if (!global_written.empty()) {
    std::string list;
    for (const auto& k : global_written) list += (list.empty() ? "" : ", ") + k;
    c.warnings.push_back("global: accepted but not applied by promref yet: " + list);
  }
  for (const char* section :
       {"scrape_config_files", "remote_read", "alerting", "storage", "tracing", "otlp", "runtime"}) {
    if (root[section])
      c.warnings.push_back(std::string(section) + " is accepted but promref does not apply it yet");
  }
  std::set<std::string> jobs;
  if (const auto scs = root["scrape_configs"]; Present(scs)) {
    if (!scs.IsSequence()) FailType(scs, "[]*config.ScrapeConfig");
    // Prometheus decodes the whole file before it validates any scrape config.
    std::vector<std::optional<DecodedScrapeConfig>> decoded;
    for (const auto& sc : scs) decoded.push_back(DecodeScrapeConfig(sc));
    for (auto& d : decoded) {
      ScrapeConfig s = ValidateScrapeConfig(std::move(d), c.global, &c.warnings);
      if (!jobs.insert(s.job_name).second)
        Fail("found multiple scrape configs with job name \"" + s.job_name + "\"");
      c.scrape_configs.push_back(std::move(s));
    }
  }
  c.rule_files = StringList(root["rule_files"]);
  if (const auto rws = root["remote_write"]) {
    for (const auto& rw : rws) {
      RemoteWriteConfig r;
      if (!rw["url"]) Fail("url for remote_write is empty");
      r.url = rw["url"].as<std::string>();
      if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
        Fail("unsupported scheme for remote_write url: " + r.url);
      }
      if (rw["name"]) r.name = rw["name"].as<std::string>();
      if (rw["remote_timeout"]) r.remote_timeout_ms = DurationMs(rw["remote_timeout"]);
      c.remote_write.push_back(std::move(r));
    }
  }
  if (const auto p = root["promref"]) {
    CheckKeys(p, {"route_prefix", "tenants"}, "promref");
    if (p["route_prefix"]) {
      c.promref.route_prefix = p["route_prefix"].as<std::string>();
      if (!c.promref.route_prefix.empty() && c.promref.route_prefix[0] != '/') {
        Fail("promref.route_prefix must start with '/'");
      }
      while (c.promref.route_prefix.size() > 1 && c.promref.route_prefix.back() == '/')
        c.promref.route_prefix.pop_back();
      if (c.promref.route_prefix == "/") c.promref.route_prefix.clear();
    }
    std::set<std::string> ids;
    for (const auto& t : p["tenants"]) {
      CheckKeys(t, {"id", "app_keys", "bearer_tokens", "basic_auth", "servers"}, "promref.tenant");
      Tenant tenant;
      if (!t["id"]) Fail("promref tenant without id");
      tenant.id = t["id"].as<std::string>();
      bool safe = !tenant.id.empty() && tenant.id != "." && tenant.id != "..";
      for (char ch : tenant.id)
        safe = safe && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
      if (!safe) Fail("promref tenant id \"" + tenant.id + "\" must be letters, digits, '-' or '_'");
      if (!ids.insert(tenant.id).second) Fail("duplicate promref tenant id \"" + tenant.id + "\"");
      tenant.app_keys = StringList(t["app_keys"]);
      tenant.bearer_tokens = StringList(t["bearer_tokens"]);
      for (const auto& ba : t["basic_auth"]) {
        CheckKeys(ba, {"username", "password"}, "promref.basic_auth");
        tenant.basic_auth.emplace_back(ba["username"].as<std::string>(), ba["password"].as<std::string>());
      }
      for (const auto& sv : t["servers"]) {
        CheckKeys(sv, {"host_id", "host_name", "ip", "instance_id"}, "promref.server");
        if (!sv["host_id"]) Fail("promref server without host_id");
        tenant.servers.push_back({sv["host_id"].as<std::string>(),
                                  sv["host_name"] ? sv["host_name"].as<std::string>() : "",
                                  sv["ip"] ? sv["ip"].as<std::string>() : "",
                                  sv["instance_id"] ? sv["instance_id"].as<std::string>() : ""});
      }
      c.promref.tenants.push_back(std::move(tenant));
    }
  }
  return c;
}

// Go's filepath.Clean for slash-separated paths.
std::string CleanPath(const std::string& path) {
  const bool rooted = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

// prometheus/common's JoinDir: a relative path is taken from the configuration file's directory.
void JoinDir(const std::string& dir, std::string* path) {
  if (path->empty() || (*path)[0] == '/') return;
  *path = CleanPath(dir + "/" + *path);
}

void SetDirectory(const std::string& dir, TlsConfig* t) {
  for (auto* f : {&t->ca_file, &t->cert_file, &t->key_file}) JoinDir(dir, f);
}

// Config.SetDirectory: what Prometheus makes relative to the configuration file once loaded.
void SetDirectory(const std::string& dir, Config* c) {
  JoinDir(dir, &c->global.query_log_file);
  JoinDir(dir, &c->global.scrape_failure_log_file);
  for (auto& f : c->rule_files) JoinDir(dir, &f);
  for (auto& s : c->scrape_configs) {
    for (auto& fs : s.file_sd_configs) {
      for (auto& f : fs.files) JoinDir(dir, &f);
    }
    auto& h = s.http_client;
    SetDirectory(dir, &h.tls_config);
    if (h.basic_auth) {
      JoinDir(dir, &h.basic_auth->username_file);
      JoinDir(dir, &h.basic_auth->password_file);
    }
    if (h.authorization) JoinDir(dir, &h.authorization->credentials_file);
    if (h.oauth2) JoinDir(dir, &h.oauth2->client_secret_file);
    for (auto& header : h.http_headers) {
      for (auto& f : header.files) JoinDir(dir, &f);
    }
    JoinDir(dir, &s.scrape_failure_log_file);
  }
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml) {
  try {
    return Parse(YAML::Load(yaml));
  } catch (const ConfigError& e) {
    return BadData(e.message);
  } catch (const YAML::Exception& e) {
    return BadData(std::string("yaml: ") + e.what());
  }
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return BadData("open " + path + ": no such file or directory");
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = ParseConfig(ss.str());
  if (!c.ok()) return c.error().Prefixed("parsing YAML file " + path + ": ");
  const size_t slash = path.rfind('/');
  SetDirectory(slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash)), &*c);
  return c;
}

namespace {

void EmitStringList(YAML::Emitter& out, const std::vector<std::string>& list) {
  out << YAML::BeginSeq;
  for (const auto& v : list) relabel::EmitYamlV2String(out, v);
  out << YAML::EndSeq;
}

void EmitLabels(YAML::Emitter& out, const model::Labels& labels) {
  out << YAML::BeginMap;
  for (const auto& l : labels) {
    out << YAML::Key;
    relabel::EmitYamlV2String(out, std::string(l.name));
    out << YAML::Value;
    relabel::EmitYamlV2String(out, std::string(l.value));
  }
  out << YAML::EndMap;
}

// A string field with yaml's omitempty.
void EmitIfSet(YAML::Emitter& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  out << YAML::Key << key << YAML::Value;
  relabel::EmitYamlV2String(out, value);
}

void EmitSecretIfSet(YAML::Emitter& out, const char* key, const std::string& value) {
  if (!value.empty()) out << YAML::Key << key << YAML::Value << "<secret>";
}

void EmitUintIfSet(YAML::Emitter& out, const char* key, uint64_t value) {
  if (value != 0) out << YAML::Key << key << YAML::Value << value;
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

// The secret fields (prometheus/common's Secret) of the sections promref keeps only to show
// back: the discovery configurations, with their HTTP client settings, and oauth2's extras.
bool IsSecretField(const std::string& key) {
  static const std::set<std::string> kSecrets = {"application_credential_secret",
                                                 "application_secret",
                                                 "auth_token",
                                                 "client_certificate_key",
                                                 "client_secret",
                                                 "consumer_key",
                                                 "credentials",
                                                 "bearer_token",
                                                 "key",
                                                 "key_passphrase",
                                                 "password",
                                                 "private_key",
                                                 "proxy_connect_header",
                                                 "secret_key",
                                                 "secrets",
                                                 "service_account_key",
                                                 "token"};
  return kSecrets.count(key) > 0;
}

void EmitRedacted(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      out << YAML::Key << key << YAML::Value;
      if (IsSecretField(key)) {
        out << "<secret>";
      } else {
        EmitRedacted(out, kv.second);
      }
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const auto& v : n) EmitRedacted(out, v);
    out << YAML::EndSeq;
  } else if (n.IsScalar()) {
    relabel::EmitYamlV2String(out, n.Scalar());
  } else {
    out << YAML::Null;
  }
}

void EmitHttpClient(YAML::Emitter& out, const HttpClientConfig& h) {
  if (h.basic_auth) {
    const auto& b = *h.basic_auth;
    out << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
    EmitIfSet(out, "username", b.username);
    EmitIfSet(out, "username_file", b.username_file);
    EmitIfSet(out, "username_ref", b.username_ref);
    EmitSecretIfSet(out, "password", b.password);
    EmitIfSet(out, "password_file", b.password_file);
    EmitIfSet(out, "password_ref", b.password_ref);
    out << YAML::EndMap;
  }
  if (h.authorization) {
    const auto& a = *h.authorization;
    out << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
    EmitIfSet(out, "type", a.type);
    EmitSecretIfSet(out, "credentials", a.credentials);
    EmitIfSet(out, "credentials_file", a.credentials_file);
    EmitIfSet(out, "credentials_ref", a.credentials_ref);
    out << YAML::EndMap;
  }
  if (h.oauth2) {
    const auto& o = *h.oauth2;
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
    if (o.other.IsMap()) {
      for (const auto& kv : o.other) {
        const std::string key = kv.first.as<std::string>();
        out << YAML::Key << key << YAML::Value;
        if (IsSecretField(key)) {
          out << "<secret>";
        } else {
          EmitRedacted(out, kv.second);
        }
      }
    }
    out << YAML::EndMap;
  }
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
      out << YAML::Key << name << YAML::Value << YAML::BeginSeq;
      for (size_t i = 0; i < values.size(); ++i) out << "<secret>";
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  if (!h.http_headers.empty()) {
    out << YAML::Key << "http_headers" << YAML::Value << YAML::BeginMap;
    for (const auto& header : h.http_headers) {
      out << YAML::Key << header.name << YAML::Value << YAML::BeginMap;
      if (!header.values.empty()) {
        out << YAML::Key << "values" << YAML::Value;
        EmitStringList(out, header.values);
      }
      if (!header.secrets.empty()) {
        out << YAML::Key << "secrets" << YAML::Value << YAML::BeginSeq;
        for (size_t i = 0; i < header.secrets.size(); ++i) out << "<secret>";
        out << YAML::EndSeq;
      }
      if (!header.files.empty()) {
        out << YAML::Key << "files" << YAML::Value;
        EmitStringList(out, header.files);
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
}

// Go's strconv.FormatFloat(f, 'g', -1, 64) as yaml.v2 writes a float64: the shortest text that
// reads back the same.
std::string FormatFloat(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void EmitScrapeConfig(YAML::Emitter& out, const ScrapeConfig& s) {
  out << YAML::BeginMap;
  out << YAML::Key << "job_name" << YAML::Value;
  relabel::EmitYamlV2String(out, s.job_name);
  if (s.honor_labels) out << YAML::Key << "honor_labels" << YAML::Value << true;
  out << YAML::Key << "honor_timestamps" << YAML::Value << s.honor_timestamps;
  out << YAML::Key << "track_timestamps_staleness" << YAML::Value << s.track_timestamps_staleness;
  if (!s.params.empty()) {
    out << YAML::Key << "params" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, values] : s.params) {
      out << YAML::Key << name << YAML::Value;
      EmitStringList(out, values);
    }
    out << YAML::EndMap;
  }
  out << YAML::Key << "scrape_interval" << YAML::Value << model::FormatDuration(s.scrape_interval_ms);
  out << YAML::Key << "scrape_timeout" << YAML::Value << model::FormatDuration(s.scrape_timeout_ms);
  out << YAML::Key << "scrape_protocols" << YAML::Value;
  EmitStringList(out, s.scrape_protocols);
  EmitIfSet(out, "fallback_scrape_protocol", s.fallback_scrape_protocol);
  out << YAML::Key << "scrape_native_histograms" << YAML::Value << s.scrape_native_histograms;
  out << YAML::Key << "always_scrape_classic_histograms" << YAML::Value << s.always_scrape_classic_histograms;
  out << YAML::Key << "convert_classic_histograms_to_nhcb" << YAML::Value
      << s.convert_classic_histograms_to_nhcb;
  EmitIfSet(out, "scrape_failure_log_file", s.scrape_failure_log_file);
  EmitIfSet(out, "metrics_path", s.metrics_path);
  EmitIfSet(out, "scheme", s.scheme);
  out << YAML::Key << "enable_compression" << YAML::Value << s.enable_compression;
  if (s.body_size_limit_bytes != 0)
    out << YAML::Key << "body_size_limit" << YAML::Value << FormatBase2Bytes(s.body_size_limit_bytes);
  EmitUintIfSet(out, "sample_limit", s.sample_limit);
  EmitUintIfSet(out, "target_limit", s.target_limit);
  EmitUintIfSet(out, "label_limit", s.label_limit);
  EmitUintIfSet(out, "label_name_length_limit", s.label_name_length_limit);
  EmitUintIfSet(out, "label_value_length_limit", s.label_value_length_limit);
  EmitUintIfSet(out, "native_histogram_bucket_limit", s.native_histogram_bucket_limit);
  if (s.native_histogram_min_bucket_factor != 0) {
    out << YAML::Key << "native_histogram_min_bucket_factor" << YAML::Value
        << FormatFloat(s.native_histogram_min_bucket_factor);
  }
  EmitUintIfSet(out, "keep_dropped_targets", s.keep_dropped_targets);
  EmitIfSet(out, "metric_name_validation_scheme", s.metric_name_validation_scheme);
  EmitIfSet(out, "metric_name_escaping_scheme", s.metric_name_escaping_scheme);
  out << YAML::Key << "extra_scrape_metrics" << YAML::Value << s.extra_scrape_metrics;
  EmitHttpClient(out, s.http_client);
  for (const auto* rules : {&s.relabel_configs, &s.metric_relabel_configs}) {
    if (rules->empty()) continue;
    out << YAML::Key << (rules == &s.relabel_configs ? "relabel_configs" : "metric_relabel_configs")
        << YAML::Value << YAML::BeginSeq;
    for (const auto& rc : *rules) relabel::EmitYaml(out, rc);
    out << YAML::EndSeq;
  }
  // The discovery sections in the order of their keys, as Prometheus writes them.
  std::vector<std::string> kinds;
  for (const auto& u : s.unsupported_discovery) kinds.push_back(u.kind);
  if (!s.file_sd_configs.empty()) kinds.push_back("file_sd_configs");
  if (!s.static_configs.empty()) kinds.push_back("static_configs");
  std::sort(kinds.begin(), kinds.end());
  for (const auto& kind : kinds) {
    out << YAML::Key << kind << YAML::Value;
    if (kind == "file_sd_configs") {
      out << YAML::BeginSeq;
      for (const auto& f : s.file_sd_configs) {
        out << YAML::BeginMap << YAML::Key << "files" << YAML::Value;
        EmitStringList(out, f.files);
        out << YAML::Key << "refresh_interval" << YAML::Value << model::FormatDuration(f.refresh_interval_ms);
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    } else if (kind == "static_configs") {
      out << YAML::BeginSeq;
      for (const auto& st : s.static_configs) {
        out << YAML::BeginMap << YAML::Key << "targets" << YAML::Value;
        EmitStringList(out, st.targets);
        if (!st.labels.empty()) {
          out << YAML::Key << "labels" << YAML::Value;
          EmitLabels(out, st.labels);
        }
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    } else {
      for (const auto& u : s.unsupported_discovery) {
        if (u.kind == kind) EmitRedacted(out, u.configs);
      }
    }
  }
  out << YAML::EndMap;
}

void EmitGlobal(YAML::Emitter& out, const GlobalConfig& g) {
  out << YAML::BeginMap;
  out << YAML::Key << "scrape_interval" << YAML::Value << model::FormatDuration(g.scrape_interval_ms);
  out << YAML::Key << "scrape_timeout" << YAML::Value << model::FormatDuration(g.scrape_timeout_ms);
  if (!g.scrape_protocols.empty()) {
    out << YAML::Key << "scrape_protocols" << YAML::Value;
    EmitStringList(out, g.scrape_protocols);
  }
  out << YAML::Key << "evaluation_interval" << YAML::Value << model::FormatDuration(g.evaluation_interval_ms);
  if (g.rule_query_offset_ms != 0)
    out << YAML::Key << "rule_query_offset" << YAML::Value << model::FormatDuration(g.rule_query_offset_ms);
  EmitIfSet(out, "query_log_file", g.query_log_file);
  EmitUintIfSet(out, "query_max_series", g.query_max_series);
  EmitUintIfSet(out, "query_max_samples_read", g.query_max_samples_read);
  if (g.query_max_duration_ms != 0)
    out << YAML::Key << "query_max_duration" << YAML::Value << model::FormatDuration(g.query_max_duration_ms);
  EmitIfSet(out, "scrape_failure_log_file", g.scrape_failure_log_file);
  if (!g.external_labels.empty()) {
    out << YAML::Key << "external_labels" << YAML::Value;
    EmitLabels(out, g.external_labels);
  }
  if (g.body_size_limit_bytes != 0)
    out << YAML::Key << "body_size_limit" << YAML::Value << FormatBase2Bytes(g.body_size_limit_bytes);
  EmitUintIfSet(out, "sample_limit", g.sample_limit);
  EmitUintIfSet(out, "target_limit", g.target_limit);
  EmitUintIfSet(out, "label_limit", g.label_limit);
  EmitUintIfSet(out, "label_name_length_limit", g.label_name_length_limit);
  EmitUintIfSet(out, "label_value_length_limit", g.label_value_length_limit);
  EmitUintIfSet(out, "keep_dropped_targets", g.keep_dropped_targets);
  out << YAML::Key << "metric_name_validation_scheme" << YAML::Value << g.metric_name_validation_scheme;
  EmitIfSet(out, "metric_name_escaping_scheme", g.metric_name_escaping_scheme);
  out << YAML::Key << "scrape_native_histograms" << YAML::Value << g.scrape_native_histograms;
  if (g.convert_classic_histograms_to_nhcb)
    out << YAML::Key << "convert_classic_histograms_to_nhcb" << YAML::Value << true;
  if (g.always_scrape_classic_histograms)
    out << YAML::Key << "always_scrape_classic_histograms" << YAML::Value << true;
  out << YAML::Key << "extra_scrape_metrics" << YAML::Value << g.extra_scrape_metrics;
  out << YAML::EndMap;
}

}  // namespace

std::string ToYaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "global" << YAML::Value;
  EmitGlobal(out, c.global);
  if (!c.rule_files.empty()) {
    out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : c.rule_files) out << f;
    out << YAML::EndSeq;
  }
  if (!c.scrape_configs.empty()) {
    out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : c.scrape_configs) EmitScrapeConfig(out, s);
    out << YAML::EndSeq;
  }
  if (!c.remote_write.empty()) {
    out << YAML::Key << "remote_write" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : c.remote_write) {
      out << YAML::BeginMap << YAML::Key << "url" << YAML::Value << r.url;
      out << YAML::Key << "remote_timeout" << YAML::Value << model::FormatDuration(r.remote_timeout_ms);
      if (!r.name.empty()) out << YAML::Key << "name" << YAML::Value << r.name;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!c.promref.tenants.empty() || !c.promref.route_prefix.empty()) {
    out << YAML::Key << "promref" << YAML::Value << YAML::BeginMap;
    if (!c.promref.route_prefix.empty())
      out << YAML::Key << "route_prefix" << YAML::Value << c.promref.route_prefix;
    out << YAML::Key << "tenants" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : c.promref.tenants) {
      out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << t.id;
      if (!t.app_keys.empty()) out << YAML::Key << "app_keys" << YAML::Value << "<secret>";
      if (!t.bearer_tokens.empty()) out << YAML::Key << "bearer_tokens" << YAML::Value << "<secret>";
      if (!t.basic_auth.empty()) out << YAML::Key << "basic_auth" << YAML::Value << "<secret>";
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace promref::config
