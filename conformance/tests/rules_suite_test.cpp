// `promconform rules`: the judge on made-up observations, the command against an embedded
// promref (all of it must pass against the answers recorded from Prometheus 3.16), and a target
// whose alerts skip `for` (promref given the suite's rules without it), which must be flagged.
#include "rules_suite/rules_suite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/remote_write_client.h"
#include "commands/rules_command.h"
#include "profiles/profile.h"
#include "server/promref_server.h"

namespace promconform {
namespace {

using nlohmann::json;
using rules_suite::Observation;

std::string SourceRoot() {
  return std::filesystem::path(ProfilesDir()).parent_path().parent_path().string();
}

const CaseResult* Find(const RunResults& r, const std::string& id) {
  for (const auto& c : r.cases) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

TEST(RulesSuiteTest, JudgeFlagsAlertsThatSkipFor) {
  Observation obs;
  const std::string key = R"({"alertname":"PromconformHighTemp","host":"c"})";
  obs.timelines[key] = {{1.2, "firing"}, {20, "gone"}};
  obs.snapshots = {
      {"firing", json::object()}, {"resolved", {{"alerts", json::array()}}}, {"filters", json::object()}};
  const RunResults r = rules_suite::Judge(obs, {obs.snapshots, "test", nullptr, ""}, RunInfo{});
  ASSERT_NE(Find(r, "alert-timing/for-pending-first"), nullptr);
  EXPECT_EQ(Find(r, "alert-timing/for-pending-first")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "alert-timing/for-held")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "alert-timing/keep-firing-for")->verdict, Verdict::kFail);
}

TEST(RulesSuiteTest, JudgePassesATimelineThatHonoursFor) {
  Observation obs;
  obs.timelines[R"({"alertname":"PromconformHighTemp","host":"c"})"] = {
      {1.5, "pending"}, {7.5, "firing"}, {20, "gone"}};
  obs.snapshots = {{"firing", json::object()},
                   {"resolved",
                    {{"alerts", json::array({{{"labels", {{"alertname", "PromconformKeepB"}}},
                                              {"state", "firing"},
                                              {"keepFiringSince", "set"}}})}}},
                   {"filters", json::object()}};
  const RunResults r = rules_suite::Judge(obs, {obs.snapshots, "test", nullptr, ""}, RunInfo{});
  for (const auto& c : r.cases) EXPECT_EQ(c.verdict, Verdict::kPass) << c.id;
}

TEST(RulesSuiteTest, AnAnswerOfTheOtherLineIsOtherVersion) {
  Observation obs;
  obs.snapshots = json::parse(R"({"filters": {"type=alert": {"groups": [1]}}})");
  const json v3 = json::parse(R"({"filters": {"type=alert": {"groups": [2]}}})");
  const RunResults r = rules_suite::Judge(obs, {v3, "3.x", obs.snapshots, "Prometheus 2.42"}, RunInfo{});
  ASSERT_NE(Find(r, "rules/filters/type=alert"), nullptr);
  EXPECT_EQ(Find(r, "rules/filters/type=alert")->verdict, Verdict::kOtherVersion);
  EXPECT_TRUE(Find(r, "rules/filters/type=alert")->version_difference);
}

TEST(RulesSuiteTest, FixtureRuleFileIsTheSuitesOwn) {
  std::ifstream in(SourceRoot() + "/fixtures/rules/promconform_rules.yml");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), rules_suite::kRuleFile) << "regenerate it with `promconform rules --print-rules`";
}

TEST(RulesSuiteTest, EmbeddedPromrefPassesEveryCase) {
  char dir[] = "/tmp/rules-suite-testXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const int code =
      RunRulesCommand({"rules", "--target", "embedded", "--report-dir", dir, "--format", "json"});
  EXPECT_EQ(code, 0);
  std::filesystem::remove_all(dir);
}

TEST(RulesSuiteTest, FlagsATargetWhoseAlertsSkipFor) {
  char dir[] = "/tmp/rules-suite-skipXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string rules = rules_suite::kRuleFile;
  const std::string for_line = "        for: 6s\n";
  rules.erase(rules.find(for_line), for_line.size());
  std::ofstream(std::string(dir) + "/rules.yml") << rules;
  auto server = promref::server::StartEmbedded(
      {}, "global:\n  evaluation_interval: 2s\nrule_files: ['" + std::string(dir) + "/rules.yml']\n");
  ASSERT_TRUE(server.ok()) << server.error().message();
  HttpClient client;
  const std::string base = (*server)->base_url();
  rules_suite::Access access;
  access.get = [&](const std::string& path) { return client.Get(base + path); };
  access.write = [&](const promref::wire::WriteRequest& w) {
    return SendRemoteWrite(client, base + "/api/v1/write", w);
  };
  auto obs = rules_suite::Observe(access);
  ASSERT_TRUE(obs.ok()) << obs.error().message();
  std::ifstream in(SourceRoot() + "/fixtures/rules/3.x/expected.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const RunResults r = rules_suite::Judge(*obs, {json::parse(ss.str()), "recorded", nullptr, ""}, RunInfo{});
  EXPECT_EQ(Find(r, "alert-timing/for-pending-first")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "alert-timing/for-held")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "alert-timing/keep-firing-for")->verdict, Verdict::kPass);
  EXPECT_EQ(Find(r, "rules/firing/group/promconform-alerts")->verdict, Verdict::kFail);  // duration 0 shows
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promconform
