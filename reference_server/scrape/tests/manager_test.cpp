// The scrape manager: reloads that leave unchanged jobs alone, jobs that go away, and
// file_sd_configs changes reaching the pools.
#include "scrape/manager.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/mem_storage.h"

namespace promref::scrape {
namespace {

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    exporter_.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("m 1\n", "text/plain; version=0.0.4");
    });
    port_ = exporter_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { exporter_.listen_after_bind(); });
    dir_ = std::filesystem::temp_directory_path() / ("manager_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    exporter_.stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  std::vector<config::ScrapeConfig> Jobs(const std::string& yaml) {
    auto cfg = config::ParseConfig(yaml);
    EXPECT_TRUE(cfg.ok()) << cfg.error().message();
    return cfg.ok() ? cfg->scrape_configs : std::vector<config::ScrapeConfig>{};
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  ManagerOptions Options() {
    ManagerOptions o;
    o.storage = &storage_;
    o.reload_interval = std::chrono::milliseconds(100);
    o.file_poll_interval = std::chrono::milliseconds(20);
    o.skip_offset = true;
    return o;
  }

  storage::MemStorage storage_;
  httplib::Server exporter_;
  int port_ = 0;
  std::thread thread_;
  std::filesystem::path dir_;
};

TEST_F(ManagerTest, AReloadKeepsTheTargetsOfUnchangedJobs) {
  Manager m(Options());
  const std::string a = "  - job_name: a\n    static_configs: [{targets: ['" + Address() + "']}]\n";
  const std::string b = "  - job_name: b\n    static_configs: [{targets: ['" + Address() + "']}]\n";
  m.ApplyConfig(Jobs("scrape_configs:\n" + a + b), {});
  EXPECT_EQ(m.ScrapePools(), (std::vector<std::string>{"a", "b"}));
  auto before = m.TargetsActive();
  m.ApplyConfig(Jobs("scrape_configs:\n" + a + b + "    sample_limit: 10\n"), {});
  auto after = m.TargetsActive();
  EXPECT_EQ(after["a"].at(0), before["a"].at(0)) << "job a did not change: same target, same loop";
  EXPECT_EQ(after["b"].at(0), before["b"].at(0)) << "a reload keeps targets; only the loops restart";
  EXPECT_EQ(after["b"].at(0)->config()->sample_limit, 10u);
  m.ApplyConfig(Jobs("scrape_configs:\n" + a), {});
  EXPECT_EQ(m.ScrapePools(), (std::vector<std::string>{"a"}));
  m.Stop();
}

TEST_F(ManagerTest, FileSdChangesReachThePool) {
  const auto file = dir_ / "targets.json";
  std::ofstream(file) << R"([{"targets": [")" << Address() << R"("], "labels": {"team": "x"}}])";
  Manager m(Options());
  m.ApplyConfig(Jobs("scrape_configs:\n  - job_name: f\n    file_sd_configs: [{files: ['" +
                     (dir_ / "*.json").string() + "']}]\n"),
                {});
  auto active = m.TargetsActive();
  ASSERT_EQ(active["f"].size(), 1u);
  EXPECT_EQ(active["f"][0]->PublicLabels().Get("team"), "x");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(file) << R"([{"targets": [")" << Address() << R"(", "127.0.0.1:1"]}])";
  for (int i = 0; i < 100 && m.TargetsActive()["f"].size() != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(m.TargetsActive()["f"].size(), 2u);
  std::filesystem::remove(file);
  for (int i = 0; i < 100 && !m.TargetsActive()["f"].empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(m.TargetsActive()["f"].empty()) << "a removed file takes its targets with it";
  m.Stop();
}

TEST_F(ManagerTest, DroppedTargetsAreKeptUpToKeepDroppedTargets) {
  Manager m(Options());
  m.ApplyConfig(Jobs("scrape_configs:\n  - job_name: d\n    keep_dropped_targets: 1\n"
                     "    static_configs: [{targets: ['a:1', 'b:2', 'c:3']}]\n"
                     "    relabel_configs: [{source_labels: [__address__], regex: 'a:1', action: keep}]\n"),
                {});
  EXPECT_EQ(m.TargetsActive()["d"].size(), 1u);
  EXPECT_EQ(m.TargetsDropped()["d"].size(), 1u);
  EXPECT_EQ(m.TargetsDroppedCounts()["d"], 2u);
  m.Stop();
}

}  // namespace
}  // namespace promref::scrape
