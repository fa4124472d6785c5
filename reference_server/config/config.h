// promref's configuration file: Prometheus' shape (global, scrape_configs, rule_files,
// remote_write), parsed and validated as Prometheus does, plus a `promref` section for the
// vendor front doors (route prefix, tenants and their credentials).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "relabel/relabel_config.h"

namespace promref::config {

// Prometheus 3.16's GlobalConfig. Zero limits mean "no limit"; scrape configs inherit the
// limits, scrape_protocols, the histogram switches and the name schemes they leave unset.
struct GlobalConfig {
  int64_t scrape_interval_ms = 60'000;
  int64_t scrape_timeout_ms = 10'000;  // left out: min(10s, scrape_interval)
  int64_t evaluation_interval_ms = 60'000;
  int64_t rule_query_offset_ms = 0;
  std::vector<std::string> scrape_protocols;  // empty: unset (each job picks its default)
  std::string query_log_file;
  std::string scrape_failure_log_file;
  model::Labels external_labels;
  int64_t body_size_limit_bytes = 0;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  uint64_t query_max_series = 0;
  uint64_t query_max_samples_read = 0;
  int64_t query_max_duration_ms = 0;
  std::string metric_name_validation_scheme = "utf8";  // "utf8" or "legacy"
  std::string metric_name_escaping_scheme;             // "": from the validation scheme
  bool scrape_native_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  bool always_scrape_classic_histograms = false;
  bool extra_scrape_metrics = false;
};

struct StaticTargets {
  std::vector<std::string> targets;
  model::Labels labels;
};

struct FileSdConfig {
  std::vector<std::string> files;  // each ends in .json, .yml or .yaml (a glob in the last part)
  int64_t refresh_interval_ms = 300'000;
};

// Prometheus' common HTTP client configuration (prometheus/common config.HTTPClientConfig),
// inlined in a scrape config. Secrets are kept as written; ToYaml shows them as <secret>.
struct BasicAuth {
  std::string username, username_file, username_ref;
  std::string password, password_file, password_ref;
};

// After loading, bearer_token / bearer_token_file are folded in here with type "Bearer", as
// Prometheus does.
struct Authorization {
  std::string type = "Bearer";
  std::string credentials, credentials_file, credentials_ref;
};

struct OAuth2 {
  std::string client_id, client_secret, client_secret_file, client_secret_ref;
  std::vector<std::string> scopes;
  std::string token_url;
  std::vector<std::pair<std::string, std::string>> endpoint_params;
  // Fields promref keeps only to show them back (JWT grant, its own TLS and proxy settings).
  YAML::Node other;
};

struct TlsConfig {
  std::string ca, cert, key, ca_file, cert_file, key_file, ca_ref, cert_ref, key_ref;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version, max_version;  // "TLS10".."TLS13" or ""
};

struct HttpHeader {
  std::string name;
  std::vector<std::string> values, secrets, files;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  std::optional<OAuth2> oauth2;
  TlsConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> proxy_connect_header;  // values are secrets
  std::vector<HttpHeader> http_headers;
};

// A service discovery section of a kind promref does not discover targets with (yet): kept so
// that the file loads and shows back as written.
struct UnsupportedDiscovery {
  std::string kind;  // the key, e.g. "kubernetes_sd_configs"
  YAML::Node configs;
};

// Prometheus 3.16's config.ScrapeConfig after Validate: every field filled from the global
// configuration and the defaults as Prometheus fills it.
struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> params;  // sorted by name
  int64_t scrape_interval_ms = 0;
  int64_t scrape_timeout_ms = 0;
  std::vector<std::string> scrape_protocols;  // most wanted first
  std::string fallback_scrape_protocol;       // "" when not set
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  std::string scrape_failure_log_file;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";  // not checked, as in Prometheus
  bool enable_compression = true;
  int64_t body_size_limit_bytes = 0;  // 0: no limit
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t native_histogram_bucket_limit = 0;
  double native_histogram_min_bucket_factor = 0;
  uint64_t keep_dropped_targets = 0;
  std::string metric_name_validation_scheme;  // "utf8" or "legacy"
  std::string metric_name_escaping_scheme;    // "allow-utf-8", "underscores", "dots" or "values"
  bool extra_scrape_metrics = false;
  HttpClientConfig http_client;
  std::vector<relabel::RelabelConfig> relabel_configs;
  std::vector<relabel::RelabelConfig> metric_relabel_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<StaticTargets> static_configs;
  std::vector<UnsupportedDiscovery> unsupported_discovery;
};

// Prometheus 3.16's QueueConfig and its defaults.
struct QueueConfig {
  int64_t capacity = 10'000;  // samples buffered per shard before the WAL reader waits
  int64_t max_shards = 50;
  int64_t min_shards = 1;
  int64_t max_samples_per_send = 2'000;
  int64_t batch_send_deadline_ms = 5'000;
  int64_t min_backoff_ms = 30;
  int64_t max_backoff_ms = 5'000;
  bool retry_on_http_429 = false;
  int64_t sample_age_limit_ms = 0;  // 0: no limit
};

struct MetadataConfig {
  bool send = true;
  int64_t send_interval_ms = 60'000;
  int64_t max_samples_per_send = 2'000;
};

// A remote_write entry after Prometheus' UnmarshalYAML and Validate.
struct RemoteWriteConfig {
  std::string url;
  std::string name;
  int64_t remote_timeout_ms = 30'000;
  std::vector<std::pair<std::string, std::string>> headers;  // sorted by name
  std::vector<relabel::RelabelConfig> write_relabel_configs;
  bool send_exemplars = false;
  bool send_native_histograms = false;
  bool round_robin_dns = false;
  bool convert_nhcb_to_classic = false;
  // "prometheus.WriteRequest" (remote write 1.0) or "io.prometheus.write.v2.Request" (2.0).
  std::string protobuf_message = "prometheus.WriteRequest";
  HttpClientConfig http_client;  // follow_redirects true, enable_http2 false by default
  QueueConfig queue_config;
  MetadataConfig metadata_config;
  // sigv4, azuread or google_iam, when written: accepted, kept to show back, not applied.
  std::string cloud_auth_kind;
  YAML::Node cloud_auth;
};

// An alerting.alertmanagers entry: Prometheus 3.16's AlertmanagerConfig after UnmarshalYAML.
struct AlertmanagerConfig {
  HttpClientConfig http_client;
  std::string scheme = "http";
  std::string path_prefix;
  int64_t timeout_ms = 10'000;
  std::string api_version = "v2";                             // the only one 3.16 supports
  std::vector<relabel::RelabelConfig> relabel_configs;        // on the Alertmanager targets
  std::vector<relabel::RelabelConfig> alert_relabel_configs;  // on the alerts sent to this set
  std::vector<StaticTargets> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<UnsupportedDiscovery> unsupported_discovery;
  std::string cloud_auth_kind;  // "sigv4" when written: accepted, kept to show back, not applied
  YAML::Node cloud_auth;
};

struct AlertingConfig {
  std::vector<relabel::RelabelConfig> alert_relabel_configs;  // on every alert, after external labels
  std::vector<AlertmanagerConfig> alertmanagers;
};

// The `otlp` section: Prometheus 3.16's OTLPConfig, the OTLP receiver's translation settings,
// with its defaults.
struct OtlpConfig {
  bool promote_all_resource_attributes = false;
  std::vector<std::string> promote_resource_attributes;
  std::vector<std::string> ignore_resource_attributes;  // with promote_all_resource_attributes only
  // UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes
  // or NoTranslation (an explicit "" acts as NoTranslation, as in Prometheus).
  std::string translation_strategy = "UnderscoreEscapingWithSuffixes";
  bool keep_identifying_resource_attributes = false;
  bool convert_histograms_to_nhcb = false;
  bool promote_scope_metadata = false;
  bool label_name_underscore_sanitization = true;
  bool label_name_preserve_multiple_underscores = true;
};

struct Server {  // a machine of a tenant's project (NHN Cloud's /servers), for workspace targets
  std::string host_id;
  std::string host_name;
  std::string ip;
  std::string instance_id;
};

struct Tenant {
  std::string id;
  std::vector<Server> servers;
  std::vector<std::string> app_keys;
  std::vector<std::string> bearer_tokens;
  std::vector<std::pair<std::string, std::string>> basic_auth;  // username (app id), password
  // The tenant's own rule files (globs), evaluated over its data only, with the global
  // evaluation interval; their alerts go to the configured Alertmanagers.
  std::vector<std::string> rule_files;
};

struct PromrefSection {
  std::string route_prefix;
  std::vector<Tenant> tenants;
};

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  std::vector<std::string> rule_files;
  std::vector<RemoteWriteConfig> remote_write;
  OtlpConfig otlp;
  AlertingConfig alerting;
  PromrefSection promref;
  // What loaded but promref does not act on (yet): discovery kinds it cannot discover with and
  // scrape settings the scrape manager does not apply. One line each, for the caller to log
  // once per (re)load.
  std::vector<std::string> warnings;
};

// Parses and validates YAML text (unknown fields are errors, as in Prometheus); errors read as
// Prometheus 3.16's.
Result<Config> ParseConfig(const std::string& yaml);
// ParseConfig on a file's text, then, as Prometheus, makes relative file names (rule_files,
// file_sd_configs files, TLS and credential files, log files) relative to the file's directory.
Result<Config> LoadConfigFile(const std::string& path);

// Whether two scrape configs are the same in every field, secrets included (what a reload
// compares to decide whether a job's loops restart).
bool SameScrapeConfig(const ScrapeConfig& a, const ScrapeConfig& b);
bool SameRemoteWriteConfig(const RemoteWriteConfig& a, const RemoteWriteConfig& b);
bool SameAlertmanagerConfig(const AlertmanagerConfig& a, const AlertmanagerConfig& b);

// The loaded configuration as /api/v1/status/config shows it: defaults filled in, secrets
// (tenant keys and tokens) redacted.
std::string ToYaml(const Config& c);

}  // namespace promref::config
