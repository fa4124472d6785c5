// file_sd_configs: the file formats and the refresh rules.
#include "scrape/file_sd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace promref::scrape {
namespace {

TEST(FileSd, JsonGroupsGetSourceAndFilepath) {
  auto groups = ParseTargetGroupFile(
      "/sd/a.json", R"([{"targets": ["h1:1", "h2:2"], "labels": {"env": "prod"}}, {"targets": []}])");
  ASSERT_TRUE(groups.ok()) << groups.error().message();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].source, "/sd/a.json:0");
  EXPECT_EQ((*groups)[1].source, "/sd/a.json:1");
  EXPECT_EQ((*groups)[0].targets.at(1).ToString(), "{__address__=\"h2:2\"}");
  EXPECT_EQ((*groups)[0].labels.ToString(), "{__meta_filepath=\"/sd/a.json\", env=\"prod\"}");
}

TEST(FileSd, YamlGroups) {
  auto groups = ParseTargetGroupFile("/sd/b.yml", "- targets: [h:1]\n  labels:\n    team: x\n");
  ASSERT_TRUE(groups.ok()) << groups.error().message();
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ(groups->at(0).labels.Get("team"), "x");
}

TEST(FileSd, UnknownFieldsAndNullGroupsAreErrors) {
  EXPECT_EQ(ParseTargetGroupFile("/a.json", R"([{"target": ["h:1"]}])").error().message(),
            "json: unknown field \"target\"");
  EXPECT_EQ(ParseTargetGroupFile("/a.json", "[null]").error().message(), "nil target group item found");
  EXPECT_FALSE(ParseTargetGroupFile("/a.yaml", "- targets: [h:1]\n  lables: {}\n").ok());
  EXPECT_FALSE(ParseTargetGroupFile("/a.json", "{").ok());
}

TEST(FileSd, SeesChangesAndKeepsGroupsOfABrokenFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("file_sd_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "t.json").string();
  const auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write(R"([{"targets": ["h:1"]}])");
  FileDiscovery d(config::FileSdConfig{{(dir / "*.json").string()}, 300'000});
  std::vector<std::string> errors;
  auto now = std::chrono::steady_clock::now();
  EXPECT_TRUE(d.Refresh(now, &errors));
  EXPECT_EQ(d.Groups().size(), 1u);
  EXPECT_FALSE(d.Refresh(now, &errors)) << "nothing changed";
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write(R"([{"targets": ["h:1", "h:2"]}])");
  EXPECT_TRUE(d.Refresh(now, &errors));
  EXPECT_EQ(d.Groups().at(0).targets.size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write("[{");
  EXPECT_FALSE(d.Refresh(now, &errors));
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(d.Groups().at(0).targets.size(), 2u) << "a broken file keeps its groups";
  std::filesystem::remove(path);
  EXPECT_TRUE(d.Refresh(now, &errors));
  EXPECT_TRUE(d.Groups().empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promref::scrape
