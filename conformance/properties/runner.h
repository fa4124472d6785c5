// Running properties against targets: laws against one target, and the differential mode
// (the same random expressions on a target and a reference).
//
// Reproducibility: trial i of law L draws its parameters and its expression from a
// std::mt19937_64 seeded with a hash of (seed, L, i), so a run is the same for the same seed,
// dataset base and target version whatever the concurrency; a law stops at its first failure,
// which is then shrunk (see shrink.h) with the trial's parameters kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "properties/generator.h"
#include "properties/laws.h"
#include "properties/shrink.h"
#include "report/results.h"
#include "target/target.h"

namespace promconform::properties {

struct PropertiesOptions {
  uint64_t seed = 1;
  int cases = 100;                   // trials per law (differential: expressions)
  std::vector<std::string> filters;  // globs over law names; empty: every law
  int max_depth = 3;
  bool experimental = false;
  int concurrency = 4;
  int shrink_tries = 300;
  bool progress = false;
};

struct LawFailure {
  Trial trial;           // with the shrunk expression
  std::string original;  // the expression as generated
  int trial_index = 0;
  Outcome outcome;  // of the shrunk expression
  ShrinkResult shrink;
};

struct LawRun {
  const Law* law = nullptr;
  int checked = 0, skipped = 0;
  std::string first_skip_reason;
  std::optional<LawFailure> failure;
  double seconds = 0;
};

// The generator options for a target: its dataset base; functions its version lacks are left out
// (a Prometheus 2.x has no first_over_time, histogram_avg, ...).
GeneratorOptions GeneratorOptionsFor(const Target& target, int64_t base_ms, const PropertiesOptions& o);

// The trial parameters of (seed, law, index), and its expression (empty when the law accepted
// none of the generated ones).
Trial DrawTrial(const Generator& g, const Law& law, uint64_t seed, int index, int64_t base_ms);

std::vector<LawRun> CheckLaws(const Target& target, int64_t base_ms, const PropertiesOptions& o);

struct DiffRun {
  std::vector<CaseResult> cases;      // one per expression; failures shrunk
  std::vector<std::string> failures;  // one-line reproductions
};

// The same random expressions (instant at two times, and as a range query) on both; the answers
// compared with the harness' comparer. Both must hold the dataset at `base_ms`.
DiffRun DiffProperties(const Target& reference, const Target& target, int64_t base_ms,
                       const PropertiesOptions& o);

// One CaseResult per law (category properties/<law>), for the reports.
std::vector<CaseResult> LawResults(const std::vector<LawRun>& runs, uint64_t seed, int64_t base_ms);
// The one-line reproduction of a failed law.
std::string ReproLine(const LawRun& run, uint64_t seed, int64_t base_ms);

}  // namespace promconform::properties
