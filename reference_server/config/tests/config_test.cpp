#include "config/config.h"

#include <gtest/gtest.h>

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
  EXPECT_FALSE(ParseConfig("scrape_configs: [{job_name: a}, {job_name: a}]").ok());
  EXPECT_FALSE(ParseConfig("scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 10s}]").ok());
  EXPECT_FALSE(ParseConfig("remote_write: [{url: ftp://x}]").ok());
  EXPECT_FALSE(ParseConfig("promref: {tenants: [{id: ../etc}]}").ok());
  EXPECT_FALSE(ParseConfig("promref: {tenants: [{id: a}, {id: a}]}").ok());
  EXPECT_TRUE(ParseConfig("").ok());
}

}  // namespace
}  // namespace promref::config
