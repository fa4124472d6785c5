// Scrape loops against a real HTTP server: fetching, error texts, timing and end-of-run
// staleness.
#include "scrape/scrape_loop.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/config.h"
#include "scrape/scrape_pool.h"
#include "scrape/tests/storage_dump.h"
#include "storage/mem_storage.h"

namespace promref::scrape {
namespace {

using testing::DumpStorage;

class Exporter {
 public:
  Exporter() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Exporter() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class ScrapeLoopTest : public ::testing::Test {
 protected:
  std::shared_ptr<Target> MakeTarget(const std::string& address, const std::string& extra = "") {
    auto cfg = config::ParseConfig(
        "scrape_configs:\n- job_name: app\n  scrape_interval: 1s\n  scrape_timeout: 500ms\n" + extra);
    EXPECT_TRUE(cfg.ok()) << cfg.error().message();
    auto shared = std::make_shared<const config::ScrapeConfig>(cfg->scrape_configs.at(0));
    return TargetsFromGroup(TargetGroup{"0", {model::Labels{{"__address__", address}}}, {}}, shared)
        .targets.at(0);
  }
  std::unique_ptr<ScrapeLoop> MakeLoop(std::shared_ptr<Target> t, int64_t interval_ms = 1000,
                                       int64_t timeout_ms = 500) {
    LoopEnvironment env{&storage_, 0, "Prometheus/test", false, true};
    return std::make_unique<ScrapeLoop>(std::move(t), std::make_shared<ScrapeCache>(), env, interval_ms,
                                        timeout_ms);
  }
  std::string Up(int64_t t) {
    auto dump = DumpStorage(storage_);
    for (const auto& [time, v] : dump["{__name__=\"up\", instance=\"" + address_ + "\", job=\"app\"}"]) {
      if (time == t) return v;
    }
    return "none";
  }

  storage::MemStorage storage_;
  Exporter exporter_;
  std::string address_ = exporter_.address();
};

TEST_F(ScrapeLoopTest, ScrapesWithPrometheusHeaders) {
  httplib::Headers seen;
  exporter_.server().Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    seen = req.headers;
    res.set_content("# TYPE m gauge\nm 7\n", "text/plain; version=0.0.4");
  });
  auto target = MakeTarget(address_);
  auto loop = MakeLoop(target);
  loop->ScrapeAndReport(1000);
  EXPECT_EQ(Up(1000), "1");
  EXPECT_EQ(target->LastReport().health, Health::kUp);
  EXPECT_EQ(target->LastReport().last_error, "");
  EXPECT_EQ(seen.find("X-Prometheus-Scrape-Timeout-Seconds")->second, "0.5");
  EXPECT_EQ(seen.find("User-Agent")->second, "Prometheus/test");
  EXPECT_EQ(seen.find("Accept")->second,
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,"
            "application/openmetrics-text;version=0.0.1;q=0.6,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3")
      << "weights count down from 0.<number of protocols Prometheus knows + 1>";
  EXPECT_EQ(seen.find("Accept-Encoding")->second, "gzip");
}

TEST_F(ScrapeLoopTest, ErrorsReadAsPrometheus) {
  exporter_.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  exporter_.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(4096, '#') + "\n", "text/plain");
  });
  exporter_.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("m 1\n", "text/plain");
  });
  auto t500 = MakeTarget(address_);
  MakeLoop(t500)->ScrapeAndReport(1000);
  EXPECT_EQ(t500->LastReport().last_error, "server returned HTTP status 500 Internal Server Error");
  EXPECT_EQ(t500->LastReport().health, Health::kDown);
  EXPECT_EQ(Up(1000), "0");

  auto big = MakeTarget(address_, "  metrics_path: /big\n  body_size_limit: 1KB\n");
  MakeLoop(big)->ScrapeAndReport(2000);
  EXPECT_EQ(big->LastReport().last_error, "body size limit exceeded");

  auto slow = MakeTarget(address_, "  metrics_path: /slow\n");
  MakeLoop(slow)->ScrapeAndReport(3000);
  EXPECT_EQ(slow->LastReport().last_error, "Get \"http://" + address_ + "/slow\": context deadline exceeded");

  auto refused = MakeTarget("127.0.0.1:1");
  MakeLoop(refused)->ScrapeAndReport(4000);
  EXPECT_EQ(refused->LastReport().last_error,
            "Get \"http://127.0.0.1:1/metrics\": dial tcp 127.0.0.1:1: connect: connection refused");
}

TEST_F(ScrapeLoopTest, FailuresGoToTheScrapeFailureLogFile) {
  const std::string log = ::testing::TempDir() + "/scrape_failures_" + std::to_string(getpid()) + ".log";
  std::remove(log.c_str());
  auto t = MakeTarget("127.0.0.1:1", "  scrape_failure_log_file: " + log + "\n");
  auto loop = MakeLoop(t);
  loop->ScrapeAndReport(1000);
  loop->ScrapeAndReport(2000);
  std::ifstream in(log);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["level"], "ERROR");
    EXPECT_EQ(j["target"], "http://127.0.0.1:1/metrics");
    EXPECT_EQ(j["msg"], t->LastReport().last_error);
  }
  EXPECT_EQ(lines, 2);
  std::remove(log.c_str());
}

TEST_F(ScrapeLoopTest, ABadBodyFailsTheScrapeWithTheParserError) {
  exporter_.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("m{a=\"1\" 1\n", "text/plain");
  });
  auto t = MakeTarget(address_);
  MakeLoop(t)->ScrapeAndReport(1000);
  EXPECT_EQ(t->LastReport().health, Health::kDown);
  EXPECT_FALSE(t->LastReport().last_error.empty());
  EXPECT_EQ(Up(1000), "0");
}

TEST_F(ScrapeLoopTest, AStoppedLoopMarksItsSeriesStaleAfterTwoIntervals) {
  exporter_.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("m 1\n", "text/plain");
  });
  auto loop = MakeLoop(MakeTarget(address_), 100, 100);
  loop->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  loop->Stop();
  const size_t scrapes =
      DumpStorage(storage_)["{__name__=\"m\", instance=\"" + address_ + "\", job=\"app\"}"].size();
  EXPECT_GE(scrapes, 3u);
  EXPECT_LE(scrapes, 5u);
  loop->Join();  // returns after the end-of-run staleness
  auto samples = DumpStorage(storage_)["{__name__=\"m\", instance=\"" + address_ + "\", job=\"app\"}"];
  ASSERT_EQ(samples.size(), scrapes + 1);
  EXPECT_EQ(samples.back().second, "stale");
  EXPECT_EQ(
      DumpStorage(storage_)["{__name__=\"up\", instance=\"" + address_ + "\", job=\"app\"}"].back().second,
      "stale");
}

TEST_F(ScrapeLoopTest, ACancelledLoopWritesNoStaleMarkers) {
  exporter_.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("m 1\n", "text/plain");
  });
  auto loop = MakeLoop(MakeTarget(address_), 100, 100);
  loop->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  loop->Cancel();
  loop->Join();
  auto dump = DumpStorage(storage_);
  for (const auto& [t, v] : dump["{__name__=\"m\", instance=\"" + address_ + "\", job=\"app\"}"]) {
    EXPECT_EQ(v, "1");
  }
}

TEST_F(ScrapeLoopTest, PoolSyncKeepsUnchangedTargetsAndStopsGoneOnes) {
  exporter_.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("m 1\n", "text/plain");
  });
  auto cfg = config::ParseConfig(
      "scrape_configs:\n- job_name: app\n  scrape_interval: 100ms\n  scrape_timeout: 100ms\n  target_limit: "
      "1\n");
  ASSERT_TRUE(cfg.ok());
  auto shared = std::make_shared<const config::ScrapeConfig>(cfg->scrape_configs.at(0));
  LoopEnvironment env{&storage_, 0, "Prometheus/test", false, true};
  ScrapePool pool(shared, env);
  const TargetGroup one{"0", {model::Labels{{"__address__", address_}}}, {}};
  EXPECT_TRUE(pool.Sync({one}).empty());
  auto first = pool.ActiveTargets();
  ASSERT_EQ(first.size(), 1u);
  pool.Sync({one});
  EXPECT_EQ(pool.ActiveTargets().at(0), first.at(0)) << "the same target keeps its loop";
  TargetGroup two = one;
  two.targets.push_back(model::Labels{{"__address__", "127.0.0.1:1"}});
  pool.Sync({two});
  EXPECT_EQ(pool.ActiveTargets().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& t : pool.ActiveTargets()) {
    EXPECT_EQ(t->LastReport().last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
  }
  pool.Sync({});
  EXPECT_TRUE(pool.ActiveTargets().empty());
  pool.Stop();
}

}  // namespace
}  // namespace promref::scrape
