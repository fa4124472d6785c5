// Rule files: every error promref reports for a broken file is the one `promtool check rules`
// of Prometheus 3.16 (the pinned peer build) reports for the same file, compared as sets (Go
// reports a rule's label errors in map order).
#include "rules/rule_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "peers/local_peer.h"
#include "rules/templates.h"

namespace promref::rules {
namespace {

RuleFileOptions Options() {
  RuleFileOptions o;
  o.check_template = CheckAlertTemplate;
  return o;
}

// promtool's error lines for `path` (the lines after "FAILED:").
std::multiset<std::string> PromtoolErrors(const std::string& path) {
  const std::string cmd = promconform::PinnedPeersBinDir() + "/promtool check rules " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  std::multiset<std::string> errs;
  const size_t failed = out.find("FAILED:\n");
  if (failed == std::string::npos) return errs;
  // An error may span lines ("yaml: unmarshal errors:\n  line 3: ..."): continuation lines
  // start with two spaces.
  std::string current;
  size_t i = failed + 8;
  while (i < out.size()) {
    size_t j = out.find('\n', i);
    if (j == std::string::npos) j = out.size();
    const std::string line = out.substr(i, j - i);
    if (line.rfind("  ", 0) == 0 && !current.empty()) {
      current += "\n" + line;
    } else if (!line.empty()) {
      if (!current.empty()) errs.insert(current);
      current = line;
    }
    i = j + 1;
  }
  if (!current.empty()) errs.insert(current);
  return errs;
}

class RuleFileTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(RuleFileTest, ErrorsAreThoseOfPromtool) {
  char dir[] = "/tmp/rulefileXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/" + GetParam().first + ".yml";
  std::ofstream(path) << GetParam().second;
  const auto parsed = LoadRuleFile(path, Options());
  const std::multiset<std::string> ours(parsed.errors.begin(), parsed.errors.end());
  const auto theirs = PromtoolErrors(path);
  EXPECT_EQ(ours, theirs);
  std::remove(path.c_str());
  rmdir(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Files, RuleFileTest,
    ::testing::Values(
        std::make_pair("valid", R"Y(groups:
  - name: ok
    interval: 30s
    query_offset: 1m
    limit: 10
    labels: {team: a}
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: "{{ if gt $value 1.0 }}page{{ else }}ticket{{ end }}"}
        annotations: {summary: "{{ $labels.instance }} is down ({{ $value | humanize }})"}
)Y"),
        std::make_pair("many", R"Y(groups:
  - name: g
    rules:
      - record: job:up
        expr: sum by (job) (up
      - alert: A
        record: B
        expr: up
        labels:
          __name__: x
      - expr: up
      - alert: T
        expr: up
        annotations:
          s: "{{ $labels.x "
  - name: g
    rules: []
  - name: ""
    labels: {"bad-name": x}
    rules: []
)Y"),
        std::make_pair("recording_fields", R"Y(groups:
  - name: r
    rules:
      - record: "a{b}"
        expr: up
        for: 1m
        keep_firing_for: 1m
        annotations: {x: y}
      - record: ok
        expr: ""
      - alert: Fn
        expr: up
        labels: {x: "{{ nosuchfunc }}"}
)Y"),
        std::make_pair(
            "unknown_field",
            "groups:\n - name: x\n   limit: abc\n   foo: 1\n   rules:\n     - record: r\n       exprr: up\n"),
        std::make_pair("bad_duration", "groups:\n - name: x\n   interval: 5x\n   rules: []\n"),
        std::make_pair("not_a_map", "groups: 5\n"),
        std::make_pair("bad_expr_function",
                       "groups:\n - name: x\n   rules:\n     - record: r\n       expr: nosuch(up)\n")),
    [](const auto& p) { return std::string(p.param.first); });

TEST(RuleFileTest, DecodesEveryField) {
  const auto parsed = ParseRuleFile("f.yml", R"Y(groups:
  - name: g
    interval: 30s
    query_offset: 1m
    limit: 3
    labels: {team: a}
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations: {b: "2", a: "1"}
)Y",
                                    Options());
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed.groups.size(), 1u);
  const GroupSpec& g = parsed.groups[0];
  EXPECT_EQ(g.interval_ms, 30'000);
  EXPECT_EQ(g.query_offset_ms, 60'000);
  EXPECT_EQ(g.limit, 3);
  EXPECT_EQ(g.labels, (NameValues{{"team", "a"}}));
  ASSERT_EQ(g.rules.size(), 1u);
  EXPECT_EQ(g.rules[0].for_ms, 300'000);
  EXPECT_EQ(g.rules[0].keep_firing_for_ms, 60'000);
  EXPECT_EQ(g.rules[0].annotations, (NameValues{{"a", "1"}, {"b", "2"}}));
}

}  // namespace
}  // namespace promref::rules
