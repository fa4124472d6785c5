// The comparative report: several targets' results side by side, the page a vendor or a buyer
// reads. Made from one RunResults per target (usually read back from their JSON reports), in
// Markdown and as a self-contained HTML page (inline CSS, no scripts, nothing fetched):
//   targets         one row per run: target, version, claims, judged by (reference and its
//                   version), overall score, and the count of each verdict
//   matrix          categories (the union over all runs, sorted) by targets: the score and
//                   passed/scored of the target in the category; "—" where the run has no case
//                   in it, "not scored" where all its cases there are skipped or other-version
//   where they      the cases, matched by id, whose verdict is not the same in every run that
//   differ          has them, sorted by category then id; a run without the case shows "—".
//                   A case only one run has is not listed (there is nothing to compare it with)
//   fix first       for each run below 100%: its categories by their failing (fail + error)
//                   cases, most first, top 8, each with up to 3 example cases and the first diff
//                   line of each example's first failing exchange (its reason when it has none)
// Scores are the per-target reports': passed / scored, skipped and other-version not scored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/error.h"
#include "report/results.h"

namespace promconform {

struct MatrixCell {
  bool present = false;  // the run has at least one case in the category
  size_t passed = 0;
  size_t scored = 0;
  double score = 1;  // passed / scored, 1 when nothing is scored (as CategoryScore::Score)
};

struct DifferRow {
  std::string category;
  std::string id;
  std::string label;                             // the title, else the expression, else the id
  std::vector<std::optional<Verdict>> verdicts;  // one per run; empty where the run lacks the case
};

struct FixExample {
  std::string id;
  std::string label;
  std::string first_diff;  // clipped to a line's worth
};

struct FixCategory {
  std::string category;
  size_t failing = 0;  // fail + error
  size_t scored = 0;
  std::vector<FixExample> examples;  // up to 3, in the run's order
};

struct FixFirst {
  size_t run = 0;                       // index into the runs
  std::vector<FixCategory> categories;  // most failing first, ties by name; at most 8
};

struct Comparison {
  std::vector<std::string> columns;             // a name per run: its target, made unique
  std::vector<std::string> categories;          // union over the runs, sorted
  std::vector<std::vector<MatrixCell>> matrix;  // [category][run]
  std::vector<DifferRow> differ;                // every differing case (the renderers cut)
  size_t compared = 0;                          // cases at least two runs have
  std::vector<FixFirst> fix_first;              // runs below 100% only, in run order
};

Comparison BuildComparison(const std::vector<RunResults>& runs);

// At most max_rows rows of "where they differ", then a line saying how many more there are.
std::string CompareMarkdown(const std::vector<RunResults>& runs, size_t max_rows = 150);
std::string CompareHtml(const std::vector<RunResults>& runs, size_t max_rows = 600);

// Writes <dir>/<name>.md and <dir>/<name>.html (creating dir). Returns the paths written.
promref::Result<std::vector<std::string>> WriteCompareReports(const std::vector<RunResults>& runs,
                                                              const std::string& dir,
                                                              const std::string& name);

}  // namespace promconform
