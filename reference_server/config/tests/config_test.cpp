#include "config/config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace promref::config {
namespace {

TEST(Config, ParsesPrometheusShapeAndPromrefSection) {
  auto c = ParseConfig(R"(
global:
  scrape_interval: 15s
  external_labels: {region: eu}
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["localhost:9100"]
        labels: {env: prod}
rule_files: ["rules/*.yml"]
remote_write:
  - url: http://example.invalid/api/v1/write
promref:
  route_prefix: /prometheus/
  tenants:
    - id: projectA
      app_keys: [key-a]
      basic_auth: [{username: "1250000000", password: tok}]
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->global.scrape_interval_ms, 15000);
  EXPECT_EQ(c->global.scrape_timeout_ms, 10000);
  EXPECT_EQ(c->global.external_labels.Get("region"), "eu");
  ASSERT_EQ(c->scrape_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[0].scrape_interval_ms, 15000);
  EXPECT_EQ(c->promref.route_prefix, "/prometheus");
  ASSERT_EQ(c->promref.tenants.size(), 1u);
  EXPECT_EQ(c->promref.tenants[0].basic_auth[0].first, "1250000000");
  const std::string yaml = ToYaml(*c);
  EXPECT_EQ(yaml.find("key-a"), std::string::npos) << "secrets are redacted";
  EXPECT_NE(yaml.find("scrape_interval: 15s"), std::string::npos);
}

TEST(Config, RejectsWhatPrometheusRejects) {
  EXPECT_FALSE(ParseConfig("global: {scrape_interval: 5x}").ok());
  EXPECT_FALSE(ParseConfig("bogus: 1").ok());
  EXPECT_FALSE(ParseConfig("remote_write: [{url: ftp://x}]").ok());
  EXPECT_FALSE(ParseConfig("promref: {tenants: [{id: ../etc}]}").ok());
  EXPECT_FALSE(ParseConfig("promref: {tenants: [{id: a}, {id: a}]}").ok());
  EXPECT_TRUE(ParseConfig("").ok());
}

// Each message is what Prometheus 3.16's `promtool check config` printed for the same document
// (after its "parsing YAML file F: " prefix, which LoadConfigFile adds).
TEST(Config, ScrapeConfigErrorsReadAsPrometheus) {
  const std::string kProtocols =
      "[OpenMetricsText0.0.1 OpenMetricsText1.0.0 OpenMetricsText2.0.0 PrometheusProto PrometheusText0.0.4 "
      "PrometheusText1.0.0]";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"scrape_configs: [{job_name: a}, {job_name: a}]", "found multiple scrape configs with job name \"a\""},
      {"scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 10s",
       "scrape timeout greater than scrape interval for scrape config with job name \"a\""},
      {"scrape_configs:\n- job_name: a\n  scrape_timeout: 2m",
       "scrape timeout greater than scrape interval for scrape config with job name \"a\""},
      {"global: {scrape_interval: 5s, scrape_timeout: 6s}",
       "global scrape timeout greater than scrape interval"},
      {"scrape_configs:\n- job_name: a\n  scrape_interval: 5x", "unknown unit \"x\" in duration \"5x\""},
      {"scrape_configs:\n- job_name: a\n  scrape_classic_histograms: true",
       "yaml: unmarshal errors:\n  line 3: field scrape_classic_histograms not found in type "
       "config.ScrapeConfig"},
      {"scrape_configs:\n- job_name: a\n  bogus: 1",
       "yaml: unmarshal errors:\n  line 3: field bogus not found in type config.ScrapeConfig"},
      {"scrape_configs:\n- job_name: a\n  body_size_limit: 100", "units: unknown unit  in 100"},
      {"scrape_configs:\n- job_name: a\n  body_size_limit: 10kB", "units: unknown unit kB in 10kB"},
      {"scrape_configs:\n- job_name: a\n  static_configs: [{targets: [a:1], labels: {\"\": x}}]",
       "\"\" is not a valid label name"},
      {"scrape_configs:\n- job_name: a\n  static_configs: [{targets: [\"http://a:1\"]}]",
       "\"http://a:1\" is not a valid hostname"},
      {"scrape_configs:\n- job_name: a\n  static_configs: [{targets: [a:1], labels: {a: b}, x: 1}]",
       "yaml: unmarshal errors:\n  line 3: field x not found in type struct { Targets []string "
       "\"yaml:\\\"targets\\\"\"; Labels model.LabelSet \"yaml:\\\"labels\\\"\" }"},
      {"scrape_configs:\n- job_name: a\n  scrape_protocols: [Foo]",
       "scrape_protocols: unknown scrape protocol Foo, supported: " + kProtocols +
           " for scrape config with job name \"a\""},
      {"scrape_configs:\n- job_name: a\n  scrape_protocols: [PrometheusProto, prometheusproto]",
       "duplicated protocol in scrape_protocols, got [PrometheusProto prometheusproto] for scrape config "
       "with job "
       "name \"a\""},
      {"scrape_configs:\n- job_name: a\n  scrape_protocols: []",
       "scrape_protocols cannot be empty for scrape config with job name \"a\""},
      {"scrape_configs:\n- job_name: a\n  fallback_scrape_protocol: Foo",
       "invalid fallback_scrape_protocol for scrape config with job name \"a\": unknown scrape protocol Foo, "
       "supported: " +
           kProtocols},
      {"global:\n  scrape_protocols: [Foo]",
       "scrape_protocols: unknown scrape protocol Foo, supported: " + kProtocols + " for global config"},
      {"scrape_configs:\n- job_name: a\n  basic_auth: {username: u, password: p, password_file: f}",
       "at most one of basic_auth password, password_file & password_ref must be configured"},
      {"scrape_configs:\n- job_name: a\n  basic_auth: {username: u}\n  bearer_token: t",
       "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"},
      {"scrape_configs:\n- job_name: a\n  basic_auth: {username: u}\n  authorization: {credentials: t}",
       "at most one of basic_auth, oauth2 & authorization must be configured"},
      {"scrape_configs:\n- job_name: a\n  authorization: {type: basic, credentials: t}",
       "authorization type cannot be set to \"basic\", use \"basic_auth\" instead"},
      {"scrape_configs:\n- job_name: a\n  bearer_token: t\n  bearer_token_file: f",
       "at most one of bearer_token & bearer_token_file must be configured"},
      {"scrape_configs:\n- job_name: a\n  oauth2: {client_id: x}", "oauth2 token_url must be configured"},
      {"scrape_configs:\n- job_name: a\n  relabel_configs: [~]",
       "empty or null target relabeling rule in scrape config"},
      {"scrape_configs:\n- job_name: a\n  metric_relabel_configs:\n  -",
       "empty or null metric relabeling rule in scrape config"},
      {"scrape_configs:\n- job_name: a\n  sample_limit: abc",
       "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `abc` into uint"},
      {"scrape_configs:\n- job_name: a\n  sample_limit: -1",
       "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!int `-1` into uint"},
      {"scrape_configs:\n- job_name: a\n  honor_labels: maybe",
       "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `maybe` into bool"},
      {"scrape_configs:\n- job_name: a\n  native_histogram_min_bucket_factor: x",
       "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `x` into float64"},
      {"scrape_configs:\n- job_name: a\n  params: {a: b}",
       "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `b` into []string"},
      {"scrape_configs:\n- job_name: a\n  metric_name_validation_scheme: foo",
       "unrecognized ValidationScheme: \"foo\""},
      {"scrape_configs:\n- job_name: a\n  metric_name_escaping_scheme: foo",
       "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', "
       "'dots', "
       "or 'values', got \"foo\""},
      {"scrape_configs:\n- job_name: a\n  metric_name_validation_scheme: legacy\n  "
       "metric_name_escaping_scheme: "
       "allow-utf-8",
       "utf8 metric names requested but validation scheme is not set to UTF8"},
      {"scrape_configs:\n- job_name: a\n  no_proxy: x",
       "if no_proxy is configured, proxy_url must also be configured"},
      {"scrape_configs:\n- job_name: a\n  proxy_url: \"::bad\"", "parse \"::bad\": missing protocol scheme"},
      {"scrape_configs:\n- job_name: a\n  tls_config: {cert_file: x}",
       "exactly one of key or key_file must be configured when a client certificate is configured"},
      {"scrape_configs:\n- job_name: a\n  tls_config: {min_version: TLS99}", "unknown TLS version: TLS99"},
      {"scrape_configs:\n- job_name: a\n  http_headers: {Authorization: {values: [x]}}",
       "setting header \"Authorization\" is not allowed"},
      {"scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: [a.txt]}]",
       "path name \"a.txt\" is not valid for file discovery"},
      {"scrape_configs:\n- ~", "empty or null scrape config section"},
      {"scrape_configs:\n- job_name: \"\"", "job_name is empty"},
      {"scrape_configs:\n- job_name: a\n  sample_limit: 1\n  sample_limit: 2",
       "yaml: unmarshal errors:\n  line 4: field sample_limit already set in type config.ScrapeConfig"},
      {"global:\n  metric_name_validation_scheme: legacy\n  external_labels: {\"a-b\": x}",
       "\"a-b\" is not a valid label name"},
      {"global:\n  scrape_protocols: []", "scrape_protocols cannot be empty for global config"},
      {"scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: []}]",
       "file service discovery config must contain at least one path name"},
      {"scrape_configs:\n- job_name: a\n  body_size_limit: 1.5MB\n  authorization: {credentials: a, "
       "credentials_file: b}",
       "at most one of authorization credentials & credentials_file must be configured"},
      {"scrape_configs:\n- job_name: a\n  proxy_from_environment: true\n  proxy_url: http://x",
       "if proxy_from_environment is configured, proxy_url must not be configured"},
      {"scrape_configs:\n- job_name: a\n  proxy_connect_header: {A: [b]}",
       "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured"},
      // Prometheus decodes every scrape config before it validates any, and checks for null
      // rules and URL targets after the job name and the HTTP client settings.
      {"scrape_configs:\n- job_name: a\n  scrape_timeout: 2m\n- job_name: b\n  bogus: 1",
       "yaml: unmarshal errors:\n  line 5: field bogus not found in type config.ScrapeConfig"},
      {"scrape_configs:\n- job_name: \"\"\n  relabel_configs: [~]", "job_name is empty"},
      {"scrape_configs:\n- job_name: a\n- job_name: a\n- job_name: b\n  scrape_timeout: 2m",
       "found multiple scrape configs with job name \"a\""},
      {"scrape_configs:\n- job_name: a\n  relabel_configs: [~]\n  static_configs: [{targets: [\"a/b\"]}]",
       "empty or null target relabeling rule in scrape config"},
      {"scrape_configs:\n- job_name: a\n  basic_auth: {username: u}\n  static_configs: [{targets: "
       "[\"a/b\"]}]",
       "\"a/b\" is not a valid hostname"},
      {"scrape_configs:\n- job_name: a\n  relabel_configs: [{action: replace, regex: x}]",
       "relabel configuration for replace action requires 'target_label' value"},
  };
  for (const auto& [yaml, message] : cases) {
    auto c = ParseConfig(yaml);
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_EQ(c.error().message(), message) << yaml;
  }
}

// Documents Prometheus 3.16 loads (promtool check config said SUCCESS for each).
TEST(Config, AcceptsWhatPrometheusAccepts) {
  const std::vector<std::string> ok = {
      "scrape_configs:\n- job_name: a\n  scheme: ftp\n  static_configs: [{targets: [a:1]}]",
      "scrape_configs:\n- job_name: a\n  static_configs: [{targets: [a:1], labels: {\"foo-bar\": x}}]",
      "scrape_configs:\n- job_name: a\n  metrics_path: foo",
      "scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: [a.json], refresh_interval: 0s}]",
      "scrape_configs:\n- job_name: a\n  kubernetes_sd_configs: [{role: pod}]\n  consul_sd_configs: "
      "[{server: x}]",
      // A URL target is fine once relabeling may rewrite it.
      "scrape_configs:\n- job_name: a\n  static_configs: [{targets: [\"http://a/b\"]}]\n  relabel_configs: "
      "[{source_labels: [__address__], target_label: x}]",
  };
  for (const auto& yaml : ok) {
    auto c = ParseConfig(yaml);
    EXPECT_TRUE(c.ok()) << yaml << ": " << c.error().message();
  }
}

TEST(Config, ScrapeConfigsInheritTheGlobalOnes) {
  auto c = ParseConfig(R"(
global:
  scrape_interval: 20s
  scrape_timeout: 15s
  sample_limit: 10
  body_size_limit: 1.5KB
  metric_name_validation_scheme: legacy
  always_scrape_classic_histograms: true
scrape_configs:
  - job_name: short
    scrape_interval: 5s
  - job_name: inherits
  - job_name: own
    sample_limit: 3
    scrape_native_histograms: true
    metric_name_validation_scheme: utf8
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const auto& s = c->scrape_configs;
  EXPECT_EQ(s[0].scrape_timeout_ms, 5000) << "min(global timeout, interval)";
  EXPECT_EQ(s[1].scrape_interval_ms, 20000);
  EXPECT_EQ(s[1].scrape_timeout_ms, 15000);
  EXPECT_EQ(s[1].sample_limit, 10u);
  EXPECT_EQ(s[1].body_size_limit_bytes, 1536);
  EXPECT_EQ(s[1].metric_name_validation_scheme, "legacy");
  EXPECT_EQ(s[1].metric_name_escaping_scheme, "underscores");
  EXPECT_TRUE(s[1].always_scrape_classic_histograms);
  EXPECT_EQ(s[1].scrape_protocols, (std::vector<std::string>{"OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                                                             "PrometheusText1.0.0", "PrometheusText0.0.4"}));
  EXPECT_EQ(s[2].sample_limit, 3u);
  EXPECT_EQ(s[2].metric_name_escaping_scheme, "allow-utf-8");
  EXPECT_EQ(s[2].scrape_protocols.front(), "PrometheusProto") << "native histograms favour protobuf";

  auto g = ParseConfig(
      "global: {scrape_interval: 4s, scrape_protocols: [PrometheusText0.0.4]}\n"
      "scrape_configs: [{job_name: a, scrape_native_histograms: true}]");
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->global.scrape_timeout_ms, 4000);
  EXPECT_EQ(g->scrape_configs[0].scrape_protocols, std::vector<std::string>{"PrometheusText0.0.4"});
}

TEST(Config, BearerTokenBecomesAuthorization) {
  auto c =
      ParseConfig("scrape_configs: [{job_name: a, bearer_token_file: /t}, {job_name: b, bearer_token: x}]");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_TRUE(c->scrape_configs[0].http_client.authorization.has_value());
  EXPECT_EQ(c->scrape_configs[0].http_client.authorization->type, "Bearer");
  EXPECT_EQ(c->scrape_configs[0].http_client.authorization->credentials_file, "/t");
  EXPECT_EQ(c->scrape_configs[1].http_client.authorization->credentials, "x");
}

TEST(Config, WarnsOnceAboutWhatPromrefDoesNotActOn) {
  auto c = ParseConfig(R"(
global: {scrape_interval: 15s, sample_limit: 5, query_log_file: q.log}
scrape_configs:
  - job_name: k8s
    kubernetes_sd_configs: [{role: pod}]
    dns_sd_configs: [{names: [x]}]
    honor_labels: true
    native_histogram_min_bucket_factor: 1.1
    oauth2: {client_id: a, client_secret: b, token_url: "http://t/"}
  - job_name: plain
scrape_config_files: [more/*.yml]
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->warnings, (std::vector<std::string>{
                             "global: accepted but not applied by promref yet: query_log_file",
                             "scrape_config_files is accepted but promref does not apply it yet",
                             "scrape config \"k8s\": dns_sd_configs is accepted but promref does not "
                             "discover targets with it yet",
                             "scrape config \"k8s\": kubernetes_sd_configs is accepted but promref does not "
                             "discover targets with "
                             "it yet",
                             "scrape config \"k8s\": accepted but not applied by promref's scrape manager: "
                             "oauth2",
                         }));
  ASSERT_EQ(c->scrape_configs[0].unsupported_discovery.size(), 2u);
  EXPECT_NE(ToYaml(*c).find("kubernetes_sd_configs:"), std::string::npos) << "shown back as written";
  EXPECT_EQ(c->scrape_configs[0].unsupported_discovery[1].kind, "kubernetes_sd_configs");
  EXPECT_EQ(c->scrape_configs[0].unsupported_discovery[1].configs[0]["role"].Scalar(), "pod");
}

TEST(Config, DiscoverySecretsAreNotShown) {
  auto c = ParseConfig(R"(
scrape_configs:
  - job_name: ec2
    ec2_sd_configs: [{region: eu-west-1, access_key: AK, secret_key: topsecret}]
    consul_sd_configs: [{server: "c:8500", token: tok123, basic_auth: {username: u, password: pw123}}]
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const std::string yaml = ToYaml(*c);
  for (const char* secret : {"topsecret", "tok123", "pw123"}) {
    EXPECT_EQ(yaml.find(secret), std::string::npos) << secret << " in\n" << yaml;
  }
  EXPECT_NE(yaml.find("access_key: AK"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("secret_key: <secret>"), std::string::npos) << yaml;
}

TEST(Config, FileNamesAreRelativeToTheConfigFile) {
  const std::string dir = ::testing::TempDir() + "config-test-dir";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  const std::string path = dir + "/prometheus.yml";
  std::ofstream(path) << R"(
global: {query_log_file: q.log}
rule_files: [rules/*.yml, /abs/r.yml]
scrape_configs:
  - job_name: a
    scrape_failure_log_file: ./logs/../fail.log
    file_sd_configs: [{files: [targets/*.json]}]
    tls_config: {ca_file: ca.pem, cert_file: /etc/cert.pem, key_file: k.pem}
    basic_auth: {username: u, password_file: secrets/pw}
    http_headers: {X-A: {files: [h.txt]}}
)";
  auto c = LoadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.error().message();
  std::string clean = dir;
  while (clean.find("//") != std::string::npos) clean.replace(clean.find("//"), 2, "/");
  EXPECT_EQ(c->global.query_log_file, clean + "/q.log");
  EXPECT_EQ(c->rule_files, (std::vector<std::string>{clean + "/rules/*.yml", "/abs/r.yml"}));
  const auto& s = c->scrape_configs[0];
  EXPECT_EQ(s.scrape_failure_log_file, clean + "/fail.log");
  EXPECT_EQ(s.file_sd_configs[0].files[0], clean + "/targets/*.json");
  EXPECT_EQ(s.http_client.tls_config.ca_file, clean + "/ca.pem");
  EXPECT_EQ(s.http_client.tls_config.cert_file, "/etc/cert.pem");
  EXPECT_EQ(s.http_client.basic_auth->password_file, clean + "/secrets/pw");
  EXPECT_EQ(s.http_client.http_headers[0].files[0], clean + "/h.txt");
  auto text = ParseConfig("scrape_configs: [{job_name: a, file_sd_configs: [{files: [t.json]}]}]");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->scrape_configs[0].file_sd_configs[0].files[0], "t.json") << "ParseConfig has no directory";
  std::remove(path.c_str());
}

// The YAML tree as text: map keys in order, scalars as written, so that two renderings compare
// equal when they hold the same fields in the same order whatever their indentation and quoting.
std::string Canonical(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      std::string out = "{";
      for (const auto& kv : n) out += kv.first.Scalar() + ": " + Canonical(kv.second) + ", ";
      return out + "}";
    }
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (const auto& v : n) out += Canonical(v) + ", ";
      return out + "]";
    }
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "~";
  }
}

// A prometheus.yml using every scrape config field promref parses.
constexpr const char* kFullConfig = R"(
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels:
    region: eu
  body_size_limit: 10MB
  sample_limit: 5000
  label_limit: 64
  label_name_length_limit: 128
  label_value_length_limit: 512
  target_limit: 100
  keep_dropped_targets: 10
  scrape_failure_log_file: /tmp/hc/global-fail.log
  rule_query_offset: 1m
scrape_configs:
  - job_name: node
    honor_labels: true
    honor_timestamps: false
    track_timestamps_staleness: true
    params:
      module: [if_mib]
      collect: [cpu, mem]
    scrape_interval: 30s
    scrape_timeout: 20s
    scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]
    fallback_scrape_protocol: PrometheusText0.0.4
    scrape_native_histograms: true
    always_scrape_classic_histograms: true
    convert_classic_histograms_to_nhcb: true
    scrape_failure_log_file: /tmp/hc/fail.log
    metrics_path: /probe
    scheme: https
    enable_compression: false
    body_size_limit: 1KiB
    sample_limit: 100
    target_limit: 5
    label_limit: 30
    label_name_length_limit: 200
    label_value_length_limit: 300
    native_histogram_bucket_limit: 160
    native_histogram_min_bucket_factor: 1.1
    keep_dropped_targets: 7
    metric_name_validation_scheme: legacy
    metric_name_escaping_scheme: dots
    basic_auth:
      username: admin
      password: hunter2
    tls_config:
      ca_file: /etc/ca.pem
      server_name: node.example
      insecure_skip_verify: true
      min_version: TLS12
    follow_redirects: false
    enable_http2: false
    proxy_url: http://proxy.example:3128
    no_proxy: localhost,10.0.0.0/8
    proxy_connect_header:
      X-Proxy: [a]
    http_headers:
      X-Custom:
        values: [v1]
    static_configs:
      - targets: ["localhost:9100", "10.0.0.2:9100"]
        labels:
          env: prod
    file_sd_configs:
      - files: [/etc/targets/*.json]
        refresh_interval: 1m
    relabel_configs:
      - source_labels: [__address__]
        regex: (.*):9100
        target_label: host
        replacement: $1
      - action: labeldrop
        regex: tmp_.*
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
  - job_name: api
    authorization:
      credentials: s3cret
    static_configs:
      - targets: ["api:8080"]
  - job_name: legacy-bearer
    bearer_token: tok
    static_configs:
      - targets: [a:1]
  - job_name: tls-and-headers
    scrape_interval: 5s
    scrape_native_histograms: true
    bearer_token_file: /etc/token
    tls_config:
      cert_file: /etc/c.pem
      key: inline-key
      max_version: TLS13
    proxy_from_environment: true
    proxy_connect_header:
      X-A: [one, two]
    http_headers:
      X-Secret:
        secrets: [s1]
        files: [/etc/h]
    file_sd_configs:
      - files: [targets/a.yml, "targets/*.json"]
)";

// What Prometheus 3.16 showed in /api/v1/status/config for kFullConfig (its global and
// scrape_configs sections), produced by running the real server on that file.
constexpr const char* kPrometheusRendering = R"(
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 30s
  rule_query_offset: 1m
  scrape_failure_log_file: /tmp/hc/global-fail.log
  external_labels:
    region: eu
  body_size_limit: 10MiB
  sample_limit: 5000
  target_limit: 100
  label_limit: 64
  label_name_length_limit: 128
  label_value_length_limit: 512
  keep_dropped_targets: 10
  metric_name_validation_scheme: utf8
  scrape_native_histograms: false
  extra_scrape_metrics: false
scrape_configs:
- job_name: node
  honor_labels: true
  honor_timestamps: false
  track_timestamps_staleness: true
  params:
    collect:
    - cpu
    - mem
    module:
    - if_mib
  scrape_interval: 30s
  scrape_timeout: 20s
  scrape_protocols:
  - PrometheusText0.0.4
  - OpenMetricsText1.0.0
  fallback_scrape_protocol: PrometheusText0.0.4
  scrape_native_histograms: true
  always_scrape_classic_histograms: true
  convert_classic_histograms_to_nhcb: true
  scrape_failure_log_file: /tmp/hc/fail.log
  metrics_path: /probe
  scheme: https
  enable_compression: false
  body_size_limit: 1KiB
  sample_limit: 100
  target_limit: 5
  label_limit: 30
  label_name_length_limit: 200
  label_value_length_limit: 300
  native_histogram_bucket_limit: 160
  native_histogram_min_bucket_factor: 1.1
  keep_dropped_targets: 7
  metric_name_validation_scheme: legacy
  metric_name_escaping_scheme: dots
  extra_scrape_metrics: false
  basic_auth:
    username: admin
    password: <secret>
  tls_config:
    ca_file: /etc/ca.pem
    server_name: node.example
    insecure_skip_verify: true
    min_version: TLS12
  follow_redirects: false
  enable_http2: false
  proxy_url: http://proxy.example:3128
  no_proxy: localhost,10.0.0.0/8
  proxy_connect_header:
    X-Proxy:
    - <secret>
  http_headers:
    X-Custom:
      values:
      - v1
  relabel_configs:
  - source_labels: [__address__]
    separator: ;
    regex: (.*):9100
    target_label: host
    replacement: $1
    action: replace
  - separator: ;
    regex: tmp_.*
    replacement: $1
    action: labeldrop
  metric_relabel_configs:
  - source_labels: [__name__]
    separator: ;
    regex: go_.*
    replacement: $1
    action: drop
  file_sd_configs:
  - files:
    - /etc/targets/*.json
    refresh_interval: 1m
  static_configs:
  - targets:
    - localhost:9100
    - 10.0.0.2:9100
    labels:
      env: prod
- job_name: api
  honor_timestamps: true
  track_timestamps_staleness: false
  scrape_interval: 15s
  scrape_timeout: 10s
  scrape_protocols:
  - OpenMetricsText1.0.0
  - OpenMetricsText0.0.1
  - PrometheusText1.0.0
  - PrometheusText0.0.4
  scrape_native_histograms: false
  always_scrape_classic_histograms: false
  convert_classic_histograms_to_nhcb: false
  scrape_failure_log_file: /tmp/hc/global-fail.log
  metrics_path: /metrics
  scheme: http
  enable_compression: true
  body_size_limit: 10MiB
  sample_limit: 5000
  target_limit: 100
  label_limit: 64
  label_name_length_limit: 128
  label_value_length_limit: 512
  keep_dropped_targets: 10
  metric_name_validation_scheme: utf8
  metric_name_escaping_scheme: allow-utf-8
  extra_scrape_metrics: false
  authorization:
    type: Bearer
    credentials: <secret>
  follow_redirects: true
  enable_http2: true
  static_configs:
  - targets:
    - api:8080
- job_name: legacy-bearer
  honor_timestamps: true
  track_timestamps_staleness: false
  scrape_interval: 15s
  scrape_timeout: 10s
  scrape_protocols:
  - OpenMetricsText1.0.0
  - OpenMetricsText0.0.1
  - PrometheusText1.0.0
  - PrometheusText0.0.4
  scrape_native_histograms: false
  always_scrape_classic_histograms: false
  convert_classic_histograms_to_nhcb: false
  scrape_failure_log_file: /tmp/hc/global-fail.log
  metrics_path: /metrics
  scheme: http
  enable_compression: true
  body_size_limit: 10MiB
  sample_limit: 5000
  target_limit: 100
  label_limit: 64
  label_name_length_limit: 128
  label_value_length_limit: 512
  keep_dropped_targets: 10
  metric_name_validation_scheme: utf8
  metric_name_escaping_scheme: allow-utf-8
  extra_scrape_metrics: false
  authorization:
    type: Bearer
    credentials: <secret>
  follow_redirects: true
  enable_http2: true
  static_configs:
  - targets:
    - a:1
- job_name: tls-and-headers
  honor_timestamps: true
  track_timestamps_staleness: false
  scrape_interval: 5s
  scrape_timeout: 5s
  scrape_protocols:
  - PrometheusProto
  - OpenMetricsText1.0.0
  - OpenMetricsText0.0.1
  - PrometheusText1.0.0
  - PrometheusText0.0.4
  scrape_native_histograms: true
  always_scrape_classic_histograms: false
  convert_classic_histograms_to_nhcb: false
  scrape_failure_log_file: /tmp/hc/global-fail.log
  metrics_path: /metrics
  scheme: http
  enable_compression: true
  body_size_limit: 10MiB
  sample_limit: 5000
  target_limit: 100
  label_limit: 64
  label_name_length_limit: 128
  label_value_length_limit: 512
  keep_dropped_targets: 10
  metric_name_validation_scheme: utf8
  metric_name_escaping_scheme: allow-utf-8
  extra_scrape_metrics: false
  authorization:
    type: Bearer
    credentials_file: /etc/token
  tls_config:
    key: <secret>
    cert_file: /etc/c.pem
    insecure_skip_verify: false
    max_version: TLS13
  follow_redirects: true
  enable_http2: true
  proxy_from_environment: true
  proxy_connect_header:
    X-A:
    - <secret>
    - <secret>
  http_headers:
    X-Secret:
      secrets:
      - <secret>
      files:
      - /etc/h
  file_sd_configs:
  - files:
    - targets/a.yml
    - targets/*.json
    refresh_interval: 5m
)";

TEST(Config, RendersAFullConfigAsPrometheus) {
  auto c = ParseConfig(kFullConfig);
  ASSERT_TRUE(c.ok()) << c.error().message();
  const std::string yaml = ToYaml(*c);
  const YAML::Node ours = YAML::Load(yaml);
  const YAML::Node want = YAML::Load(kPrometheusRendering);
  EXPECT_EQ(Canonical(ours["global"]), Canonical(want["global"])) << yaml;
  ASSERT_EQ(ours["scrape_configs"].size(), want["scrape_configs"].size());
  for (size_t i = 0; i < want["scrape_configs"].size(); ++i) {
    EXPECT_EQ(Canonical(ours["scrape_configs"][i]), Canonical(want["scrape_configs"][i])) << "job " << i;
  }
  for (const char* secret : {"hunter2", "s3cret", "inline-key", "s1", "one"}) {
    EXPECT_EQ(yaml.find(secret), std::string::npos) << secret;
  }
  // What we show loads back to the same configuration.
  auto again = ParseConfig(yaml);
  ASSERT_TRUE(again.ok()) << again.error().message();
}

}  // namespace
}  // namespace promref::config

namespace promref::config {
namespace {

// Expected texts printed by Prometheus 3.16's `promtool check config` for the same documents.
TEST(Config, RemoteWriteIsCheckedAsPrometheusChecksIt) {
  const std::pair<std::string, std::string> cases[] = {
      {"remote_write: [{url: 'http://a/'}, {url: 'http://b/', name: x}, {url: 'http://c/', name: x}]",
       "found multiple remote write configs with job name \"x\""},
      {"remote_write: [{url: 'http://a/', queue_config: {max_shards: 0}}]",
       "remote write queue max_shards must be positive"},
      {"remote_write: [{url: 'http://a/', headers: {User-Agent: x}}]",
       "User-Agent is a reserved header. It must not be changed"},
      {"remote_write: [{url: 'http://a/', headers: {authorization: x}}]",
       "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or "
       "google_iam "
       "parameter"},
      {"remote_write: [{url: 'http://a/', protobuf_message: foo}]",
       "invalid protobuf_message value: unknown type for remote write protobuf message foo, supported: "
       "prometheus.WriteRequest, io.prometheus.write.v2.Request"},
      {"remote_write: [{url: 'http://a/', queue_config: {min_backoff: 2s, max_backoff: 1s}}]",
       "remote write queue max_backoff must not be less than min_backoff"},
      {"remote_write: [{url: 'http://a/', basic_auth: {username: a}, authorization: {credentials: b}}]",
       "at most one of basic_auth, oauth2 & authorization must be configured"},
      {"remote_write: [{name: x}]", "url for remote_write is empty"},
  };
  for (const auto& [yaml, message] : cases) {
    auto c = ParseConfig(yaml);
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_EQ(c.error().message(), message) << yaml;
  }
  auto c = ParseConfig("remote_write: [{url: 'http://a/', foo: 1}]");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("field foo not found in type config.plain"), std::string::npos)
      << c.error().message();
}

TEST(Config, RemoteWriteDefaultsAreQueueConfigs) {
  auto c = ParseConfig(
      "remote_write:\n- url: http://a/api/v1/write\n  protobuf_message: io.prometheus.write.v2.Request\n"
      "  write_relabel_configs: [{source_labels: [__name__], regex: 'go_.*', action: drop}]\n"
      "  queue_config: {max_samples_per_send: 100, retry_on_http_429: true}\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const RemoteWriteConfig& r = c->remote_write.at(0);
  EXPECT_EQ(r.queue_config.capacity, 10000);
  EXPECT_EQ(r.queue_config.max_shards, 50);
  EXPECT_EQ(r.queue_config.max_samples_per_send, 100);
  EXPECT_EQ(r.queue_config.min_backoff_ms, 30);
  EXPECT_EQ(r.queue_config.max_backoff_ms, 5000);
  EXPECT_TRUE(r.queue_config.retry_on_http_429);
  EXPECT_EQ(r.remote_timeout_ms, 30000);
  EXPECT_FALSE(r.http_client.enable_http2);
  EXPECT_TRUE(r.http_client.follow_redirects);
  EXPECT_EQ(r.write_relabel_configs.size(), 1u);
}

}  // namespace
}  // namespace promref::config
