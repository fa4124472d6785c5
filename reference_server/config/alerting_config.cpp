// alerting: AlertingConfig and AlertmanagerConfig of Prometheus 3.16 (UnmarshalYAML, then
// Validate), with their defaults (scheme http, timeout 10s, api_version v2) and error texts.
#include <set>

#include "config/internal/sections.h"
#include "config/internal/yaml_decode.h"
#include "model/go_strconv.h"
#include "relabel/go_yaml.h"
#include "relabel/relabel_config.h"

namespace promref::config::internal {
namespace {

const std::set<std::string>& AlertmanagerKeys() {
  static const std::set<std::string> k = [] {
    std::set<std::string> keys = {"scheme", "path_prefix", "timeout", "api_version", "relabel_configs",
                                  "alert_relabel_configs", "sigv4", "static_configs", "file_sd_configs",
                                  // HTTPClientConfig, inlined.
                                  "basic_auth", "authorization", "oauth2", "bearer_token",
                                  "bearer_token_file", "tls_config", "follow_redirects", "enable_http2",
                                  "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
                                  "http_headers"};
    keys.insert(UnsupportedDiscoveryKeys().begin(), UnsupportedDiscoveryKeys().end());
    return keys;
  }();
  return k;
}

// config.CheckTargetAddress: a static Alertmanager address is checked only when no relabeling
// could rewrite it.
void CheckStaticTargets(const std::vector<StaticTargets>& groups) {
  for (const auto& g : groups) {
    for (const auto& t : g.targets) {
      if (t.find('/') != std::string::npos) Fail(model::GoQuote(t) + " is not a valid hostname");
    }
  }
}

AlertmanagerConfig ParseAlertmanager(const YAML::Node& n) {
  AlertmanagerConfig am;
  if (!Present(n)) return am;
  CheckKeys(n, AlertmanagerKeys(), "config.plain");
  am.http_client = ParseHttpClient(n);
  if (Present(n["scheme"])) am.scheme = Str(n["scheme"]);
  am.path_prefix = Str(n["path_prefix"]);
  if (Present(n["timeout"])) am.timeout_ms = DurationMs(n["timeout"]);
  if (n["api_version"]) {
    am.api_version = Str(n["api_version"]);
    if (am.api_version != "v2")
      Fail("expected Alertmanager api version to be one of [v2] but got " + am.api_version);
  }
  bool null_target_rule = false;
  bool null_alert_rule = false;
  am.relabel_configs = RelabelList(n["relabel_configs"], &null_target_rule);
  am.alert_relabel_configs = RelabelList(n["alert_relabel_configs"], &null_alert_rule);
  am.static_configs = StaticConfigs(n["static_configs"]);
  am.file_sd_configs = FileSdConfigs(n["file_sd_configs"]);
  am.unsupported_discovery = UnsupportedDiscoveries(n);
  if (Present(n["sigv4"])) {
    am.cloud_auth_kind = "sigv4";
    am.cloud_auth = YAML::Clone(n["sigv4"]);
    const HttpClientConfig& h = am.http_client;
    if (h.basic_auth || h.authorization || h.oauth2)
      Fail("at most one of basic_auth, authorization, oauth2, & sigv4 must be configured");
  }
  if (am.relabel_configs.empty() && !null_target_rule) CheckStaticTargets(am.static_configs);
  if (null_target_rule) Fail("empty or null Alertmanager target relabeling rule");
  if (null_alert_rule) Fail("empty or null Alertmanager alert relabeling rule");
  return am;
}

}  // namespace

AlertingConfig ParseAlerting(const YAML::Node& n, const GlobalConfig& global,
                             std::vector<std::string>* warnings) {
  AlertingConfig a;
  if (!Present(n)) return a;
  CheckKeys(n, {"alert_relabel_configs", "alertmanagers"}, "config.plain");
  bool null_rule = false;
  a.alert_relabel_configs = RelabelList(n["alert_relabel_configs"], &null_rule);
  if (Present(n["alertmanagers"])) {
    if (!n["alertmanagers"].IsSequence()) FailType(n["alertmanagers"], "config.AlertmanagerConfigs");
    for (const auto& am : n["alertmanagers"]) a.alertmanagers.push_back(ParseAlertmanager(am));
  }
  if (null_rule) Fail("empty or null alert relabeling rule");
  const auto scheme = NameValidationOf(global.metric_name_validation_scheme);
  for (auto& rc : a.alert_relabel_configs) {
    if (auto st = relabel::Validate(&rc, scheme); !st.ok()) Fail(st.error().message());
  }
  for (size_t i = 0; i < a.alertmanagers.size(); ++i) {
    AlertmanagerConfig& am = a.alertmanagers[i];
    for (auto* rules : {&am.alert_relabel_configs, &am.relabel_configs}) {
      for (auto& rc : *rules) {
        if (auto st = relabel::Validate(&rc, scheme); !st.ok()) Fail(st.error().message());
      }
    }
    const std::string who = "alertmanager config-" + std::to_string(i) + ": ";
    if (!am.file_sd_configs.empty())
      warnings->push_back(
          who + "file_sd_configs is accepted but promref does not discover Alertmanagers with it yet");
    for (const auto& u : am.unsupported_discovery)
      warnings->push_back(who + u.kind +
                          " is accepted but promref does not discover Alertmanagers with it yet");
    if (!am.cloud_auth_kind.empty())
      warnings->push_back(who + "sigv4 is accepted but not applied by promref");
    if (am.http_client.oauth2) warnings->push_back(who + "oauth2 is accepted but not applied by promref");
  }
  return a;
}

}  // namespace promref::config::internal
