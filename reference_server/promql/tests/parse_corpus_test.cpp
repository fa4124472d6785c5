// Replays the parse corpus recorded from real Prometheus 2.42 (fixtures/promql/
// parse_corpus.jsonl, written by `promconform promql record-corpus`): for every expression our
// parser must give the same verdict, the same error text, and for valid expressions the same
// /api/v1/format_query output.
//
// Where Prometheus 3.x changed the language on purpose, the 2.42 recording is not the oracle;
// those expressions are listed in kVersionDifferences with the change that explains them and the
// 3.x outcome we assert instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "promql/parser.h"
#include "promql/printer.h"

namespace promref::promql {
namespace {

struct VersionDifference {
  const char* expr;
  bool valid_in_3x;
  const char* why;
  const char* error_in_3x = nullptr;  // where known from 3.16, its error text
};

// Expressions whose 2.42 outcome differs from Prometheus 3.x by design (reference §12).
const VersionDifference kVersionDifferences[] = {
#include "parse_corpus_version_differences.inc"
};

std::string SourceDir() {
  const char* dir = std::getenv("PROMCONFORM_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

TEST(ParseCorpus, AgreesWithPrometheusOnEveryRecordedExpression) {
  std::ifstream in(SourceDir() + "/fixtures/promql/parse_corpus.jsonl");
  ASSERT_TRUE(in.good()) << "missing fixtures/promql/parse_corpus.jsonl";
  std::string line;
  std::getline(in, line);  // header
  std::map<std::string, const VersionDifference*> diffs;
  for (const auto& d : kVersionDifferences) diffs[d.expr] = &d;

  int total = 0, valid = 0, invalid = 0, failures = 0, version_diffs = 0;
  std::set<std::string> seen_diffs;
  while (std::getline(in, line)) {
    const auto rec = nlohmann::json::parse(line);
    const std::string expr = rec["expr"];
    ++total;
    ParseResult r = ParseExprDetailed(expr);
    if (auto it = diffs.find(expr); it != diffs.end()) {
      ++version_diffs;
      seen_diffs.insert(expr);
      EXPECT_EQ(r.ok(), it->second->valid_in_3x)
          << "3.x outcome of " << expr << " (" << it->second->why
          << "): " << (r.ok() ? "valid" : r.errors.front().ToString(expr));
      if (it->second->error_in_3x != nullptr && !r.ok()) {
        EXPECT_EQ(r.errors.front().ToString(expr), it->second->error_in_3x) << it->second->why;
      }
      continue;
    }
    std::string problem;
    if (rec["valid"]) {
      ++valid;
      if (!r.ok()) {
        problem = "prometheus accepts it, we say: " + r.errors.front().ToString(expr);
      } else if (rec.contains("formatted") && Prettify(*r.expr) != rec["formatted"].get<std::string>()) {
        problem = "format_query: prometheus " + rec["formatted"].dump() + ", ours " +
                  nlohmann::json(Prettify(*r.expr)).dump();
      }
    } else {
      ++invalid;
      const std::string want = rec["error"];
      if (r.ok()) {
        problem = "prometheus rejects it (" + want + "), we accept it";
      } else if (r.errors.front().ToString(expr) != want) {
        problem = "error: prometheus " + nlohmann::json(want).dump() + ", ours " +
                  nlohmann::json(r.errors.front().ToString(expr)).dump();
      }
    }
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << nlohmann::json(expr).dump() << ": " << problem;
    }
  }
  for (const auto& d : kVersionDifferences) {
    EXPECT_TRUE(seen_diffs.count(d.expr))
        << "version difference for an expression not in the corpus: " << d.expr;
  }
  std::cout << "parse corpus: " << total << " expressions (" << valid << " valid, " << invalid << " invalid, "
            << version_diffs << " version differences), " << failures << " disagreements\n";
  EXPECT_GE(valid, 1500);
  EXPECT_GE(invalid, 400);
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace promref::promql
