// Fuzzed calls of the query and metadata endpoints: /api/v1/query, query_range, format_query,
// parse_query, series, labels, label/<name>/values and query_exemplars, with the PromQL and
// `match[]` selectors from the PromQL mutator and the other parameters (time, start, end, step,
// timeout, limit, lookback_delta) mostly valid and sometimes odd: huge, negative, NaN, Inf,
// RFC 3339 edge cases, invalid UTF-8, empty, duplicated. Label names in paths are valid, escaped
// (U__...) or odd.
//
// Contract: a pure function of the generator's state and `anchor_ms` (valid times lie within
// an hour of it). Never produces an admin or write endpoint: those are not the API's parsers and
// could delete the data the fuzzer checks.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "fuzz/fuzz_request.h"
#include "fuzz/promql_mutator.h"

namespace promconform::fuzz {

const std::vector<std::string>& OddTimes();
const std::vector<std::string>& OddLimits();

class ParamMutator {
 public:
  ParamMutator(const PromqlMutator& promql, int64_t anchor_ms) : promql_(promql), anchor_ms_(anchor_ms) {}

  FuzzRequest Next(std::mt19937_64& rng) const;

 private:
  std::string Query(std::mt19937_64& rng, std::string* kind) const;
  std::string Time(std::mt19937_64& rng, int64_t offset_ms) const;
  std::string Duration(std::mt19937_64& rng, const std::string& valid) const;
  std::string Limit(std::mt19937_64& rng) const;
  std::string LabelNameInPath(std::mt19937_64& rng) const;

  const PromqlMutator& promql_;
  int64_t anchor_ms_;
};

}  // namespace promconform::fuzz
