// ToYaml: the loaded configuration as Prometheus' /api/v1/status/config shows it, in its field
// order, defaults filled in and secrets shown as <secret>.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "config/config.h"
#include "config/internal/otlp_section.h"
#include "config/internal/sections.h"
#include "config/internal/yaml_emit.h"
#include "relabel/go_yaml.h"

namespace promref::config {
namespace internal {
namespace {

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

void EmitFileSdConfigs(YAML::Emitter& out, const std::vector<FileSdConfig>& configs) {
  out << YAML::BeginSeq;
  for (const auto& f : configs) {
    out << YAML::BeginMap << YAML::Key << "files" << YAML::Value;
    EmitStringList(out, f.files);
    EmitDuration(out, "refresh_interval", f.refresh_interval_ms);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitStaticConfigs(YAML::Emitter& out, const std::vector<StaticTargets>& configs) {
  out << YAML::BeginSeq;
  for (const auto& st : configs) {
    out << YAML::BeginMap << YAML::Key << "targets" << YAML::Value;
    EmitStringList(out, st.targets);
    if (!st.labels.empty()) {
      out << YAML::Key << "labels" << YAML::Value;
      EmitLabels(out, st.labels);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// The discovery sections in the order of their keys, as Prometheus writes them.
template <typename C>
void EmitDiscovery(YAML::Emitter& out, const C& s) {
  std::vector<std::string> kinds;
  for (const auto& u : s.unsupported_discovery) kinds.push_back(u.kind);
  if (!s.file_sd_configs.empty()) kinds.push_back("file_sd_configs");
  if (!s.static_configs.empty()) kinds.push_back("static_configs");
  std::sort(kinds.begin(), kinds.end());
  for (const auto& kind : kinds) {
    out << YAML::Key << kind << YAML::Value;
    if (kind == "file_sd_configs") {
      EmitFileSdConfigs(out, s.file_sd_configs);
    } else if (kind == "static_configs") {
      EmitStaticConfigs(out, s.static_configs);
    } else {
      for (const auto& u : s.unsupported_discovery) {
        if (u.kind == kind) EmitRedacted(out, u.configs);
      }
    }
  }
}

void EmitRelabelList(YAML::Emitter& out, const char* key, const std::vector<relabel::RelabelConfig>& rules) {
  if (rules.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& rc : rules) relabel::EmitYaml(out, rc);
  out << YAML::EndSeq;
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
  EmitDuration(out, "scrape_interval", s.scrape_interval_ms);
  EmitDuration(out, "scrape_timeout", s.scrape_timeout_ms);
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
  EmitBytesIfSet(out, "body_size_limit", s.body_size_limit_bytes);
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
  EmitRelabelList(out, "relabel_configs", s.relabel_configs);
  EmitRelabelList(out, "metric_relabel_configs", s.metric_relabel_configs);
  EmitDiscovery(out, s);
  out << YAML::EndMap;
}

// AlertmanagerConfig's fields in its struct order, the discovery sections last.
void EmitAlertmanager(YAML::Emitter& out, const AlertmanagerConfig& am) {
  out << YAML::BeginMap;
  EmitHttpClient(out, am.http_client);
  if (!am.cloud_auth_kind.empty()) {
    out << YAML::Key << am.cloud_auth_kind << YAML::Value;
    EmitRedacted(out, am.cloud_auth);
  }
  EmitIfSet(out, "scheme", am.scheme);
  EmitIfSet(out, "path_prefix", am.path_prefix);
  EmitDuration(out, "timeout", am.timeout_ms);
  out << YAML::Key << "api_version" << YAML::Value << am.api_version;
  EmitRelabelList(out, "relabel_configs", am.relabel_configs);
  EmitRelabelList(out, "alert_relabel_configs", am.alert_relabel_configs);
  EmitDiscovery(out, am);
  out << YAML::EndMap;
}

void EmitGlobal(YAML::Emitter& out, const GlobalConfig& g) {
  out << YAML::BeginMap;
  EmitDuration(out, "scrape_interval", g.scrape_interval_ms);
  EmitDuration(out, "scrape_timeout", g.scrape_timeout_ms);
  if (!g.scrape_protocols.empty()) {
    out << YAML::Key << "scrape_protocols" << YAML::Value;
    EmitStringList(out, g.scrape_protocols);
  }
  EmitDuration(out, "evaluation_interval", g.evaluation_interval_ms);
  EmitDurationIfSet(out, "rule_query_offset", g.rule_query_offset_ms);
  EmitIfSet(out, "query_log_file", g.query_log_file);
  EmitUintIfSet(out, "query_max_series", g.query_max_series);
  EmitUintIfSet(out, "query_max_samples_read", g.query_max_samples_read);
  EmitDurationIfSet(out, "query_max_duration", g.query_max_duration_ms);
  EmitIfSet(out, "scrape_failure_log_file", g.scrape_failure_log_file);
  if (!g.external_labels.empty()) {
    out << YAML::Key << "external_labels" << YAML::Value;
    EmitLabels(out, g.external_labels);
  }
  EmitBytesIfSet(out, "body_size_limit", g.body_size_limit_bytes);
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

void EmitRemoteWrite(YAML::Emitter& out, const std::vector<RemoteWriteConfig>& remote_write) {
  out << YAML::BeginSeq;
  for (const auto& r : remote_write) {
    out << YAML::BeginMap << YAML::Key << "url" << YAML::Value << r.url;
    EmitDuration(out, "remote_timeout", r.remote_timeout_ms);
    if (!r.headers.empty()) {
      out << YAML::Key << "headers" << YAML::Value << YAML::BeginMap;
      for (const auto& [name, value] : r.headers) out << YAML::Key << name << YAML::Value << value;
      out << YAML::EndMap;
    }
    EmitRelabelList(out, "write_relabel_configs", r.write_relabel_configs);
    if (!r.name.empty()) out << YAML::Key << "name" << YAML::Value << r.name;
    if (r.send_exemplars) out << YAML::Key << "send_exemplars" << YAML::Value << true;
    if (r.send_native_histograms) out << YAML::Key << "send_native_histograms" << YAML::Value << true;
    out << YAML::Key << "protobuf_message" << YAML::Value << r.protobuf_message;
    EmitHttpClient(out, r.http_client);
    const QueueConfig& q = r.queue_config;
    out << YAML::Key << "queue_config" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "capacity" << YAML::Value << q.capacity;
    out << YAML::Key << "max_shards" << YAML::Value << q.max_shards;
    out << YAML::Key << "min_shards" << YAML::Value << q.min_shards;
    out << YAML::Key << "max_samples_per_send" << YAML::Value << q.max_samples_per_send;
    EmitDuration(out, "batch_send_deadline", q.batch_send_deadline_ms);
    EmitDuration(out, "min_backoff", q.min_backoff_ms);
    EmitDuration(out, "max_backoff", q.max_backoff_ms);
    if (q.retry_on_http_429) out << YAML::Key << "retry_on_http_429" << YAML::Value << true;
    if (q.sample_age_limit_ms != 0) EmitDuration(out, "sample_age_limit", q.sample_age_limit_ms);
    out << YAML::EndMap;
    out << YAML::Key << "metadata_config" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "send" << YAML::Value << r.metadata_config.send;
    EmitDuration(out, "send_interval", r.metadata_config.send_interval_ms);
    out << YAML::Key << "max_samples_per_send" << YAML::Value << r.metadata_config.max_samples_per_send;
    out << YAML::EndMap;
    if (!r.cloud_auth_kind.empty()) out << YAML::Key << r.cloud_auth_kind << YAML::Value << r.cloud_auth;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// Tenants by id only: their credentials show as <secret> and their servers not at all.
void EmitPromref(YAML::Emitter& out, const PromrefSection& p) {
  out << YAML::BeginMap;
  if (!p.route_prefix.empty()) out << YAML::Key << "route_prefix" << YAML::Value << p.route_prefix;
  out << YAML::Key << "tenants" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : p.tenants) {
    out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << t.id;
    if (!t.app_keys.empty()) out << YAML::Key << "app_keys" << YAML::Value << "<secret>";
    if (!t.bearer_tokens.empty()) out << YAML::Key << "bearer_tokens" << YAML::Value << "<secret>";
    if (!t.basic_auth.empty()) out << YAML::Key << "basic_auth" << YAML::Value << "<secret>";
    if (!t.rule_files.empty()) {
      out << YAML::Key << "rule_files" << YAML::Value;
      EmitStringList(out, t.rule_files);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace
}  // namespace internal

std::string ToYaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "global" << YAML::Value;
  internal::EmitGlobal(out, c.global);
  if (!c.alerting.alertmanagers.empty() || !c.alerting.alert_relabel_configs.empty()) {
    out << YAML::Key << "alerting" << YAML::Value << YAML::BeginMap;
    internal::EmitRelabelList(out, "alert_relabel_configs", c.alerting.alert_relabel_configs);
    if (!c.alerting.alertmanagers.empty()) {
      out << YAML::Key << "alertmanagers" << YAML::Value << YAML::BeginSeq;
      for (const auto& am : c.alerting.alertmanagers) internal::EmitAlertmanager(out, am);
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  if (!c.rule_files.empty()) {
    out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : c.rule_files) out << f;
    out << YAML::EndSeq;
  }
  if (!c.scrape_configs.empty()) {
    out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : c.scrape_configs) internal::EmitScrapeConfig(out, s);
    out << YAML::EndSeq;
  }
  if (!c.remote_write.empty()) {
    out << YAML::Key << "remote_write" << YAML::Value;
    internal::EmitRemoteWrite(out, c.remote_write);
  }
  out << YAML::Key << "otlp" << YAML::Value;
  internal::EmitOtlp(out, c.otlp);
  if (!c.promref.tenants.empty() || !c.promref.route_prefix.empty()) {
    out << YAML::Key << "promref" << YAML::Value;
    internal::EmitPromref(out, c.promref);
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace promref::config

namespace promref::config {
namespace {

// Every secret of a job's HTTP client, which its rendering hides.
std::vector<std::string> Secrets(const HttpClientConfig& c) {
  std::vector<std::string> out;
  if (c.basic_auth) {
    out.insert(out.end(), {c.basic_auth->username, c.basic_auth->password});
  }
  if (c.authorization) out.push_back(c.authorization->credentials);
  if (c.oauth2) out.push_back(c.oauth2->client_secret);
  out.insert(out.end(), {c.tls_config.ca, c.tls_config.cert, c.tls_config.key});
  for (const auto& h : c.http_headers) out.insert(out.end(), h.secrets.begin(), h.secrets.end());
  for (const auto& [name, values] : c.proxy_connect_header)
    out.insert(out.end(), values.begin(), values.end());
  return out;
}

std::string Render(const ScrapeConfig& s) {
  YAML::Emitter out;
  internal::EmitScrapeConfig(out, s);
  return out.c_str();
}

}  // namespace

bool SameScrapeConfig(const ScrapeConfig& a, const ScrapeConfig& b) {
  return Render(a) == Render(b) && Secrets(a.http_client) == Secrets(b.http_client);
}

bool SameRemoteWriteConfig(const RemoteWriteConfig& a, const RemoteWriteConfig& b) {
  const auto render = [](const RemoteWriteConfig& r) {
    YAML::Emitter out;
    internal::EmitRemoteWrite(out, {r});
    return std::string(out.c_str());
  };
  return render(a) == render(b) && Secrets(a.http_client) == Secrets(b.http_client);
}

bool SameAlertmanagerConfig(const AlertmanagerConfig& a, const AlertmanagerConfig& b) {
  const auto render = [](const AlertmanagerConfig& am) {
    YAML::Emitter out;
    internal::EmitAlertmanager(out, am);
    return std::string(out.c_str());
  };
  return render(a) == render(b) && Secrets(a.http_client) == Secrets(b.http_client);
}

}  // namespace promref::config
