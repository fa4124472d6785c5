// Per-tenant rules behind a vendor front door: each tenant's rule files see only that tenant's
// data, write only into it, and show only in that tenant's rules and alerts endpoints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/remote_write_client.h"
#include "conformance/client/http_client.h"
#include "server/promref_server.h"

namespace promref::server {
namespace {

using nlohmann::json;
using promconform::HttpClient;

json Data(HttpClient& c, const std::string& url, const promconform::Headers& h) {
  auto r = c.Get(url, h);
  EXPECT_EQ(r.status, 200) << url << ": " << r.body;
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() ? j["data"] : json();
}

TEST(TenantRules, EachTenantEvaluatesItsOwnRulesOverItsOwnData) {
  char dir[] = "/tmp/promref-tenant-rulesXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string d = dir;
  std::ofstream(d + "/a.yml") << "groups:\n  - name: a\n    interval: 1s\n    rules:\n"
                                 "      - record: tenant:temp:sum\n        expr: sum(temp)\n"
                                 "      - alert: Hot\n        expr: temp > 10\n";
  std::ofstream(d + "/b.yml") << "groups:\n  - name: b\n    interval: 1s\n    rules:\n"
                                 "      - record: tenant:temp:sum\n        expr: sum(temp)\n";
  const std::string cfg =
      "promref:\n  route_prefix: /prometheus\n  tenants:\n"
      "    - id: projA\n      app_keys: [key-a]\n      rule_files: ['" +
      d + "/a.yml']\n    - id: projB\n      app_keys: [key-b]\n      rule_files: ['" + d + "/b.yml']\n";
  auto srv = StartEmbedded({}, cfg);
  ASSERT_TRUE(srv.ok()) << srv.error().message();
  const std::string base = (*srv)->base_url();
  HttpClient c;
  const promconform::Headers a = {{"X-TC-APP-KEY", "key-a"}};
  const promconform::Headers b = {{"X-TC-APP-KEY", "key-b"}};
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto write = [&](const promconform::Headers& h, std::vector<std::pair<std::string, double>> hosts) {
    wire::WriteRequest req;
    for (const auto& [host, v] : hosts) {
      wire::TimeSeries ts;
      ts.labels = {{"__name__", "temp"}, {"host", host}};
      ts.samples.push_back({now, v});
      req.timeseries.push_back(ts);
    }
    Status st = promconform::SendRemoteWrite(c, base + "/prometheus/api/v1/write", req, h);
    ASSERT_TRUE(st.ok()) << st.error().message();
  };
  write(a, {{"1", 20}});
  write(b, {{"1", 5}, {"2", 7}});

  const auto sum_of = [&](const promconform::Headers& h) -> std::string {
    const json r = Data(c, base + "/prometheus/api/v1/query?query=tenant:temp:sum", h);
    return r.is_object() && r["result"].size() == 1 ? r["result"][0]["value"][1].get<std::string>() : "";
  };
  for (int i = 0; i < 100 && (sum_of(a).empty() || sum_of(b).empty()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(sum_of(a), "20");
  EXPECT_EQ(sum_of(b), "12");

  const json rules_a = Data(c, base + "/prometheus/api/v1/rules", a);
  ASSERT_EQ(rules_a["groups"].size(), 1u);
  EXPECT_EQ(rules_a["groups"][0]["name"], "a");
  const json rules_b = Data(c, base + "/prometheus/api/v1/rules", b);
  ASSERT_EQ(rules_b["groups"].size(), 1u);
  EXPECT_EQ(rules_b["groups"][0]["name"], "b");
  EXPECT_EQ(Data(c, base + "/prometheus/api/v1/alerts", a)["alerts"].size(), 1u);
  EXPECT_EQ(Data(c, base + "/prometheus/api/v1/alerts", b)["alerts"].size(), 0u);
  // A wrong key sees nothing.
  EXPECT_EQ(c.Get(base + "/prometheus/api/v1/rules", {{"X-TC-APP-KEY", "nope"}}).status, 401);
  srv->reset();
  std::filesystem::remove_all(d);
}

}  // namespace
}  // namespace promref::server
