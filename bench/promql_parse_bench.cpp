// Parse throughput of the PromQL front end over the recorded parse corpus
// (fixtures/promql/parse_corpus.3.x.jsonl): expressions/s and bytes/s, for valid expressions,
// invalid ones (error paths), and printing.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "promql/parser.h"
#include "promql/printer.h"

namespace {

std::vector<std::string> LoadCorpus(bool valid) {
  const char* dir = std::getenv("PROMCONFORM_SOURCE_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : ".") + "/fixtures/promql/parse_corpus.3.x.jsonl");
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    auto rec = nlohmann::json::parse(line);
    if (rec["valid"].get<bool>() == valid) out.push_back(rec["expr"]);
  }
  return out;
}

void RunParse(benchmark::State& state, bool valid) {
  const auto corpus = LoadCorpus(valid);
  if (corpus.empty()) {
    state.SkipWithError("corpus not found: run from the repository root or set PROMCONFORM_SOURCE_DIR");
    return;
  }
  size_t bytes = 0;
  for (const auto& e : corpus) bytes += e.size();
  for (auto _ : state) {
    for (const auto& e : corpus) benchmark::DoNotOptimize(promref::promql::ParseExprDetailed(e));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_ParseValid(benchmark::State& state) {
  RunParse(state, true);
}
void BM_ParseInvalid(benchmark::State& state) {
  RunParse(state, false);
}

void BM_PrintAndPrettify(benchmark::State& state) {
  std::vector<promref::promql::ExprPtr> exprs;
  for (const auto& e : LoadCorpus(true)) {
    auto r = promref::promql::ParseExprDetailed(e);
    if (r.ok()) exprs.push_back(std::move(r.expr));
  }
  for (auto _ : state) {
    for (const auto& e : exprs) benchmark::DoNotOptimize(promref::promql::Prettify(*e));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * exprs.size()));
}

BENCHMARK(BM_ParseValid);
BENCHMARK(BM_ParseInvalid);
BENCHMARK(BM_PrintAndPrettify);

}  // namespace

BENCHMARK_MAIN();
