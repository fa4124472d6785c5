// NHN Cloud workspace jobs become scrape jobs: a job and a collection target made through the
// workspace API are scraped into that project's tenant, show in its /prometheus/api/v1/targets,
// and their data is readable with that project's app key only.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "conformance/client/http_client.h"
#include "server/promref_server.h"

namespace promref {
namespace {

using nlohmann::json;
using promconform::HttpClient;
using promconform::HttpResponse;

HttpResponse Send(HttpClient& c, const std::string& method, const std::string& url, const std::string& body,
                  const promconform::Headers& h) {
  return c.Do({method, url, h, body});
}

TEST(NhnScrape, WorkspaceJobsAreScrapedIntoTheirProject) {
  httplib::Server exporter;
  exporter.Get("/custom/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("# TYPE app_jobs_total counter\napp_jobs_total 12\n", "text/plain; version=0.0.4");
  });
  const int port = exporter.bind_to_any_port("127.0.0.1");
  std::thread serve([&] { exporter.listen_after_bind(); });
  const std::string cfg =
      "global: {scrape_interval: 1s}\n"
      "promref:\n  route_prefix: /prometheus\n  tenants:\n"
      "    - id: projA\n      app_keys: [key-a]\n"
      "      servers: [{host_id: h1, host_name: web-1, ip: 127.0.0.1, instance_id: i-1}]\n"
      "    - id: projB\n      app_keys: [key-b]\n";
  auto srv = server::StartEmbedded({"--scrape.discovery-reload-interval=1s"}, cfg);
  ASSERT_TRUE(srv.ok()) << srv.error().message();
  const std::string base = (*srv)->base_url();
  HttpClient c;
  const promconform::Headers a = {
      {"X-TC-APP-KEY", "key-a"}, {"X-SYSMON-REGION", "kr"}, {"Content-Type", "application/json"}};
  const promconform::Headers b = {{"X-TC-APP-KEY", "key-b"}};

  auto r = Send(c, "POST", base + "/v1.0/projects/projA/jobs",
                R"({"jobName":"app","metricsPath":"/custom/metrics"})", a);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string job = json::parse(r.body)["body"]["jobId"];
  r = Send(c, "POST", base + "/v1.0/projects/projA/jobs/" + job + "/targets",
           R"({"hostId":"h1","port":)" + std::to_string(port) + "}", a);
  ASSERT_EQ(json::parse(r.body)["header"]["resultCode"], 0) << r.body;

  json result;
  for (int i = 0; i < 100 && result.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    result =
        json::parse(c.Get(base + "/prometheus/api/v1/query?query=app_jobs_total", a).body)["data"]["result"];
  }
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0]["metric"], json({{"__name__", "app_jobs_total"},
                                       {"instance", "127.0.0.1:" + std::to_string(port)},
                                       {"job", "app"}}));
  EXPECT_EQ(result[0]["value"][1], "12");

  const json targets =
      json::parse(c.Get(base + "/prometheus/api/v1/targets", a).body)["data"]["activeTargets"];
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0]["scrapePool"], "app");
  EXPECT_EQ(targets[0]["health"], "up");
  EXPECT_EQ(targets[0]["discoveredLabels"]["__meta_nhn_host_name"], "web-1");

  // Another project sees neither the data nor the target.
  EXPECT_TRUE(
      json::parse(c.Get(base + "/prometheus/api/v1/query?query=app_jobs_total", b).body)["data"]["result"]
          .empty());
  EXPECT_TRUE(
      json::parse(c.Get(base + "/prometheus/api/v1/targets", b).body)["data"]["activeTargets"].empty());
  EXPECT_EQ(c.Get(base + "/prometheus/api/v1/query?query=up").status, 401) << "no app key, no data";

  // Deleting the job stops its scraping: the target leaves the tenant's targets.
  r = Send(c, "DELETE", base + "/v1.0/projects/projA/jobs/" + job, "", a);
  ASSERT_EQ(json::parse(r.body)["header"]["resultCode"], 0) << r.body;
  EXPECT_TRUE(
      json::parse(c.Get(base + "/prometheus/api/v1/targets", a).body)["data"]["activeTargets"].empty());
  srv->reset();
  exporter.stop();
  serve.join();
}

}  // namespace
}  // namespace promref
