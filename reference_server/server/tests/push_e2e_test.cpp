// Pushes through the front door: a tenant's pushes become its series at the next scrape
// interval, another tenant sees none of them, and a DELETE makes them stale.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "conformance/client/http_client.h"
#include "server/promref_server.h"

namespace promref {
namespace {

using nlohmann::json;
using promconform::HttpClient;

TEST(PushE2e, PushedGroupsAreTheTenantsSeriesUntilDeleted) {
  const std::string cfg =
      "global: {scrape_interval: 1s}\n"
      "promref:\n  route_prefix: /prometheus\n  tenants:\n"
      "    - id: a\n      bearer_tokens: [token-a]\n"
      "    - id: b\n      app_keys: [key-b]\n";
  auto srv = server::StartEmbedded({}, cfg);
  ASSERT_TRUE(srv.ok()) << srv.error().message();
  const std::string base = (*srv)->base_url() + "/prometheus";
  HttpClient c;
  const promconform::Headers a = {{"Authorization", "Bearer token-a"}};
  const promconform::Headers b = {{"X-TC-APP-KEY", "key-b"}};
  auto r = c.Do({"PUT", base + "/metrics/job/batch/instance/h1", a,
                 "# TYPE last_success_seconds gauge\nlast_success_seconds 1.7e9\n"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(c.Do({"PUT", base + "/metrics/job/batch", {}, "m 1\n"}).status, 401)
      << "credentials are required";

  const auto query = [&](const promconform::Headers& h) {
    return json::parse(c.Get(base + "/api/v1/query?query=last_success_seconds", h).body)["data"]["result"];
  };
  json result;
  for (int i = 0; i < 50 && result.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    result = query(a);
  }
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0]["metric"],
            json({{"__name__", "last_success_seconds"}, {"instance", "h1"}, {"job", "batch"}}));
  EXPECT_EQ(result[0]["value"][1], "1700000000");
  EXPECT_TRUE(query(b).empty()) << "another tenant sees nothing of it";
  EXPECT_EQ(json::parse(c.Get(base + "/api/v1/metrics", b).body)["data"].size(), 0u);

  r = c.Do({"DELETE", base + "/metrics/job/batch/instance/h1", a, ""});
  EXPECT_EQ(r.status, 202);
  for (int i = 0; i < 50 && !result.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    result = query(a);
  }
  EXPECT_TRUE(result.empty()) << "stale after the DELETE";
}

}  // namespace
}  // namespace promref
