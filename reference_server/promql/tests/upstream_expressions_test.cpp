// Every expression of Prometheus' own PromQL test scripts (../shared/upstream/promqltest, the 3.x
// oracle) must parse with experimental syntax enabled, unless the script expects the evaluation
// to fail (then a parse error is an acceptable failure). Each parsed expression must also
// survive the printer: parse(print(e)) == e.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "promql/parser.h"
#include "promql/printer.h"

namespace promref::promql {
namespace {

std::string UpstreamDir() {
  const char* dir = std::getenv("PROMCONFORM_UPSTREAM_DIR");
  return std::string(dir != nullptr ? dir : "../shared/upstream") + "/promqltest";
}

// "eval instant at 50m EXPR", "eval range from 0 to 50m step 5m EXPR", "eval_fail ...".
std::optional<std::string> EvalExpression(const std::string& line) {
  static const std::regex kInstant(R"(^eval(?:_fail|_warn|_info|_ordered)?\s+instant\s+at\s+\S+\s+(.+)$)");
  static const std::regex kRange(
      R"(^eval(?:_fail|_warn|_info)?\s+range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+\s+(.+)$)");
  std::smatch m;
  if (std::regex_match(line, m, kInstant) || std::regex_match(line, m, kRange)) return m[1].str();
  return std::nullopt;
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
