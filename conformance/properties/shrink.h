// Shrinking, RapidCheck-style: from a failing expression, smaller ones that still fail.
//
// Candidates come from the parsed tree: a node replaced by a child of the same type (or by a
// selector it contains, or a scalar by 1 or 0), modifiers dropped (offset, @, by/without labels,
// on/ignoring labels, group_left/right, bool), matchers dropped, ranges and subquery steps
// shortened, numbers simplified, optional arguments dropped. Every candidate parses; candidates
// are tried shortest first, and the first that still fails becomes the new expression, until
// none does (a local minimum) or the budget of tries is spent. Deterministic.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace promconform::properties {

// The candidates one step simpler than `expr`, each parsing, shortest first, without duplicates.
std::vector<std::string> ShrinkCandidates(const std::string& expr, bool experimental = false);

struct ShrinkResult {
  std::string expr;  // the smallest failing expression found
  int steps = 0;     // accepted shrinks
  int tries = 0;     // candidates tried
};

// Greedy shrinking. `fails(candidate)` says whether the failure persists (it must also reject
// candidates of the wrong shape).
ShrinkResult Shrink(const std::string& expr, const std::function<bool(const std::string&)>& fails,
                    int max_tries = 400, bool experimental = false);

}  // namespace promconform::properties
