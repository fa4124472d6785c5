// Replays the PromQL parse corpus recorded from real Prometheus (fixtures/promql/parse_corpus.*,
// written by scripts/record-parse-corpus): for every expression promref's parser must give the
// verdict, the error text and, for a valid expression, the /api/v1/format_query output that
// Prometheus 3.x gave, both as users run it and with the parser's experimental flags on.
//
// The corpus is also recorded from Prometheus 2.42. promref does not follow 2.42; that
// recording documents how the language changed: every expression 2.42 answers differently
// from 3.x is listed in parse_corpus_version_differences.inc with the change that explains it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "promql/engine.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "storage/mem_storage.h"

namespace promref::promql {
namespace {

struct VersionDifference {
  const char* expr;
  const char* why;
};

// Expressions whose 2.42 outcome differs from Prometheus 3.x's (reference §12).
const VersionDifference kVersionDifferences[] = {
#include "parse_corpus_version_differences.inc"
};

// One recording: its header line, and every expression's record in corpus order.
struct Recording {
  nlohmann::json header;
  std::vector<nlohmann::json> records;
};

Recording Load(const std::string& name) {
  const char* dir = std::getenv("PROMCONFORM_SOURCE_DIR");
  const std::string path = std::string(dir != nullptr ? dir : ".") + "/fixtures/promql/" + name;
  std::ifstream in(path);
  Recording r;
  std::string line;
  if (!std::getline(in, line)) {
    ADD_FAILURE() << "missing " << path << " (scripts/record-parse-corpus writes it)";
    return r;
  }
  r.header = nlohmann::json::parse(line);
  while (std::getline(in, line)) r.records.push_back(nlohmann::json::parse(line));
  return r;
}

// The recordings ask an instant query at 1000 s on an empty server; a few expressions parse but
// are refused when the query is prepared (a duration expression of the query's step, 0 for an
// instant query, that is not above zero). Such an error is recorded without "parse error".
bool IsPreparationError(const nlohmann::json& rec) {
  return !rec["valid"].get<bool>() &&
         rec["error"].get<std::string>().find("parse error: ") == std::string::npos;
}

std::string PreparationDisagreement(const std::string& expr, const std::string& want,
                                    const ParseOptions& options) {
  storage::MemStorage empty;
  Engine engine(EngineOptions{.enable_experimental = options.experimental});
  const QueryResult r = engine.InstantQuery(empty, expr, 1'000'000);
  if (r.status.ok()) return "prometheus refuses it when preparing the query (" + want + "), we answer it";
  const Error& e = r.status.error();
  if (e.message() != want || e.kind() != ErrorKind::kBadData) {
    return "query preparation: prometheus bad_data " + nlohmann::json(want).dump() + ", ours " +
           std::string(ErrorTypeName(e.kind())) + " " + nlohmann::json(e.message()).dump();
  }
  return "";
}

// What promref says about an expression, in the recording's terms; empty when it agrees.
std::string Disagreement(const nlohmann::json& rec, const ParseOptions& options) {
  const std::string expr = rec["expr"];
  ParseResult r = ParseExprDetailed(expr, options);
  if (IsPreparationError(rec)) {
    if (!r.ok()) return "prometheus parses it, we say: " + r.errors.front().ToString(expr);
    return PreparationDisagreement(expr, rec["error"], options);
  }
  if (rec["valid"]) {
    if (!r.ok()) return "prometheus accepts it, we say: " + r.errors.front().ToString(expr);
    if (rec.contains("formatted") && Prettify(*r.expr) != rec["formatted"].get<std::string>()) {
      return "format_query: prometheus " + rec["formatted"].dump() + ", ours " +
             nlohmann::json(Prettify(*r.expr)).dump();
    }
    return "";
  }
  const std::string want = rec["error"];
  if (r.ok()) return "prometheus rejects it (" + want + "), we accept it";
  if (r.errors.front().ToString(expr) != want) {
    return "error: prometheus " + nlohmann::json(want).dump() + ", ours " +
           nlohmann::json(r.errors.front().ToString(expr)).dump();
  }
  return "";
}

void ExpectAgreement(const std::string& file, const ParseOptions& options, const std::string& features) {
  const Recording rec = Load(file);
  ASSERT_FALSE(rec.records.empty());
  EXPECT_EQ(rec.header.value("version", "").substr(0, 2), "3.") << file << " is not a 3.x recording";
  EXPECT_EQ(rec.header.value("enable_feature", ""), features) << file;
  int valid = 0, failures = 0;
  for (const nlohmann::json& r : rec.records) {
    valid += r["valid"].get<bool>() ? 1 : 0;
    const std::string problem = Disagreement(r, options);
    if (problem.empty()) continue;
    ++failures;
    ADD_FAILURE() << nlohmann::json(r["expr"]).dump() << ": " << problem;
  }
  std::cout << file << " (prometheus " << rec.header["version"].get<std::string>()
            << "): " << rec.records.size() << " expressions, " << valid << " valid, " << failures
            << " disagreements\n";
  EXPECT_GE(valid, 1500);
  EXPECT_GE(static_cast<int>(rec.records.size()) - valid, 450);
}

TEST(ParseCorpus, AgreesWithPrometheus3AsUsersRunIt) {
  ExpectAgreement("parse_corpus.3.x.jsonl", {.experimental = false}, "");
}

TEST(ParseCorpus, AgreesWithPrometheus3WithExperimentalParserFlags) {
  ExpectAgreement("parse_corpus.3.x-experimental.jsonl", {.experimental = true},
                  "promql-experimental-functions,promql-binop-fill-modifiers");
}

// The two 3.x recordings differ exactly where a flag gates something: experimental functions,
// limitk/limit_ratio and fill modifiers; never the syntax 3.x made permanent.
TEST(ParseCorpus, ExperimentalFlagsGateOnlyFunctionsAndFillModifiers) {
  const Recording plain = Load("parse_corpus.3.x.jsonl");
  const Recording flags = Load("parse_corpus.3.x-experimental.jsonl");
  ASSERT_EQ(plain.records.size(), flags.records.size());
  int gated = 0;
  for (size_t i = 0; i < plain.records.size(); ++i) {
    if (plain.records[i] == flags.records[i]) continue;
    ++gated;
    const std::string error = plain.records[i].value("error", "");
    EXPECT_TRUE(error.find("is not enabled") != std::string::npos ||
                error.find("is experimental and must be enabled") != std::string::npos ||
                error.find("are experimental and not enabled") != std::string::npos)
        << plain.records[i].dump();
  }
  EXPECT_GE(gated, 20);
}

TEST(ParseCorpus, EveryChangeSince242IsExplained) {
  const Recording v2 = Load("parse_corpus.2.42.jsonl");
  const Recording v3 = Load("parse_corpus.3.x.jsonl");
  EXPECT_EQ(v2.header.value("version", "").substr(0, 4), "2.42");
  ASSERT_EQ(v2.records.size(), v3.records.size());
  std::map<std::string, const char*> listed;
  for (const auto& d : kVersionDifferences) {
    EXPECT_TRUE(listed.emplace(d.expr, d.why).second) << "listed twice: " << d.expr;
  }
  std::set<std::string> differing;
  for (size_t i = 0; i < v2.records.size(); ++i) {
    ASSERT_EQ(v2.records[i]["expr"], v3.records[i]["expr"]) << "the recordings have different inputs";
    if (v2.records[i] == v3.records[i]) continue;
    const std::string expr = v2.records[i]["expr"];
    differing.insert(expr);
    EXPECT_TRUE(listed.count(expr)) << "2.42 and 3.x differ, unexplained: " << v2.records[i].dump() << " vs "
                                    << v3.records[i].dump();
  }
  for (const auto& [expr, why] : listed) {
    EXPECT_TRUE(differing.count(expr)) << "listed as a version difference, but 2.42 and 3.x agree: " << expr;
  }
  std::cout << differing.size() << " of " << v2.records.size()
            << " expressions changed between 2.42 and 3.x\n";
}

}  // namespace
}  // namespace promref::promql
