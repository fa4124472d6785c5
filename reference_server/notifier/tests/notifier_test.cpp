// The notifier against an HTTP server standing in for an Alertmanager's receiving end (the
// differential test against a real Alertmanager is rules_alertmanager_diff_test).
#include "notifier/notifier.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

namespace promref::notifier {
namespace {

config::AlertingConfig Parse(const std::string& yaml) {
  auto c = config::ParseConfig(yaml);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return c.ok() ? c->alerting : config::AlertingConfig{};
}

struct Receiver {
  httplib::Server server;
  std::mutex mu;
  std::vector<nlohmann::json> posts;
  std::vector<std::string> paths;
  int port = 0;
  std::thread thread;
  std::atomic<int> status{200};
  Receiver() {
    server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      paths.push_back(req.path);
      posts.push_back(nlohmann::json::parse(req.body));
      EXPECT_EQ(req.get_header_value("Content-Type"), "application/json");
      res.status = status;
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Receiver() {
    server.stop();
    thread.join();
  }
  size_t Count() {
    std::lock_guard lock(mu);
    return posts.size();
  }
  bool WaitFor(size_t n) {
    for (int i = 0; i < 500 && Count() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return Count() >= n;
  }
};

Alert MakeAlert(const std::string& name, const std::string& severity) {
  Alert a;
  a.labels = model::Labels{{"alertname", name}, {"severity", severity}};
  a.annotations = model::Labels{{"summary", "it broke"}};
  a.starts_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  a.ends_at = a.starts_at + std::chrono::minutes(4);
  a.generator_url = "http://promref:9090/graph?g0.expr=up&g0.tab=1";
  return a;
}

TEST(NotifierTest, EncodesThePayloadPrometheusSends) {
  const std::string body = EncodeAlerts({MakeAlert("Down", "page")});
  const auto j = nlohmann::json::parse(body);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["labels"], (nlohmann::json{{"alertname", "Down"}, {"severity", "page"}}));
  EXPECT_EQ(j[0]["annotations"]["summary"], "it broke");
  EXPECT_EQ(j[0]["startsAt"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j[0]["endsAt"], "2023-11-14T22:17:20.123Z");
  EXPECT_EQ(j[0]["generatorURL"], "http://promref:9090/graph?g0.expr=up&g0.tab=1");
}

TEST(NotifierTest, ResolvesTargetsWithPathPrefixAndRelabeling) {
  auto alerting = Parse(R"(
alerting:
  alertmanagers:
    - path_prefix: /am/
      static_configs: [{targets: ["a:9093", "b:9093"]}]
      relabel_configs:
        - source_labels: [__address__]
          regex: "b:.*"
          action: drop
)");
  ASSERT_EQ(alerting.alertmanagers.size(), 1u);
  auto r = ResolveAlertmanagers(alerting.alertmanagers[0]);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->first.size(), 1u);
  EXPECT_EQ(r->first[0].url, "http://a:9093/am/api/v2/alerts");
  ASSERT_EQ(r->second.size(), 1u);
  EXPECT_EQ(r->second[0].url, "http://b:9093/am/api/v2/alerts");
}

TEST(NotifierTest, RejectsAddressWithSlashAfterRelabeling) {
  auto alerting = Parse(R"(
alerting:
  alertmanagers:
    - static_configs: [{targets: ["a:9093"]}]
      relabel_configs:
        - target_label: __address__
          replacement: "a:9093/x"
)");
  auto r = ResolveAlertmanagers(alerting.alertmanagers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "\"a:9093/x\" is not a valid hostname");
}

TEST(NotifierTest, SendsWithExternalLabelsAndBothRelabelings) {
  Receiver rx;
  Manager m(Options{});
  const std::string target = "127.0.0.1:" + std::to_string(rx.port);
  ASSERT_TRUE(m.ApplyConfig(Parse(R"(
alerting:
  alert_relabel_configs:
    - source_labels: [severity]
      regex: none
      action: drop
  alertmanagers:
    - static_configs: [{targets: [")" +
                                  target + R"("]}]
      alert_relabel_configs:
        - target_label: routed
          replacement: "yes"
)"),
                            model::Labels{{"cluster", "eu"}, {"severity", "ignored"}})
                  .ok());
  EXPECT_EQ(m.ActiveUrls(), std::vector<std::string>{"http://" + target + "/api/v2/alerts"});
  m.Send({MakeAlert("Down", "page"), MakeAlert("Quiet", "none")});
  ASSERT_TRUE(rx.WaitFor(1));
  std::lock_guard lock(rx.mu);
  EXPECT_EQ(rx.paths[0], "/api/v2/alerts");
  ASSERT_EQ(rx.posts[0].size(), 1u);  // severity=none was dropped
  EXPECT_EQ(
      rx.posts[0][0]["labels"],
      (nlohmann::json{{"alertname", "Down"}, {"severity", "page"}, {"cluster", "eu"}, {"routed", "yes"}}));
}

TEST(NotifierTest, BatchesAndCountsFailures) {
  Receiver rx;
  Options o;
  o.max_batch_size = 2;
  Manager m(o);
  ASSERT_TRUE(
      m.ApplyConfig(Parse("alerting:\n  alertmanagers:\n    - static_configs: [{targets: [\"127.0.0.1:" +
                          std::to_string(rx.port) + "\"]}]\n"),
                    {})
          .ok());
  rx.status = 500;
  m.Send({MakeAlert("A", "x"), MakeAlert("B", "x"), MakeAlert("C", "x")});
  ASSERT_TRUE(rx.WaitFor(2));
  for (int i = 0; i < 200 && m.stats().errors < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(m.stats().errors, 3u);  // alerts affected, in two failed posts
  EXPECT_EQ(m.stats().dropped, 3u);
  rx.status = 200;
  m.Send({MakeAlert("D", "x")});
  ASSERT_TRUE(rx.WaitFor(3));
  for (int i = 0; i < 200 && m.stats().sent < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(m.stats().sent, 1u);
  std::lock_guard lock(rx.mu);
  EXPECT_EQ(rx.posts[0].size(), 2u);
  EXPECT_EQ(rx.posts[1].size(), 1u);
}

}  // namespace
}  // namespace promref::notifier
