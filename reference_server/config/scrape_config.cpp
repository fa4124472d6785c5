// scrape_configs: each decoded as ScrapeConfig.UnmarshalYAML does, then filled in from the
// global configuration and validated as ScrapeConfig.Validate does, both in Prometheus' order so
// that the first error is Prometheus' first error. What promref accepts but does not act on
// becomes a warning.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "config/internal/sections.h"
#include "config/internal/yaml_decode.h"
#include "relabel/go_yaml.h"

namespace promref::config::internal {
namespace {

const std::set<std::string>& KnownProtocols() {
  static const std::set<std::string> k = {"OpenMetricsText0.0.1", "OpenMetricsText1.0.0",
                                          "OpenMetricsText2.0.0", "PrometheusProto",
                                          "PrometheusText0.0.4",  "PrometheusText1.0.0"};
  return k;
}

// Empty when `p` is a protocol Prometheus knows, else its message.
std::string CheckProtocol(const std::string& p) {
  if (KnownProtocols().count(p)) return "";
  const std::vector<std::string> known(KnownProtocols().begin(), KnownProtocols().end());
  return "unknown scrape protocol " + p + ", supported: [" + Join(known, " ") + "]";
}

bool IsEscapingScheme(const std::string& s) {
  return s == "allow-utf-8" || s == "underscores" || s == "dots" || s == "values";
}

}  // namespace

// The discovery kinds promref accepts and shows back but does not discover targets with.
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

namespace {

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

// url.Values, sorted by name as Go's map is written back.
std::vector<std::pair<std::string, std::vector<std::string>>> Params(const YAML::Node& n) {
  if (!Present(n)) return {};
  if (!n.IsMap()) FailType(n, "url.Values");
  std::map<std::string, std::vector<std::string>> sorted;
  for (const auto& kv : n) sorted[Str(kv.first)] = StringList(kv.second);
  return {sorted.begin(), sorted.end()};
}

}  // namespace

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

std::vector<StaticTargets> StaticConfigs(const YAML::Node& n) {
  std::vector<StaticTargets> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "discovery.StaticConfig");
  for (const auto& st : n) {
    if (!Present(st)) continue;
    // The anonymous struct Prometheus decodes a static config into, named as yaml.v2 names it.
    CheckKeys(st, {"targets", "labels"},
              "struct { Targets []string \"yaml:\\\"targets\\\"\"; Labels model.LabelSet "
              "\"yaml:\\\"labels\\\"\" }");
    out.push_back({StringList(st["targets"]), LabelMap(st["labels"], relabel::NameValidation::kUtf8)});
  }
  return out;
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

std::vector<FileSdConfig> FileSdConfigs(const YAML::Node& n) {
  std::vector<FileSdConfig> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "[]*file.SDConfig");
  for (const auto& f : n) {
    CheckKeys(f, {"files", "refresh_interval"}, "file.plain");
    FileSdConfig fs;
    fs.files = StringList(f["files"]);
    if (Present(f["refresh_interval"])) fs.refresh_interval_ms = DurationMs(f["refresh_interval"]);
    if (fs.files.empty()) Fail("file service discovery config must contain at least one path name");
    for (const auto& name : fs.files) {
      if (!ValidFileSdName(name)) Fail("path name \"" + name + "\" is not valid for file discovery");
    }
    out.push_back(std::move(fs));
  }
  return out;
}

// The discovery sections of kinds promref does not discover with, sorted by kind.
std::vector<UnsupportedDiscovery> UnsupportedDiscoveries(const YAML::Node& sc) {
  std::vector<UnsupportedDiscovery> out;
  for (const auto& kv : sc) {
    const std::string key = kv.first.as<std::string>();
    if (UnsupportedDiscoveryKeys().count(key) && Present(kv.second)) out.push_back({key, kv.second});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.kind < b.kind; });
  return out;
}

namespace {

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

// The fields of ScrapeConfig itself, in its order.
void DecodeScrapeFields(const YAML::Node& sc, DecodedScrapeConfig* d) {
  ScrapeConfig& s = d->s;
  s.job_name = Str(sc["job_name"]);
  s.honor_labels = Bool(sc["honor_labels"], false);
  s.honor_timestamps = BoolUnlessAbsent(sc["honor_timestamps"]);
  s.track_timestamps_staleness = Bool(sc["track_timestamps_staleness"], false);
  s.params = Params(sc["params"]);
  s.scrape_interval_ms = DurationMs(sc["scrape_interval"]);
  s.scrape_timeout_ms = DurationMs(sc["scrape_timeout"]);
  d->protocols_set = Present(sc["scrape_protocols"]);
  if (d->protocols_set) s.scrape_protocols = ScrapeProtocols(sc["scrape_protocols"]);
  s.fallback_scrape_protocol = Str(sc["fallback_scrape_protocol"]);
  d->native_set = Present(sc["scrape_native_histograms"]);
  s.scrape_native_histograms = Bool(sc["scrape_native_histograms"], false);
  d->always_set = Present(sc["always_scrape_classic_histograms"]);
  s.always_scrape_classic_histograms = Bool(sc["always_scrape_classic_histograms"], false);
  d->nhcb_set = Present(sc["convert_classic_histograms_to_nhcb"]);
  s.convert_classic_histograms_to_nhcb = Bool(sc["convert_classic_histograms_to_nhcb"], false);
  s.scrape_failure_log_file = Str(sc["scrape_failure_log_file"]);
  if (sc["metrics_path"]) s.metrics_path = Str(sc["metrics_path"]);
  if (sc["scheme"]) s.scheme = Str(sc["scheme"]);
  s.enable_compression = BoolUnlessAbsent(sc["enable_compression"]);
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
  d->extra_set = Present(sc["extra_scrape_metrics"]);
  s.extra_scrape_metrics = Bool(sc["extra_scrape_metrics"], false);
}

// ScrapeConfig.UnmarshalYAML, in Prometheus' order. A null section decodes to nothing (Validate
// refuses it).
std::optional<DecodedScrapeConfig> DecodeScrapeConfig(const YAML::Node& sc) {
  if (!Present(sc)) return std::nullopt;
  CheckKeys(sc, ScrapeConfigKeys(), "config.ScrapeConfig");
  DecodedScrapeConfig d;
  d.node = sc;
  DecodeScrapeFields(sc, &d);
  ScrapeConfig& s = d.s;
  bool null_target_rule = false;
  bool null_metric_rule = false;
  s.relabel_configs = RelabelList(sc["relabel_configs"], &null_target_rule);
  s.metric_relabel_configs = RelabelList(sc["metric_relabel_configs"], &null_metric_rule);
  s.static_configs = StaticConfigs(sc["static_configs"]);
  s.file_sd_configs = FileSdConfigs(sc["file_sd_configs"]);
  s.unsupported_discovery = UnsupportedDiscoveries(sc);
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

// What the scrape config left unset and the global configuration (or Prometheus' default) sets.
void InheritFromGlobal(const GlobalConfig& g, DecodedScrapeConfig* d) {
  ScrapeConfig& s = d->s;
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
  if (!d->native_set) s.scrape_native_histograms = g.scrape_native_histograms;
  if (!d->extra_set) s.extra_scrape_metrics = g.extra_scrape_metrics;
  if (d->protocols_set) return;
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

// The metric name validation and escaping schemes, from the scrape config, else the global
// configuration; a validation scheme set locally picks the escaping that goes with it.
void ResolveNameSchemes(const GlobalConfig& g, ScrapeConfig* s) {
  const bool local_validation_unset = s->metric_name_validation_scheme.empty();
  if (local_validation_unset) s->metric_name_validation_scheme = g.metric_name_validation_scheme;
  std::string global_escaping = g.metric_name_escaping_scheme;
  if (global_escaping.empty()) {
    global_escaping = g.metric_name_validation_scheme == "legacy" ? "underscores" : "allow-utf-8";
  } else if (!IsEscapingScheme(global_escaping)) {
    Fail(
        "unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', "
        "or 'values', got \"" +
        global_escaping + "\"");
  }
  if (s->metric_name_escaping_scheme.empty()) {
    if (local_validation_unset) {
      s->metric_name_escaping_scheme = global_escaping;
    } else {
      s->metric_name_escaping_scheme =
          s->metric_name_validation_scheme == "legacy" ? "underscores" : "allow-utf-8";
    }
  }
  if (s->metric_name_escaping_scheme == "allow-utf-8") {
    if (s->metric_name_validation_scheme != "utf8")
      Fail("utf8 metric names requested but validation scheme is not set to UTF8");
  } else if (!IsEscapingScheme(s->metric_name_escaping_scheme)) {
    Fail(
        "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', "
        "'dots', or 'values', got \"" +
        s->metric_name_escaping_scheme + "\"");
  }
}

// One line for the discovery kinds promref does not discover with and one for the scrape
// settings the scrape manager does not apply (yet).
void AddWarnings(const DecodedScrapeConfig& d, std::vector<std::string>* warnings) {
  const ScrapeConfig& s = d.s;
  const std::string who = "scrape config \"" + s.job_name + "\": ";
  for (const auto& u : s.unsupported_discovery) {
    warnings->push_back(who + u.kind + " is accepted but promref does not discover targets with it yet");
  }
  const HttpClientConfig& h = s.http_client;
  const std::pair<bool, const char*> unapplied[] = {
      {h.oauth2.has_value(), "oauth2"},
      {!h.tls_config.server_name.empty(), "tls_config.server_name"},
      {!h.tls_config.min_version.empty() || !h.tls_config.max_version.empty(),
       "tls_config.min_version/max_version"},
      {!h.proxy_connect_header.empty(), "proxy_connect_header"},
      {h.basic_auth && (!h.basic_auth->username_ref.empty() || !h.basic_auth->password_ref.empty()),
       "basic_auth *_ref"},
      {h.authorization && !h.authorization->credentials_ref.empty(), "authorization.credentials_ref"},
  };
  std::vector<std::string> written;
  for (const auto& [set, name] : unapplied) {
    if (set) written.push_back(name);
  }
  if (!written.empty()) {
    warnings->push_back(who + "accepted but not applied by promref's scrape manager: " + Join(written, ", "));
  }
}

// ScrapeConfig.Validate(global), in Prometheus' order.
ScrapeConfig ValidateScrapeConfig(std::optional<DecodedScrapeConfig> decoded, const GlobalConfig& g,
                                  std::vector<std::string>* warnings) {
  if (!decoded) Fail("empty or null scrape config section");
  DecodedScrapeConfig& d = *decoded;
  ScrapeConfig& s = d.s;
  InheritFromGlobal(g, &d);
  CheckScrapeProtocols(s.scrape_protocols, " for scrape config with job name \"" + s.job_name + "\"");
  if (!s.fallback_scrape_protocol.empty()) {
    if (auto e = CheckProtocol(s.fallback_scrape_protocol); !e.empty())
      Fail("invalid fallback_scrape_protocol for scrape config with job name \"" + s.job_name + "\": " + e);
  }
  ResolveNameSchemes(g, &s);
  if (!d.nhcb_set) s.convert_classic_histograms_to_nhcb = g.convert_classic_histograms_to_nhcb;
  if (!d.always_set) s.always_scrape_classic_histograms = g.always_scrape_classic_histograms;
  const auto scheme = NameValidationOf(s.metric_name_validation_scheme);
  for (auto* rules : {&s.relabel_configs, &s.metric_relabel_configs}) {
    for (auto& rc : *rules) {
      if (auto st = relabel::Validate(&rc, scheme); !st.ok()) Fail(st.error().message());
    }
  }
  AddWarnings(d, warnings);
  return std::move(s);
}

}  // namespace

std::vector<std::string> ScrapeProtocols(const YAML::Node& n) {
  if (!n.IsSequence()) FailType(n, "[]config.ScrapeProtocol");
  std::vector<std::string> out;
  for (const auto& v : n) out.push_back(Str(v));
  return out;
}

void CheckScrapeProtocols(const std::vector<std::string>& protocols, const std::string& where) {
  if (protocols.empty()) Fail("scrape_protocols cannot be empty" + where);
  std::set<std::string> seen;
  for (const auto& p : protocols) {
    const std::string lower = ToLower(p);
    if (seen.count(lower))
      Fail("duplicated protocol in scrape_protocols, got [" + Join(protocols, " ") + "]" + where);
    if (auto e = CheckProtocol(p); !e.empty()) Fail("scrape_protocols: " + e + where);
    seen.insert(lower);
  }
}

std::vector<ScrapeConfig> ParseScrapeConfigs(const YAML::Node& n, const GlobalConfig& global,
                                             std::vector<std::string>* warnings) {
  std::vector<ScrapeConfig> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "[]*config.ScrapeConfig");
  // Prometheus decodes the whole file before it validates any scrape config.
  std::vector<std::optional<DecodedScrapeConfig>> decoded;
  for (const auto& sc : n) decoded.push_back(DecodeScrapeConfig(sc));
  std::set<std::string> jobs;
  for (auto& d : decoded) {
    ScrapeConfig s = ValidateScrapeConfig(std::move(d), global, warnings);
    if (!jobs.insert(s.job_name).second)
      Fail("found multiple scrape configs with job name \"" + s.job_name + "\"");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace promref::config::internal
