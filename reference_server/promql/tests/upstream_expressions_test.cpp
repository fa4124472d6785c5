// Every expression of Prometheus' own PromQL test scripts (../shared/upstream/promqltest, the 3.x
// oracle) must parse with experimental syntax enabled, unless the script expects the evaluation
// to fail (then a parse error is an acceptable failure). Each parsed expression must also
// survive the printer: parse(print(e)) == e.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "promql/parser.h"
#include "promql/printer.h"

namespace promref::promql {
namespace {

std::string UpstreamDir() {
  const char* dir = std::getenv("PROMCONFORM_UPSTREAM_DIR");
  return std::string(dir != nullptr ? dir : "../shared/upstream") + "/promqltest";
}

// Splits off the next whitespace-separated word of `s`.
std::string NextWord(std::string_view* s) {
  size_t i = 0;
  while (i < s->size() && std::isspace(static_cast<unsigned char>((*s)[i]))) ++i;
  size_t j = i;
  while (j < s->size() && !std::isspace(static_cast<unsigned char>((*s)[j]))) ++j;
  std::string word(s->substr(i, j - i));
  s->remove_prefix(j);
  return word;
}

// "eval instant at 50m EXPR", "eval range from 0 to 50m step 5m EXPR", "eval_fail ...".
std::optional<std::string> EvalExpression(const std::string& line) {
  std::string_view rest = line;
  const std::string cmd = NextWord(&rest);
  if (cmd != "eval" && cmd != "eval_fail" && cmd != "eval_warn" && cmd != "eval_info" &&
      cmd != "eval_ordered") {
    return std::nullopt;
  }
  const std::string kind = NextWord(&rest);
  std::vector<std::string> expected;
  if (kind == "instant") {
    expected = {"at", ""};
  } else if (kind == "range") {
    expected = {"from", "", "to", "", "step", ""};
  } else {
    return std::nullopt;
  }
  for (const std::string& want : expected) {
    const std::string w = NextWord(&rest);
    if (w.empty() || (!want.empty() && w != want)) return std::nullopt;
  }
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

TEST(UpstreamExpressions, AllParseAndRoundTrip) {
  ASSERT_TRUE(std::filesystem::exists(UpstreamDir())) << UpstreamDir();
  int parsed = 0, expected_failures = 0, failures = 0;
  for (const auto& entry : std::filesystem::directory_iterator(UpstreamDir())) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      auto expr = EvalExpression(lines[i]);
      if (!expr) continue;
      bool expect_fail = lines[i].rfind("eval_fail", 0) == 0;
      for (size_t j = i + 1;
           j < lines.size() && !lines[j].empty() && std::isspace(static_cast<unsigned char>(lines[j][0]));
           ++j) {
        if (lines[j].find("expect fail") != std::string::npos) expect_fail = true;
      }
      ParseResult r = ParseExprDetailed(*expr, {.experimental = true});
      const std::string where = entry.path().filename().string() + ":" + std::to_string(i + 1) + ": " + *expr;
      if (!r.ok()) {
        if (expect_fail) {
          ++expected_failures;
        } else {
          ++failures;
          ADD_FAILURE() << where << "\n  " << r.errors.front().ToString(*expr);
        }
        continue;
      }
      ++parsed;
      const std::string printed = ToString(*r.expr);
      ParseResult again = ParseExprDetailed(printed, {.experimental = true});
      if (!again.ok() || !Equal(*again.expr, *r.expr)) {
        ++failures;
        ADD_FAILURE() << where << "\n  printed as " << printed << "\n  "
                      << (again.ok() ? "which parses to a different tree"
                                     : again.errors.front().ToString(printed));
      }
    }
  }
  std::cout << "upstream expressions: " << parsed << " parsed and round-tripped, " << expected_failures
            << " rejected where the script expects failure, " << failures << " problems\n";
  EXPECT_EQ(failures, 0);
  EXPECT_GT(parsed, 2000);
}

}  // namespace
}  // namespace promref::promql
