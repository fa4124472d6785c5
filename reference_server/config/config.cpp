// ParseConfig and LoadConfigFile: the document's top level, the global section, remote_write and
// promref's own section; scrape configs and their HTTP client settings have their own files.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "config/internal/otlp_section.h"
#include "config/internal/sections.h"
#include "config/internal/yaml_decode.h"

namespace promref::config {
namespace internal {
namespace {

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
  if (protocols_set) c.scrape_protocols = ScrapeProtocols(g["scrape_protocols"]);
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
  if (protocols_set) CheckScrapeProtocols(c.scrape_protocols, " for global config");
  return c;
}

// The global settings and top-level sections that load but that promref does not act on yet.
void AddGlobalWarnings(const YAML::Node& root, std::vector<std::string>* warnings) {
  std::vector<std::string> global_written;
  if (Present(root["global"])) {
    for (const auto& kv : root["global"]) {
      const std::string key = kv.first.as<std::string>();
      // What the scrape configs inherit is applied by the scrape manager.
      static const std::set<std::string> kApplied = {"scrape_interval",
                                                     "scrape_timeout",
                                                     "evaluation_interval",
                                                     "external_labels",
                                                     "scrape_protocols",
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
                                                     "always_scrape_classic_histograms",
                                                     "convert_classic_histograms_to_nhcb",
                                                     "extra_scrape_metrics"};
      if (!kApplied.count(key)) global_written.push_back(key);
    }
  }
  if (!global_written.empty())
    warnings->push_back("global: accepted but not applied by promref yet: " + Join(global_written, ", "));
  for (const char* section : {"scrape_config_files", "remote_read", "storage", "tracing", "runtime"}) {
    if (root[section])
      warnings->push_back(std::string(section) + " is accepted but promref does not apply it yet");
  }
}

// A tenant id names directories and URL segments, so only letters, digits, '-' and '_'.
bool IsSafeTenantId(const std::string& id) {
  bool safe = !id.empty() && id != "." && id != "..";
  for (char ch : id) safe = safe && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
  return safe;
}

// A tenant; *ids holds the ids seen so far, as an id must be unique.
Tenant ParseTenant(const YAML::Node& t, std::set<std::string>* ids) {
  CheckKeys(t, {"id", "app_keys", "bearer_tokens", "basic_auth", "servers", "rule_files"}, "promref.tenant");
  Tenant tenant;
  if (!t["id"]) Fail("promref tenant without id");
  tenant.id = t["id"].as<std::string>();
  if (!IsSafeTenantId(tenant.id))
    Fail("promref tenant id \"" + tenant.id + "\" must be letters, digits, '-' or '_'");
  if (!ids->insert(tenant.id).second) Fail("duplicate promref tenant id \"" + tenant.id + "\"");
  tenant.app_keys = StringList(t["app_keys"]);
  tenant.bearer_tokens = StringList(t["bearer_tokens"]);
  tenant.rule_files = StringList(t["rule_files"]);
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
  return tenant;
}

// The promref section: the front doors' route prefix (normalized to "" or "/x" without a
// trailing slash) and the tenants.
PromrefSection ParsePromref(const YAML::Node& p) {
  PromrefSection out;
  if (!p) return out;
  CheckKeys(p, {"route_prefix", "tenants"}, "promref");
  if (p["route_prefix"]) {
    out.route_prefix = p["route_prefix"].as<std::string>();
    if (!out.route_prefix.empty() && out.route_prefix[0] != '/')
      Fail("promref.route_prefix must start with '/'");
    while (out.route_prefix.size() > 1 && out.route_prefix.back() == '/') out.route_prefix.pop_back();
    if (out.route_prefix == "/") out.route_prefix.clear();
  }
  std::set<std::string> ids;
  for (const auto& t : p["tenants"]) out.tenants.push_back(ParseTenant(t, &ids));
  return out;
}

Config Parse(const YAML::Node& root) {
  Config c;
  if (!root || root.IsNull()) return c;
  CheckKeys(root,
            {"global", "scrape_configs", "rule_files", "remote_write", "remote_read", "alerting", "promref",
             "scrape_config_files", "storage", "tracing", "otlp", "runtime"},
            "config.plain");
  c.global = ParseGlobal(root["global"]);
  AddGlobalWarnings(root, &c.warnings);
  c.scrape_configs = ParseScrapeConfigs(root["scrape_configs"], c.global, &c.warnings);
  c.rule_files = StringList(root["rule_files"]);
  c.remote_write = ParseRemoteWrite(root["remote_write"], c.global, &c.warnings);
  c.alerting = ParseAlerting(root["alerting"], c.global, &c.warnings);
  c.promref = ParsePromref(root["promref"]);
  c.otlp = ParseOtlp(root["otlp"], c.global);
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
  const std::string out = (rooted ? "/" : "") + Join(parts, "/");
  return out.empty() ? "." : out;
}

// prometheus/common's JoinDir: a relative path is taken from the configuration file's directory.
void JoinDir(const std::string& dir, std::string* path) {
  if (path->empty() || (*path)[0] == '/') return;
  *path = CleanPath(dir + "/" + *path);
}

// HTTPClientConfig.SetDirectory.
void SetDirectory(const std::string& dir, HttpClientConfig* h) {
  for (auto* f : {&h->tls_config.ca_file, &h->tls_config.cert_file, &h->tls_config.key_file}) JoinDir(dir, f);
  if (h->basic_auth) {
    JoinDir(dir, &h->basic_auth->username_file);
    JoinDir(dir, &h->basic_auth->password_file);
  }
  if (h->authorization) JoinDir(dir, &h->authorization->credentials_file);
  if (h->oauth2) JoinDir(dir, &h->oauth2->client_secret_file);
  for (auto& header : h->http_headers) {
    for (auto& f : header.files) JoinDir(dir, &f);
  }
}

// Config.SetDirectory: what Prometheus makes relative to the configuration file once loaded.
void SetDirectory(const std::string& dir, Config* c) {
  JoinDir(dir, &c->global.query_log_file);
  JoinDir(dir, &c->global.scrape_failure_log_file);
  for (auto& f : c->rule_files) JoinDir(dir, &f);
  for (auto& t : c->promref.tenants) {
    for (auto& f : t.rule_files) JoinDir(dir, &f);
  }
  for (auto& s : c->scrape_configs) {
    for (auto& fs : s.file_sd_configs) {
      for (auto& f : fs.files) JoinDir(dir, &f);
    }
    SetDirectory(dir, &s.http_client);
    JoinDir(dir, &s.scrape_failure_log_file);
  }
  for (auto& am : c->alerting.alertmanagers) {
    for (auto& fs : am.file_sd_configs) {
      for (auto& f : fs.files) JoinDir(dir, &f);
    }
    SetDirectory(dir, &am.http_client);
  }
}

}  // namespace
}  // namespace internal

Result<Config> ParseConfig(const std::string& yaml) {
  try {
    return internal::Parse(YAML::Load(yaml));
  } catch (const internal::ConfigError& e) {
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
  internal::SetDirectory(slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash)), &*c);
  return c;
}

}  // namespace promref::config
