// Known findings: what the oracles flag on a target and someone has already looked at, with
// why, so that a run reports them apart (verdict skipped, "known: <why>") and fails only on
// new ones. A known finding is recorded but not minimised (that is what its entry is for).
//
// File format (e.g. fixtures/fuzz/known_findings.txt), one per line, `#` starts a comment line:
//   <oracle> | <glob> | <why>
// where <glob> ('*' any run, '?' one character) is matched against the finding's message and
// against its request as Summary() prints it ("GET /api/v1/query query=...").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fuzz/oracles.h"
#include "model/error.h"

namespace promconform::fuzz {

struct KnownFinding {
  Oracle oracle = Oracle::kServerError;
  std::string glob;
  std::string why;
};

promref::Result<std::vector<KnownFinding>> ParseKnownFindings(const std::string& text,
                                                              const std::string& source);
promref::Result<std::vector<KnownFinding>> ReadKnownFindings(const std::string& path);

// Why the finding is known, or nullopt.
std::optional<std::string> KnownWhy(const std::vector<KnownFinding>& known, Oracle oracle,
                                    const std::string& message, const std::string& request);

}  // namespace promconform::fuzz
