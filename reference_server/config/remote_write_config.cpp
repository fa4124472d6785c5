// remote_write: RemoteWriteConfig.UnmarshalYAML and Validate of Prometheus 3.16, with its
// defaults (queue_config, metadata_config, follow_redirects on, HTTP/2 off) and errors.
#include <map>
#include <set>

#include "config/internal/sections.h"
#include "config/internal/yaml_decode.h"
#include "relabel/go_yaml.h"
#include "relabel/relabel_config.h"

namespace promref::config::internal {
namespace {

const std::set<std::string>& RemoteWriteKeys() {
  static const std::set<std::string> k = {
      "url", "remote_timeout", "headers", "write_relabel_configs", "name", "send_exemplars",
      "send_native_histograms", "round_robin_dns", "protobuf_message", "failed_request_logging",
      "queue_config", "metadata_config", "sigv4", "azuread", "google_iam", "convert_nhcb_to_classic",
      // HTTPClientConfig, inlined.
      "basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
      "follow_redirects", "enable_http2", "proxy_url", "no_proxy", "proxy_from_environment",
      "proxy_connect_header", "http_headers"};
  return k;
}

// Headers a remote_write may not set (config.reservedHeaders), lower case.
bool IsReservedHeader(const std::string& lower) {
  static const std::set<std::string> k = {"host",
                                          "content-encoding",
                                          "content-length",
                                          "content-type",
                                          "user-agent",
                                          "connection",
                                          "keep-alive",
                                          "proxy-authenticate",
                                          "proxy-authorization",
                                          "www-authenticate",
                                          "accept-encoding",
                                          "x-prometheus-remote-write-version",
                                          "x-prometheus-remote-read-version",
                                          "x-amz-date",
                                          "x-amz-security-token",
                                          "x-amz-content-sha256"};
  return k.count(lower) > 0;
}

QueueConfig ParseQueue(const YAML::Node& n) {
  QueueConfig q;
  if (!Present(n)) return q;
  CheckKeys(n,
            {"capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline",
             "min_backoff", "max_backoff", "retry_on_http_429", "sample_age_limit"},
            "config.QueueConfig");
  const auto set_int = [&](const char* key, int64_t* v) {
    if (Present(n[key])) *v = static_cast<int64_t>(n[key].as<long long>());
  };
  set_int("capacity", &q.capacity);
  set_int("max_shards", &q.max_shards);
  set_int("min_shards", &q.min_shards);
  set_int("max_samples_per_send", &q.max_samples_per_send);
  if (Present(n["batch_send_deadline"])) q.batch_send_deadline_ms = DurationMs(n["batch_send_deadline"]);
  if (Present(n["min_backoff"])) q.min_backoff_ms = DurationMs(n["min_backoff"]);
  if (Present(n["max_backoff"])) q.max_backoff_ms = DurationMs(n["max_backoff"]);
  q.retry_on_http_429 = Bool(n["retry_on_http_429"], false);
  q.sample_age_limit_ms = DurationMs(n["sample_age_limit"]);
  // QueueConfig.Validate, in its order.
  if (q.max_shards <= 0) Fail("remote write queue max_shards must be positive");
  if (q.min_shards <= 0) Fail("remote write queue min_shards must be positive");
  if (q.min_shards > q.max_shards) Fail("remote write queue min_shards must not be greater than max_shards");
  if (q.max_samples_per_send <= 0) Fail("remote write queue max_samples_per_send must be positive");
  if (q.capacity <= 0) Fail("remote write queue capacity must be positive");
  if (q.max_backoff_ms < q.min_backoff_ms)
    Fail("remote write queue max_backoff must not be less than min_backoff");
  return q;
}

MetadataConfig ParseMetadata(const YAML::Node& n) {
  MetadataConfig m;
  if (!Present(n)) return m;
  CheckKeys(n, {"send", "send_interval", "max_samples_per_send"}, "config.MetadataConfig");
  m.send = Bool(n["send"], false);
  m.send_interval_ms = DurationMs(n["send_interval"]);
  if (Present(n["max_samples_per_send"])) m.max_samples_per_send = n["max_samples_per_send"].as<long long>();
  return m;
}

RemoteWriteConfig ParseOne(const YAML::Node& rw) {
  if (!Present(rw)) Fail("empty or null remote write config section");
  CheckKeys(rw, RemoteWriteKeys(), "config.plain");
  RemoteWriteConfig r;
  if (!Present(rw["url"])) Fail("url for remote_write is empty");
  r.url = Str(rw["url"]);
  if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
    Fail("unsupported scheme for remote_write url: " + r.url);
  }
  r.name = Str(rw["name"]);
  if (Present(rw["remote_timeout"])) r.remote_timeout_ms = DurationMs(rw["remote_timeout"]);
  std::map<std::string, std::string> headers;
  if (Present(rw["headers"])) {
    for (const auto& h : rw["headers"]) headers[h.first.as<std::string>()] = h.second.as<std::string>();
  }
  r.headers.assign(headers.begin(), headers.end());
  if (Present(rw["write_relabel_configs"])) {
    for (const auto& rule : rw["write_relabel_configs"]) {
      if (relabel::IsYamlNull(rule)) Fail("empty or null relabeling rule in remote write config");
      auto parsed = relabel::ParseRelabelConfig(rule);
      if (!parsed.ok()) Fail(parsed.error().message());
      r.write_relabel_configs.push_back(std::move(*parsed));
    }
  }
  for (const auto& [name, value] : r.headers) {
    const std::string lower = ToLower(name);
    if (lower == "authorization") {
      Fail(
          "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or "
          "google_iam parameter");
    }
    if (IsReservedHeader(lower)) Fail(name + " is a reserved header. It must not be changed");
  }
  if (Present(rw["protobuf_message"])) r.protobuf_message = Str(rw["protobuf_message"]);
  if (r.protobuf_message != "prometheus.WriteRequest" &&
      r.protobuf_message != "io.prometheus.write.v2.Request") {
    Fail("invalid protobuf_message value: unknown type for remote write protobuf message " +
         r.protobuf_message + ", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
  }
  r.send_exemplars = Bool(rw["send_exemplars"], false);
  r.send_native_histograms = Bool(rw["send_native_histograms"], false);
  r.round_robin_dns = Bool(rw["round_robin_dns"], false);
  r.convert_nhcb_to_classic = Bool(rw["convert_nhcb_to_classic"], false);
  r.http_client = ParseHttpClient(rw);
  if (!rw["enable_http2"]) r.http_client.enable_http2 = false;  // remote write's default
  r.queue_config = ParseQueue(rw["queue_config"]);
  r.metadata_config = ParseMetadata(rw["metadata_config"]);
  std::vector<std::string> auth;
  if (r.http_client.basic_auth) auth.push_back("basic_auth");
  if (r.http_client.authorization) auth.push_back("authorization");
  if (r.http_client.oauth2) auth.push_back("oauth2");
  for (const char* kind : {"sigv4", "azuread", "google_iam"}) {
    if (!Present(rw[kind])) continue;
    auth.push_back(kind);
    r.cloud_auth_kind = kind;
    r.cloud_auth = YAML::Clone(rw[kind]);
  }
  if (auth.size() > 1) {
    Fail(
        "at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. "
        "Currently configured: [" +
        Join(auth, " ") + "]");
  }
  return r;
}

}  // namespace

std::vector<RemoteWriteConfig> ParseRemoteWrite(const YAML::Node& rws, const GlobalConfig& global,
                                                std::vector<std::string>* warnings) {
  std::vector<RemoteWriteConfig> out;
  if (!Present(rws)) return out;
  if (!rws.IsSequence()) FailType(rws, "[]*config.RemoteWriteConfig");
  std::set<std::string> names;
  for (const auto& rw : rws) {
    RemoteWriteConfig r = ParseOne(rw);
    if (!r.name.empty() && !names.insert(r.name).second) {
      Fail("found multiple remote write configs with job name \"" + r.name + "\"");
    }
    const auto scheme = NameValidationOf(global.metric_name_validation_scheme);
    for (auto& rc : r.write_relabel_configs) {
      if (auto st = relabel::Validate(&rc, scheme); !st.ok()) Fail(st.error().message());
    }
    const std::string who = "remote_write \"" + (r.name.empty() ? r.url : r.name) + "\": ";
    std::vector<std::string> unapplied;
    if (!r.cloud_auth_kind.empty()) unapplied.push_back(r.cloud_auth_kind);
    if (r.http_client.oauth2) unapplied.push_back("oauth2");
    if (r.round_robin_dns) unapplied.push_back("round_robin_dns");
    if (r.convert_nhcb_to_classic) unapplied.push_back("convert_nhcb_to_classic");
    if (!unapplied.empty()) {
      warnings->push_back(who + "accepted but not applied by promref: " + Join(unapplied, ", "));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace promref::config::internal
